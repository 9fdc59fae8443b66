"""Typed access to the parsed YAML tree, with errors that name the file and element path."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from genetlink.loader.errors import SpecError, label, preview
from genetlink.schema.types import LIMITS

log = logging.getLogger("genetlink.loader")

_MINUS_ONE = re.compile(r"^\s*([0-9A-Za-z_-]+)\s*-\s*1\s*$")
_DIGITS = re.compile(r"[0-9]{1,20}")  # ASCII only: str.isdigit() takes "²", int() does not
#: Spec numbers (ids, lengths, limits) are s64 or u64 values; wider ones are mistakes, and
#: too many digits would make str() fail for the error message itself.
INT_RANGE = range(-(2**63), 2**64)


def join(path: str, key: str) -> str:
    """The element path of ``key`` under ``path`` (``a.b``; no leading dot at the root)."""
    return f"{path}.{key}" if path else key


class Node:
    """One mapping of the spec with its element path; getters check types and raise SpecError.

    ``strict`` makes unknown keys an error; otherwise they are ignored (logged at debug),
    because newer kernels add keys that older readers can safely skip.
    """

    __slots__ = ("data", "path", "source", "strict")

    def __init__(self, data: object, path: str, source: str, strict: bool) -> None:
        if not isinstance(data, Mapping):
            raise SpecError(source, path, f"expected a mapping, got {type(data).__name__}")
        self.data: Mapping[str, object] = data
        self.path = path
        self.source = source
        self.strict = strict

    def error(self, key: str | None, reason: str) -> SpecError:
        """A SpecError for ``key`` of this node (or the node itself)."""
        return SpecError(self.source, join(self.path, key) if key else self.path, reason)

    def check_keys(self, allowed: frozenset[str]) -> None:
        """Reject (strict) or log keys that no schema level defines here."""
        for key in self.data:
            if key not in allowed:
                name = label(key) if isinstance(key, str) else preview(key)
                if self.strict:
                    raise self.error(name, "unknown key")
                log.debug("%s: ignoring unknown key %s", self.source, join(self.path, name))

    def has(self, key: str) -> bool:
        """True when ``key`` is present (even with a null value)."""
        return key in self.data

    def opt_str(self, key: str) -> str | None:
        """A string value, None when absent or null."""
        v = self.data.get(key)
        if v is None:
            return None
        if not isinstance(v, str):
            raise self.error(key, f"expected a string, got {preview(v)}")
        return v

    def req_str(self, key: str) -> str:
        """A string value that must be present."""
        v = self.opt_str(key)
        if v is None:
            raise self.error(key, "missing required key")
        if not v:
            raise self.error(key, "must not be empty")
        return v

    def opt_int(self, key: str) -> int | None:
        """An integer value (bools rejected), None when absent."""
        v = self.data.get(key)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int):
            raise self.error(key, f"expected an integer, got {preview(v)}")
        return check_int(self, key, v)

    def opt_uint(self, key: str) -> int | None:
        """A non-negative integer value, None when absent."""
        v = self.opt_int(key)
        if v is not None and v < 0:
            raise self.error(key, f"must not be negative, got {v}")
        return v

    def opt_bool(self, key: str) -> bool:
        """A boolean value, False when absent."""
        v = self.data.get(key)
        if v is None:
            return False
        if not isinstance(v, bool):
            raise self.error(key, f"expected true or false, got {preview(v)}")
        return v

    def choice(self, key: str, allowed: frozenset[str], default: str | None = None) -> str | None:
        """A string value that must be one of ``allowed``."""
        v = self.opt_str(key)
        if v is None:
            return default
        if v not in allowed:
            raise self.error(key, f"unknown value {preview(v)} (expected one of {sorted(allowed)})")
        return v

    def str_list(self, key: str) -> tuple[str, ...]:
        """A list of strings (null or absent: empty)."""
        v = self.data.get(key)
        if v is None:
            return ()
        if not isinstance(v, list):
            raise self.error(key, f"expected a list, got {preview(v)}")
        for i, item in enumerate(v):
            if not isinstance(item, str):
                raise self.error(f"{key}[{i}]", f"expected a string, got {preview(item)}")
        return tuple(v)

    def child(self, key: str) -> Node | None:
        """The mapping under ``key``, None when absent or null."""
        v = self.data.get(key)
        if v is None:
            return None
        return Node(v, join(self.path, key), self.source, self.strict)

    def children(self, key: str) -> list[Node]:
        """The list of mappings under ``key`` (null or absent: empty)."""
        v = self.data.get(key)
        if v is None:
            return []
        if not isinstance(v, list):
            raise self.error(key, f"expected a list, got {type(v).__name__}")
        return [Node(item, f"{join(self.path, key)}[{i}]", self.source, self.strict)
                for i, item in enumerate(v)]  # fmt: skip


def check_int(node: Node, key: str, value: int) -> int:
    """``value`` when it fits the 64-bit range spec numbers have, else a SpecError."""
    if value not in INT_RANGE:
        raise node.error(key, f"a {value.bit_length()}-bit number is out of the 64-bit range")
    return value


def resolve_number(node: Node, key: str, consts: Mapping[str, int | str]) -> int | None:
    """An integer that may be written as a constant name, a limit (``u32-max``) or
    ``NAME - 1`` (the len-or-define / len-or-limit forms); None when absent."""
    v = node.data.get(key)
    if v is None:
        return None
    if isinstance(v, int) and not isinstance(v, bool):
        return check_int(node, key, v)
    if not isinstance(v, str):
        raise node.error(key, f"expected a number or a constant name, got {preview(v)}")
    return check_int(node, key, _resolve_name(node, key, v, consts))


def _resolve_name(node: Node, key: str, text: str, consts: Mapping[str, int | str]) -> int:
    m = _MINUS_ONE.match(text)
    if m:
        return _resolve_name(node, key, m.group(1), consts) - 1
    text = text.strip()
    if _DIGITS.fullmatch(text):
        return int(text)
    if text in LIMITS:
        return LIMITS[text]
    value = consts.get(text)
    if value is None:
        raise node.error(key, f"unknown constant {preview(text)}")
    if isinstance(value, int):
        return value
    if _DIGITS.fullmatch(value):
        return int(value)
    raise node.error(key, f"constant {preview(text)} is not a number ({preview(value)})")

"""Do decoded messages hold what generated stubs say? The promises are read at run time from
a module `genetlink stubs` wrote: the handle Protocol's overloads (op -> view), the views'
`__getitem__` overloads (key -> type) and the TypedDicts of nests, structs and sub-messages.
Used by tests/unit/test_stubs.py (captured datagrams) and tests/kernel/test_stubs_kernel.py.
"""

from __future__ import annotations

import importlib.util
import reprlib
import sys
import types
import typing
from pathlib import Path
from types import ModuleType
from typing import Any, Literal, get_args, get_origin, get_type_hints

from genetlink.codec.decode import Mismatched
from genetlink.codec.family import Decoded
from genetlink.schema.model import Family
from genetlink.stubs import camel


def load(path: Path) -> ModuleType:
    """Import a generated module from its file (registered: its TypedDicts refer to it)."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def signatures(owner: type, method: str) -> list[dict[str, Any]]:
    """The type hints of each overload of `owner.method` (of the method, when not one)."""
    # typing.overload hands back a placeholder; the registry is keyed by module and qualname
    key = types.SimpleNamespace(__module__=owner.__module__,
                                __qualname__=f"{owner.__qualname__}.{method}")  # fmt: skip
    functions = typing.get_overloads(key) or [getattr(owner, method)]
    return [get_type_hints(f, vars(sys.modules[owner.__module__])) for f in functions]


def views(module: ModuleType, family: Family) -> dict[str, type]:
    """Operation name -> the view the handle promises for its messages: by do/dump overloads;
    a notification as the op it notifies of; anything else as AnyMessage."""
    handle = getattr(module, f"{camel(family.name)}Handle")
    found: dict[str, type] = {}
    for method in ("do", "dump"):
        if not hasattr(handle, method):  # a family without requests of that kind
            continue
        for hints in signatures(handle, method):
            result = hints["return"]
            view = get_args(result)[0]  # View | None, Iterator[View]
            for name in get_args(hints["op"]):
                found[name] = view
    for op in family.operations.values():
        found.setdefault(op.name, found.get(op.notify or "", module.AnyMessage))
    return found


def promised(view: type) -> dict[str, Any]:
    """Key -> value type, from a view's `__getitem__` overloads."""
    return {key: hints["return"] for hints in signatures(view, "__getitem__")
            for key in get_args(hints["key"])}  # fmt: skip


def problems(value: Any, expected: Any, path: str, exact: bool = False) -> list[str]:
    """Where `value` is not of the type `expected` (empty: it is). A `Mismatched` (a payload
    of a width its type cannot have) passes unless `exact`: stubs made without --mismatched
    leave it out, as documented."""
    if isinstance(value, Mismatched) and not exact:
        return []
    origin, args = get_origin(expected), get_args(expected)
    wrong = [f"{path}: {reprlib.repr(value)} is not {expected}"]
    if origin is Literal:
        return [] if value in args else wrong
    if origin in (typing.Union, types.UnionType):
        return [] if any(not problems(value, arg, path, exact) for arg in args) else wrong
    if origin is list:
        if not isinstance(value, list):
            return wrong
        return [p for i, item in enumerate(value)
                for p in problems(item, args[0], f"{path}[{i}]", exact)]  # fmt: skip
    if origin is dict:
        if not isinstance(value, dict):
            return wrong
        return [p for key, item in value.items() for p in
                problems(key, args[0], path, exact)
                + problems(item, args[1], f"{path}[{key}]", exact)]
    if typing.is_typeddict(expected):
        if not isinstance(value, dict):
            return wrong
        return fields(value, get_type_hints(expected), path, exact)
    if expected is int:  # a bool is an int to isinstance, and a flag attribute's value
        return [] if isinstance(value, int) and not isinstance(value, bool) else wrong
    return [] if isinstance(value, expected) else wrong


def fields(values: dict[Any, Any], hints: dict[str, Any], path: str,
           exact: bool = False) -> list[str]:  # fmt: skip
    """Problems of a decoded mapping against key -> type; numbers (attributes the spec does
    not name) are bytes, as the stubs document."""
    found: list[str] = []
    for key, value in values.items():
        where = f"{path}.{key}"
        if isinstance(key, int):
            found += problems(value, bytes, where, exact)
        elif key not in hints:
            found.append(f"{where}: not a key the stubs know")
        else:
            found += problems(value, hints[key], where, exact)
    return found


def message_problems(message: Decoded, view: type, exact: bool = False) -> list[str]:
    """Where a decoded message is not what `view` promises, read both ways: key by key first
    (the lazy path, which decodes each value on its own), then in full (`to_dict`)."""
    keys = promised(view)
    lazy = {key: message[key] for key in keys if key in message}
    found = fields(lazy, keys, f"{message.op} (read lazily)", exact)
    return found + fields(message.to_dict(), keys, message.op or "?", exact)

"""Check a request against the running kernel's policy before sending it.

    validate_request(policy, op_id, "do", body)   # EncodeError: .1: 0 is below ... minimum 1

The kernel would reject the same request with EINVAL/ERANGE and an ext-ACK; checking first
names the attribute by path without a round trip, and uses the kernel's limits rather than
the spec's (the kernel's policy is the authority; specs may be older or newer).

Checked, as the kernel's strict validation does: attribute numbers the policy does not
accept, payload lengths (fixed-size types, string and binary limits, flags), integer
ranges and masks, bitfield32 masks; nests and nested arrays through their policy index.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from ..wire import constants as c
from ..wire.attrs import iter_attrs
from ..wire.codecs import INT_FORMATS, SIZES
from ..wire.errors import EncodeError
from .nlctrl import AttrPolicy, Policy

_VARIABLE = {"uint": False, "sint": True}  # NLA_UINT/NLA_SINT: 4 or 8 bytes; value: signed


#: Attribute numbers through nests -> a path by name (".info.ifindex"), for error messages.
Namer = Callable[[list[int]], str]


class _Walk:
    """One request's walk; `numbers` is the path of attribute numbers to the current one."""

    def __init__(self, policy: Policy, body: bytes, label: str, namer: Namer | None,
                 strict: bool) -> None:  # fmt: skip
        self.policy = policy
        self.strict = strict
        self.body = body
        self.label = label
        self.namer = namer

    def fail(self, numbers: list[int], reason: str) -> EncodeError:
        path = "." + ".".join(map(str, numbers))
        if self.namer is not None:
            named = self.namer(numbers)
            if named and named != path:
                path = f"{named} ({path})"
        return EncodeError(f"{self.label}: {path}: {reason}")

    def attrs(self, attrs: dict[int, AttrPolicy], maxtype: int | None, start: int, end: int,
              numbers: list[int]) -> None:  # fmt: skip
        for raw_type, s, e in iter_attrs(self.body, start, end):
            number = raw_type & c.NLA_TYPE_MASK
            here = [*numbers, number]
            kernel = attrs.get(number)
            if kernel is None or kernel.type == "invalid":
                top = max(attrs, default=0) if maxtype is None else maxtype
                if not self.strict:  # GENL_DONT_VALIDATE_STRICT is NL_VALIDATE_LIBERAL: the
                    continue  # kernel skips unknown numbers, above maxtype too (no _MAXTYPE)
                where = f"above the policy's maxtype {top}" if number > top else "not in it"
                raise self.fail(here, f"the kernel's policy does not accept it ({where})")
            self.one(kernel, raw_type, s, e, here)

    def one(self, kernel: AttrPolicy, raw_type: int, s: int, e: int, numbers: list[int]) -> None:
        kind, length = kernel.type, e - s
        if kind == "flag":
            if length:
                raise self.fail(numbers, f"a flag carries no payload, got {length} bytes")
        elif kind in SIZES or kind in _VARIABLE:
            self.integer(kernel, raw_type, s, e, numbers)
        elif kind in ("string", "nul-string"):
            self.string(kernel, s, e, numbers)
        elif kind == "binary":
            self.lengths(kernel, length, numbers)
        elif kind == "bitfield32":
            self.bitfield32(kernel, s, e, numbers)
        elif kind in ("nested", "nested-array") and kernel.policy_idx is not None:
            inner = self.policy.sets.get(kernel.policy_idx, {})
            if kind == "nested":
                self.attrs(inner, kernel.policy_maxtype, s, e, numbers)
                return
            for index, entry_s, entry_e in iter_attrs(self.body, s, e):
                here = [*numbers, index & c.NLA_TYPE_MASK]
                self.attrs(inner, kernel.policy_maxtype, entry_s, entry_e, here)

    def integer(self, kernel: AttrPolicy, raw_type: int, s: int, e: int,
                numbers: list[int]) -> None:  # fmt: skip
        kind, length = kernel.type, e - s
        if kind in _VARIABLE:
            if length not in (4, 8):
                raise self.fail(numbers, f"{kind} needs 4 or 8 bytes, got {length}")
            fmt = ("i" if length == 4 else "q") if _VARIABLE[kind] else "I" if length == 4 else "Q"
        else:
            if length != SIZES[kind]:
                raise self.fail(numbers, f"{kind} needs {SIZES[kind]} bytes, got {length}")
            fmt = INT_FORMATS[kind]
        order = ">" if raw_type & c.NLA_F_NET_BYTEORDER else "="
        value: int = struct.unpack_from(order + fmt, self.body, s)[0]
        if kernel.min_value is not None and value < kernel.min_value:
            raise self.fail(numbers, f"{value} is below the kernel's minimum {kernel.min_value}")
        if kernel.max_value is not None and value > kernel.max_value:
            raise self.fail(numbers, f"{value} is above the kernel's maximum {kernel.max_value}")
        if kernel.mask is not None and value & ~kernel.mask:
            raise self.fail(numbers, f"{value:#x} has bits outside the kernel's mask "
                                     f"{kernel.mask:#x}")  # fmt: skip

    def string(self, kernel: AttrPolicy, s: int, e: int, numbers: list[int]) -> None:
        payload = self.body[s:e]
        if kernel.type == "nul-string":
            if b"\0" not in payload:
                raise self.fail(numbers, "the kernel needs a NUL-terminated string")
            size = payload.index(b"\0")
        else:
            size = len(payload) - 1 if payload.endswith(b"\0") else len(payload)
        if kernel.max_length is not None and size > kernel.max_length:
            raise self.fail(numbers, f"string of {size} bytes, longer than the kernel's "
                                     f"maximum {kernel.max_length}")  # fmt: skip
        if kernel.min_length is not None and size < kernel.min_length:
            raise self.fail(numbers, f"string of {size} bytes, shorter than the kernel's "
                                     f"minimum {kernel.min_length}")  # fmt: skip

    def lengths(self, kernel: AttrPolicy, length: int, numbers: list[int]) -> None:
        if kernel.min_length is not None and length < kernel.min_length:
            raise self.fail(numbers, f"{length} bytes, fewer than the kernel's minimum "
                                     f"{kernel.min_length}")  # fmt: skip
        if kernel.max_length is not None and length > kernel.max_length:
            raise self.fail(numbers, f"{length} bytes, more than the kernel's maximum "
                                     f"{kernel.max_length}")  # fmt: skip

    def bitfield32(self, kernel: AttrPolicy, s: int, e: int, numbers: list[int]) -> None:
        if e - s != 8:
            raise self.fail(numbers, f"bitfield32 needs 8 bytes, got {e - s}")
        value, selector = struct.unpack_from("=II", self.body, s)
        valid = kernel.bitfield32_mask
        if valid is not None and (value | selector) & ~valid:
            raise self.fail(numbers, f"bits outside the kernel's mask {valid:#x}")
        if value & ~selector:
            raise self.fail(numbers, "value bits set outside the selector")


def validate_request(policy: Policy, op_id: int, mode: str, body: bytes, *,
                     header_size: int = 0, namer: Namer | None = None,
                     label: str | None = None, strict: bool = True) -> None:  # fmt: skip
    """Raise EncodeError where the request `body` breaks the kernel's policy for `op_id`.

    `body` is what follows the genlmsghdr: the family's fixed header (`header_size` bytes,
    padded to 4) then attributes. `mode` is "do" or "dump". Paths in errors are attribute
    numbers (".2.1"), with names too when a `namer` gives them; `label` names the request.
    An operation for which the kernel reports no policy, or an empty one (maxattr 0: the
    kernel does not parse its attributes at all), passes unchecked. `strict=False` (ops the
    kernel validates leniently, the spec's ``dont-validate: [strict]``) lets unknown
    attribute numbers below the highest one in the policy pass.
    """
    attrs = policy.op(op_id, mode)
    if not attrs:
        return
    walk = _Walk(policy, body, f"{label or f'cmd {op_id}'} {mode}", namer, strict)
    walk.attrs(attrs, None, (header_size + 3) & ~3, len(body), [])


__all__ = ["Namer", "validate_request"]

"""Check a request against the running kernel's policy before sending it.

    validator = PolicyValidator(client, "netdev", codec)
    body = validator.check("dev-get", {"ifindex": 0})   # EncodeError: .ifindex ... minimum 1

The kernel would reject the same request with EINVAL/ERANGE and an ext-ACK; checking first
names the attribute by path without a round trip, and uses the kernel's limits rather than
the spec's (the kernel's policy is the authority; specs may be older or newer).

Checked, as the kernel's strict validation does: attribute numbers the policy does not
accept, payload lengths (fixed-size types, string and binary limits, flags), integer
ranges and masks, bitfield32 masks; nests and nested arrays through their policy index.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Any

from ..wire import constants as c
from ..wire.attrs import iter_attrs
from ..wire.codecs import INT_FORMATS, SIZES
from ..wire.errors import EncodeError
from .flow import Flow
from .nlctrl import AttrPolicy, Policy, getpolicy_flow

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ..codec.family import FamilyCodec
    from .client import GenlClient

_VARIABLE = {"uint": False, "sint": True}  # NLA_UINT/NLA_SINT: 4 or 8 bytes; value: signed


class _Walk:
    """One request's walk; `numbers` is the path of attribute numbers to the current one."""

    def __init__(self, policy: Policy, body: bytes, label: str, namer: Any = None,
                 strict: bool = True) -> None:  # fmt: skip
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
                if not self.strict and number <= top:
                    continue  # GENL_DONT_VALIDATE_STRICT: unknown numbers below maxtype pass
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
                     header_size: int = 0, codec: FamilyCodec | None = None,
                     op_name: str | None = None, strict: bool = True) -> None:  # fmt: skip
    """Raise EncodeError where the request `body` breaks the kernel's policy for `op_id`.

    `body` is what follows the genlmsghdr: the family's fixed header (`header_size` bytes,
    padded to 4) then attributes. `mode` is "do" or "dump". Paths in errors are attribute
    numbers (".2.1"), with the spec's names too when `codec` and `op_name` are given.
    An operation for which the kernel reports no policy, or an empty one (maxattr 0: the
    kernel does not parse its attributes at all), passes unchecked. `strict=False` (ops the
    kernel validates leniently, the spec's ``dont-validate: [strict]``) lets unknown
    attribute numbers below the highest one in the policy pass.
    """
    attrs = policy.op(op_id, mode)
    if not attrs:
        return
    label = f"{op_name or f'cmd {op_id}'} {mode}"
    namer = None
    if codec is not None and op_name is not None and op_name in codec.family.operations:
        set_name = codec.family.operations[op_name].attribute_set
        namer = _namer(codec, set_name)
    walk = _Walk(policy, body, label, namer, strict)
    walk.attrs(attrs, None, (header_size + 3) & ~3, len(body), [])


def validation_flow(policy: Policy | None, family: str, number: int, mode: str, body: bytes,
                    codec: FamilyCodec | None, operation: str,
                    timeout: float | None) -> Flow[Policy]:  # fmt: skip
    """Check a request body against the kernel's policy (fetched first when `policy` is None,
    through nlctrl); returns the policy for the caller to keep. EncodeError when it fails."""
    if policy is None:
        policy = yield from getpolicy_flow(family, timeout=timeout)
    op = codec.family.operations.get(operation) if codec is not None else None
    validate_request(policy, number, mode, body,
                     header_size=op.fixed_header_size if op is not None else 0,
                     codec=codec, op_name=operation if op is not None else None,
                     strict=op is None or "strict" not in op.dont_validate)  # fmt: skip
    return policy


def _namer(codec: FamilyCodec, set_name: str | None) -> Any:
    def name(numbers: list[int]) -> str:
        return codec.name_path(set_name, numbers)

    return name


class PolicyValidator:
    """Validates requests of one family against the kernel's policy, fetched once and cached.

    `codec` (a schema FamilyCodec) lets `check` take op names and values; without it ops are
    command numbers and requests are encoded bodies (bytes after the genlmsghdr).
    """

    def __init__(self, client: GenlClient, family_name: str,
                 codec: FamilyCodec | None = None) -> None:  # fmt: skip
        self.client = client
        self.family_name = family_name
        self.codec = codec
        self._policy: Policy | None = None

    @property
    def policy(self) -> Policy:
        """The kernel's policy of the family (fetched on first use)."""
        if self._policy is None:
            self._policy = self.client.policy(self.family_name)
        return self._policy

    def refresh(self) -> None:
        """Forget the cached policy (after the family was re-registered, say)."""
        self._policy = None

    def check(self, op: str | int, values_or_body: Mapping[str, Any] | bytes | None = None,
              mode: str = "do") -> bytes:  # fmt: skip
        """Encode (when given values) and validate a request; returns the body to send.

        EncodeError names the offending attribute. Values need a codec.
        """
        codec = self.codec
        if codec is None:
            if not isinstance(op, int) or not isinstance(values_or_body, bytes | bytearray | None):
                raise EncodeError(f"{self.family_name}: without a codec give a command number "
                                  "and an encoded body")  # fmt: skip
            body = bytes(values_or_body or b"")
            validate_request(self.policy, op, mode, body)
            return body
        operation = codec.family.op_by_request(op) if isinstance(op, int) else codec.operation(op)
        if operation is None:  # a number the spec does not know: check by number only
            assert isinstance(op, int)
            body = bytes(values_or_body or b"")  # type: ignore[arg-type]
            validate_request(self.policy, op, mode, body)
            return body
        if isinstance(values_or_body, bytes | bytearray):
            op_id, _ = codec.encode(operation, None, mode=mode)
            body = bytes(values_or_body)
        else:
            op_id, body = codec.encode(operation, values_or_body, mode=mode)
        validate_request(self.policy, op_id, mode, body,
                         header_size=operation.fixed_header_size, codec=codec,
                         op_name=operation.name,
                         strict="strict" not in operation.dont_validate)  # fmt: skip
        return body


__all__ = ["PolicyValidator", "validate_request"]

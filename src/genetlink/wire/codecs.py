"""Scalar codecs: the fixed-width integers, NLA_UINT/NLA_SINT, strings, bitfield32."""

from __future__ import annotations

import struct
from typing import NamedTuple

from .errors import DecodeError, EncodeError

#: Fixed-width integers by the spec's type names; "be"/"le" prefixes force a byte order.
SCALARS: dict[str, struct.Struct] = {}
for _name, _fmt in (
    ("u8", "B"), ("u16", "H"), ("u32", "I"), ("u64", "Q"),
    ("s8", "b"), ("s16", "h"), ("s32", "i"), ("s64", "q"),
):  # fmt: skip
    SCALARS[_name] = struct.Struct("=" + _fmt)
    SCALARS["be" + _name[1:] if _name[0] == "u" else "bes" + _name[1:]] = struct.Struct(">" + _fmt)
    SCALARS["le" + _name[1:] if _name[0] == "u" else "les" + _name[1:]] = struct.Struct("<" + _fmt)
del _name, _fmt

#: Inclusive value ranges of the fixed-width types, for validating before encoding.
RANGES: dict[str, tuple[int, int]] = {
    "u8": (0, 0xFF),
    "u16": (0, 0xFFFF),
    "u32": (0, 0xFFFF_FFFF),
    "u64": (0, 0xFFFF_FFFF_FFFF_FFFF),
    "s8": (-0x80, 0x7F),
    "s16": (-0x8000, 0x7FFF),
    "s32": (-0x8000_0000, 0x7FFF_FFFF),
    "s64": (-0x8000_0000_0000_0000, 0x7FFF_FFFF_FFFF_FFFF),
    "uint": (0, 0xFFFF_FFFF_FFFF_FFFF),
    "sint": (-0x8000_0000_0000_0000, 0x7FFF_FFFF_FFFF_FFFF),
}

_U32 = SCALARS["u32"]
_U64 = SCALARS["u64"]
_S32 = SCALARS["s32"]
_S64 = SCALARS["s64"]
_BITFIELD32 = struct.Struct("=II")


def scalar(type_name: str, byte_order: str | None = None) -> struct.Struct:
    """The Struct for a fixed-width type, honouring a spec's `byte-order`."""
    if byte_order == "big-endian":
        type_name = ("be" + type_name[1:]) if type_name[0] == "u" else ("bes" + type_name[1:])
    elif byte_order == "little-endian":
        type_name = ("le" + type_name[1:]) if type_name[0] == "u" else ("les" + type_name[1:])
    try:
        return SCALARS[type_name]
    except KeyError:
        raise EncodeError(f"not a fixed-width integer type: {type_name!r}") from None


def check_range(type_name: str, value: int) -> int:
    """Raise EncodeError unless `value` is an int that fits `type_name`."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise EncodeError(f"{type_name} needs an integer, got {type(value).__name__} {value!r}")
    low, high = RANGES[type_name.removeprefix("be").removeprefix("le") or type_name]
    if not low <= value <= high:
        raise EncodeError(f"{value} out of range for {type_name} ({low}..{high})")
    return value


def decode_uint(data: bytes, start: int = 0, end: int | None = None) -> int:
    """NLA_UINT: 4 or 8 bytes, host order (the kernel picks the width by value)."""
    size = (len(data) if end is None else end) - start
    if size == 4:
        return int(_U32.unpack_from(data, start)[0])
    if size == 8:
        return int(_U64.unpack_from(data, start)[0])
    raise DecodeError(f"uint attribute of {size} bytes (4 or 8 expected)", start)


def decode_sint(data: bytes, start: int = 0, end: int | None = None) -> int:
    """NLA_SINT: 4 or 8 bytes, host order."""
    size = (len(data) if end is None else end) - start
    if size == 4:
        return int(_S32.unpack_from(data, start)[0])
    if size == 8:
        return int(_S64.unpack_from(data, start)[0])
    raise DecodeError(f"sint attribute of {size} bytes (4 or 8 expected)", start)


def encode_uint(value: int) -> bytes:
    """NLA_UINT the way the kernel writes it: 4 bytes when the value fits, else 8."""
    check_range("uint", value)
    return _U32.pack(value) if value <= 0xFFFF_FFFF else _U64.pack(value)


def encode_sint(value: int) -> bytes:
    """NLA_SINT: 4 bytes when the value fits, else 8."""
    check_range("sint", value)
    return _S32.pack(value) if -0x8000_0000 <= value <= 0x7FFF_FFFF else _S64.pack(value)


def decode_string(data: bytes, start: int = 0, end: int | None = None) -> str:
    """A string attribute: up to the first NUL (if any); undecodable bytes kept as escapes."""
    raw = data[start:end]
    nul = raw.find(b"\0")
    if nul >= 0:
        raw = raw[:nul]
    return raw.decode("utf-8", "surrogateescape")


def encode_string(value: str, *, nul: bool = True) -> bytes:
    """A string attribute, NUL-terminated unless `nul` is false."""
    if not isinstance(value, str):
        raise EncodeError(f"string needed, got {type(value).__name__} {value!r}")
    raw = value.encode("utf-8", "surrogateescape")
    return raw + b"\0" if nul else raw


class Bitfield32(NamedTuple):
    """struct nla_bitfield32: which bits to change (selector) and their new values."""

    value: int
    selector: int


def decode_bitfield32(data: bytes, start: int = 0, end: int | None = None) -> Bitfield32:
    """NLA_BITFIELD32: two u32s, value then selector."""
    size = (len(data) if end is None else end) - start
    if size != 8:
        raise DecodeError(f"bitfield32 attribute of {size} bytes (8 expected)", start)
    value, selector = _BITFIELD32.unpack_from(data, start)
    return Bitfield32(value, selector)


def encode_bitfield32(value: int, selector: int) -> bytes:
    """NLA_BITFIELD32 from its two halves."""
    check_range("u32", value)
    check_range("u32", selector)
    return _BITFIELD32.pack(value, selector)

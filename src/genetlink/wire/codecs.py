"""Scalar codecs: the fixed-width integers, NLA_UINT/NLA_SINT, strings, bitfield32."""

from __future__ import annotations

import struct
from typing import NamedTuple

from .errors import DecodeError, EncodeError

#: The fixed-width integer types by the spec's names: their `struct` format letter. Every
#: size, range and format elsewhere in the package derives from this one table.
INT_FORMATS: dict[str, str] = {
    "u8": "B", "u16": "H", "u32": "I", "u64": "Q",
    "s8": "b", "s16": "h", "s32": "i", "s64": "q",
}  # fmt: skip

#: Fixed-width integers (host order); "be"/"le" prefixes force a byte order ("be32", "les16").
SCALARS: dict[str, struct.Struct] = {}
for _name, _fmt in INT_FORMATS.items():
    _rest = _name[1:] if _name[0] == "u" else _name
    SCALARS[_name] = struct.Struct("=" + _fmt)
    SCALARS["be" + _rest] = struct.Struct(">" + _fmt)
    SCALARS["le" + _rest] = struct.Struct("<" + _fmt)
del _name, _fmt, _rest

#: Sizes in bytes of the fixed-width integer types.
SIZES: dict[str, int] = {name: SCALARS[name].size for name in INT_FORMATS}


def _range(name: str) -> tuple[int, int]:
    bits = SIZES[name] * 8
    return (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if name[0] == "s" else (0, (1 << bits) - 1)


#: Inclusive value ranges of the integer types (NLA_UINT/NLA_SINT: those of 64 bits).
RANGES: dict[str, tuple[int, int]] = {name: _range(name) for name in INT_FORMATS}
RANGES["uint"] = RANGES["u64"]
RANGES["sint"] = RANGES["s64"]

_U32 = SCALARS["u32"]
_U64 = SCALARS["u64"]
_S32 = SCALARS["s32"]
_S64 = SCALARS["s64"]
_BITFIELD32 = struct.Struct("=II")


def base_type(type_name: str) -> str:
    """The host-order name of a fixed-width type ("be16" -> "u16", "les32" -> "s32")."""
    if type_name[:2] in ("be", "le"):
        rest = type_name[2:]
        return rest if rest[:1] == "s" else "u" + rest
    return type_name


def scalar(type_name: str, byte_order: str | None = None) -> struct.Struct:
    """The Struct for a fixed-width type, honouring a spec's `byte-order`."""
    if byte_order in ("big-endian", "little-endian"):
        rest = type_name[1:] if type_name[0] == "u" else type_name
        type_name = ("be" if byte_order == "big-endian" else "le") + rest
    try:
        return SCALARS[type_name]
    except KeyError:
        raise EncodeError(f"not a fixed-width integer type: {type_name!r}") from None


def check_range(type_name: str, value: int) -> int:
    """Raise EncodeError unless `value` is an int that fits `type_name`."""
    if not isinstance(value, int) or isinstance(value, bool):
        shown = f"{type(value).__name__} {short_repr(value)}"
        raise EncodeError(f"{type_name} needs an integer, got {shown}")
    low, high = RANGES[base_type(type_name)]
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
    """A string attribute, NUL-terminated unless `nul` is false.

    A NUL inside is an EncodeError: the kernel reads a string up to its first NUL, so
    "lo\\0junk" would silently name "lo". Surrogate escapes ("\\udcff", how undecodable bytes
    are decoded) stand for those bytes again.
    """
    if not isinstance(value, str):
        raise EncodeError(f"string needed, got {type(value).__name__} {short_repr(value)}")
    nul_at = value.find("\0")
    if nul_at >= 0:
        raise EncodeError(f"string {short_repr(value)} holds a NUL at index {nul_at}")
    try:
        raw = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError as exc:
        raise EncodeError(f"string {short_repr(value)} is not encodable: {exc.reason}") from None
    return raw + b"\0" if nul else raw


def short_repr(value: object) -> str:
    """A value's repr, cut short: error messages stay one readable line."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


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

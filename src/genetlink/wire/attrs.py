"""Attributes (TLV): a lazy walk over a received buffer, and a builder for requests.

Parsing never creates an object per attribute: `Attrs` keeps one dict from attribute number
to the offset of its header, built on first access, and decodes a value only when asked.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from . import codecs
from .constants import NLA_F_NESTED, NLA_HDRLEN, NLA_TYPE_MASK
from .errors import DecodeError, EncodeError

NLATTR = struct.Struct("=HH")
_unpack_nla = NLATTR.unpack_from
_pack_nla = NLATTR.pack
_pack_into_nla = NLATTR.pack_into

_U8 = codecs.SCALARS["u8"]
_U16 = codecs.SCALARS["u16"]
_U32 = codecs.SCALARS["u32"]
_U64 = codecs.SCALARS["u64"]
_S8 = codecs.SCALARS["s8"]
_S16 = codecs.SCALARS["s16"]
_S32 = codecs.SCALARS["s32"]
_S64 = codecs.SCALARS["s64"]


def iter_attrs(data: bytes, start: int, end: int) -> Iterator[tuple[int, int, int]]:
    """Yield (type with flag bits, payload start, payload end) for each attribute in the span.

    Up to three trailing bytes are tolerated, as the kernel's nla_parse does; anything that
    claims more than the span holds raises DecodeError.
    """
    offset = start
    while end - offset >= NLA_HDRLEN:
        length, attr_type = _unpack_nla(data, offset)
        if length < NLA_HDRLEN:
            raise DecodeError(f"attribute length {length} < 4", offset)
        stop = offset + length
        if stop > end:
            raise DecodeError(f"attribute length {length} runs past its container", offset)
        yield attr_type, offset + NLA_HDRLEN, stop
        offset = (stop + 3) & ~3


class Attrs:
    """A lazy view of the attributes in `data[start:end]`, keyed by attribute number.

    Lookup gives the last occurrence of a number (as the kernel's nla_parse does); `get_all`
    gives every occurrence, for multi-attr attributes.
    """

    __slots__ = ("_index", "data", "end", "start")

    def __init__(self, data: bytes, start: int = 0, end: int | None = None) -> None:
        self.data = data
        self.start = start
        self.end = len(data) if end is None else end
        self._index: dict[int, int] | None = None

    def _build(self) -> dict[int, int]:
        # `iter_attrs`'s walk inline: this index is built for every lazily read message.
        index: dict[int, int] = {}
        data, offset, end = self.data, self.start, self.end
        unpack = _unpack_nla
        while end - offset >= 4:
            length, attr_type = unpack(data, offset)
            if length < 4 or offset + length > end:
                raise DecodeError(f"bad attribute length {length}", offset)
            index[attr_type & 0x3FFF] = offset
            offset = (offset + length + 3) & ~3
        self._index = index
        return index

    def span(self, attr_type: int) -> tuple[int, int] | None:
        """(payload start, payload end) of the attribute, or None when absent."""
        index = self._index if self._index is not None else self._build()
        offset = index.get(attr_type)
        if offset is None:
            return None
        return offset + NLA_HDRLEN, offset + _unpack_nla(self.data, offset)[0]

    def flags(self, attr_type: int) -> int:
        """The NLA_F_* bits the sender set on the attribute (0 when absent)."""
        index = self._index if self._index is not None else self._build()
        offset = index.get(attr_type)
        return 0 if offset is None else _unpack_nla(self.data, offset)[1] & ~NLA_TYPE_MASK

    def get(self, attr_type: int) -> bytes | None:
        """The payload as bytes, or None."""
        span = self.span(attr_type)
        return None if span is None else self.data[span[0] : span[1]]

    def get_all(self, attr_type: int) -> list[bytes]:
        """Payloads of every occurrence of `attr_type`, in wire order (multi-attr)."""
        data = self.data
        return [
            data[s:e]
            for t, s, e in iter_attrs(data, self.start, self.end)
            if t & NLA_TYPE_MASK == attr_type
        ]

    def nested(self, attr_type: int) -> Attrs | None:
        """The attributes nested inside `attr_type`, or None."""
        span = self.span(attr_type)
        return None if span is None else Attrs(self.data, span[0], span[1])

    def array(self, attr_type: int) -> list[Attrs]:
        """An indexed array (nested attributes numbered 0..n or 1..n), each entry's attributes."""
        span = self.span(attr_type)
        if span is None:
            return []
        data = self.data
        return [Attrs(data, s, e) for _t, s, e in iter_attrs(data, span[0], span[1])]

    def items(self) -> Iterator[tuple[int, int, int]]:
        """(number, payload start, payload end) for every attribute, duplicates included."""
        for t, s, e in iter_attrs(self.data, self.start, self.end):
            yield t & NLA_TYPE_MASK, s, e

    def __contains__(self, attr_type: object) -> bool:
        index = self._index if self._index is not None else self._build()
        return attr_type in index

    def __iter__(self) -> Iterator[int]:
        index = self._index if self._index is not None else self._build()
        return iter(index)

    def __len__(self) -> int:
        index = self._index if self._index is not None else self._build()
        return len(index)

    def __repr__(self) -> str:
        return f"Attrs({sorted(self)})"

    def _fixed(self, attr_type: int, codec: struct.Struct) -> int | None:
        index = self._index if self._index is not None else self._build()
        offset = index.get(attr_type)
        if offset is None:
            return None
        data = self.data
        if _unpack_nla(data, offset)[0] - NLA_HDRLEN < codec.size:
            raise DecodeError(f"attribute {attr_type} too short for its type", offset)
        return int(codec.unpack_from(data, offset + NLA_HDRLEN)[0])

    def u8(self, attr_type: int) -> int | None:
        """Typed getter: unsigned 8-bit value or None."""
        return self._fixed(attr_type, _U8)

    def u16(self, attr_type: int) -> int | None:
        """Typed getter: unsigned 16-bit value (host order) or None."""
        return self._fixed(attr_type, _U16)

    def u32(self, attr_type: int) -> int | None:
        """Typed getter: unsigned 32-bit value (host order) or None."""
        return self._fixed(attr_type, _U32)

    def u64(self, attr_type: int) -> int | None:
        """Typed getter: unsigned 64-bit value (host order) or None."""
        return self._fixed(attr_type, _U64)

    def s8(self, attr_type: int) -> int | None:
        """Typed getter: signed 8-bit value or None."""
        return self._fixed(attr_type, _S8)

    def s16(self, attr_type: int) -> int | None:
        """Typed getter: signed 16-bit value or None."""
        return self._fixed(attr_type, _S16)

    def s32(self, attr_type: int) -> int | None:
        """Typed getter: signed 32-bit value or None."""
        return self._fixed(attr_type, _S32)

    def s64(self, attr_type: int) -> int | None:
        """Typed getter: signed 64-bit value or None."""
        return self._fixed(attr_type, _S64)

    def uint(self, attr_type: int) -> int | None:
        """Typed getter: NLA_UINT (4 or 8 bytes) or None."""
        span = self.span(attr_type)
        return None if span is None else codecs.decode_uint(self.data, *span)

    def sint(self, attr_type: int) -> int | None:
        """Typed getter: NLA_SINT (4 or 8 bytes) or None."""
        span = self.span(attr_type)
        return None if span is None else codecs.decode_sint(self.data, *span)

    def string(self, attr_type: int) -> str | None:
        """Typed getter: string up to the first NUL, or None."""
        index = self._index if self._index is not None else self._build()
        offset = index.get(attr_type)
        if offset is None:
            return None
        data = self.data
        return codecs.decode_string(data, offset + 4, offset + _unpack_nla(data, offset)[0])

    def flag(self, attr_type: int) -> bool:
        """A flag attribute: True when present."""
        return attr_type in self


class AttrBuilder:
    """Appends attributes (`struct nlattr` TLVs, each padded to 4 bytes) to one bytearray,
    `buffer`; nests are opened, filled, then closed. Every `put_*` returns the builder, and a
    builder is accepted wherever a request takes attributes (`builder.bytes()` for the raw
    bytes). A nest: `token = builder.nest_start(type)`, the nest's attributes, then
    `builder.nest_end(token)`. An attribute or nest longer than 65535 bytes raises
    `EncodeError`."""

    __slots__ = ("buffer",)

    def __init__(self, buffer: bytearray | None = None) -> None:
        self.buffer = bytearray() if buffer is None else buffer

    def put(self, attr_type: int, payload: bytes = b"") -> AttrBuilder:
        """Append one attribute with a raw payload (padded to 4 bytes)."""
        length = NLA_HDRLEN + len(payload)
        if length > 0xFFFF:
            raise EncodeError(f"attribute {attr_type} payload of {len(payload)} bytes is too big")
        buf = self.buffer
        buf += _pack_nla(length, attr_type)
        buf += payload
        pad = -length & 3
        if pad:
            buf += b"\0" * pad
        return self

    def put_flag(self, attr_type: int) -> AttrBuilder:
        """Append a flag (an attribute with no payload)."""
        return self.put(attr_type)

    def put_u8(self, attr_type: int, value: int) -> AttrBuilder:
        """Append an unsigned 8-bit value."""
        return self.put(attr_type, _U8.pack(codecs.check_range("u8", value)))

    def put_u16(self, attr_type: int, value: int) -> AttrBuilder:
        """Append an unsigned 16-bit value."""
        return self.put(attr_type, _U16.pack(codecs.check_range("u16", value)))

    def put_u32(self, attr_type: int, value: int) -> AttrBuilder:
        """Append an unsigned 32-bit value."""
        return self.put(attr_type, _U32.pack(codecs.check_range("u32", value)))

    def put_u64(self, attr_type: int, value: int) -> AttrBuilder:
        """Append an unsigned 64-bit value."""
        return self.put(attr_type, _U64.pack(codecs.check_range("u64", value)))

    def put_s8(self, attr_type: int, value: int) -> AttrBuilder:
        """Append a signed 8-bit value."""
        return self.put(attr_type, _S8.pack(codecs.check_range("s8", value)))

    def put_s16(self, attr_type: int, value: int) -> AttrBuilder:
        """Append a signed 16-bit value."""
        return self.put(attr_type, _S16.pack(codecs.check_range("s16", value)))

    def put_s32(self, attr_type: int, value: int) -> AttrBuilder:
        """Append a signed 32-bit value."""
        return self.put(attr_type, _S32.pack(codecs.check_range("s32", value)))

    def put_s64(self, attr_type: int, value: int) -> AttrBuilder:
        """Append a signed 64-bit value."""
        return self.put(attr_type, _S64.pack(codecs.check_range("s64", value)))

    def put_uint(self, attr_type: int, value: int) -> AttrBuilder:
        """Append an NLA_UINT (4 or 8 bytes by value)."""
        return self.put(attr_type, codecs.encode_uint(value))

    def put_sint(self, attr_type: int, value: int) -> AttrBuilder:
        """Append an NLA_SINT (4 or 8 bytes by value)."""
        return self.put(attr_type, codecs.encode_sint(value))

    def put_string(self, attr_type: int, value: str, *, nul: bool = True) -> AttrBuilder:
        """Append a string, NUL-terminated unless `nul` is false."""
        return self.put(attr_type, codecs.encode_string(value, nul=nul))

    def nest_start(self, attr_type: int, *, nested_flag: bool = True) -> int:
        """Open a nest; returns the token to pass to `nest_end`. NLA_F_NESTED is set by default."""
        offset = len(self.buffer)
        self.buffer += _pack_nla(0, attr_type | (NLA_F_NESTED if nested_flag else 0))
        return offset

    def nest_end(self, token: int) -> AttrBuilder:
        """Close the nest opened at `token`: write its final length."""
        length = len(self.buffer) - token
        if length > 0xFFFF:
            raise EncodeError(f"nest at offset {token} is {length} bytes, more than 65535")
        attr_type = _unpack_nla(self.buffer, token)[1]
        _pack_into_nla(self.buffer, token, length, attr_type)
        return self

    def __len__(self) -> int:
        return len(self.buffer)

    def bytes(self) -> bytes:
        """The attributes built so far."""
        return bytes(self.buffer)


def attr_path(data: bytes, start: int, end: int, target: int) -> list[int]:
    """Attribute numbers leading to the attribute whose header is at byte `target`.

    The kernel reports a bad attribute by its offset in our request (NLMSGERR_ATTR_OFFS); this
    turns the offset into the chain of numbers through the nests, outermost first. An empty
    list means the offset is not at any attribute (e.g. it points into a fixed header).
    """
    path: list[int] = []
    try:
        while start < end:
            for attr_type, payload, stop in iter_attrs(data, start, end):
                header = payload - NLA_HDRLEN
                if header == target:
                    path.append(attr_type & NLA_TYPE_MASK)
                    return path
                if payload <= target < stop:
                    path.append(attr_type & NLA_TYPE_MASK)
                    start, end = payload, stop
                    break
            else:
                return []
    except DecodeError:
        pass  # the offset lies inside a non-nested payload: the path so far is the answer
    return path

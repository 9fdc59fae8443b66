"""Decode tables: for each attribute set, attribute number -> (name, decoder, multi, late).

Built once per set from the family model; a full decode is then one loop per nest with a dict
lookup and a precompiled `struct` call per attribute. Values: integers, enum names (unknown
values stay numbers), lists of flag names, strings, bytes, IP addresses / MACs / UUIDs by
display hint, dicts for nests and structs, lists for arrays and multi-attr.
"""

from __future__ import annotations

import ipaddress
import struct
import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, Literal

from genetlink.schema.definitions import EnumDefinition, Struct
from genetlink.schema.model import Attribute, Family
from genetlink.schema.types import SCALAR_SIZES
from genetlink.wire import codecs
from genetlink.wire.constants import NLA_TYPE_MASK
from genetlink.wire.errors import DecodeError

#: decoder(data, start, end) -> value
Decoder = Callable[[bytes, int, int], Any]
#: number -> (name, decoder, multi_attr, late); late entries are sub-messages, decoded after
#: their siblings because the selector may come later in the message.
Table = dict[int, tuple[str, Decoder, bool, bool]]

_unpack_nla = struct.Struct("=HH").unpack_from


def walk_set(table: Table, data: bytes, start: int, end: int) -> dict[Any, Any]:
    """Decode every attribute in data[start:end] with `table` (the hot loop of full decodes)."""
    out: dict[Any, Any] = {}
    late: list[tuple[str, int, int, Decoder]] | None = None
    offset = start
    get = table.get
    try:
        while end - offset >= 4:
            length, attr_type = _unpack_nla(data, offset)
            stop = offset + length
            if length < 4 or stop > end:
                raise DecodeError(f"bad attribute length {length}", offset)
            number = attr_type & NLA_TYPE_MASK
            entry = get(number)
            if entry is None:
                out[number] = data[offset + 4 : stop]  # unknown to the spec: kept by number
            elif entry[3]:
                if late is None:
                    late = []
                late.append((entry[0], offset + 4, stop, entry[1]))
            elif entry[2]:
                value = entry[1](data, offset + 4, stop)
                existing = out.get(entry[0])
                if existing is None:
                    out[entry[0]] = [value]
                else:
                    existing.append(value)
            else:
                out[entry[0]] = entry[1](data, offset + 4, stop)
            offset = (stop + 3) & ~3
    except (struct.error, IndexError, UnicodeDecodeError) as exc:
        raise DecodeError(f"malformed attribute: {exc}", offset) from None
    if late:
        for name, s, e, decode in late:
            out[name] = decode(data, s, e, out)  # type: ignore[call-arg]
    return out


def _int_decoder(type_name: str, byte_order: str | None) -> Decoder:
    codec = codecs.scalar(type_name, byte_order)
    size = codec.size
    unpack = codec.unpack_from
    signed = type_name[0] == "s"
    order: Literal["big", "little"] = "big" if byte_order == "big-endian" else "little"

    def decode(data: bytes, start: int, end: int) -> int:
        if end - start == size:
            return unpack(data, start)[0]  # type: ignore[no-any-return]
        # Spec drift (a kernel that sends another width): read what is there, do not fail.
        return int.from_bytes(data[start:end], order, signed=signed)

    return decode


def _enum_decoder(inner: Decoder, enum: EnumDefinition, as_flags: bool) -> Decoder:
    if as_flags:
        bits = [(mask, name) for name, mask in enum.flag_values.items()]

        def decode_flags(data: bytes, start: int, end: int) -> list[str | int]:
            value = inner(data, start, end)
            names: list[str | int] = []
            for mask, name in bits:
                if value & mask:
                    names.append(name)
                    value &= ~mask
            if value:
                names.append(value)  # bits the spec does not name stay visible as a number
            return names

        return decode_flags
    names = enum.names

    def decode_enum(data: bytes, start: int, end: int) -> str | int:
        value = inner(data, start, end)
        return names.get(value, value)

    return decode_enum


def _hinted_bytes(hint: str | None) -> Callable[[bytes], Any] | None:
    if hint in ("mac", "fddi"):
        return lambda raw: ":".join(f"{b:02x}" for b in raw)
    if hint == "ipv4":
        return lambda raw: ipaddress.IPv4Address(raw) if len(raw) == 4 else raw
    if hint == "ipv6":
        return lambda raw: ipaddress.IPv6Address(raw) if len(raw) == 16 else raw
    if hint == "ipv4-or-v6":
        return lambda raw: ipaddress.ip_address(raw) if len(raw) in (4, 16) else raw
    if hint == "uuid":
        return lambda raw: uuid.UUID(bytes=raw) if len(raw) == 16 else raw
    return None


def _hinted_int(inner: Decoder, hint: str | None) -> Decoder:
    if hint == "ipv4":
        return lambda d, s, e: ipaddress.IPv4Address(d[s:e]) if e - s == 4 else inner(d, s, e)
    return inner


def decode_string(data: bytes, start: int, end: int) -> str:
    """A string up to its NUL."""
    return codecs.decode_string(data, start, end)


def decode_binary(data: bytes, start: int, end: int) -> bytes:
    """Raw bytes."""
    return data[start:end]


def decode_flag(data: bytes, start: int, end: int) -> bool:
    """A flag attribute is present: True."""
    return True


class Tables:
    """Decode tables of one family, built lazily per attribute set and struct."""

    def __init__(self, family: Family) -> None:
        self.family = family
        self._sets: dict[str, Table] = {}
        self._structs: dict[str, Callable[[bytes, int, int], dict[str, Any]]] = {}

    def table(self, set_name: str) -> Table:
        """The decode table of `set_name` (built on first use; recursive sets are fine)."""
        table = self._sets.get(set_name)
        if table is None:
            table = {}
            self._sets[set_name] = table  # registered before filling: sets may nest themselves
            for attr in self.family.attribute_sets[set_name].by_value.values():
                if attr.type in ("unused", "pad"):
                    continue
                late = attr.type == "sub-message"
                table[attr.value] = (attr.name, self.decoder(attr), attr.multi_attr, late)
        return table

    def decode_set(self, set_name: str, data: bytes, start: int, end: int) -> dict[Any, Any]:
        """Full decode of the attributes of `set_name` in data[start:end]."""
        return walk_set(self.table(set_name), data, start, end)

    def struct(self, name: str) -> Callable[[bytes, int, int], dict[str, Any]]:
        """A decoder of the C struct `name` into a dict of its members (pads left out)."""
        decode = self._structs.get(name)
        if decode is None:
            decode = self._build_struct(self.family.structs[name])
            self._structs[name] = decode
        return decode

    def _build_struct(self, st: Struct) -> Callable[[bytes, int, int], dict[str, Any]]:
        fields: list[tuple[str, Decoder, int, int]] = []
        for m in st.members:
            if m.type == "pad":
                continue
            decoder = self._member_decoder(m.type, m.byte_order, m.display_hint, m.enum,
                                           m.enum_as_flags, m.struct)  # fmt: skip
            fields.append((m.name, decoder, m.offset, m.offset + m.size))
        size = st.size

        def decode(data: bytes, start: int, end: int) -> dict[str, Any]:
            if end - start < size:
                raise DecodeError(f"struct {st.name} needs {size} bytes, got {end - start}", start)
            return {name: dec(data, start + s, start + e) for name, dec, s, e in fields}

        return decode

    def _member_decoder(
        self,
        type_name: str,
        byte_order: str | None,
        hint: str | None,
        enum: str | None,
        as_flags: bool,
        struct_name: str | None,
    ) -> Decoder:
        if type_name in SCALAR_SIZES:
            decoder = _hinted_int(_int_decoder(type_name, byte_order), hint)
            if enum is not None and enum in self.family.enums:
                decoder = _enum_decoder(decoder, self.family.enums[enum], as_flags)
            return decoder
        if type_name == "string":
            return decode_string
        if struct_name is not None:
            return self.struct(struct_name)
        convert = _hinted_bytes(hint)
        if convert is not None:
            return lambda d, s, e: convert(d[s:e])
        return decode_binary

    def decoder(self, attr: Attribute) -> Decoder:
        """The decoder of one attribute's payload."""
        kind = attr.type
        if kind in SCALAR_SIZES or kind == "binary" or kind == "string":
            return self._member_decoder(kind, attr.byte_order, attr.display_hint, attr.enum,
                                        attr.enum_as_flags, attr.struct)  # fmt: skip
        if kind in ("uint", "sint"):
            inner: Decoder = codecs.decode_uint if kind == "uint" else codecs.decode_sint
            if attr.enum is not None and attr.enum in self.family.enums:
                return _enum_decoder(inner, self.family.enums[attr.enum], attr.enum_as_flags)
            return inner
        if kind == "flag":
            return decode_flag
        if kind == "bitfield32":
            return codecs.decode_bitfield32
        if kind == "nest":
            return self._nest_decoder(attr.nested_attributes)
        if kind == "indexed-array":
            return self._array_decoder(attr)
        if kind == "nest-type-value":
            return self._type_value_decoder(attr)
        if kind == "sub-message":
            return self._sub_message_decoder(attr)
        return decode_binary

    def _nest_decoder(self, set_name: str | None) -> Decoder:
        if set_name is None:
            return decode_binary
        tables = self._sets

        def decode_nest(data: bytes, start: int, end: int) -> dict[Any, Any]:
            table = tables.get(set_name) or self.table(set_name)
            return walk_set(table, data, start, end)

        return decode_nest

    def _array_decoder(self, attr: Attribute) -> Decoder:
        sub = attr.sub_type or "binary"
        if sub == "nest":
            item = self._nest_decoder(attr.nested_attributes)
        else:
            item = self.decoder(replace(attr, type=sub, multi_attr=False))

        def decode_array(data: bytes, start: int, end: int) -> list[Any]:
            out = []
            offset = start
            while end - offset >= 4:
                length, _ = _unpack_nla(data, offset)
                if length < 4 or offset + length > end:
                    raise DecodeError(f"bad array entry length {length}", offset)
                out.append(item(data, offset + 4, offset + length))
                offset = (offset + length + 3) & ~3
            return out

        return decode_array

    def _type_value_decoder(self, attr: Attribute) -> Decoder:
        inner = self._nest_decoder(attr.nested_attributes)

        def decode_type_value(data: bytes, start: int, end: int) -> dict[int, Any]:
            out: dict[int, Any] = {}
            offset = start
            while end - offset >= 4:
                length, number = _unpack_nla(data, offset)
                if length < 4 or offset + length > end:
                    raise DecodeError(f"bad nest-type-value entry length {length}", offset)
                out[number & NLA_TYPE_MASK] = inner(data, offset + 4, offset + length)
                offset = (offset + length + 3) & ~3
            return out

        return decode_type_value

    def _sub_message_decoder(self, attr: Attribute) -> Decoder:
        sub = self.family.sub_messages.get(attr.sub_message or "")
        selector = attr.selector or ""

        def decode_sub(data: bytes, start: int, end: int, siblings: Mapping[Any, Any]) -> Any:
            key = siblings.get(selector)
            fmt = sub.formats.get(str(key)) if sub is not None and key is not None else None
            if fmt is None:
                return data[start:end]  # no selector or an unknown format: keep the bytes
            out: dict[Any, Any] = {}
            offset = start
            if fmt.fixed_header:
                out.update(self.struct(fmt.fixed_header)(data, start, end))
                offset += fmt.fixed_header_size
            if fmt.attribute_set:
                out.update(self.decode_set(fmt.attribute_set, data, offset, end))
            return out

        return decode_sub  # type: ignore[return-value]

"""Decode tables: for each attribute set, attribute number -> (name, decoder, multi, late).

Built once per set from the family model; a full decode is then one loop per nest with a dict
lookup and a precompiled `struct` call per attribute. Values: integers, enum names (unknown
values stay numbers), lists of flag names, strings, bytes, IP addresses / MACs / UUIDs by
display hint, dicts for nests and structs, lists for arrays and multi-attr.
"""

from __future__ import annotations

import array
import struct
import sys
import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from socket import AF_INET, AF_INET6, inet_ntop
from typing import Any, Literal

from genetlink.schema.definitions import EnumDefinition, Struct, StructMember
from genetlink.schema.model import Attribute, Family
from genetlink.schema.types import SCALAR_SIZES
from genetlink.wire import codecs
from genetlink.wire.attrs import iter_attrs
from genetlink.wire.constants import NLA_TYPE_MASK
from genetlink.wire.errors import DecodeError

#: decoder(data, start, end) -> value
Decoder = Callable[[bytes, int, int], Any]

# How a table entry decodes its payload (the hot loop branches on these instead of calling).
SCALAR = 0  # arg: (unpack_from, size, signed, byte order); read inline
CALL = 1  # arg: a Decoder
LATE = 2  # arg: a sub-message decoder taking the decoded siblings too; runs after the others
#: number -> (name, how, arg, multi_attr)
Table = dict[int, tuple[str, int, Any, bool]]

_unpack_nla = struct.Struct("=HH").unpack_from


def walk_set(table: Table, data: bytes, start: int, end: int) -> dict[Any, Any]:
    """Decode every attribute in data[start:end] with `table` (the hot loop of full decodes).

    The TLV walk of `wire.attrs.iter_attrs`, written inline: a generator step per attribute
    costs more than the decode of most attributes here.
    """
    out: dict[Any, Any] = {}
    late: list[tuple[str, int, int, Any]] | None = None
    offset = start
    get = table.get
    unpack_nla = _unpack_nla
    try:
        while end - offset >= 4:
            length, attr_type = unpack_nla(data, offset)
            stop = offset + length
            if length < 4 or stop > end:
                raise DecodeError(f"bad attribute length {length}", offset)
            entry = get(attr_type & 0x3FFF)
            if entry is None:
                out[attr_type & 0x3FFF] = data[offset + 4 : stop]  # unknown: kept by number
            else:
                name, how, arg, multi = entry
                if how == SCALAR:
                    if length - 4 == arg[1]:
                        value = arg[0](data, offset + 4)[0]
                    else:  # spec drift: the kernel sent another width; read what is there
                        value = int.from_bytes(data[offset + 4 : stop], arg[3], signed=arg[2])
                elif how == CALL:
                    value = arg(data, offset + 4, stop)
                else:
                    if late is None:
                        late = []
                    late.append((name, offset + 4, stop, arg))
                    offset = (stop + 3) & ~3
                    continue
                if multi:
                    existing = out.get(name)
                    if existing is None:
                        out[name] = [value]
                    else:
                        existing.append(value)
                else:
                    out[name] = value
            offset = (stop + 3) & ~3
    except (struct.error, IndexError, UnicodeDecodeError, ValueError) as exc:
        if isinstance(exc, DecodeError):
            raise
        raise DecodeError(f"malformed attribute: {exc}", offset) from None
    if late:
        for name, s, e, decode in late:
            out[name] = decode(data, s, e, out)
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


def _flag_names(value: int, bits: list[tuple[str, int]]) -> list[str | int]:
    names: list[str | int] = []
    for name, mask in bits:
        if value & mask:
            names.append(name)
            value &= ~mask
    if value:
        names.append(value)  # bits the spec does not name stay visible as a number
    return names


def _flags_decoder(bits: list[tuple[str, int]]) -> Callable[[int], list[str | int]]:
    """value -> flag names, remembering the answers: the same few values recur in a dump."""
    seen: dict[int, list[str | int]] = {}

    def names(value: int) -> list[str | int]:
        known = seen.get(value)
        if known is None:
            known = _flag_names(value, bits)
            if len(seen) < 4096:
                seen[value] = known
        return list(known)  # a copy: callers may change their list

    return names


def _struct_layout(st: Struct) -> tuple[str, list[str], list[int]] | None:
    """A single struct format for `st`, or None when a member needs its own byte order."""
    codes = codecs.INT_FORMATS
    fmt, names, positions = "=", [], []
    for index, m in enumerate(st.members):
        if m.type == "pad":
            fmt += f"{m.size}x"
            continue
        if m.type in codes and m.byte_order is None:
            fmt += codes[m.type]
        elif m.type in ("string", "binary") and m.struct is None:
            fmt += f"{m.size}s"
        else:
            return None
        names.append(m.name)
        positions.append(index)
    return fmt, names, positions


def _packed_array(type_name: str, byte_order: str | None) -> Decoder:
    """`binary` with a scalar `sub-type`: a packed C array of that scalar (tc, af-spec conf)."""
    typecode = codecs.INT_FORMATS[type_name]
    size = SCALAR_SIZES[type_name]
    foreign = "big-endian" if sys.byteorder == "little" else "little-endian"
    swap = byte_order == foreign

    def decode(data: bytes, start: int, end: int) -> list[int]:
        values = array.array(typecode, data[start : end - (end - start) % size])
        if swap:
            values.byteswap()
        return values.tolist()

    return decode


def _enum_decoder(inner: Decoder, enum: EnumDefinition, as_flags: bool) -> Decoder:
    if as_flags or enum.is_flags:
        flag_names = _flags_decoder(list(enum.flag_values.items()))
        return lambda data, start, end: flag_names(inner(data, start, end))
    names = enum.names

    def decode_enum(data: bytes, start: int, end: int) -> str | int:
        value = inner(data, start, end)
        return names.get(value, value)

    return decode_enum


def _hinted_bytes(hint: str | None) -> Callable[[bytes], Any] | None:
    if hint in ("mac", "fddi"):
        return lambda raw: raw.hex(":")
    # Addresses become their usual text form ("192.0.2.1", "2001:db8::1"): what `ip -j` and
    # JSON show, and what the encoder takes back; inet_ntop is ~5x cheaper than ipaddress.
    if hint == "ipv4":
        return lambda raw: inet_ntop(AF_INET, raw) if len(raw) == 4 else raw
    if hint == "ipv6":
        return lambda raw: inet_ntop(AF_INET6, raw) if len(raw) == 16 else raw
    if hint == "ipv4-or-v6":
        return lambda raw: inet_ntop(_BY_SIZE[len(raw)], raw) if len(raw) in _BY_SIZE else raw
    if hint == "uuid":
        return lambda raw: uuid.UUID(bytes=raw) if len(raw) == 16 else raw
    return None


def _hinted_int(inner: Decoder, hint: str | None) -> Decoder:
    if hint == "ipv4":
        return lambda d, s, e: inet_ntop(AF_INET, d[s:e]) if e - s == 4 else inner(d, s, e)
    return inner


_BY_SIZE = {4: AF_INET, 16: AF_INET6}


def decode_binary(data: bytes, start: int, end: int) -> bytes:
    """Raw bytes."""
    return data[start:end]


def decode_flag(data: bytes, start: int, end: int) -> bool:
    """A flag attribute is present: True."""
    return True


def _type_value_level(inner: Decoder) -> Decoder:
    """A nest whose attribute numbers are values (nest-type-value): {number: inner(...)}."""

    def decode_type_value(data: bytes, start: int, end: int) -> dict[int, Any]:
        return {number & NLA_TYPE_MASK: inner(data, s, e)
                for number, s, e in iter_attrs(data, start, end)}  # fmt: skip

    return decode_type_value


class Tables:
    """Decode tables of one family, built lazily per attribute set and struct."""

    def __init__(self, family: Family) -> None:
        self.family = family
        self._sets: dict[str, Table] = {}
        self._structs: dict[str, Callable[[bytes, int, int], dict[str, Any]]] = {}
        self._lazy: dict[str, dict[str, tuple[str, int, Decoder | None]]] = {}
        #: how many sub-messages waited for an enclosing selector (see resolve_deferred)
        self.deferred = 0

    def table(self, set_name: str) -> Table:
        """The decode table of `set_name` (built on first use; recursive sets are fine)."""
        table = self._sets.get(set_name)
        if table is None:
            table = {}
            self._sets[set_name] = table  # registered before filling: sets may nest themselves
            for attr in self.family.attribute_sets[set_name].by_value.values():
                if attr.type in ("unused", "pad"):
                    continue
                table[attr.value] = (attr.name, *self._how(attr), attr.multi_attr)
        return table

    def _how(self, attr: Attribute) -> tuple[int, Any]:
        if attr.type == "sub-message":
            return LATE, self._sub_message_decoder(attr)
        plain = attr.enum is None and attr.display_hint is None
        if attr.type in SCALAR_SIZES and plain:
            codec = codecs.scalar(attr.type, attr.byte_order)
            order = "big" if attr.byte_order == "big-endian" else "little"
            return SCALAR, (codec.unpack_from, codec.size, attr.type[0] == "s", order)
        return CALL, self.decoder(attr)

    def lazy_entries(self, set_name: str) -> dict[str, tuple[str, int, Decoder | None]]:
        """For reading single values of `set_name`: name (kebab and snake case) -> (spec name,
        number, decoder); the decoder is None where only a full decode can answer
        (multi-attr lists, sub-messages)."""
        entries = self._lazy.get(set_name)
        if entries is None:
            entries = {}
            for attr in self.family.attribute_sets[set_name].attributes.values():
                whole = attr.multi_attr or attr.type == "sub-message"
                entry = (attr.name, attr.value, None if whole else self.decoder(attr))
                entries[attr.name] = entries[attr.name.replace("-", "_")] = entry
            self._lazy[set_name] = entries
        return entries

    def decode_set(self, set_name: str, data: bytes, start: int, end: int) -> dict[Any, Any]:
        """Full decode of the attributes of `set_name` in data[start:end]."""
        return walk_set(self.table(set_name), data, start, end)

    def decode_tree(self, set_name: str, data: bytes, start: int, end: int) -> dict[Any, Any]:
        """Full decode of a message's attributes, sub-messages with outer selectors included."""
        before = self.deferred
        out = walk_set(self.table(set_name), data, start, end)
        if self.deferred != before:
            resolve_deferred(out)
        return out

    def struct(self, name: str) -> Callable[[bytes, int, int], dict[str, Any]]:
        """A decoder of the C struct `name` into a dict of its members (pads left out)."""
        decode = self._structs.get(name)
        if decode is None:
            decode = self._build_struct(self.family.structs[name])
            self._structs[name] = decode
        return decode

    def _build_struct(self, st: Struct) -> Callable[[bytes, int, int], dict[str, Any]]:
        size = st.size
        name = st.name
        layout = _struct_layout(st)
        if layout is not None:
            # Every member is a host-order scalar, pad, or fixed-size bytes: one unpack_from
            # reads them all; enums, hints and strings are converted afterwards.
            fmt, names, positions = layout
            unpack = struct.Struct(fmt).unpack_from
            post: list[tuple[int, Callable[[Any], Any]]] = []
            for i, j in enumerate(positions):
                convert = self._convert(st.members[j])
                if convert is not None:
                    post.append((i, convert))

            def decode_fast(data: bytes, start: int, end: int) -> dict[str, Any]:
                if end - start < size:
                    raise DecodeError(f"struct {name} needs {size} bytes, got {end - start}", start)
                values = unpack(data, start)
                if not post:
                    return dict(zip(names, values, strict=True))
                converted = list(values)
                for i, convert in post:
                    converted[i] = convert(converted[i])
                return dict(zip(names, converted, strict=True))

            return decode_fast
        fields: list[tuple[str, Decoder, int, int]] = []
        for m in st.members:
            if m.type == "pad":
                continue
            decoder = self._member_decoder(m.type, m.byte_order, m.display_hint, m.enum,
                                           m.enum_as_flags, m.struct)  # fmt: skip
            fields.append((m.name, decoder, m.offset, m.offset + m.size))

        def decode(data: bytes, start: int, end: int) -> dict[str, Any]:
            if end - start < size:
                raise DecodeError(f"struct {name} needs {size} bytes, got {end - start}", start)
            return {name: dec(data, start + s, start + e) for name, dec, s, e in fields}

        return decode

    def _convert(self, m: StructMember) -> Callable[[Any], Any] | None:
        """Post-processing of a value read by a whole-struct unpack (None: keep as is)."""
        if m.type == "string":
            return lambda raw: raw.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
        if m.type == "binary":
            return _hinted_bytes(m.display_hint)
        if m.display_hint == "ipv4":
            order: Literal["big", "little"] = "big" if m.byte_order == "big-endian" else "little"
            return lambda v: inet_ntop(AF_INET, v.to_bytes(4, order))
        if m.enum is not None and m.enum in self.family.enums:
            enum = self.family.enums[m.enum]
            if m.enum_as_flags or enum.is_flags:
                return _flags_decoder(list(enum.flag_values.items()))
            names = enum.names
            return lambda v: names.get(v, v)
        return None

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
            return codecs.decode_string
        if struct_name is not None:
            return self.struct(struct_name)
        convert = _hinted_bytes(hint)
        if convert is not None:
            return lambda d, s, e: convert(d[s:e])
        return decode_binary

    def decoder(self, attr: Attribute) -> Decoder:
        """The decoder of one attribute's payload."""
        kind = attr.type
        if kind == "binary" and attr.sub_type in SCALAR_SIZES:
            return _packed_array(attr.sub_type, attr.byte_order)
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
            return [item(data, s, e) for _, s, e in iter_attrs(data, start, end)]

        return decode_array

    def _type_value_decoder(self, attr: Attribute) -> Decoder:
        # One level of {number: ...} per name in `type-value` (nlctrl's policy has two:
        # policy index, then attribute number).
        decode = self._nest_decoder(attr.nested_attributes)
        for _ in range(max(1, len(attr.type_value))):
            decode = _type_value_level(decode)
        return decode

    def _sub_message_decoder(self, attr: Attribute) -> Decoder:
        sub = self.family.sub_messages.get(attr.sub_message or "")
        selector = attr.selector or ""

        def decode_as(key: Any, data: bytes, start: int, end: int) -> Any:
            fmt = sub.formats.get(str(key)) if sub is not None and key is not None else None
            if fmt is None:
                return data[start:end]  # no selector or an unknown format: keep the bytes
            out: dict[Any, Any] = {}
            offset = start
            if fmt.fixed_header:
                out.update(self.struct(fmt.fixed_header)(data, start, end))
                offset += (fmt.fixed_header_size + 3) & ~3
            if fmt.attribute_set:
                out.update(self.decode_set(fmt.attribute_set, data, offset, end))
            return out

        def decode_sub(data: bytes, start: int, end: int, siblings: Mapping[Any, Any]) -> Any:
            if selector in siblings:
                return decode_as(siblings[selector], data, start, end)
            # The selector lives in an enclosing nest (tc: stats2.app is picked by the top
            # level's kind): decided once the whole message is decoded, see resolve_deferred.
            self.deferred += 1
            return Deferred(selector, lambda key: decode_as(key, data, start, end))

        return decode_sub  # type: ignore[return-value]


class Deferred:
    """A sub-message whose selector is outside its nest, waiting for the enclosing values."""

    __slots__ = ("decode", "selector")

    def __init__(self, selector: str, decode: Callable[[Any], Any]) -> None:
        self.selector = selector
        self.decode = decode

    def resolve(self, scopes: list[dict[Any, Any]]) -> Any:
        """Decode with the nearest enclosing value of the selector (None: raw bytes)."""
        for scope in reversed(scopes):
            if self.selector in scope:
                return self.decode(scope[self.selector])
        return self.decode(None)


def resolve_deferred(node: dict[Any, Any], scopes: list[dict[Any, Any]] | None = None) -> None:
    """Decode, in place, every `Deferred` sub-message in a decoded tree, looking its selector
    up from the innermost enclosing nest outward."""
    scopes = [] if scopes is None else scopes
    scopes.append(node)
    for key, value in node.items():
        if isinstance(value, Deferred):
            node[key] = value.resolve(scopes)
        elif isinstance(value, dict):
            resolve_deferred(value, scopes)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    resolve_deferred(item, scopes)
    scopes.pop()

"""Decode tables: for each attribute set, attribute number -> (name, decoder, multi, late).

Built once per set from the family model; a full decode is then one loop per nest with a dict
lookup and a precompiled `struct` call per attribute. Values: integers, enum names (unknown
values stay numbers), lists of flag names, strings, bytes, IP addresses / MACs / UUIDs by
display hint, dicts for nests and structs, lists for arrays and multi-attr.

A payload of a width its type cannot have (a u32 of 16 bytes: rt-rule's `src` on an IPv6
rule) is never read as a number: it stays bytes, as a `Mismatched`, and is logged once per
attribute and width on the "genetlink.codec" logger.

Where the compiled walk was built (`codec.native`), `Tables` hands it native tables made from
these; the pure walk here stays the reference it is tested against.
"""

from __future__ import annotations

import array
import logging
import struct
import sys
import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import partial
from socket import AF_INET, AF_INET6, inet_ntop
from typing import Any, TypeVar

from genetlink.codec import native
from genetlink.codec.names import HEADER_PREFIX, header_clashes
from genetlink.schema.definitions import EnumDefinition, Struct, StructMember
from genetlink.schema.model import Attribute, Family
from genetlink.schema.types import SCALAR_SIZES, VARIABLE_INTEGERS
from genetlink.wire import codecs
from genetlink.wire.attrs import iter_attrs
from genetlink.wire.constants import NLA_TYPE_MASK
from genetlink.wire.errors import DecodeError

T = TypeVar("T")

#: decoder(data, start, end) -> value
Decoder = Callable[[bytes, int, int], Any]
#: a struct's decoder: data, start, end -> {member: value}
StructDecoder = Callable[[bytes, int, int], dict[str, Any]]

# How a table entry decodes its payload (the hot loop branches on these instead of calling).
SCALAR = 0  # arg: (unpack_from, size, decoder of any other size); the right size read inline
CALL = 1  # arg: a Decoder
LATE = 2  # arg: a sub-message decoder taking the decoded siblings too; runs after the others
#: number -> (name, how, arg, multi_attr)
Table = dict[int, tuple[str, int, Any, bool]]

_unpack_nla = struct.Struct("=HH").unpack_from
#: what the compiled lazy read (_cwalk.lookup) answers for an attribute the message lacks
MISSING: Any = object()
TOO_DEEP = "attributes nested deeper than can be decoded"


def bounded(decode: Callable[..., T], *args: Any) -> T:
    """`decode(*args)`, with nests deeper than Python recurses (sets that contain themselves,
    as ovs_flow's key-attrs.encap, can nest as deep as a datagram allows) a DecodeError."""
    try:
        return decode(*args)
    except RecursionError:
        raise DecodeError(TOO_DEEP) from None


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
                    else:  # another width: uint's 8 bytes, or a Mismatched
                        value = arg[2](data, offset + 4, stop)
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


#: The decoding of one integer type: (unpack_from, size, decoder of any other size).
Reader = tuple[Callable[[bytes, int], tuple[Any, ...]], int, Decoder]


def _int_decoder(reader: Reader) -> Decoder:
    """A Decoder from a Reader (the hot loop inlines the same test)."""
    unpack, size, other = reader

    def decode(data: bytes, start: int, end: int) -> Any:
        if end - start == size:
            return unpack(data, start)[0]
        return other(data, start, end)

    return decode


class Mismatched(bytes):
    """A payload of a width its type cannot have (a u32 of 16 bytes), kept as those bytes.

    Equal to the bytes and shown as hex in JSON like any bytes; the repr names the spec's type
    (`type_name`), so the value is not mistaken for a proper one.
    """

    type_name: str

    def __new__(cls, raw: bytes, type_name: str) -> Mismatched:
        self = super().__new__(cls, raw)
        self.type_name = type_name
        return self

    def __repr__(self) -> str:
        shown = self[:_SHOWN].hex() + ("..." if len(self) > _SHOWN else "")
        return f"Mismatched({self.type_name}, {len(self)} bytes: {shown})"

    __str__ = __repr__

    def __reduce__(self) -> tuple[Any, ...]:
        return Mismatched, (bytes(self), self.type_name)


_SHOWN = 32  # bytes a Mismatched repr shows: a 2,000-byte payload stays one readable line
_MAX_WARNED = 1024  # (attribute, width) pairs logged per codec; hostile input cannot grow more
log = logging.getLogger("genetlink.codec")


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
            if not isinstance(value, int):
                return value  # a Mismatched: no flags to name
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


def _packed_array(type_name: str, byte_order: str | None, other: Decoder) -> Decoder:
    """`binary` with a scalar `sub-type`: a packed C array of that scalar (tc, af-spec conf);
    a length that is no multiple of the item goes to `other`."""
    typecode = codecs.INT_FORMATS[type_name]
    size = SCALAR_SIZES[type_name]
    foreign = "big-endian" if sys.byteorder == "little" else "little-endian"
    swap = byte_order == foreign

    def decode(data: bytes, start: int, end: int) -> Any:
        if (end - start) % size:
            return other(data, start, end)
        values = array.array(typecode, data[start:end])
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


_BY_SIZE = {4: AF_INET, 16: AF_INET6}
_ADDRESS_HINTS = frozenset({"ipv4", "ipv6", "ipv4-or-v6"})


def _address(raw: bytes) -> str | bytes:
    """An address by its length, whichever family the hint names (as ynl shows them): specs
    hint `ipv4` where IPv6 routes, addresses and neighbours carry 16 bytes. Other lengths
    stay bytes."""
    family = _BY_SIZE.get(len(raw))
    return raw if family is None else inet_ntop(family, raw)


def _hinted_bytes(hint: str | None) -> Callable[[bytes], Any] | None:
    if hint in ("mac", "fddi"):
        return lambda raw: raw.hex(":")
    # Addresses become their usual text form ("192.0.2.1", "2001:db8::1"): what `ip -j` and
    # JSON show, and what the encoder takes back; inet_ntop is ~5x cheaper than ipaddress.
    if hint in _ADDRESS_HINTS:
        return _address
    if hint == "uuid":
        return lambda raw: uuid.UUID(bytes=raw) if len(raw) == 16 else raw
    return None


def _hinted_int(inner: Decoder, hint: str | None) -> Decoder:
    """An integer shown as an address: its bytes as they are on the wire, by length."""
    if hint in _ADDRESS_HINTS:

        def decode(data: bytes, start: int, end: int) -> Any:
            family = _BY_SIZE.get(end - start)
            if family is None:
                return inner(data, start, end)
            return inet_ntop(family, data[start:end])

        return decode
    return inner


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
        self._structs: dict[str, StructDecoder] = {}
        self._headers: dict[tuple[str, str | None], StructDecoder] = {}
        self._lazy: dict[str, dict[str, tuple[str, int, Decoder | None]]] = {}
        self._warned: set[tuple[str, int]] = set()
        #: how many sub-messages waited for an enclosing selector (see resolve_deferred)
        self.deferred = 0
        #: the compiled walk (None: pure Python) and its tables, by set
        self._accel = native.accelerator()
        self._native: dict[str, Any] = {}
        self._lookups: dict[str, tuple[Any, dict[str, int]]] = {}

    def table(self, set_name: str) -> Table:
        """The decode table of `set_name` (built on first use; recursive sets are fine)."""
        table = self._sets.get(set_name)
        if table is None:
            table = {}
            self._sets[set_name] = table  # registered before filling: sets may nest themselves
            for attr in self.family.attribute_sets[set_name].by_value.values():
                if attr.type in ("unused", "pad"):
                    continue
                how = self._how(attr, f"{set_name}.{attr.name}")
                table[attr.value] = (attr.name, *how, attr.multi_attr)
        return table

    def _how(self, attr: Attribute, where: str) -> tuple[int, Any]:
        if attr.type == "sub-message":
            return LATE, self._sub_message_decoder(attr)
        plain = attr.enum is None and attr.display_hint is None
        if plain and (attr.type in SCALAR_SIZES or attr.type in VARIABLE_INTEGERS):
            return SCALAR, self._reader(attr.type, attr.byte_order, where)
        return CALL, self.decoder(attr, where)

    def lazy_entries(self, set_name: str) -> dict[str, tuple[str, int, Decoder | None]]:
        """For reading single values of `set_name`: name (kebab and snake case) -> (spec name,
        number, decoder); the decoder is None where only a full decode can answer
        (multi-attr lists, sub-messages)."""
        entries = self._lazy.get(set_name)
        if entries is None:
            entries = {}
            for attr in self.family.attribute_sets[set_name].attributes.values():
                whole = attr.multi_attr or attr.type == "sub-message"
                decoder = None if whole else self.decoder(attr, f"{set_name}.{attr.name}")
                entries[attr.name] = entries[attr.name.replace("-", "_")] = (
                    attr.name, attr.value, decoder)  # fmt: skip
            self._lazy[set_name] = entries
        return entries

    def walk(self, set_name: str, data: bytes, start: int, end: int) -> dict[Any, Any]:
        """`walk_set` with the table of `set_name`: compiled where it was built."""
        accel = self._accel
        if accel is not None:
            table = self._native.get(set_name)
            if table is None:
                table = native.build_table(accel, self, set_name, self._native)
            out: dict[Any, Any] | None = accel.walk(table, data, start, end)
            if out is not None:
                return out
        return walk_set(self._sets.get(set_name) or self.table(set_name), data, start, end)

    def native_reads(self, set_name: str) -> tuple[Any, dict[str, int]]:
        """For the compiled lazy read of `set_name`: (native table, {name: number}) for the
        names (spec and snake_case) whose values the table reads as the pure decoder does
        (not multi-attr lists or sub-messages, nor a number another attribute shares)."""
        reads = self._lookups.get(set_name)
        if reads is None:
            accel = self._accel
            assert accel is not None  # used by CompiledDecoded only
            table = self._native.get(set_name) or native.build_table(accel, self, set_name,
                                                                      self._native)  # fmt: skip
            owners = {number: entry[0] for number, entry in self.table(set_name).items()}
            names = {key: number for key, (name, number, decoder)
                     in self.lazy_entries(set_name).items()
                     if decoder is not None and owners.get(number) == name}  # fmt: skip
            reads = self._lookups[set_name] = (table, names)
        return reads

    def decode_set(self, set_name: str, data: bytes, start: int, end: int) -> dict[Any, Any]:
        """Full decode of the attributes of `set_name` in data[start:end]."""
        if self._accel is None:
            return bounded(walk_set, self._sets.get(set_name) or self.table(set_name), data,
                           start, end)  # fmt: skip
        return bounded(self.walk, set_name, data, start, end)

    def decode_tree(self, set_name: str, data: bytes, start: int, end: int) -> dict[Any, Any]:
        """Full decode of a message's attributes, sub-messages with outer selectors included."""
        before = self.deferred
        accel = self._accel
        out = None
        if accel is not None:  # the compiled walk called straight away: the message hot path
            table = self._native.get(set_name)
            if table is None:
                table = native.build_table(accel, self, set_name, self._native)
            try:
                out = accel.walk(table, data, start, end)
            except RecursionError:
                raise DecodeError(TOO_DEEP) from None
        if out is None:  # the pure path as it was, or data the compiled walk leaves to it
            out = bounded(walk_set, self._sets.get(set_name) or self.table(set_name), data,
                          start, end)  # fmt: skip
        if self.deferred != before:
            resolve_deferred(out)
        return out

    # -- widths ----------------------------------------------------------------------------------

    def mismatch(self, where: str, type_name: str) -> Decoder:
        """The decoder of payloads whose width `type_name` cannot have, at `where` (a
        "set.attribute" path): a Mismatched, logged once per attribute and width so that a
        dump of thousands of such messages logs one line."""
        warned = self._warned
        family = self.family.name

        def keep(data: bytes, start: int, end: int) -> Mismatched:
            width = end - start
            if (where, width) not in warned and len(warned) < _MAX_WARNED:
                warned.add((where, width))
                log.warning("%s: %s is a %s but came with %d bytes; kept as bytes",
                            family, where, type_name, width)  # fmt: skip
            return Mismatched(data[start:end], type_name)

        return keep

    def _reader(self, type_name: str, byte_order: str | None, where: str) -> Reader:
        """How to read an integer type. Fixed widths have exactly their size; NLA_UINT and
        NLA_SINT 4 bytes (read inline) or 8 (the kernel picks by value); any other width is
        a Mismatched, never a number made of whatever bytes came."""
        other = self.mismatch(where, type_name)
        if type_name in VARIABLE_INTEGERS:  # u32/s32 inline, the 64-bit form through `other`
            wide = codecs.scalar(type_name[0] + "64", byte_order)
            other = _int_decoder((wide.unpack_from, wide.size, other))
            type_name = type_name[0] + "32"
        codec = codecs.scalar(type_name, byte_order)
        return codec.unpack_from, codec.size, other

    # -- structs ---------------------------------------------------------------------------------

    def struct(self, name: str) -> StructDecoder:
        """A decoder of the C struct `name` into a dict of its members (pads left out); fewer
        bytes than the struct's size are a DecodeError."""
        decode = self._structs.get(name)
        if decode is None:
            decode = self._build_struct(self.family.structs[name])
            self._structs[name] = decode
        return decode

    def header(self, name: str, set_name: str | None) -> StructDecoder:
        """A decoder of the fixed header `name` before attributes of `set_name`: a member
        named like an attribute of the set is keyed "header.NAME" (see `header_clashes`)."""
        decode = self._headers.get((name, set_name))
        if decode is None:
            clashes = header_clashes(self.family, name, set_name)
            renames = {member: HEADER_PREFIX + member for member in clashes}
            if clashes:
                decode = self._build_struct(self.family.structs[name], renames=renames)
            else:
                decode = self.struct(name)
            if self._accel is not None:
                compiled = native.build_struct(self._accel, self, self.family.structs[name],
                                               decode, renames)  # fmt: skip
                if compiled is not None:
                    decode = partial(self._accel.decode_struct, compiled)
            self._headers[(name, set_name)] = decode
        return decode

    def _build_struct(self, st: Struct, short: Decoder | None = None,
                      renames: Mapping[str, str] | None = None) -> Any:  # fmt: skip
        """A decoder of `st`; `short` decodes payloads too short for it (a DecodeError
        without one); `renames` changes member keys."""
        size = st.size
        name = st.name

        def too_short(data: bytes, start: int, end: int) -> Any:
            if short is None:
                raise DecodeError(f"struct {name} needs {size} bytes, got {end - start}", start)
            return short(data, start, end)

        def key(member: str) -> str:
            return renames.get(member, member) if renames else member

        layout = _struct_layout(st)
        if layout is not None:
            # Every member is a host-order scalar, pad, or fixed-size bytes: one unpack_from
            # reads them all; enums, hints and strings are converted afterwards.
            fmt, plain_names, positions = layout
            names = [key(n) for n in plain_names]
            unpack = struct.Struct(fmt).unpack_from
            post: list[tuple[int, Callable[[Any], Any]]] = []
            for i, j in enumerate(positions):
                convert = self._convert(st.members[j])
                if convert is not None:
                    post.append((i, convert))

            def decode_fast(data: bytes, start: int, end: int) -> Any:
                if end - start < size:
                    return too_short(data, start, end)
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
            where = f"{name}.{m.name}"
            decoder = self._member_decoder(m.type, m.byte_order, m.display_hint, m.enum,
                                           m.enum_as_flags, m.struct, where)  # fmt: skip
            fields.append((key(m.name), decoder, m.offset, m.offset + m.size))

        def decode(data: bytes, start: int, end: int) -> Any:
            if end - start < size:
                return too_short(data, start, end)
            return {name: dec(data, start + s, start + e) for name, dec, s, e in fields}

        return decode

    def _convert(self, m: StructMember) -> Callable[[Any], Any] | None:
        """Post-processing of a value read by a whole-struct unpack (None: keep as is)."""
        if m.type == "string":
            return lambda raw: raw.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
        if m.type == "binary":
            return _hinted_bytes(m.display_hint)
        if m.display_hint in _ADDRESS_HINTS and m.size == 4:
            # back to the bytes as they were on the wire (this layout is host order only)
            return lambda v: inet_ntop(AF_INET, v.to_bytes(4, sys.byteorder))
        if m.enum is not None and m.enum in self.family.enums:
            enum = self.family.enums[m.enum]
            if m.enum_as_flags or enum.is_flags:
                return _flags_decoder(list(enum.flag_values.items()))
            names = enum.names
            return lambda v: names.get(v, v)
        return None

    # -- attributes ------------------------------------------------------------------------------

    def _member_decoder(
        self,
        type_name: str,
        byte_order: str | None,
        hint: str | None,
        enum: str | None,
        as_flags: bool,
        struct_name: str | None,
        where: str,
    ) -> Decoder:
        if type_name in SCALAR_SIZES or type_name in VARIABLE_INTEGERS:
            reader = self._reader(type_name, byte_order, where)
            decoder = _hinted_int(_int_decoder(reader), hint)
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

    def decoder(self, attr: Attribute, where: str) -> Decoder:
        """The decoder of one attribute's payload; `where` ("set.attribute") names it in
        the warnings about payloads of the wrong width."""
        kind = attr.type
        if kind == "binary" and attr.sub_type in SCALAR_SIZES:
            other = self.mismatch(where, f"{attr.sub_type} array")
            return _packed_array(attr.sub_type, attr.byte_order, other)
        if kind == "binary" and attr.struct is not None:
            # Longer payloads are fine (kernels append members); shorter ones are kept whole.
            short = self.mismatch(where, f"struct {attr.struct}")
            return self._build_struct(self.family.structs[attr.struct], short)  # type: ignore[no-any-return]
        if kind in SCALAR_SIZES or kind in VARIABLE_INTEGERS or kind in ("binary", "string"):
            return self._member_decoder(kind, attr.byte_order, attr.display_hint, attr.enum,
                                        attr.enum_as_flags, attr.struct, where)  # fmt: skip
        if kind == "flag":
            return decode_flag
        if kind == "bitfield32":
            return self._bitfield32(where)
        if kind == "nest":
            return self._nest_decoder(attr.nested_attributes)
        if kind == "indexed-array":
            return self._array_decoder(attr, where)
        if kind == "nest-type-value":
            return self._type_value_decoder(attr)
        if kind == "sub-message":
            return self._sub_message_decoder(attr)
        return decode_binary

    def _bitfield32(self, where: str) -> Decoder:
        other = self.mismatch(where, "bitfield32")
        decode = codecs.decode_bitfield32
        return lambda d, s, e: decode(d, s, e) if e - s == 8 else other(d, s, e)

    def _nest_decoder(self, set_name: str | None) -> Decoder:
        if set_name is None:
            return decode_binary
        if self._accel is not None:
            walk = self.walk
            return lambda data, start, end: walk(set_name, data, start, end)
        tables = self._sets

        def decode_nest(data: bytes, start: int, end: int) -> dict[Any, Any]:
            table = tables.get(set_name) or self.table(set_name)
            return walk_set(table, data, start, end)

        return decode_nest

    def _array_decoder(self, attr: Attribute, where: str) -> Decoder:
        sub = attr.sub_type or "binary"
        if sub == "nest":
            item = self._nest_decoder(attr.nested_attributes)
        else:
            item = self.decoder(replace(attr, type=sub, multi_attr=False), where)

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
                out.update(self.header(fmt.fixed_header, fmt.attribute_set)(data, start, end))
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

"""Encode plain Python values into attributes and structs, checked against the family model.

Every problem is an EncodeError that names the attribute path (".header.dev-index") and what
is wrong, raised before anything is sent.
"""

from __future__ import annotations

import ipaddress
import string
import uuid
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from genetlink.codec.names import HEADER_PREFIX, header_clashes
from genetlink.schema.definitions import EnumDefinition, Struct
from genetlink.schema.model import Attribute, AttributeSet, Family
from genetlink.schema.types import SCALAR_SIZES
from genetlink.wire import codecs
from genetlink.wire.attrs import AttrBuilder
from genetlink.wire.errors import EncodeError


def spec_name(key: str) -> str:
    """Python keyword form (dev_index) to the spec's kebab-case (dev-index)."""
    return key.replace("_", "-")


def lookup(names: Mapping[str, Any], key: str) -> Any:
    """Find `key` in a name-keyed mapping, accepting snake_case for kebab-case names."""
    found = names.get(key)
    if found is None:
        found = names.get(spec_name(key))
    return found


_ADDRESS_HINTS = frozenset({"ipv4", "ipv6", "ipv4-or-v6"})
_ADDRESSES = (ipaddress.IPv4Address, ipaddress.IPv6Address)


def _is_address(hint: str | None, value: Any) -> bool:
    """An address (text or ipaddress object) for an integer field shown as an address."""
    return hint in _ADDRESS_HINTS and isinstance(value, (str, *_ADDRESSES))


def _int_address(value: Any, type_name: str, hint: str | None, path: str) -> bytes:
    """An integer field shown as an address, given as one (or as hex): its bytes in network
    order whatever the field's byte order, as the decoder reads them back."""
    raw = value.packed if isinstance(value, _ADDRESSES) else _text_bytes(value, hint, path)
    if len(raw) != SCALAR_SIZES[type_name]:
        shown = str(value) if isinstance(value, _ADDRESSES) else codecs.short_repr(value)
        raise EncodeError(f"{path}: {shown} is {len(raw)} bytes; a {type_name} holds "
                          f"{SCALAR_SIZES[type_name]}")  # fmt: skip
    return raw


def _hex_octets(text: str) -> bytes:
    """"aa:bb:cc" / "aa-bb-cc": one or two hex digits per octet (ValueError otherwise)."""
    parts = text.replace("-", ":").split(":")
    if not all(0 < len(part) <= 2 and all(c in string.hexdigits for c in part) for part in parts):
        raise ValueError("octets are one or two hex digits between ':' or '-'")
    return bytes(int(part, 16) for part in parts)


def _text_bytes(text: str, hint: str | None, path: str) -> bytes:
    """The bytes of a binary value given as text: the hint's own form (a MAC, an IPv4 or IPv6
    address whichever the address hint, as the decoder shows them by length; a UUID) or hex
    as ynl takes it ("0a000001", "0a 00 00 01"). The forms cannot be confused: hex has no
    '.', ':' or '-'."""
    try:
        if hint in ("mac", "fddi") and (":" in text or "-" in text):
            return _hex_octets(text)
        if hint in _ADDRESS_HINTS and ("." in text or ":" in text):
            return ipaddress.ip_address(text).packed
        if hint == "uuid" and "-" in text:
            return uuid.UUID(text).bytes
        return bytes.fromhex(text)
    except ValueError as exc:
        form = f"{_TEXT_FORMS[hint]} or hex" if hint in _TEXT_FORMS else "hex"
        shown = codecs.short_repr(text)
        raise EncodeError(f"{path}: cannot read {shown} as {form}: {exc}") from None


#: What a binary value given as text may be, by display hint (else: hex).
_TEXT_FORMS = {"mac": "a MAC address", "fddi": "an FDDI address", "uuid": "a UUID",
               **dict.fromkeys(_ADDRESS_HINTS, "an IP address")}  # fmt: skip


#: a fixed header's member names (in order) and those an attribute shares
HeaderNames = tuple[dict[str, None], frozenset[str]]


class Encoder:
    """Turns dicts of names -> values into attribute bytes for one family."""

    def __init__(self, family: Family) -> None:
        self.family = family
        self._headers: dict[tuple[str, str | None], HeaderNames] = {}

    # -- structs and fixed headers -------------------------------------------------------------

    def struct(self, name: str, values: Mapping[str, Any], path: str) -> bytes:
        """A C struct from member values (absent members are zero); unknown keys are errors."""
        st: Struct = self.family.structs[name]
        if not isinstance(values, Mapping):
            raise EncodeError(f"{path}: struct {name} needs a dict, got {type(values).__name__}")
        known = {m.name for m in st.members}
        for key in values:
            if not isinstance(key, str) or spec_name(key) not in known:
                raise EncodeError(f"{path}: struct {name} has no member {key!r}")
        out = bytearray(st.size)
        for m in st.members:
            value = lookup(values, m.name)
            if value is None or m.type == "pad":
                continue
            where = f"{path}.{m.name}"
            if m.type in SCALAR_SIZES and _is_address(m.display_hint, value):
                raw = _int_address(value, m.type, m.display_hint, where)
            elif m.type in SCALAR_SIZES:
                value = self._int(value, m.type, m.enum, m.enum_as_flags, where)
                raw = codecs.scalar(m.type, m.byte_order).pack(value)
            elif m.type == "string":
                raw = _string(value, where)
            elif m.struct is not None:
                raw = self.struct(m.struct, value, where)
            else:
                raw = self._binary(value, m.display_hint, where)
            if len(raw) > m.size:
                raise EncodeError(f"{where}: {len(raw)} bytes do not fit in {m.size}")
            out[m.offset : m.offset + len(raw)] = raw
        return bytes(out)

    def split_header(self, struct_name: str | None, set_name: str | None,
                     values: Mapping[str, Any], path: str = "",
                     ) -> tuple[dict[str, Any], dict[str, Any]]:  # fmt: skip
        """Separate fixed-header members from attributes of `set_name` in a request's values.

        "header.NAME" is always the member; a plain name is the member unless an attribute
        of the set has that name too (see `codec.names`).
        """
        if struct_name is None:
            return {}, dict(values)
        members, clashes = self._header_names(struct_name, set_name)
        header: dict[str, Any] = {}
        attrs: dict[str, Any] = {}
        for key, value in values.items():
            name = spec_name(key) if isinstance(key, str) else None
            if name is not None and name.startswith(HEADER_PREFIX):
                member = key[len(HEADER_PREFIX) :]
                if name[len(HEADER_PREFIX) :] not in members:
                    known = ", ".join(members)
                    raise EncodeError(f"{path}.{key}: struct {struct_name} has no member "
                                      f"{member!r} ({known})")  # fmt: skip
                header[member] = value
            elif name in members and name not in clashes:
                header[key] = value
            else:
                attrs[key] = value
        return header, attrs

    def _header_names(self, struct_name: str, set_name: str | None) -> HeaderNames:
        """(member names, those that an attribute of `set_name` shares), kept per pair."""
        names = self._headers.get((struct_name, set_name))
        if names is None:
            members = self.family.structs[struct_name].members
            names = ({m.name: None for m in members if m.type != "pad"},
                     header_clashes(self.family, struct_name, set_name))  # fmt: skip
            self._headers[(struct_name, set_name)] = names
        return names

    # -- attribute sets ---------------------------------------------------------------------------

    def attrs(self, set_name: str, values: Mapping[Any, Any], builder: AttrBuilder,
              path: str = "", scope: tuple[Mapping[Any, Any], ...] = ()) -> None:  # fmt: skip
        """Append the attributes of `set_name` given by `values` to `builder`.

        `scope` holds the values of the enclosing nests, outermost first: a sub-message's
        selector is looked up there when it is not among `values`.
        """
        if not isinstance(values, Mapping):
            raise EncodeError(f"{path or '.'}: attributes of {set_name} need a dict, "
                              f"got {type(values).__name__}")  # fmt: skip
        scope = (*scope, values)
        aset: AttributeSet = self.family.attribute_sets[set_name]
        for key, value in values.items():
            if isinstance(key, int) and not isinstance(key, bool):
                # a number the spec does not name: raw bytes
                if not isinstance(value, (bytes, bytearray, memoryview)):
                    raise EncodeError(f"{path}.{key}: an attribute given by number needs "
                                      f"bytes, got {type(value).__name__}")  # fmt: skip
                builder.put(key, bytes(value))
                continue
            if not isinstance(key, str):
                raise EncodeError(f"{path}: attribute names are strings, not {key!r}")
            attr = lookup(aset.attributes, key)
            if attr is None:
                known = ", ".join(aset.attributes)
                raise EncodeError(f"{path}.{key}: unknown attribute of set {set_name} ({known})")
            self.attr(attr, value, builder, f"{path}.{attr.name}", scope)

    def attr(self, attr: Attribute, value: Any, builder: AttrBuilder, path: str,
             scope: tuple[Mapping[Any, Any], ...]) -> None:  # fmt: skip
        """Append one attribute (several for multi-attr lists)."""
        if attr.multi_attr and isinstance(value, (list, tuple)):
            for item in value:
                self._one(attr, item, builder, path, scope)
        else:
            self._one(attr, value, builder, path, scope)

    def _one(self, attr: Attribute, value: Any, builder: AttrBuilder, path: str,
             scope: tuple[Mapping[Any, Any], ...]) -> None:  # fmt: skip
        kind, number = attr.type, attr.value
        if kind == "flag":
            if value:
                builder.put_flag(number)
        elif kind in ("nest", "indexed-array", "nest-type-value", "sub-message"):
            self._container(attr, value, builder, path, scope)
        else:
            builder.put(number, self.payload(attr, value, path))

    def payload(self, attr: Attribute, value: Any, path: str) -> bytes:
        """The payload bytes of a non-nested attribute, with the spec's checks applied."""
        kind = attr.type
        if kind in SCALAR_SIZES and _is_address(attr.display_hint, value):
            return _int_address(value, kind, attr.display_hint, path)
        if kind in SCALAR_SIZES or kind in ("uint", "sint"):
            width = {"uint": "u64", "sint": "s64"}.get(kind, kind)
            number = self._int(value, width, attr.enum, attr.enum_as_flags, path)
            self._check_value(attr, number, path)
            if kind == "uint":
                return codecs.encode_uint(number)
            if kind == "sint":
                return codecs.encode_sint(number)
            return codecs.scalar(kind, attr.byte_order).pack(number)
        if kind == "string":
            raw = _string(value, path)
            self._check_length(attr, len(raw), path)
            return raw + b"\0"
        if kind == "bitfield32":
            return _bitfield32(value, path)
        if attr.struct is not None and isinstance(value, Mapping):
            return self.struct(attr.struct, value, path)
        if kind == "binary" and attr.sub_type in SCALAR_SIZES and isinstance(value, (list, tuple)):
            codec = codecs.scalar(attr.sub_type or "", attr.byte_order)
            try:
                return b"".join(codec.pack(codecs.check_range(attr.sub_type or "", v))
                                for v in value)  # fmt: skip
            except EncodeError as exc:
                raise EncodeError(f"{path}: {exc}") from None
        raw = self._binary(value, attr.display_hint, path)
        self._check_length(attr, len(raw), path)
        return raw

    def _container(self, attr: Attribute, value: Any, builder: AttrBuilder, path: str,
                   scope: tuple[Mapping[Any, Any], ...]) -> None:  # fmt: skip
        kind = attr.type
        if kind == "sub-message":
            self._sub_message(attr, value, builder, path, scope)
            return
        token = builder.nest_start(attr.value)
        if kind == "nest":
            if not isinstance(value, Mapping):
                raise EncodeError(f"{path}: a nest needs a dict, got {type(value).__name__}")
            if attr.nested_attributes:
                self.attrs(attr.nested_attributes, value, builder, path, scope)
        elif kind == "indexed-array":
            if not isinstance(value, (list, tuple)):
                raise EncodeError(f"{path}: an indexed array needs a list")
            for index, item in enumerate(value):
                where = f"{path}[{index}]"
                if attr.sub_type == "nest" and attr.nested_attributes:
                    inner = builder.nest_start(index)
                    self.attrs(attr.nested_attributes, item, builder, where, scope)
                    builder.nest_end(inner)
                else:
                    item_attr = replace(attr, value=index, type=attr.sub_type or "binary",
                                        multi_attr=False)  # fmt: skip
                    builder.put(index, self.payload(item_attr, item, where))
        else:  # nest-type-value: {number: {attrs}}, one level per name in type-value
            self._type_value(attr, value, builder, path, max(1, len(attr.type_value)))
        builder.nest_end(token)

    def _type_value(self, attr: Attribute, value: Any, builder: AttrBuilder, path: str,
                    levels: int) -> None:  # fmt: skip
        if not isinstance(value, Mapping):
            raise EncodeError(f"{path}: a nest-type-value needs a dict of numbers")
        for number, item in value.items():
            where = f"{path}[{number}]"
            if isinstance(number, str) and number.isdecimal():
                number = int(number)  # JSON keys are strings
            if not isinstance(number, int) or isinstance(number, bool) or not 0 <= number < 1 << 14:
                raise EncodeError(f"{where}: a nest-type-value is keyed by numbers (0..16383)")
            inner = builder.nest_start(number)
            if levels > 1:
                self._type_value(attr, item, builder, where, levels - 1)
            elif attr.nested_attributes:
                self.attrs(attr.nested_attributes, item, builder, where)
            builder.nest_end(inner)

    def _sub_message(self, attr: Attribute, value: Any, builder: AttrBuilder, path: str,
                     scope: tuple[Mapping[Any, Any], ...]) -> None:  # fmt: skip
        sub = self.family.sub_messages.get(attr.sub_message or "")
        key = next((found for values in reversed(scope)
                    if (found := lookup(values, attr.selector or "")) is not None), None)
        fmt = sub.formats.get(str(key)) if sub is not None and key is not None else None
        if fmt is None:
            if isinstance(value, (bytes, bytearray)):
                builder.put(attr.value, bytes(value))
                return
            raise EncodeError(f"{path}: selector {attr.selector!r} = {key!r} picks no format")
        if not isinstance(value, Mapping):
            raise EncodeError(f"{path}: a sub-message needs a dict, got {type(value).__name__}")
        header, rest = self.split_header(fmt.fixed_header, fmt.attribute_set, value, path)
        token = builder.nest_start(attr.value)
        if fmt.fixed_header:
            raw = self.struct(fmt.fixed_header, header, path)
            builder.buffer += raw + b"\0" * (-len(raw) & 3)
        if fmt.attribute_set:
            self.attrs(fmt.attribute_set, rest, builder, path, scope)
        builder.nest_end(token)

    # -- scalars ---------------------------------------------------------------------------------

    def _int(self, value: Any, type_name: str, enum_name: str | None, as_flags: bool,
             path: str) -> int:  # fmt: skip
        enum: EnumDefinition | None = self.family.enums.get(enum_name) if enum_name else None
        if enum is not None and not isinstance(value, int):
            value = self._enum(enum, value, as_flags, path)
        elif isinstance(value, (ipaddress.IPv4Address,)):
            value = int.from_bytes(value.packed, "little")
        try:
            return codecs.check_range(type_name, value)
        except EncodeError as exc:
            raise EncodeError(f"{path}: {exc}") from None

    def _enum(self, enum: EnumDefinition, value: Any, as_flags: bool, path: str) -> int:
        table = enum.flag_values if as_flags or enum.is_flags else enum.values
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, (list, tuple, set, frozenset)):
            raise EncodeError(f"{path}: a name of {enum.name} or a number needed, "
                              f"got {type(value).__name__} {codecs.short_repr(value)}")  # fmt: skip
        out = 0
        for name in names:
            if isinstance(name, int):
                out |= name
                continue
            if not isinstance(name, str):
                raise EncodeError(f"{path}: {codecs.short_repr(name)} is not a name of {enum.name}")
            number = lookup(table, name)
            if number is None:
                raise EncodeError(f"{path}: {name!r} is not in {enum.name} ({', '.join(table)})")
            if not (as_flags or enum.is_flags):
                return int(number)
            out |= number
        return out

    def _binary(self, value: Any, hint: str | None, path: str) -> bytes:
        if isinstance(value, (bytes, bytearray, memoryview)):
            return bytes(value)
        if isinstance(value, _ADDRESSES):
            return value.packed
        if isinstance(value, uuid.UUID):
            return value.bytes
        if isinstance(value, str):
            return _text_bytes(value, hint, path)
        raise EncodeError(f"{path}: bytes needed, got {type(value).__name__} "
                          f"{codecs.short_repr(value)}")  # fmt: skip

    @staticmethod
    def _check_value(attr: Attribute, value: int, path: str) -> None:
        checks = attr.checks
        if checks.min is not None and value < checks.min:
            raise EncodeError(f"{path}: {value} is below the minimum {checks.min}")
        if checks.max is not None and value > checks.max:
            raise EncodeError(f"{path}: {value} is above the maximum {checks.max}")

    @staticmethod
    def _check_length(attr: Attribute, length: int, path: str) -> None:
        checks = attr.checks
        if checks.max_len is not None and length > checks.max_len:
            raise EncodeError(f"{path}: {length} bytes, more than the maximum {checks.max_len}")
        if checks.min_len is not None and length < checks.min_len:
            raise EncodeError(f"{path}: {length} bytes, fewer than the minimum {checks.min_len}")
        if checks.exact_len is not None and length != checks.exact_len:
            raise EncodeError(f"{path}: {length} bytes, exactly {checks.exact_len} needed")


def _string(value: Any, path: str) -> bytes:
    """A string's bytes without the NUL; an EncodeError naming `path` for anything else, or
    for a NUL inside (the kernel would read only what comes before it)."""
    try:
        return codecs.encode_string(value, nul=False)
    except EncodeError as exc:
        raise EncodeError(f"{path}: {exc}") from None


def _bitfield32(value: Any, path: str) -> bytes:
    """{"value": .., "selector": ..} or a (value, selector) pair."""
    try:
        if isinstance(value, Mapping):
            return codecs.encode_bitfield32(value["value"], value["selector"])
        if isinstance(value, (list, tuple)) and len(value) == 2:
            return codecs.encode_bitfield32(value[0], value[1])
    except KeyError as exc:
        raise EncodeError(f"{path}: a bitfield32 needs {exc.args[0]!r}") from None
    except EncodeError as exc:
        raise EncodeError(f"{path}: {exc}") from None
    raise EncodeError(f"{path}: a bitfield32 is {{'value': .., 'selector': ..}} or a pair, "
                      f"not {type(value).__name__}")  # fmt: skip

"""Encode plain Python values into attributes and structs, checked against the family model.

Every problem is an EncodeError that names the attribute path (".header.dev-index") and what
is wrong, raised before anything is sent.
"""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

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


def _is_ipv4_text(hint: str | None, value: Any) -> bool:
    """An address (text or IPv4Address) for an integer field shown as ipv4."""
    return hint == "ipv4" and isinstance(value, (str, ipaddress.IPv4Address))


def _ipv4(value: Any, type_name: str, path: str) -> bytes:
    """The address's 4 bytes in network order, whatever the field's byte order: the decoder
    reads them the same way (an ipv4 hint shows the bytes on the wire as an address)."""
    if SCALAR_SIZES[type_name] != 4:
        raise EncodeError(f"{path}: an IPv4 address does not fit a {type_name}")
    try:
        return ipaddress.IPv4Address(value).packed
    except ValueError as exc:
        raise EncodeError(f"{path}: {exc}") from None


class Encoder:
    """Turns dicts of names -> values into attribute bytes for one family."""

    def __init__(self, family: Family) -> None:
        self.family = family

    # -- structs and fixed headers -------------------------------------------------------------

    def struct(self, name: str, values: Mapping[str, Any], path: str) -> bytes:
        """A C struct from member values (absent members are zero); unknown keys are errors."""
        st: Struct = self.family.structs[name]
        known = {m.name for m in st.members}
        for key in values:
            if spec_name(key) not in known:
                raise EncodeError(f"{path}: struct {name} has no member {key!r}")
        out = bytearray(st.size)
        for m in st.members:
            value = lookup(values, m.name)
            if value is None or m.type == "pad":
                continue
            where = f"{path}.{m.name}"
            if m.type in SCALAR_SIZES and _is_ipv4_text(m.display_hint, value):
                raw = _ipv4(value, m.type, where)
            elif m.type in SCALAR_SIZES:
                value = self._int(value, m.type, m.enum, m.enum_as_flags, where)
                raw = codecs.scalar(m.type, m.byte_order).pack(value)
            elif m.type == "string":
                raw = codecs.encode_string(value, nul=False)
            elif m.struct is not None:
                raw = self.struct(m.struct, value, where)
            else:
                raw = self._binary(value, m.display_hint, where)
            if len(raw) > m.size:
                raise EncodeError(f"{where}: {len(raw)} bytes do not fit in {m.size}")
            out[m.offset : m.offset + len(raw)] = raw
        return bytes(out)

    def split_header(
        self, struct_name: str | None, values: Mapping[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Separate fixed-header members from attributes in a request's values."""
        if struct_name is None:
            return {}, dict(values)
        members = {m.name for m in self.family.structs[struct_name].members}
        header: dict[str, Any] = {}
        attrs: dict[str, Any] = {}
        for key, value in values.items():
            (header if spec_name(key) in members else attrs)[key] = value
        return header, attrs

    # -- attribute sets ---------------------------------------------------------------------------

    def attrs(self, set_name: str, values: Mapping[Any, Any], builder: AttrBuilder,
              path: str = "", scope: tuple[Mapping[Any, Any], ...] = ()) -> None:  # fmt: skip
        """Append the attributes of `set_name` given by `values` to `builder`.

        `scope` holds the values of the enclosing nests, outermost first: a sub-message's
        selector is looked up there when it is not among `values`.
        """
        scope = (*scope, values)
        aset: AttributeSet = self.family.attribute_sets[set_name]
        for key, value in values.items():
            if isinstance(key, int):
                builder.put(key, bytes(value))  # a number the spec does not name: raw bytes
                continue
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
        if kind in SCALAR_SIZES and _is_ipv4_text(attr.display_hint, value):
            return _ipv4(value, kind, path)
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
            raw = codecs.encode_string(value, nul=False) if isinstance(value, str) else None
            if raw is None:
                raise EncodeError(f"{path}: string needed, got {type(value).__name__} {value!r}")
            self._check_length(attr, len(raw), path)
            return raw + b"\0"
        if kind == "bitfield32":
            if isinstance(value, Mapping):
                return codecs.encode_bitfield32(value["value"], value["selector"])
            bits, selector = value
            return codecs.encode_bitfield32(bits, selector)
        if attr.struct is not None and isinstance(value, Mapping):
            return self.struct(attr.struct, value, path)
        if kind == "binary" and attr.sub_type in SCALAR_SIZES and isinstance(value, (list, tuple)):
            codec = codecs.scalar(attr.sub_type or "", attr.byte_order)
            return b"".join(codec.pack(codecs.check_range(attr.sub_type or "", v)) for v in value)
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
            inner = builder.nest_start(int(number))
            where = f"{path}[{number}]"
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
        header, rest = self.split_header(fmt.fixed_header, value)
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
        names = [value] if isinstance(value, str) else list(value)
        out = 0
        for name in names:
            if isinstance(name, int):
                out |= name
                continue
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
        if isinstance(value, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
            return value.packed
        if isinstance(value, uuid.UUID):
            return value.bytes
        if isinstance(value, str):
            try:
                if hint in ("mac", "fddi"):
                    return bytes(int(part, 16) for part in value.replace("-", ":").split(":"))
                if hint in ("ipv4", "ipv6", "ipv4-or-v6"):
                    return ipaddress.ip_address(value).packed
                if hint == "uuid":
                    return uuid.UUID(value).bytes
                return bytes.fromhex(value)
            except ValueError as exc:
                reason = f"cannot read {value!r} as {hint or 'hex'}: {exc}"
                raise EncodeError(f"{path}: {reason}") from None
        raise EncodeError(f"{path}: bytes needed, got {type(value).__name__} {value!r}")

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

"""The compiled attribute walk (`_cwalk`, C), when it was built: native decode tables.

`pip install` builds the extension where a C compiler and Python's headers are present; without
them, or with ``GENETLINK_PURE=1`` in the environment, `accelerator()` is None and the codec
decodes in Python. Both paths give the same values and the same DecodeError for the same bytes
(tests/unit/test_native.py checks it on random and mutated real messages).

A native table has one entry per attribute number, made from the same model and the same
Python table (`decode.Tables.table`) as the pure walk: integers of every width and byte order
(with enum or flag names), strings, bytes, addresses and MACs, flags, nests, C structs and
packed integer arrays are decoded in C; everything else (sub-messages, bitfields, indexed
arrays, type-value nests, UUIDs, payloads of the wrong width) by the very Python decoder the
pure walk calls, from C.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Any

from genetlink.schema.definitions import Struct, StructMember
from genetlink.schema.model import Attribute
from genetlink.schema.types import SCALAR_SIZES, VARIABLE_INTEGERS

if TYPE_CHECKING:
    from genetlink.codec.decode import Tables

# Entry kinds and display hints of _cwalk.c.
K_INT, K_STRING, K_BINARY, K_FLAG, K_NEST, K_CALL, K_LATE, K_STRUCT, K_PACKED = range(9)
H_RAW, H_MAC, H_ADDRESS = range(3)

_SIZES = {"b": 1, "h": 2, "i": 4, "q": 8}
_FOREIGN = ">!" if sys.byteorder == "little" else "<"
_FOREIGN_ORDER = "b" if sys.byteorder == "little" else "l"  # the first letter of byte-order
_ADDRESS_HINTS = frozenset({"ipv4", "ipv6", "ipv4-or-v6"})


def accelerator() -> ModuleType | None:
    """The compiled walk, or None: not built here, or ``GENETLINK_PURE=1``."""
    if os.environ.get("GENETLINK_PURE", "") not in ("", "0"):
        return None
    try:
        from genetlink.codec import _cwalk  # type: ignore[attr-defined]
    except ImportError:
        return None
    return _cwalk  # type: ignore[no-any-return]


def build_table(accel: ModuleType, tables: Tables, set_name: str, made: dict[str, Any]) -> Any:
    """The native table of `set_name`, registered in `made` before it is filled (sets may
    contain themselves)."""
    table = made.get(set_name)
    if table is not None:
        return table
    table = made[set_name] = accel.Table()
    try:
        pure = tables.table(set_name)
        by_value = tables.family.attribute_sets[set_name].by_value
        entries = []
        for number, (name, how, arg, multi) in pure.items():
            if 0 <= number <= 0x3FFF:  # larger numbers never match a masked type
                where = f"{set_name}.{name}"
                kind, *rest = _entry(accel, tables, by_value[number], how, arg, where, made)
                entries.append((number, name, kind, int(multi), *rest))
        table.fill(entries)
    except BaseException:
        del made[set_name]  # never a half-built table for the next decode
        raise
    return table


def build_struct(accel: ModuleType, tables: Tables, st: Struct, decode: Any,
                 renames: Mapping[str, str] | None = None) -> Any:  # fmt: skip
    """A native decoder of the struct `st`, or None where a member needs the pure one (a
    nested struct, a UUID); `decode` is the pure decoder, which answers for short payloads."""
    members = []
    for m in st.members:
        if m.type == "pad":
            continue
        spec = _member(tables, m)
        if spec is None:
            return None
        key = renames.get(m.name, m.name) if renames else m.name
        kind, *rest = spec
        members.append((m.offset, key, kind, 0, m.size, *rest))
    native = accel.Struct()
    native.fill(st.size, members, decode)
    return native


_NONE = (None, None, None)


def _member(tables: Tables, m: StructMember) -> tuple[Any, ...] | None:
    """(kind, signed, swap, other, names, child, hint, flags) of a struct member, as
    decode.Tables._convert and _member_decoder decode it; None: not natively."""
    hint = m.display_hint
    if m.struct is not None:
        return None
    if m.type == "string":
        return K_STRING, 0, 0, *_NONE, H_RAW, None
    if m.type == "binary":
        if hint == "uuid":
            return None
        return K_BINARY, 0, 0, *_NONE, _hint(hint), None
    if m.type not in SCALAR_SIZES:
        return None
    if hint in _ADDRESS_HINTS and m.size == 4:  # the 4 bytes as they are on the wire
        return K_BINARY, 0, 0, *_NONE, H_ADDRESS, None
    signed = m.type.startswith("s")
    naming = _naming(tables, m.enum, m.enum_as_flags, signed)
    if naming is None:
        return None
    names, flags = naming
    return K_INT, int(signed), int(_swap(m.byte_order)), None, names, None, H_RAW, flags


def _entry(accel: ModuleType, tables: Tables, attr: Attribute, how: int, arg: Any, where: str,
           made: dict[str, Any]) -> tuple[Any, ...]:  # fmt: skip
    """(kind, size, signed, swap, other, names, child, hint, flags) for one attribute."""
    from genetlink.codec.decode import LATE, SCALAR

    call = (K_CALL, 0, 0, 0, arg, None, None, H_RAW, None)
    if how == LATE:
        return (K_LATE, *call[1:])
    if how == SCALAR:
        return _int(arg[0], arg[2], None, None)
    kind, hint = attr.type, attr.display_hint
    if kind == "string":
        return K_STRING, 0, 0, 0, None, None, None, H_RAW, None
    if kind == "flag":
        return K_FLAG, 0, 0, 0, None, None, None, H_RAW, None
    if kind == "nest" and attr.nested_attributes is not None:
        child = build_table(accel, tables, attr.nested_attributes, made)
        return K_NEST, 0, 0, 0, None, None, child, H_RAW, None
    if kind == "binary" and attr.sub_type in SCALAR_SIZES:
        # decode._packed_array, with the same decoder of other lengths (one warning per width)
        other = tables.mismatch(where, f"{attr.sub_type} array")
        size = SCALAR_SIZES[attr.sub_type]
        signed, swap = int(attr.sub_type.startswith("s")), int(_swap(attr.byte_order))
        return K_PACKED, size, signed, swap, other, None, None, H_RAW, None
    if kind == "binary" and attr.struct is not None:
        native = build_struct(accel, tables, tables.family.structs[attr.struct], arg)
        return call if native is None else (K_STRUCT, 0, 0, 0, None, None, native, H_RAW, None)
    if kind == "binary" and attr.sub_type is None and hint != "uuid":
        return K_BINARY, 0, 0, 0, None, None, None, _hint(hint), None
    if (kind in SCALAR_SIZES or kind in VARIABLE_INTEGERS) and hint not in _ADDRESS_HINTS:
        # Decoded as by decode.Tables._member_decoder: the value, then its enum name; a
        # width of another size goes to the pure path's reader, then is named the same way.
        naming = _naming(tables, attr.enum, attr.enum_as_flags, kind.startswith("s"))
        if naming is None:
            return call
        unpack, _size, other = tables._reader(kind, attr.byte_order, where)
        return _int(unpack, other, *naming)
    return call


def _hint(hint: str | None) -> int:
    """How a binary payload is shown: decode._hinted_bytes (but uuid)."""
    return H_MAC if hint in ("mac", "fddi") else H_ADDRESS if hint in _ADDRESS_HINTS else H_RAW


def _swap(byte_order: str | None) -> bool:
    return byte_order is not None and byte_order[0] in _FOREIGN_ORDER


Flags = tuple[tuple[str, int], ...]


def _naming(tables: Tables, enum_name: str | None, as_flags: bool,
            signed: bool) -> tuple[dict[int, str] | None, Flags | None] | None:  # fmt: skip
    """(names, flags) of an integer with `enum_name` (both None: a plain number); None where
    the pure decoder must name it (flags of a signed type, masks wider than 64 bits)."""
    enum = tables.family.enums.get(enum_name) if enum_name is not None else None
    if enum is None:
        return None, None
    if as_flags or enum.is_flags:
        flags = tuple(enum.flag_values.items())
        if signed or any(not 0 <= mask < 1 << 64 for _, mask in flags):
            return None
        return None, flags
    return dict(enum.names) or None, None


def _int(unpack: Any, other: Any, names: dict[int, str] | None,
         flags: Flags | None) -> tuple[Any, ...]:  # fmt: skip
    """A K_INT entry from a struct's bound unpack_from (its format gives width, sign, order)."""
    fmt = unpack.__self__.format
    order, code = fmt[0], fmt[-1]
    swap = int(order in _FOREIGN)
    return K_INT, _SIZES[code.lower()], int(code.islower()), swap, other, names, None, H_RAW, flags

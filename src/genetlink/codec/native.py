"""The compiled attribute walk (`_cwalk`, C), when it was built: native decode tables.

`pip install` builds the extension where a C compiler and Python's headers are present; without
them, or with ``GENETLINK_PURE=1`` in the environment, `accelerator()` is None and the codec
decodes in Python. Both paths give the same values and the same DecodeError for the same bytes
(tests/unit/test_native.py checks it on random and mutated real messages).

A native table has one entry per attribute number, made from the same model and the same
Python table (`decode.Tables.table`) as the pure walk: scalars, strings, bytes, addresses and
MACs, enums, flags and nests are decoded in C; everything else (structs, flag names,
bitfields, arrays, sub-messages, payloads of the wrong width) by the very Python decoder the
pure walk calls.
"""

from __future__ import annotations

import os
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

from genetlink.schema.model import Attribute
from genetlink.schema.types import SCALAR_SIZES, VARIABLE_INTEGERS

if TYPE_CHECKING:
    from genetlink.codec.decode import Tables

# Entry kinds and display hints of _cwalk.c.
K_INT, K_STRING, K_BINARY, K_FLAG, K_NEST, K_CALL, K_LATE = range(7)
H_RAW, H_MAC, H_ADDRESS = range(3)

_SIZES = {"b": 1, "h": 2, "i": 4, "q": 8}
_FOREIGN = ">!" if sys.byteorder == "little" else "<"
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
    pure = tables.table(set_name)
    by_value = tables.family.attribute_sets[set_name].by_value
    entries = []
    for number, (name, how, arg, multi) in pure.items():
        if 0 <= number <= 0x3FFF:  # larger numbers never match a masked type
            where = f"{set_name}.{name}"
            kind, *rest = _entry(accel, tables, by_value[number], how, arg, where, made)
            entries.append((number, name, kind, int(multi), *rest))
    table.fill(entries)
    return table


def _entry(accel: ModuleType, tables: Tables, attr: Attribute, how: int, arg: Any, where: str,
           made: dict[str, Any]) -> tuple[Any, ...]:  # fmt: skip
    """(kind, size, signed, swap, other, names, child, hint) for one attribute."""
    from genetlink.codec.decode import LATE, SCALAR

    if how == LATE:
        return K_LATE, 0, 0, 0, arg, None, None, H_RAW
    if how == SCALAR:
        return _int(arg[0], arg[2], None)
    kind, hint = attr.type, attr.display_hint
    if kind == "string":
        return K_STRING, 0, 0, 0, None, None, None, H_RAW
    if kind == "flag":
        return K_FLAG, 0, 0, 0, None, None, None, H_RAW
    if kind == "nest" and attr.nested_attributes is not None:
        child = build_table(accel, tables, attr.nested_attributes, made)
        return K_NEST, 0, 0, 0, None, None, child, H_RAW
    if kind == "binary" and attr.struct is None and attr.sub_type is None and hint != "uuid":
        shown = H_MAC if hint in ("mac", "fddi") else H_ADDRESS if hint in _ADDRESS_HINTS \
            else H_RAW  # fmt: skip
        return K_BINARY, 0, 0, 0, None, None, None, shown
    if (kind in SCALAR_SIZES or kind in VARIABLE_INTEGERS) and hint not in _ADDRESS_HINTS:
        # Decoded as by decode.Tables._member_decoder: the value, then its enum name; a
        # width of another size goes to the pure path's reader, then is named the same way.
        names = None
        enum = tables.family.enums.get(attr.enum) if attr.enum is not None else None
        if enum is not None:
            if attr.enum_as_flags or enum.is_flags:
                return K_CALL, 0, 0, 0, arg, None, None, H_RAW
            names = dict(enum.names) or None
        unpack, _size, other = tables._reader(kind, attr.byte_order, where)
        return _int(unpack, other, names)
    return K_CALL, 0, 0, 0, arg, None, None, H_RAW


def _int(unpack: Any, other: Any, names: dict[int, str] | None) -> tuple[Any, ...]:
    """A K_INT entry from a struct's bound unpack_from (its format gives width, sign, order)."""
    fmt = unpack.__self__.format
    order, code = fmt[0], fmt[-1]
    swap = int(order in _FOREIGN)
    return K_INT, _SIZES[code.lower()], int(code.islower()), swap, other, names, None, H_RAW

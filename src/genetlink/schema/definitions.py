"""The ``definitions`` section of a spec: constants, enums, flags and C structs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Const:
    """A standalone constant (``type: const``); ``value`` is an int or a literal string.
    ``name_prefix`` is the optional C prefix (genetlink-c), by which specs may refer to it."""

    name: str
    value: int | str
    doc: str = ""
    header: str | None = None
    name_prefix: str | None = None


@dataclass(frozen=True, slots=True)
class EnumDefinition:
    """An ``enum`` or ``flags`` definition with every value resolved.

    ``values`` maps entry names to the number that goes on the wire: for ``enum`` the
    counted value (``value-start`` + index, or an explicit ``value``), for ``flags`` the
    mask ``1 << bit`` (bits count from ``value-start``). ``names`` is the inverse (first
    name wins on duplicates). ``flag_values`` gives the masks to use when an attribute says
    ``enum-as-flags``: ``1 << value`` for an enum, the same as ``values`` for flags.
    """

    name: str
    type: str  # "enum" or "flags"
    values: Mapping[str, int]
    names: Mapping[int, str]
    flag_values: Mapping[str, int]
    value_start: int = 0
    render_max: bool = False
    doc: str = ""
    entry_docs: Mapping[str, str] | None = None
    header: str | None = None

    @property
    def is_flags(self) -> bool:
        """True for ``type: flags`` (values are bit masks)."""
        return self.type == "flags"

    @property
    def mask(self) -> int:
        """All flag bits of this definition OR-ed together (as used by ``checks.flags-mask``)."""
        out = 0
        for v in self.flag_values.values():
            out |= v
        return out


@dataclass(frozen=True, slots=True)
class StructMember:
    """One member of a struct, at a fixed ``offset`` with a fixed ``size`` in bytes.

    ``type`` is a scalar type, ``string``, ``binary`` or ``pad``. ``byte_order`` is None for
    host order. ``struct`` names a nested struct for a ``binary`` member; ``len`` is the
    declared length of ``string``/``binary``/``pad`` members (resolved from constants).
    """

    name: str
    type: str
    offset: int
    size: int
    len: int | None = None
    byte_order: str | None = None
    display_hint: str | None = None
    enum: str | None = None
    enum_as_flags: bool = False
    struct: str | None = None
    doc: str = ""


@dataclass(frozen=True, slots=True)
class Struct:
    """A C struct (``type: struct``): members laid out back to back, ``size`` bytes in all.

    Specs spell out padding as ``pad`` members, so no implicit alignment is added.
    """

    name: str
    members: tuple[StructMember, ...]
    size: int
    doc: str = ""
    header: str | None = None

    def member(self, name: str) -> StructMember:
        """The member called ``name`` (KeyError if there is none)."""
        for m in self.members:
            if m.name == name:
                return m
        raise KeyError(name)


#: Any entry of the ``definitions`` section.
Definition = Const | EnumDefinition | Struct

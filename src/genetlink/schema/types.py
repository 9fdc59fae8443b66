"""The vocabulary of the spec format: attribute types, scalar sizes, hints and limits."""

from __future__ import annotations

from genetlink.wire.codecs import RANGES, SIZES

#: Fixed-width integer types and their sizes in bytes (the wire layer's table).
SCALAR_SIZES: dict[str, int] = SIZES

#: Variable-width integers (NLA_UINT / NLA_SINT): 4 or 8 bytes on the wire.
VARIABLE_INTEGERS = frozenset({"uint", "sint"})

#: Every attribute type the four schema levels define. ``array-nest`` (older genetlink-legacy
#: name) is normalised to ``indexed-array`` with ``sub-type: nest`` by the loader.
ATTRIBUTE_TYPES = frozenset(
    {
        "unused", "pad", "flag", "binary", "bitfield32", "uint", "sint", "string",
        "nest", "indexed-array", "nest-type-value", "sub-message", *SCALAR_SIZES,
    }
)  # fmt: skip

#: Types a struct member may have (``pad`` and ``binary`` need ``len`` or ``struct``).
MEMBER_TYPES = frozenset({"string", "binary", "pad", *SCALAR_SIZES})

#: Display hints known to this version; unknown hints are kept and mean "show raw".
DISPLAY_HINTS = frozenset({"hex", "mac", "fddi", "ipv4", "ipv6", "ipv4-or-v6", "uuid"})

BYTE_ORDERS = frozenset({"little-endian", "big-endian"})

PROTOCOLS = frozenset({"genetlink", "genetlink-c", "genetlink-legacy", "netlink-raw"})

#: NETLINK_GENERIC, the protocol number of every genetlink* family.
NETLINK_GENERIC = 16


#: Named limits usable in ``checks`` (``u32-max``, ``s16-min`` ...).
LIMITS: dict[str, int] = {
    f"{name}-{end}": value
    for name in SIZES
    for end, value in zip(("min", "max"), RANGES[name], strict=True)
}

"""Attribute policies as the kernel describes them (NL_POLICY_TYPE_ATTR_* nests).

Used by extended ACKs (NLMSGERR_ATTR_POLICY) and by nlctrl's CTRL_CMD_GETPOLICY.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import constants as c
from .attrs import Attrs

# number -> (key, getter). Signed limits come from the _S attributes and unsigned ones from _U,
# each read at its own width, so a u64 maximum never comes back negative.
_LIMITS: dict[int, tuple[str, Callable[[Attrs, int], int | None]]] = {
    c.NL_POLICY_TYPE_ATTR_MIN_VALUE_S: ("min-value", Attrs.s64),
    c.NL_POLICY_TYPE_ATTR_MAX_VALUE_S: ("max-value", Attrs.s64),
    c.NL_POLICY_TYPE_ATTR_MIN_VALUE_U: ("min-value", Attrs.u64),
    c.NL_POLICY_TYPE_ATTR_MAX_VALUE_U: ("max-value", Attrs.u64),
    c.NL_POLICY_TYPE_ATTR_MIN_LENGTH: ("min-length", Attrs.u32),
    c.NL_POLICY_TYPE_ATTR_MAX_LENGTH: ("max-length", Attrs.u32),
    c.NL_POLICY_TYPE_ATTR_POLICY_IDX: ("policy-idx", Attrs.u32),
    c.NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE: ("policy-maxtype", Attrs.u32),
    c.NL_POLICY_TYPE_ATTR_BITFIELD32_MASK: ("bitfield32-mask", Attrs.u32),
    c.NL_POLICY_TYPE_ATTR_MASK: ("mask", Attrs.u64),
}


def type_name(value: int) -> str:
    """The kernel's policy type number as a spec-style name ("u32", "nul-string", ...)."""
    try:
        return c.AttrType(value).name.lower().replace("_", "-")
    except ValueError:
        return str(value)


def decode_policy(attrs: Attrs) -> dict[str, Any]:
    """One attribute's policy as a dict: the type name, then whichever limits the kernel gave."""
    out: dict[str, Any] = {}
    kind = attrs.u32(c.NL_POLICY_TYPE_ATTR_TYPE)
    if kind is not None:
        out["type"] = type_name(kind)
    for number, (key, getter) in _LIMITS.items():
        if number in attrs:
            out[key] = getter(attrs, number)
    return out

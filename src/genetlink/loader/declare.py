"""Families declared in plain Python, on the same model as the YAML specs.

    GENLTEST = declare_family(
        "genltest",
        attributes={"msg": (1, "string"), "count": (2, "u32")},
        operations={"echo": (1, ["msg"]), "history": {"value": 2, "dump": {"reply": ["msg"]}}},
        mcast_groups=["mcgrp"],
    )

A declaration becomes the dict a YAML spec would parse to, and goes through the same loader,
so a declared family is checked exactly like a spec and is indistinguishable from one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from genetlink.loader.spec import build_family
from genetlink.schema.model import Family

#: An attribute: (number, type), or (number, type, {more spec keys}), or a full spec dict.
AttrDecl = tuple[int, str] | tuple[int, str, Mapping[str, Any]] | Mapping[str, Any]
#: An operation: (value, [attribute names]) for a "do" whose request and reply carry them,
#: or the spec's own op mapping (value, attribute-set, do, dump, notify, event, mcgrp...).
OpDecl = tuple[int, Sequence[str]] | Mapping[str, Any]


def _attribute(name: str, decl: AttrDecl) -> dict[str, Any]:
    if isinstance(decl, Mapping):
        return {"name": name, **decl}
    entry: dict[str, Any] = {"name": name, "value": decl[0], "type": decl[1]}
    if len(decl) > 2:
        entry.update(decl[2])
    return entry


def _operation(name: str, decl: OpDecl, default_set: str) -> dict[str, Any]:
    if isinstance(decl, Mapping):
        return {"name": name, "attribute-set": default_set, **decl}
    value, attrs = decl
    both = {"attributes": list(attrs)}
    return {
        "name": name,
        "value": value,
        "attribute-set": default_set,
        "do": {"request": dict(both), "reply": dict(both)},
    }


def declare_family(
    name: str,
    *,
    version: int = 1,
    attributes: Mapping[str, AttrDecl] | None = None,
    attribute_sets: Mapping[str, Mapping[str, AttrDecl]] | None = None,
    operations: Mapping[str, OpDecl] | None = None,
    mcast_groups: Iterable[str] = (),
    definitions: Sequence[Mapping[str, Any]] = (),
    protocol: str = "genetlink-legacy",
    protonum: int | None = None,
    fixed_header: str | None = None,
) -> Family:
    """Build a Family from Python values.

    `attributes` declares the main attribute set (named after the family); `attribute_sets`
    adds others (for nests: `{"type": "nest", "nested-attributes": "set"}`). Operations
    default to the main set. `definitions` takes spec-style entries (enums, structs).
    """
    sets: dict[str, Mapping[str, AttrDecl]] = {}
    if attributes is not None:
        sets[name] = attributes
    sets.update(attribute_sets or {})
    main_set = next(iter(sets), name)
    spec: dict[str, Any] = {
        "name": name,
        "protocol": protocol,
        "attribute-sets": [
            {"name": set_name, "attributes": [_attribute(n, d) for n, d in attrs.items()]}
            for set_name, attrs in sets.items()
        ],
        "operations": {"list": [_operation(n, d, main_set) for n, d in (operations or {}).items()]},
    }
    if protocol == "genetlink-legacy":
        spec["version"] = version
    if protonum is not None:
        spec["protonum"] = protonum
    if fixed_header is not None:
        spec["operations"]["fixed-header"] = fixed_header
    if definitions:
        spec["definitions"] = [dict(d) for d in definitions]
    groups = list(mcast_groups)
    if groups:
        spec["mcast-groups"] = {"list": [{"name": g} for g in groups]}
    return build_family(spec, source=f"<declared family {name}>")

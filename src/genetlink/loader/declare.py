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
from typing import Any, cast

from genetlink.loader.errors import SpecError, preview
from genetlink.loader.spec import build_family
from genetlink.schema.model import Family

#: An attribute: (number, type), or (number, type, {more spec keys}), or a full spec dict.
AttrDecl = tuple[int, str] | tuple[int, str, Mapping[str, Any]] | Mapping[str, Any]
#: An operation: (value, [attribute names]) for a "do" whose request and reply carry them,
#: or the spec's own op mapping (value, attribute-set, do, dump, notify, event, mcgrp...).
OpDecl = tuple[int, Sequence[str]] | Mapping[str, Any]


class _Args:
    """Checks the shapes of declare_family's arguments, raising SpecError with the argument's
    path (``attributes.msg``): the loader checks the values, but these must be walkable."""

    __slots__ = ("source",)

    def __init__(self, source: str) -> None:
        self.source = source

    def error(self, path: str, expected: str, value: object) -> SpecError:
        return SpecError(self.source, path, f"expected {expected}, got {preview(value)}")

    def mapping(self, value: object, path: str, expected: str) -> Mapping[Any, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self.error(path, expected, value)
        return value

    def items(self, value: object, path: str, expected: str) -> list[Any]:
        """A list from a non-string iterable (a str would become its letters)."""
        if isinstance(value, str | bytes | Mapping):
            raise self.error(path, expected, value)
        try:
            return list(cast(Iterable[Any], value))
        except TypeError:
            raise self.error(path, expected, value) from None

    def attribute(self, name: str, decl: object, path: str) -> dict[str, Any]:
        if isinstance(decl, Mapping):
            return {"name": name, **decl}
        shape = "(number, type), (number, type, {spec keys}) or a mapping"
        if not isinstance(decl, tuple | list) or len(decl) not in (2, 3):
            raise self.error(path, shape, decl)
        if len(decl) == 3 and not isinstance(decl[2], Mapping):
            raise self.error(path, shape, decl)
        entry: dict[str, Any] = {"name": name, "value": decl[0], "type": decl[1]}
        if len(decl) == 3:
            entry.update(decl[2])
        return entry

    def operation(self, name: str, decl: object, default_set: str, path: str) -> dict[str, Any]:
        if isinstance(decl, Mapping):
            return {"name": name, "attribute-set": default_set, **decl}
        shape = "(value, [attribute names]) or a mapping"
        if not isinstance(decl, tuple | list) or len(decl) != 2:
            raise self.error(path, shape, decl)
        both = {"attributes": self.items(decl[1], f"{path}[1]", "a list of attribute names")}
        return {
            "name": name,
            "value": decl[0],
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
    source = f"<declared family {name if isinstance(name, str) else preview(name)}>"
    args = _Args(source)
    decls = "a mapping of attribute declarations"
    sets: dict[Any, tuple[str, Mapping[Any, Any]]] = {}  # set name -> (argument path, attrs)
    if attributes is not None:
        sets[name] = ("attributes", args.mapping(attributes, "attributes", decls))
    for set_name, attrs in args.mapping(attribute_sets, "attribute_sets", "a mapping").items():
        where = f"attribute_sets.{set_name}"
        sets[set_name] = (where, args.mapping(attrs, where, decls))
    main_set = next(iter(sets), name)
    ops = args.mapping(operations, "operations", "a mapping of operation declarations")
    spec: dict[str, Any] = {
        "name": name,
        "protocol": protocol,
        "attribute-sets": [
            {
                "name": set_name,
                "attributes": [args.attribute(n, d, f"{where}.{n}") for n, d in attrs.items()],
            }
            for set_name, (where, attrs) in sets.items()
        ],
        "operations": {
            "list": [args.operation(n, d, main_set, f"operations.{n}") for n, d in ops.items()]
        },
    }
    if protocol == "genetlink-legacy":
        spec["version"] = version
    if protonum is not None:
        spec["protonum"] = protonum
    if fixed_header is not None:
        spec["operations"]["fixed-header"] = fixed_header
    defs = args.items(definitions, "definitions", "a list of spec definitions")
    if defs:
        spec["definitions"] = [
            dict(args.mapping(d, f"definitions[{i}]", "a mapping")) for i, d in enumerate(defs)
        ]
    groups = args.items(mcast_groups, "mcast_groups", "a list of group names")
    if groups:
        spec["mcast-groups"] = {"list": [{"name": g} for g in groups]}
    return build_family(spec, source=source, strict=True)  # a slip in code is an error

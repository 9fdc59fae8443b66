"""Build ``attribute-sets`` (numbering, subsets, references) and ``sub-messages``."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from genetlink.loader.errors import preview
from genetlink.loader.parse import MAX_SPEC_DEPTH
from genetlink.loader.read import Node, check_int, log, resolve_number
from genetlink.schema.definitions import Definition, EnumDefinition, Struct
from genetlink.schema.model import (
    NO_CHECKS,
    Attribute,
    AttributeSet,
    Checks,
    SubMessage,
    SubMessageFormat,
)
from genetlink.schema.types import ATTRIBUTE_TYPES, BYTE_ORDERS, SCALAR_SIZES

SET_KEYS = frozenset(
    {
        "name", "name-prefix", "enum-name", "doc", "subset-of", "attr-cnt-name",
        "attr-max-name", "header", "attributes",
    }
)  # fmt: skip
ATTRIBUTE_KEYS = frozenset(
    {
        "name", "type", "doc", "value", "type-value", "byte-order", "multi-attr",
        "nested-attributes", "enum", "enum-as-flags", "checks", "sub-type", "display-hint",
        "name-prefix", "struct", "sub-message", "selector",
    }
)  # fmt: skip
CHECK_KEYS = frozenset(
    {"flags-mask", "min", "max", "min-len", "max-len", "exact-len", "unterminated-ok"}
)
SUB_MESSAGE_KEYS = frozenset({"name", "formats"})
FORMAT_KEYS = frozenset({"value", "fixed-header", "attribute-set"})
_SPEC_TYPES = ATTRIBUTE_TYPES | {"array-nest"}


class _Context:
    """What attribute parsing needs from the rest of the spec."""

    __slots__ = ("consts", "defs")

    def __init__(self, defs: Mapping[str, Definition], consts: Mapping[str, int | str]) -> None:
        self.defs = defs
        self.consts = consts


def build_attribute_sets(
    nodes: list[Node], defs: Mapping[str, Definition], consts: Mapping[str, int | str]
) -> dict[str, AttributeSet]:
    """All attribute sets by name (spec order), subsets resolved against their parents."""
    ctx = _Context(defs, consts)
    by_name: dict[str, Node] = {}
    for node in nodes:
        node.check_keys(SET_KEYS)
        name = node.req_str("name")
        if name in by_name:
            raise node.error("name", f"duplicate attribute set {preview(name)}")
        by_name[name] = node
    built: dict[str, AttributeSet] = {}
    for name in by_name:
        _build_set(name, by_name, built, ctx, ())
    return {name: built[name] for name in by_name}


def _build_set(
    name: str,
    nodes: dict[str, Node],
    built: dict[str, AttributeSet],
    ctx: _Context,
    stack: tuple[str, ...],
) -> AttributeSet:
    if name in built:
        return built[name]
    node = nodes[name]
    parent_name = node.opt_str("subset-of")
    parent: AttributeSet | None = None
    if parent_name is not None:
        if parent_name not in nodes:
            raise node.error("subset-of", f"unknown attribute set {preview(parent_name)}")
        if parent_name in stack or parent_name == name:
            raise node.error("subset-of", f"subset cycle through {preview(parent_name)}")
        if len(stack) >= MAX_SPEC_DEPTH:  # the recursion below follows the chain
            raise node.error("subset-of", f"a chain of more than {MAX_SPEC_DEPTH} subsets")
        parent = _build_set(parent_name, nodes, built, ctx, (*stack, name))
    attrs: dict[str, Attribute] = {}
    by_value: dict[int, Attribute] = {}
    counter = 1  # the first attribute is 1: 0 is left for the (implicit) UNSPEC
    for anode in node.children("attributes"):
        anode.check_keys(ATTRIBUTE_KEYS)
        attr_name = anode.req_str("name")
        fields = _attribute_fields(anode, ctx)
        explicit = anode.opt_uint("value")
        if parent is not None:
            attr = _subset_attribute(anode, attr_name, explicit, fields, parent)
        else:
            if explicit is not None:
                counter = explicit
            if "type" not in fields:
                raise anode.error("type", "missing required key")
            attr = Attribute(name=attr_name, value=counter, **fields)
            counter += 1
        attr = _finish(attr, ctx)
        if attr_name in attrs:
            old = attrs[attr_name]
            # A repeat that says the same is harmless (the kernel's ynl accepts it too):
            # devlink's dl-dpipe-table lists dpipe-table-name twice, ethtool's `strings` set
            # `unspec`.
            if attr != old and not (attr.type == old.type == "unused" and attr.value == old.value):
                raise anode.error(
                    "name", f"duplicate attribute {preview(attr_name)} in set {preview(name)}"
                )
            continue
        attrs[attr_name] = attr
        if attr.value in by_value:
            log.debug("%s: %s and %s share number %d", node.source, by_value[attr.value].name,
                      attr_name, attr.value)  # fmt: skip
        by_value.setdefault(attr.value, attr)
    result = AttributeSet(
        name=name,
        attributes=MappingProxyType(attrs),
        by_value=MappingProxyType(by_value),
        subset_of=parent_name,
        name_prefix=node.opt_str("name-prefix") or (parent.name_prefix if parent else None),
        doc=node.opt_str("doc") or "",
    )
    built[name] = result
    return result


def _subset_attribute(
    anode: Node, name: str, explicit: int | None, fields: dict[str, Any], parent: AttributeSet
) -> Attribute:
    base = parent.attributes.get(name)
    if base is None:
        raise anode.error(
            "name", f"attribute {preview(name)} is not in parent set {preview(parent.name)}"
        )
    if explicit is not None and explicit != base.value:
        raise anode.error(
            "value", f"{explicit} differs from {base.value} in {preview(parent.name)}"
        )
    if "type" in fields and fields["type"] != base.type:
        log.debug("subset attribute %s retyped %s -> %s", name, base.type, fields["type"])
    return dataclasses.replace(base, **fields)


def _attribute_fields(node: Node, ctx: _Context) -> dict[str, Any]:
    """The Attribute fields this node spells out (a subset inherits the rest)."""
    fields: dict[str, Any] = {}
    atype = node.opt_str("type")
    if atype is not None:
        if atype not in _SPEC_TYPES:
            raise node.error("type", f"unknown attribute type {preview(atype)}")
        if atype == "array-nest":  # genetlink-legacy's older name for an indexed array of nests
            atype = "indexed-array"
            fields["sub_type"] = "nest"
        fields["type"] = atype
    sub_type = node.opt_str("sub-type")
    if sub_type is not None:
        if sub_type not in ATTRIBUTE_TYPES:
            raise node.error("sub-type", f"unknown attribute type {preview(sub_type)}")
        fields["sub_type"] = sub_type
    simple = (("doc", "doc"), ("nested-attributes", "nested_attributes"), ("enum", "enum"),
              ("struct", "struct"), ("display-hint", "display_hint"), ("selector", "selector"),
              ("sub-message", "sub_message"))  # fmt: skip
    for key, field in simple:
        if node.has(key):
            fields[field] = node.opt_str(key)
    if node.has("byte-order"):
        fields["byte_order"] = node.choice("byte-order", BYTE_ORDERS)
    if node.has("multi-attr"):
        fields["multi_attr"] = node.opt_bool("multi-attr")
    if node.has("enum-as-flags"):
        fields["enum_as_flags"] = node.opt_bool("enum-as-flags")
    if node.has("type-value"):
        fields["type_value"] = node.str_list("type-value")
    checks = node.child("checks")
    if checks is not None:
        fields["checks"] = _checks(checks, ctx)
    return fields


def _checks(node: Node, ctx: _Context) -> Checks:
    node.check_keys(CHECK_KEYS)
    mask_name = node.opt_str("flags-mask")
    mask = None
    if mask_name is not None:
        d = ctx.defs.get(mask_name)
        if not isinstance(d, EnumDefinition):
            raise node.error("flags-mask", f"unknown flags {preview(mask_name)}")
        mask = d.mask
    return Checks(
        min=resolve_number(node, "min", ctx.consts),
        max=resolve_number(node, "max", ctx.consts),
        min_len=resolve_number(node, "min-len", ctx.consts),
        max_len=resolve_number(node, "max-len", ctx.consts),
        exact_len=resolve_number(node, "exact-len", ctx.consts),
        unterminated_ok=node.opt_bool("unterminated-ok"),
        flags_mask=mask,
        flags_mask_name=mask_name,
    )


def _finish(attr: Attribute, ctx: _Context) -> Attribute:
    """Derive ``enum_as_flags`` and ``len`` from the definitions the attribute names."""
    as_flags = attr.enum_as_flags
    if attr.enum is not None:
        d = ctx.defs.get(attr.enum)
        as_flags = as_flags or (isinstance(d, EnumDefinition) and d.is_flags)
    length: int | None = None
    if attr.type in SCALAR_SIZES:
        length = SCALAR_SIZES[attr.type]
    elif attr.type == "flag":
        length = 0
    elif attr.type == "bitfield32":
        length = 8
    elif attr.type == "binary" and attr.struct is not None and attr.sub_type is None:
        s = ctx.defs.get(attr.struct)
        length = s.size if isinstance(s, Struct) else None
    elif attr.checks is not NO_CHECKS and attr.type in ("binary", "string"):
        length = attr.checks.exact_len
    if as_flags == attr.enum_as_flags and length == attr.len:
        return attr
    return dataclasses.replace(attr, enum_as_flags=as_flags, len=length)


def build_sub_messages(
    nodes: list[Node], defs: Mapping[str, Definition], set_names: Mapping[str, object]
) -> dict[str, SubMessage]:
    """All sub-messages by name; formats keyed by the selector value as a string."""
    out: dict[str, SubMessage] = {}
    for node in nodes:
        node.check_keys(SUB_MESSAGE_KEYS)
        name = node.req_str("name")
        if name in out:
            raise node.error("name", f"duplicate sub-message {preview(name)}")
        formats: dict[str, SubMessageFormat] = {}
        for fnode in node.children("formats"):
            fnode.check_keys(FORMAT_KEYS)
            raw = fnode.data.get("value")
            if raw is None or isinstance(raw, bool) or not isinstance(raw, str | int):
                raise fnode.error("value", f"expected a selector value, got {preview(raw)}")
            value = str(check_int(fnode, "value", raw) if isinstance(raw, int) else raw)
            if value in formats:
                raise fnode.error("value", f"duplicate format {preview(value)}")
            header = fnode.opt_str("fixed-header")
            size = 0
            if header is not None:
                s = defs.get(header)
                if not isinstance(s, Struct):
                    raise fnode.error("fixed-header", f"unknown struct {preview(header)}")
                size = s.size
            aset = fnode.opt_str("attribute-set")
            if aset is not None and aset not in set_names:
                raise fnode.error("attribute-set", f"unknown attribute set {preview(aset)}")
            formats[value] = SubMessageFormat(value, header, size, aset)
        out[name] = SubMessage(name=name, formats=MappingProxyType(formats))
    return out

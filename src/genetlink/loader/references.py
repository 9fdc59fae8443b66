"""Check that every name an attribute refers to exists (sets, enums, structs, sub-messages)."""

from __future__ import annotations

from collections.abc import Mapping

from genetlink.loader.read import Node
from genetlink.schema.definitions import Definition, EnumDefinition, Struct
from genetlink.schema.model import Attribute, AttributeSet, SubMessage


def check_references(
    set_nodes: list[Node],
    sets: Mapping[str, AttributeSet],
    defs: Mapping[str, Definition],
    sub_messages: Mapping[str, SubMessage],
) -> None:
    """Raise SpecError at the first attribute whose reference does not resolve."""
    parents = _parents(sets, sub_messages)
    for snode in set_nodes:
        aset = sets[str(snode.data["name"])]
        for anode in snode.children("attributes"):
            attr = aset.attributes[str(anode.data["name"])]
            _check_attribute(anode, attr, aset, sets, defs, sub_messages, parents)


def _check_attribute(
    node: Node,
    attr: Attribute,
    aset: AttributeSet,
    sets: Mapping[str, AttributeSet],
    defs: Mapping[str, Definition],
    sub_messages: Mapping[str, SubMessage],
    parents: Mapping[str, set[str]],
) -> None:
    if attr.nested_attributes is not None and attr.nested_attributes not in sets:
        raise node.error("nested-attributes", f"unknown attribute set {attr.nested_attributes!r}")
    if attr.enum is not None and not isinstance(defs.get(attr.enum), EnumDefinition):
        raise node.error("enum", f"unknown enum {attr.enum!r}")
    if attr.struct is not None and not isinstance(defs.get(attr.struct), Struct):
        raise node.error("struct", f"unknown struct {attr.struct!r}")
    if attr.type == "sub-message":
        if attr.sub_message is None:
            raise node.error("sub-message", "a sub-message attribute needs sub-message")
        if attr.selector is None:
            raise node.error("selector", "a sub-message attribute needs selector")
    if attr.sub_message is not None and attr.sub_message not in sub_messages:
        raise node.error("sub-message", f"unknown sub-message {attr.sub_message!r}")
    if attr.selector is not None and not _selector_visible(attr.selector, aset, sets, parents):
        raise node.error(
            "selector", f"no attribute {attr.selector!r} in {aset.name!r} or a set around it"
        )


def _parents(
    sets: Mapping[str, AttributeSet], sub_messages: Mapping[str, SubMessage]
) -> dict[str, set[str]]:
    """Set name -> names of the sets that hold it (by nesting or through a sub-message)."""
    parents: dict[str, set[str]] = {}
    for aset in sets.values():
        for attr in aset.attributes.values():
            if attr.nested_attributes is not None:
                parents.setdefault(attr.nested_attributes, set()).add(aset.name)
            sm = sub_messages.get(attr.sub_message) if attr.sub_message else None
            if sm is not None:
                for fmt in sm.formats.values():
                    if fmt.attribute_set is not None:
                        parents.setdefault(fmt.attribute_set, set()).add(aset.name)
    return parents


def _selector_visible(
    selector: str,
    aset: AttributeSet,
    sets: Mapping[str, AttributeSet],
    parents: Mapping[str, set[str]],
) -> bool:
    """A selector is a sibling or an attribute of an enclosing nest (tc's stats2 `app`
    uses `kind` from the top level), so search outward through every holder."""
    todo = [aset.name]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen or name not in sets:
            continue
        seen.add(name)
        current = sets[name]
        if selector in current.attributes:
            return True
        todo.extend(parents.get(name, ()))
        if current.subset_of is not None:
            todo.append(current.subset_of)
            todo.extend(parents.get(current.subset_of, ()))
    return False

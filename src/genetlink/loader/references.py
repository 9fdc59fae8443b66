"""Check that every name an attribute refers to exists (sets, enums, structs, sub-messages)."""

from __future__ import annotations

from collections.abc import Mapping

from genetlink.loader.errors import preview
from genetlink.loader.parse import MAX_SPEC_NODES
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
    selectors = _Selectors(sets, _holders(sets, sub_messages))
    for snode in set_nodes:
        aset = sets[str(snode.data["name"])]
        for anode in snode.children("attributes"):
            attr = aset.attributes[str(anode.data["name"])]
            _check_attribute(anode, attr, aset, sets, defs, sub_messages, selectors)


def _check_attribute(
    node: Node,
    attr: Attribute,
    aset: AttributeSet,
    sets: Mapping[str, AttributeSet],
    defs: Mapping[str, Definition],
    sub_messages: Mapping[str, SubMessage],
    selectors: _Selectors,
) -> None:
    if attr.nested_attributes is not None and attr.nested_attributes not in sets:
        raise node.error(
            "nested-attributes", f"unknown attribute set {preview(attr.nested_attributes)}"
        )
    if attr.enum is not None and not isinstance(defs.get(attr.enum), EnumDefinition):
        raise node.error("enum", f"unknown enum {preview(attr.enum)}")
    if attr.struct is not None and not isinstance(defs.get(attr.struct), Struct):
        raise node.error("struct", f"unknown struct {preview(attr.struct)}")
    if attr.type == "sub-message":
        if attr.sub_message is None:
            raise node.error("sub-message", "a sub-message attribute needs sub-message")
        if attr.selector is None:
            raise node.error("selector", "a sub-message attribute needs selector")
    if attr.sub_message is not None and attr.sub_message not in sub_messages:
        raise node.error("sub-message", f"unknown sub-message {preview(attr.sub_message)}")
    if attr.selector is not None and not selectors.visible(node, attr.selector, aset):
        raise node.error(
            "selector",
            f"no attribute {preview(attr.selector)} in {preview(aset.name)} or a set around it",
        )


#: A vertex of the holder graph: ("set", name) or ("sub-message", name). Sub-messages are
#: vertices of their own so that N holders of one sub-message with M formats are N + M edges.
_Vertex = tuple[str, str]


def _holders(
    sets: Mapping[str, AttributeSet], sub_messages: Mapping[str, SubMessage]
) -> dict[_Vertex, set[_Vertex]]:
    """Vertex -> the vertices that hold it: a set is held by the sets nesting it and by the
    sub-messages with a format of it; a sub-message by the sets with an attribute of it."""
    holders: dict[_Vertex, set[_Vertex]] = {}
    for aset in sets.values():
        for attr in aset.attributes.values():
            if attr.nested_attributes is not None:
                holders.setdefault(("set", attr.nested_attributes), set()).add(("set", aset.name))
            if attr.sub_message is not None and attr.sub_message in sub_messages:
                vertex = ("sub-message", attr.sub_message)
                holders.setdefault(vertex, set()).add(("set", aset.name))
    for sm in sub_messages.values():
        for fmt in sm.formats.values():
            if fmt.attribute_set is not None:
                holders.setdefault(("set", fmt.attribute_set), set()).add(("sub-message", sm.name))
    return holders


class _Selectors:
    """Whether a selector is a sibling or an attribute of an enclosing nest (tc's stats2 `app`
    uses `kind` from the top level): a search outward through every holder. Answers are kept
    per (set, selector), and all searches together visit at most MAX_SPEC_NODES vertices, so
    a spec of long nest chains with many selectors cannot make this quadratic."""

    __slots__ = ("budget", "holders", "known", "sets")

    def __init__(
        self, sets: Mapping[str, AttributeSet], holders: Mapping[_Vertex, set[_Vertex]]
    ) -> None:
        self.sets = sets
        self.holders = holders
        self.known: dict[tuple[str, str], bool] = {}
        self.budget = MAX_SPEC_NODES

    def visible(self, node: Node, selector: str, aset: AttributeSet) -> bool:
        key = (aset.name, selector)
        if key not in self.known:
            self.known[key] = self._search(node, selector, aset.name)
        return self.known[key]

    def _search(self, node: Node, selector: str, start: str) -> bool:
        todo: list[_Vertex] = [("set", start)]
        seen: set[_Vertex] = set()
        while todo:
            vertex = todo.pop()
            if vertex in seen:
                continue
            seen.add(vertex)
            self.budget -= 1
            if self.budget < 0:
                reason = f"selector searches visit more than {MAX_SPEC_NODES} sets"
                raise node.error("selector", reason)
            todo.extend(self.holders.get(vertex, ()))
            current = self.sets.get(vertex[1]) if vertex[0] == "set" else None
            if current is None:
                continue
            if selector in current.attributes:
                return True
            if current.subset_of is not None:
                todo.append(("set", current.subset_of))
        return False

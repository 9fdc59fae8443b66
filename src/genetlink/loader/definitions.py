"""Build the ``definitions`` section: constants, enums/flags and structs."""

from __future__ import annotations

from types import MappingProxyType

from genetlink.loader.errors import preview
from genetlink.loader.parse import MAX_SPEC_DEPTH
from genetlink.loader.read import Node, check_int, log, resolve_number
from genetlink.schema.definitions import Const, Definition, EnumDefinition, Struct, StructMember
from genetlink.schema.types import BYTE_ORDERS, MEMBER_TYPES, SCALAR_SIZES

DEFINITION_KEYS = frozenset(
    {
        "name", "header", "type", "doc", "value", "value-start", "entries", "render-max",
        "enum-name", "name-prefix", "enum-cnt-name", "members",
    }
)  # fmt: skip
ENTRY_KEYS = frozenset({"name", "value", "doc"})
MEMBER_KEYS = frozenset(
    {"name", "type", "len", "byte-order", "doc", "enum", "enum-as-flags", "display-hint", "struct"}
)
DEFINITION_TYPES = frozenset({"const", "enum", "flags", "struct"})


def build_definitions(nodes: list[Node], family: str) -> dict[str, Definition]:
    """All definitions by name, in spec order; constants first so others may use them."""
    seen: dict[str, Node] = {}
    for node in nodes:
        node.check_keys(DEFINITION_KEYS)
        name = node.req_str("name")
        node.choice("type", DEFINITION_TYPES)
        if node.opt_str("type") is None:
            raise node.error("type", "missing required key")
        if name in seen:
            raise node.error(
                "name", f"duplicate definition {preview(name)} (first at {seen[name].path})"
            )
        seen[name] = node
    out: dict[str, Definition] = {}
    for name, node in seen.items():
        if node.data["type"] == "const":
            const = _build_const(node, name)
            out[name] = const
    consts = const_values(out, family)
    for name, node in seen.items():
        if node.data["type"] in ("enum", "flags"):
            out[name] = _build_enum(node, name, consts)
    structs = {n: nd for n, nd in seen.items() if nd.data["type"] == "struct"}
    built: dict[str, Struct] = {}
    for name in structs:
        _build_struct(name, structs, built, consts, out, ())
    for name in seen:
        if name in built:
            out[name] = built[name]
    return {name: out[name] for name in seen}


def const_values(defs: dict[str, Definition], family: str) -> dict[str, int | str]:
    """Name -> value of every constant (what length and limit fields may refer to).

    Specs also refer to a constant by its C-style name: with its ``name-prefix``
    (wireguard's ``wg-key-len`` is ``key-len`` with prefix ``wg-``) or the family prefix.
    """
    out: dict[str, int | str] = {n: d.value for n, d in defs.items() if isinstance(d, Const)}
    for n, d in defs.items():
        if isinstance(d, Const):
            for alias in (f"{d.name_prefix}{n}" if d.name_prefix else None, f"{family}-{n}"):
                if alias is not None:
                    out.setdefault(alias, d.value)
    return out


def _is_flags(defs: dict[str, Definition], name: str | None) -> bool:
    d = defs.get(name) if name is not None else None
    return isinstance(d, EnumDefinition) and d.is_flags


def _build_const(node: Node, name: str) -> Const:
    v = node.data.get("value")
    if isinstance(v, bool) or not isinstance(v, int | str):
        raise node.error("value", f"a const needs an integer or string value, got {preview(v)}")
    return Const(
        name=name,
        value=check_int(node, "value", v) if isinstance(v, int) else v,
        doc=node.opt_str("doc") or "",
        header=node.opt_str("header"),
        name_prefix=node.opt_str("name-prefix"),
    )


def _build_enum(node: Node, name: str, consts: dict[str, int | str]) -> EnumDefinition:
    kind = str(node.data["type"])
    start = resolve_number(node, "value-start", consts) or 0
    raw = node.data.get("entries")
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise node.error("entries", f"expected a list, got {type(raw).__name__}")
    values: dict[str, int] = {}
    names: dict[int, str] = {}
    flag_values: dict[str, int] = {}
    docs: dict[str, str] = {}
    counter = start
    for i, item in enumerate(raw):
        path = f"entries[{i}]"
        if isinstance(item, str):
            entry_name, explicit = item, None
        else:
            entry = Node(item, f"{node.path}.{path}", node.source, node.strict)
            entry.check_keys(ENTRY_KEYS)
            entry_name, explicit = entry.req_str("name"), entry.opt_int("value")
            if entry.opt_str("doc"):
                docs[entry_name] = str(entry.data["doc"])
        if explicit is not None:
            counter = explicit
        if entry_name in values:
            raise node.error(path, f"duplicate entry {preview(entry_name)}")
        # For flags the counted number is a bit position (value-start selects the first bit).
        if kind == "flags":
            if not 0 <= counter < 64:
                raise node.error(path, f"flag bit {counter} out of range 0..63")
            user = 1 << counter
        else:
            user = counter
        values[entry_name] = user
        names.setdefault(user, entry_name)
        if kind == "flags":
            flag_values[entry_name] = user
        elif 0 <= counter < 64:  # e.g. nftables' verdict `continue` is 0xffffffff: no flag form
            flag_values[entry_name] = 1 << counter
        counter += 1
    return EnumDefinition(
        name=name,
        type=kind,
        values=MappingProxyType(values),
        names=MappingProxyType(names),
        flag_values=MappingProxyType(flag_values),
        value_start=start,
        render_max=node.opt_bool("render-max"),
        doc=node.opt_str("doc") or "",
        entry_docs=MappingProxyType(docs) if docs else None,
        header=node.opt_str("header"),
    )


def _build_struct(
    name: str,
    nodes: dict[str, Node],
    built: dict[str, Struct],
    consts: dict[str, int | str],
    defs: dict[str, Definition],
    stack: tuple[str, ...],
) -> Struct:
    if name in built:
        return built[name]
    node = nodes[name]
    members: list[StructMember] = []
    offset = 0
    seen: set[str] = set()
    for m in node.children("members"):
        m.check_keys(MEMBER_KEYS)
        member_name = m.req_str("name")
        if member_name in seen:
            raise m.error("name", f"duplicate member {preview(member_name)}")
        seen.add(member_name)
        mtype = m.choice("type", MEMBER_TYPES)
        if mtype is None:
            raise m.error("type", "missing required key")
        length = resolve_number(m, "len", consts)
        nested = m.opt_str("struct")
        if nested is not None and nested not in nodes:
            raise m.error("struct", f"unknown struct {preview(nested)}")
        if nested is not None and (nested == name or nested in stack):
            chain = " -> ".join((*stack, name, nested))
            raise m.error("struct", f"struct {preview(nested)} contains itself ({chain})")
        if nested is not None and len(stack) >= MAX_SPEC_DEPTH:  # the recursion follows it
            raise m.error("struct", f"structs nested more than {MAX_SPEC_DEPTH} deep")
        if mtype in SCALAR_SIZES:
            size = SCALAR_SIZES[mtype]
        elif nested is not None:
            size = _build_struct(nested, nodes, built, consts, defs, (*stack, name)).size
        elif length is None:
            raise m.error("len", f"a {mtype} member needs len (or struct)")
        else:
            size = length
        if size < 0:
            raise m.error("len", f"negative length {size}")
        enum = m.opt_str("enum")
        if enum is not None and not isinstance(defs.get(enum), EnumDefinition):
            raise m.error("enum", f"unknown enum {preview(enum)}")
        hint = m.opt_str("display-hint")
        members.append(
            StructMember(
                name=member_name,
                type=mtype,
                offset=offset,
                size=size,
                len=length,
                byte_order=m.choice("byte-order", BYTE_ORDERS),
                display_hint=hint,
                enum=enum,
                enum_as_flags=m.opt_bool("enum-as-flags") or _is_flags(defs, enum),
                struct=nested,
                doc=m.opt_str("doc") or "",
            )
        )
        offset += size
    struct = Struct(
        name=name,
        members=tuple(members),
        size=offset,
        doc=node.opt_str("doc") or "",
        header=node.opt_str("header"),
    )
    built[name] = struct
    log.debug("struct %s: %d bytes", name, offset)
    return struct

"""Build ``operations`` (ids per direction, attribute lists, notifications) and ``mcast-groups``.

Id rules (Documentation/userspace-api/netlink/genetlink-legacy.rst):
- unified: one counter from 1; an explicit ``value`` resets it; request and reply share it.
- directional: separate to-kernel and from-kernel counters, both from 1. A do/dump op takes
  its ids from its ``do`` (else ``dump``) section: ``request.value``/``reply.value`` when
  given, else the counter; it always takes a request id, and a reply id only when that
  section has a ``reply``. A notify/event op takes only a reply id, its op-level ``value``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

from genetlink.loader.errors import preview
from genetlink.loader.read import Node, log
from genetlink.schema.definitions import Definition, Struct
from genetlink.schema.model import AttributeSet, McastGroup, MessageSpec, Operation, OperationMode

OPERATIONS_KEYS = frozenset(
    {"enum-model", "name-prefix", "enum-name", "async-prefix", "async-enum", "fixed-header",
     "list"}
)  # fmt: skip
OP_KEYS = frozenset(
    {
        "name", "doc", "value", "attribute-set", "flags", "dont-validate", "config-cond",
        "fixed-header", "do", "dump", "notify", "event", "mcgrp",
    }
)  # fmt: skip
MODE_KEYS = frozenset({"request", "reply", "pre", "post"})
MESSAGE_KEYS = frozenset({"attributes", "value"})
EVENT_KEYS = frozenset({"attributes"})
MCAST_KEYS = frozenset({"list"})
GROUP_KEYS = frozenset({"name", "c-define-name", "flags", "value"})
ENUM_MODELS = frozenset({"unified", "directional"})


class _Lists(NamedTuple):
    """What an operation's attribute lists are checked against: its set, the members of its
    fixed header (netlink-raw specs list those too: rt-link's `ifi-index`), and where names
    the set lacks are collected (when not strict)."""

    aset: AttributeSet | None
    header: frozenset[str]
    dropped: list[str]


def _member_names(defs: Mapping[str, Definition], header: str | None) -> frozenset[str]:
    struct = defs.get(header) if header is not None else None
    return frozenset(m.name for m in struct.members) if isinstance(struct, Struct) else frozenset()


class _Counters:
    """The next free to-kernel and from-kernel ids."""

    __slots__ = ("reply", "request")

    def __init__(self) -> None:
        self.request = 1
        self.reply = 1


def build_operations(
    node: Node,
    family: str,
    sets: Mapping[str, AttributeSet],
    defs: Mapping[str, Definition],
    groups: Mapping[str, McastGroup],
) -> tuple[str, str | None, dict[str, Operation]]:
    """(enum model, family fixed header, operations by name in spec order)."""
    node.check_keys(OPERATIONS_KEYS)
    dropped: list[str] = []  # names operations list that their sets lack (non-strict)
    model = node.choice("enum-model", ENUM_MODELS, "unified") or "unified"
    family_header = _struct_ref(node, "fixed-header", defs)
    counters = _Counters()
    ops: dict[str, Operation] = {}
    op_nodes: dict[str, Node] = {}
    for op_node in node.children("list"):
        op_node.check_keys(OP_KEYS)
        name = op_node.req_str("name")
        if name in ops:
            raise op_node.error("name", f"duplicate operation {preview(name)}")
        ops[name] = _build_op(
            op_node, name, model, counters, sets, defs, groups, family_header, dropped
        )
        op_nodes[name] = op_node
    for name, op_node in op_nodes.items():
        ops[name] = _resolve_notify(op_node, ops[name], ops, sets)
    if dropped:
        # The spec's slip, not the user's (the kernel's nftables.yaml lists `name` for sets
        # without one), and requests are coded by attribute set all the same: a note at
        # INFO, not a warning on every command a user runs with the spec (`--debug` shows
        # it; strict loading refuses it). One line per spec, not per slip.
        more = f" (and {len(dropped) - 1} more)" if len(dropped) > 1 else ""
        log.info("%s: %s%s: dropped from the operation", node.source, dropped[0], more)
    return model, family_header, ops


def _build_op(
    node: Node,
    name: str,
    model: str,
    counters: _Counters,
    sets: Mapping[str, AttributeSet],
    defs: Mapping[str, Definition],
    groups: Mapping[str, McastGroup],
    family_header: str | None,
    dropped: list[str],
) -> Operation:
    do_node, dump_node = node.child("do"), node.child("dump")
    event_node = node.child("event")
    is_ntf = node.has("notify") or node.has("event")
    placeholder = not is_ntf and do_node is None and dump_node is None
    explicit = node.opt_uint("value")
    value: int | None = explicit
    if model == "unified":
        value = explicit if explicit is not None else counters.request
        counters.request = value + 1
        # fou's `unspec` (value 0, nothing else) only reserves its number.
        request: int | None = None if is_ntf and not (do_node or dump_node) else value
        reply: int | None = value
        if placeholder:
            request = reply = None
    elif placeholder:
        raise node.error(None, "a directional operation needs do, dump, notify or event")
    elif is_ntf:
        request, reply = None, explicit if explicit is not None else counters.reply
        counters.reply = reply + 1
    else:
        request, reply = _directional_ids(do_node, dump_node, counters)
    aset_name = node.opt_str("attribute-set")
    if aset_name is not None and aset_name not in sets:
        raise node.error("attribute-set", f"unknown attribute set {preview(aset_name)}")
    aset = sets.get(aset_name) if aset_name else None
    mcgrp = node.opt_str("mcgrp")
    if mcgrp is not None and mcgrp not in groups:
        raise node.error("mcgrp", f"unknown multicast group {preview(mcgrp)}")
    header = _struct_ref(node, "fixed-header", defs) or family_header
    lists = _Lists(aset, _member_names(defs, header), dropped)
    event = None
    if event_node is not None:
        event_node.check_keys(EVENT_KEYS)
        event = _attr_list(event_node, lists)
    return Operation(
        name=name,
        value=value,
        request_value=request,
        reply_value=reply,
        attribute_set=aset_name,
        fixed_header=header,
        fixed_header_size=_size(defs, header),
        do=_mode(do_node, request, reply, lists),
        dump=_mode(dump_node, request, reply, lists),
        notify=node.opt_str("notify"),
        event=event,
        notification_attributes=event,
        mcgrp=mcgrp,
        flags=frozenset(node.str_list("flags")),
        dont_validate=frozenset(node.str_list("dont-validate")),
        config_cond=node.opt_str("config-cond"),
        doc=node.opt_str("doc") or "",
    )


def _directional_ids(
    do_node: Node | None, dump_node: Node | None, counters: _Counters
) -> tuple[int, int | None]:
    main = do_node if do_node is not None else dump_node
    assert main is not None
    req_section, rsp_section = main.child("request"), main.child("reply")
    request = req_section.opt_uint("value") if req_section is not None else None
    if request is None:
        request = counters.request
    counters.request = request + 1
    reply: int | None = None
    if main.has("reply"):
        reply = rsp_section.opt_uint("value") if rsp_section is not None else None
        if reply is None:
            reply = counters.reply
        counters.reply = reply + 1
    elif dump_node is not None and do_node is not None:
        # A do without reply next to a dump with an explicit reply id: use that id.
        other = dump_node.child("reply")
        reply = other.opt_uint("value") if other is not None else None
    return request, reply


def _mode(node: Node | None, request: int | None, reply: int | None,
          lists: _Lists) -> OperationMode | None:  # fmt: skip
    if node is None:
        return None
    node.check_keys(MODE_KEYS)
    return OperationMode(
        request=_message(node, "request", request, lists),
        reply=_message(node, "reply", reply, lists),
    )


def _message(mode: Node, key: str, default: int | None, lists: _Lists) -> MessageSpec | None:
    if not mode.has(key):
        return None
    node = mode.child(key)
    if node is None:  # `request:` with nothing under it: a message without attributes
        return MessageSpec(default)
    node.check_keys(MESSAGE_KEYS)
    value = node.opt_uint("value")
    return MessageSpec(default if value is None else value, _attr_list(node, lists))


def _attr_list(node: Node, lists: _Lists) -> tuple[str, ...]:
    """The attribute names of a message (fixed-header members it lists are not attributes:
    left out). A name neither has is a SpecError when strict; otherwise it is dropped and
    reported (the runtime encodes and decodes by attribute set, so a kernel spec with such a
    slip, as nftables.yaml has, still works)."""
    names = node.str_list("attributes")
    aset = lists.aset
    known = aset.attributes if aset is not None else {}
    if all(name in known for name in names):
        return names
    kept = []
    for i, name in enumerate(names):
        if name in known:
            kept.append(name)
            continue
        if name in lists.header:
            continue
        if aset is None:
            raise node.error("attributes", "attributes listed but the operation has no "
                                           "attribute-set")  # fmt: skip
        reason = f"unknown attribute {preview(name)} in {preview(aset.name)}"
        if node.strict:
            raise node.error(f"attributes[{i}]", reason)
        lists.dropped.append(f"{node.path}.attributes[{i}]: {reason}")
    return tuple(kept)


def _resolve_notify(
    node: Node, op: Operation, ops: Mapping[str, Operation], sets: Mapping[str, AttributeSet]
) -> Operation:
    """A notification takes its attribute set, fixed header and attributes from its target."""
    if op.notify is None:
        return op
    target = ops.get(op.notify)
    if target is None:
        raise node.error("notify", f"unknown operation {preview(op.notify)}")
    attrs: tuple[str, ...] | None = None
    for mode in (target.do, target.dump):
        if attrs is None and mode is not None and mode.reply is not None:
            attrs = mode.reply.attributes
    return dataclasses.replace(
        op,
        attribute_set=op.attribute_set or target.attribute_set,
        fixed_header=op.fixed_header or target.fixed_header,
        fixed_header_size=op.fixed_header_size or target.fixed_header_size,
        notification_attributes=attrs if attrs is not None else (),
    )


def _struct_ref(node: Node, key: str, defs: Mapping[str, Definition]) -> str | None:
    name = node.opt_str(key)
    if name is not None and not isinstance(defs.get(name), Struct):
        raise node.error(key, f"unknown struct {preview(name)}")
    return name


def _size(defs: Mapping[str, Definition], name: str | None) -> int:
    d = defs.get(name) if name is not None else None
    return d.size if isinstance(d, Struct) else 0


def build_mcast_groups(node: Node | None) -> dict[str, McastGroup]:
    """Multicast groups by name; ``value`` only where the spec fixes it (netlink-raw)."""
    if node is None:
        return {}
    node.check_keys(MCAST_KEYS)
    out: dict[str, McastGroup] = {}
    for g in node.children("list"):
        g.check_keys(GROUP_KEYS)
        name = g.req_str("name")
        if name in out:
            raise g.error("name", f"duplicate multicast group {preview(name)}")
        out[name] = McastGroup(name, g.opt_uint("value"), frozenset(g.str_list("flags")))
    return out


def index_operations(
    ops: Mapping[str, Operation],
) -> tuple[Mapping[int, Operation], Mapping[int, tuple[Operation, ...]]]:
    """(request id -> first op, reply id -> every op using it), in spec order."""
    requests: dict[int, Operation] = {}
    replies: dict[int, list[Operation]] = {}
    for op in ops.values():
        if op.request_value is not None:
            requests.setdefault(op.request_value, op)
        if op.reply_value is not None:
            replies.setdefault(op.reply_value, []).append(op)
    return MappingProxyType(requests), MappingProxyType({k: tuple(v) for k, v in replies.items()})

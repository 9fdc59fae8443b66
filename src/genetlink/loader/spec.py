"""Load a kernel-style netlink YAML spec into a `Family`.

YAML is parsed with PyYAML's C loader (``yaml.CSafeLoader``; the pure-Python SafeLoader is
~6x slower on rt-link.yaml), within bounds (loader/parse.py), and imported only when a spec
is loaded, so ``import genetlink`` stays free of YAML.
"""

from __future__ import annotations

import os
from types import MappingProxyType
from typing import Any

from genetlink.loader.attributes import build_attribute_sets, build_sub_messages
from genetlink.loader.definitions import build_definitions, const_values
from genetlink.loader.errors import SpecError, path_argument, preview
from genetlink.loader.operations import build_mcast_groups, build_operations, index_operations
from genetlink.loader.parse import MAX_SPEC_BYTES, parse_yaml
from genetlink.loader.read import Node
from genetlink.loader.references import check_references
from genetlink.schema.definitions import Const, EnumDefinition, Struct
from genetlink.schema.model import Family
from genetlink.schema.types import NETLINK_GENERIC, PROTOCOLS

FAMILY_KEYS = frozenset(
    {
        "name", "doc", "protocol", "protonum", "uapi-header", "c-family-name", "c-version-name",
        "max-by-define", "cmd-max-name", "cmd-cnt-name", "kernel-policy", "version",
        "definitions", "attribute-sets", "sub-messages", "operations", "mcast-groups",
        "kernel-family",
    }
)  # fmt: skip
KERNEL_POLICIES = frozenset({"split", "per-op", "global"})


def load_spec(path: str | os.PathLike[str], *, strict: bool = False) -> Family:
    """Load the spec at ``path``. Raises SpecError (naming the file) for any problem,
    including a file that cannot be read. ``strict`` rejects keys no schema level defines."""
    source = path_argument(path, "a spec path", " (for YAML text, use load_spec_text)")
    try:
        with open(source, "rb") as file:
            text = file.read(MAX_SPEC_BYTES + 1)  # one byte more: parse_yaml rejects it
    except OSError as e:
        raise SpecError(source, "", f"cannot read: {e.strerror or e}") from e
    return load_spec_text(text, source=source, strict=strict)


def load_spec_text(text: str | bytes, *, source: str = "<spec>", strict: bool = False) -> Family:
    """Load a spec from its YAML text; ``source`` names it in errors."""
    _check_source(source)
    return build_family(parse_yaml(text, source), source=source, strict=strict)


def _check_source(source: object) -> None:
    if not isinstance(source, str):
        kind = type(source).__name__
        raise SpecError(
            preview(source), "", f"source (the spec's name in errors) is a str, got {kind}"
        )


def build_family(data: Any, *, source: str = "<spec>", strict: bool = False) -> Family:
    """Build a Family from an already parsed spec (a dict as YAML/JSON loaders return)."""
    _check_source(source)
    root = Node(data, "", source, strict)
    root.check_keys(FAMILY_KEYS)
    name = root.req_str("name")
    protocol = root.choice("protocol", PROTOCOLS, "genetlink") or "genetlink"
    protonum = root.opt_uint("protonum")
    if protocol == "netlink-raw":
        if protonum is None:
            raise root.error("protonum", "a netlink-raw spec needs protonum")
    else:
        protonum = NETLINK_GENERIC if protonum is None else protonum
    version = root.opt_uint("version")
    defs = build_definitions(root.children("definitions"), name)
    consts = const_values(defs, name)
    set_nodes = root.children("attribute-sets")
    sets = build_attribute_sets(set_nodes, defs, consts)
    subs = build_sub_messages(root.children("sub-messages"), defs, sets)
    check_references(set_nodes, sets, defs, subs)
    groups = build_mcast_groups(root.child("mcast-groups"))
    ops_node = root.child("operations")
    if ops_node is None:
        raise root.error("operations", "missing required key")
    model, fixed_header, ops = build_operations(ops_node, name, sets, defs, groups)
    request_ops, reply_ops = index_operations(ops)
    return Family(
        name=name,
        protocol=protocol,
        protonum=protonum,
        version=1 if version is None else version,
        msg_id_model=model,
        definitions=MappingProxyType(defs),
        consts=MappingProxyType({n: d for n, d in defs.items() if isinstance(d, Const)}),
        enums=MappingProxyType({n: d for n, d in defs.items() if isinstance(d, EnumDefinition)}),
        structs=MappingProxyType({n: d for n, d in defs.items() if isinstance(d, Struct)}),
        attribute_sets=MappingProxyType(sets),
        sub_messages=MappingProxyType(subs),
        operations=MappingProxyType(ops),
        request_ops=request_ops,
        reply_ops=reply_ops,
        mcast_groups=MappingProxyType(groups),
        fixed_header=fixed_header,
        doc=root.opt_str("doc") or "",
        uapi_header=root.opt_str("uapi-header"),
        kernel_policy=root.choice("kernel-policy", KERNEL_POLICIES, "split") or "split",
        source=source,
    )

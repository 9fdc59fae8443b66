"""`genetlink families` and `genetlink family NAME`: what nlctrl knows about the kernel."""

from __future__ import annotations

import argparse
from typing import Any

from genetlink.cli.output import print_json, table


def register(subparsers: Any) -> None:
    """Add the `families` and `family` sub-commands."""
    listing = subparsers.add_parser(
        "families", help="list the Generic Netlink families of the kernel",
        description="List every Generic Netlink family registered in the network namespace: "
        "name, id, version, maxattr, number of operations, multicast groups.",
    )  # fmt: skip
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    listing.set_defaults(func=run_families)

    one = subparsers.add_parser(
        "family", help="show one family: operations, groups, policies",
        description="Show one family in detail: operations with their flags, multicast "
        "groups, and with --policy the kernel's attribute policies per operation, named "
        "(operations, sets, attributes, enum values) from the family's spec or uapi header.",
    )  # fmt: skip
    one.add_argument("name", help="family name (or numeric id)")
    one.add_argument("--policy", action="store_true", help="include attribute policies")
    one.add_argument("--spec", metavar="PATH", help="the spec file that names them")
    one.add_argument("--json", action="store_true", help="print a JSON object")
    one.set_defaults(func=run_family)


def _socket(args: argparse.Namespace) -> Any:
    from genetlink.socket import NetlinkSocket
    from genetlink.wire.constants import NETLINK_GENERIC

    return NetlinkSocket(NETLINK_GENERIC, netns=args.netns)


def run_families(args: argparse.Namespace) -> int:
    """`genetlink families [--json]`."""
    from genetlink.genl.nlctrl import families as dump_families

    with _socket(args) as sock:
        families = sorted(sock.run(dump_families(sock.engine)), key=lambda f: f.id)
    if args.json:
        print_json([f.to_dict() for f in families])
        return 0
    rows = [
        (f.name, f.id, f.version, f.maxattr, len(f.ops), ",".join(g.name for g in f.groups) or "-")
        for f in families
    ]
    table(("NAME", "ID", "VERSION", "MAXATTR", "OPS", "GROUPS"), rows, right=(1, 2, 3, 4))
    return 0


def run_family(args: argparse.Namespace) -> int:
    """`genetlink family NAME [--policy] [--json]`."""
    from genetlink.genl.nlctrl import getfamily, getpolicy

    name: str | int = int(args.name) if args.name.isdigit() else args.name
    names = model = None
    with _socket(args) as sock:
        info = sock.run(getfamily(sock.engine, name))
        policy = sock.run(getpolicy(sock.engine, info.id)) if args.policy else None
        if policy is not None:
            from genetlink.cli.policy_names import load_names

            names, model = load_names(info.name, getattr(args, "spec", None), sock, info, policy)
    if args.json:
        out = info.to_dict()
        if policy is not None:
            out["policy"] = policy.to_dict()
            out["names"] = names.to_dict() if names is not None else None
        print_json(out)
        return 0
    _print_family(info, policy, names, model)
    return 0


def _print_family(info: Any, policy: Any, names: Any = None, model: Any = None) -> None:
    print(f"{info.name}: id {info.id}, version {info.version}, hdrsize {info.hdrsize}, "
          f"maxattr {info.maxattr}")  # fmt: skip
    print("operations:")
    if info.ops and names is not None:
        table(("  ID", "NAME", "FLAGS"),
              [(f"  {op.id}", names.op(op.id), ",".join(op.flag_names)) for op in info.ops])
    elif info.ops:
        table(("  ID", "FLAGS"), [(f"  {op.id}", ",".join(op.flag_names)) for op in info.ops])
    else:
        print("  (none)")
    print("multicast groups:")
    if info.groups:
        table(("  NAME", "ID"), [(f"  {g.name}", g.id) for g in info.groups])
    else:
        print("  (none)")
    if policy is not None:
        _print_policy(info, policy, names, model)


def _print_policy(info: Any, policy: Any, names: Any, model: Any) -> None:
    if names is not None:
        print(f"names from: {names.source}")
    print("policies:")
    if not policy.sets:
        print("  (the family declares no attribute policy)")
        return
    for op in info.ops:
        entry = policy.ops.get(op.id)
        if entry is None:
            continue
        for mode in ("do", "dump"):
            index = getattr(entry, mode)
            if index is not None:
                print(f"  op {_op(op.id, names)} {mode}: policy set {_set(index, names)}")
    print("policy sets:")
    for index, attrs in sorted(policy.sets.items()):
        print(f"  set {_set(index, names)}:")
        for number, attr in sorted(attrs.items()):
            print(f"    {number:>4}  {_attr(index, number, attr, names, model)}")


def _op(number: int, names: Any) -> str:
    name = names.ops.get(number) if names is not None else None
    return f"{number} {name}" if name else str(number)


def _set(index: int, names: Any) -> str:
    name = names.sets.get(index) if names is not None else None
    return f"{index} ({name})" if name else str(index)


def _attr(index: int, number: int, policy: Any, names: Any, model: Any) -> str:
    """`family-name: nul-string (max-length=15)`, with the enum's names when it has one."""
    attr = names.attribute(index, number) if names is not None else None
    if attr is None:
        return str(policy)
    from genetlink.cli.policy_names import enum_text

    values = enum_text(model, attr)
    return f"{attr.name}: {policy}" + (f"  [{values}]" if values else "")

"""`genetlink spec list`, `spec show FAMILY`, `spec check FAMILY`: the spec search path, and
where a spec and the running kernel disagree.

genetlink spec list --json
genetlink spec show netdev
genetlink spec check netdev --json    # exit 0: no drift, 2: findings, 1: error
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from genetlink.cli.ops import guarded, write_text
from genetlink.loader.search import list_specs, load_family
from genetlink.schema.model import Attribute, Family, Operation, OperationMode


def _mode(mode: OperationMode | None) -> dict[str, Any] | None:
    if mode is None:
        return None
    out: dict[str, Any] = {}
    for direction in ("request", "reply"):
        message = getattr(mode, direction)
        if message is not None:
            out[direction] = {"value": message.value, "attributes": list(message.attributes)}
    return out


def describe_op(op: Operation) -> dict[str, Any]:
    """An operation as plain data: ids, attribute set, do/dump request/reply attributes."""
    out: dict[str, Any] = {
        "name": op.name,
        "value": op.value,
        "request-value": op.request_value,
        "reply-value": op.reply_value,
        "attribute-set": op.attribute_set,
    }
    if op.fixed_header:
        out["fixed-header"] = op.fixed_header
    for kind in ("do", "dump"):
        mode = _mode(getattr(op, kind))
        if mode is not None:
            out[kind] = mode
    if op.is_notification:
        out["notification"] = list(op.notification_attributes or ())
    if op.mcgrp:
        out["mcgrp"] = op.mcgrp
    return out


def _attribute(attr: Attribute) -> dict[str, Any]:
    out: dict[str, Any] = {"name": attr.name, "value": attr.value, "type": attr.type}
    for key, item in (("nested-attributes", attr.nested_attributes), ("enum", attr.enum),
                      ("struct", attr.struct), ("sub-message", attr.sub_message),
                      ("byte-order", attr.byte_order), ("display-hint", attr.display_hint),
                      ("sub-type", attr.sub_type)):  # fmt: skip
        if item is not None:
            out[key] = item
    if attr.multi_attr:
        out["multi-attr"] = True
    return out


def describe_family(family: Family) -> dict[str, Any]:
    """A family as plain data: protocol, operations, attribute sets, multicast groups."""
    return {
        "name": family.name,
        "protocol": family.protocol,
        "protonum": family.protonum,
        "source": family.source,
        "operations": [describe_op(op) for op in family.operations.values()],
        "attribute-sets": {
            name: [_attribute(a) for a in aset.attributes.values()]
            for name, aset in family.attribute_sets.items()
        },
        "mcast-groups": [
            {"name": g.name, "value": g.value} if g.value is not None else {"name": g.name}
            for g in family.mcast_groups.values()
        ],
    }


def _write_summary(info: dict[str, Any], out: TextIO) -> None:
    out.write(f"{info['name']} ({info['protocol']}, protocol {info['protonum']})\n")
    out.write(f"  spec: {info['source']}\n\noperations:\n")
    for op in info["operations"]:
        ids = "/".join(str(v) for v in (op["request-value"], op["reply-value"]) if v is not None)
        out.write(f"  {op['name']} [{ids or op['value']}]\n")
        details = {k: v for k, v in op.items()
                   if k not in ("name", "value", "request-value", "reply-value")}  # fmt: skip
        write_text(details, out, 2)
    out.write("\nattribute-sets:\n")
    for name, attrs in info["attribute-sets"].items():
        out.write(f"  {name}:\n")
        for attr in attrs:
            extra = ", ".join(f"{k} {v}" for k, v in attr.items()
                              if k not in ("name", "value", "type"))  # fmt: skip
            out.write(f"    {attr['value']:>3} {attr['name']}: {attr['type']}")
            out.write(f" ({extra})\n" if extra else "\n")
    out.write("\nmcast-groups:\n")
    for group in info["mcast-groups"]:
        number = f" [{group['value']}]" if "value" in group else ""
        out.write(f"  {group['name']}{number}\n")


@guarded
def cmd_list(args: argparse.Namespace) -> int:
    """genetlink spec list: the specs found on the search path."""
    specs = list_specs()
    if args.json:
        rows = [{"name": s.name, "protocol": s.protocol, "path": str(s.path)} for s in specs]
        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    width = max((len(s.name) for s in specs), default=4)
    for s in specs:
        sys.stdout.write(f"{s.name:<{width}}  {s.protocol:<16}  {s.path}\n")
    return 0


@guarded
def cmd_check(args: argparse.Namespace) -> int:
    """genetlink spec check FAMILY: where the spec and the running kernel's policy disagree.

    Exit status 0 when they agree, 2 when there are findings, 1 on errors.
    """
    from genetlink.client.sync import GenlClient

    family = load_family(args.family, path=args.spec)
    with GenlClient(getattr(args, "netns", None), watch_families=False) as client:
        report = client.drift(family)
    if args.json:
        json.dump(report.to_dict(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for finding in report.findings:
            sys.stdout.write(f"{finding}\n")
        if not report.findings:
            sys.stdout.write(f"{family.name}: spec and kernel agree\n")
    return 2 if report.findings else 0


@guarded
def cmd_show(args: argparse.Namespace) -> int:
    """genetlink spec show FAMILY: operations, attribute sets and groups of a spec."""
    info = describe_family(load_family(args.family, path=args.spec))
    if args.json:
        json.dump(info, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _write_summary(info, sys.stdout)
    return 0


def register(subparsers: Any) -> None:
    """Add `spec list`, `spec show` and `spec check` to the `genetlink` command's subparsers."""
    spec = subparsers.add_parser("spec", help="list and show the YAML specs on the search path")
    commands = spec.add_subparsers(dest="spec_command", metavar="COMMAND", required=True)
    listing = commands.add_parser("list", help="the specs on the search path",
                                  description=cmd_list.__doc__)  # fmt: skip
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(func=cmd_list)
    for name, func, text in (
        ("show", cmd_show, "operations, attribute sets and groups of a spec"),
        ("check", cmd_check, "compare a spec with the running kernel's policy"),
    ):
        command = commands.add_parser(name, help=text, description=func.__doc__)
        command.add_argument("family", metavar="FAMILY", help="family name or spec file")
        command.add_argument("--spec", metavar="PATH", help="the spec file to use")
        command.add_argument("--json", action="store_true", help="print JSON")
        command.set_defaults(func=func)

"""`genetlink spec list`, `spec show FAMILY`, `spec check FAMILY`, `spec install`: the spec
search path, where a spec and the running kernel disagree, and the kernel's specs put where
the search path finds them.

genetlink spec list --json
genetlink spec show netdev
genetlink spec check netdev --json    # exit 0: no drift, 3: findings, 1: error
genetlink spec install --from /usr/src/linux-source-6.12.tar.xz
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from genetlink.cli import status
from genetlink.cli.ops import guarded, write_text
from genetlink.loader.search import INSTALL_HINT, list_specs, load_family, package_spec_dir
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
    from genetlink.cli.spec_doc import write_definitions

    out.write(f"{info['name']} ({info['protocol']}, protocol {info['protonum']})\n")
    out.write(f"  spec: {info['source']}\n")
    if "doc" in info:
        out.write(f"  # {info['doc']}\n")
    out.write("\noperations:\n")
    for op in info["operations"]:
        ids = "/".join(str(v) for v in (op["request-value"], op["reply-value"]) if v is not None)
        out.write(f"  {op['name']} [{ids or op['value']}]\n")
        if "doc" in op:
            out.write(f"    # {op['doc']}\n")
        skip = ("name", "value", "request-value", "reply-value", "doc")
        details = {k: v for k, v in op.items() if k not in skip}
        write_text(details, out, 2)
    out.write("\nattribute-sets:\n")
    set_docs = info.get("attribute-set-docs", {})
    for name, attrs in info["attribute-sets"].items():
        out.write(f"  {name}:\n")
        if name in set_docs:
            out.write(f"    # {set_docs[name]}\n")
        for attr in attrs:
            extra = ", ".join(f"{k} {v}" for k, v in attr.items()
                              if k not in ("name", "value", "type", "doc"))  # fmt: skip
            out.write(f"    {attr['value']:>3} {attr['name']}: {attr['type']}")
            out.write(f" ({extra})\n" if extra else "\n")
            if "doc" in attr:
                out.write(f"          # {attr['doc']}\n")
    write_definitions(info.get("definitions", []), out)
    out.write("\nmcast-groups:\n")
    for group in info["mcast-groups"]:
        number = f" [{group['value']}]" if "value" in group else ""
        out.write(f"  {group['name']}{number}\n")


@guarded
def cmd_list(args: argparse.Namespace) -> int:
    """genetlink spec list: every spec on the search path and where it is; the first spec of
    a name is the one used, later ones are marked shadowed."""
    specs = list_specs(shadowed=True)
    if args.json:
        rows = [{"name": s.name, "protocol": s.protocol, "path": str(s.path),
                 "shadowed": s.shadowed} for s in specs]  # fmt: skip
        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    width = max((len(s.name) for s in specs), default=4)
    for s in specs:
        mark = "  (shadowed)" if s.shadowed else ""
        sys.stdout.write(f"{s.name:<{width}}  {s.protocol:<16}  {s.path}{mark}\n")
    shipped = package_spec_dir()
    if all(s.path.parent == shipped for s in specs):
        sys.stderr.write(f"genetlink: only the specs shipped with genetlink; {INSTALL_HINT}\n")
    return 0


@guarded
def cmd_install(args: argparse.Namespace) -> int:
    """genetlink spec install: put the kernel's netlink specs where the search path finds
    them, from a kernel tree, a kernel source tarball or the kernel's git web interface
    (default: the first kernel tree or linux-source tarball on this machine, else a download
    for the running kernel). Every spec is loaded before anything is written."""
    from genetlink.loader import install, sources

    target = install.install_target(args.system)
    if args.source is None or sources.is_url(args.source):  # before a download in vain
        install.check_target(target, args.force)
    fetched = sources.fetch(args.source) if args.source else install.fetch_default(_warn)
    sys.stdout.write(f"fetched {len(fetched.files)} specs from {fetched.origin}\n")
    report = install.install_specs(fetched, target, force=args.force)
    for refused in report.refused:
        _warn(f"left out {refused.name}: the loader refuses it: {refused.error}")
    replaced = f" (replacing the {report.replaced} there before)" if report.replaced else ""
    sys.stdout.write(f"installed {len(report.installed)} specs in {target}{replaced}\n")
    if report.noted:
        names = ", ".join(report.noted)
        sys.stdout.write(f"loaded with warnings (`genetlink spec show NAME` prints them): "
                         f"{names}\n")  # fmt: skip
    return 0


def _warn(text: str) -> None:
    sys.stderr.write(f"genetlink: {' '.join(text.split())}\n")


@guarded
def cmd_check(args: argparse.Namespace) -> int:
    """genetlink spec check FAMILY: where the spec and the running kernel's policy disagree.

    Exit status 0 when they agree, 3 when there are findings, 1 on errors (2: usage).
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
    return status.DRIFT if report.findings else status.OK


def _show_model(args: argparse.Namespace) -> Family:
    """The family's spec or, for a Generic Netlink family no spec describes, its schema from
    the running kernel (names from its uapi header)."""
    from genetlink.client.genl import KernelSchema, family_model

    model = family_model(args.family, spec_path=args.spec)
    if isinstance(model, KernelSchema):
        from genetlink.socket import NetlinkSocket
        from genetlink.wire.constants import NETLINK_GENERIC

        with NetlinkSocket(NETLINK_GENERIC, netns=getattr(args, "netns", None)) as sock:
            return sock.run(model.build(sock.engine, 5.0))
    return model


@guarded
def cmd_show(args: argparse.Namespace) -> int:
    """genetlink spec show FAMILY: operations, attribute sets, groups and definitions (enum
    and flag values by name) of a spec, or of the running kernel's family when no spec
    describes it (names from its uapi header); --doc adds the spec's docs."""
    from genetlink.cli.spec_doc import add_docs, describe_definitions

    family = _show_model(args)
    info = describe_family(family)
    info["definitions"] = describe_definitions(family, args.doc)
    if args.doc:
        add_docs(info, family)
    if args.json:
        json.dump(info, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _write_summary(info, sys.stdout)
    return 0


def register(subparsers: Any) -> None:
    """Add the `spec` command and its sub-commands to the `genetlink` command's subparsers."""
    from genetlink.cli.draft import add_draft

    spec = subparsers.add_parser("spec", help="list, show, check, install and draft YAML specs")
    commands = spec.add_subparsers(dest="spec_command", metavar="COMMAND", required=True)
    _add_list(commands)
    _add_family_commands(commands)
    _add_install(commands)
    add_draft(commands)


def _add_list(commands: Any) -> None:
    listing = commands.add_parser("list", help="the specs on the search path",
                                  description=cmd_list.__doc__)  # fmt: skip
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(func=cmd_list)


def _add_family_commands(commands: Any) -> None:
    for name, func, text in (
        ("show", cmd_show, "operations, attribute sets and groups of a spec"),
        ("check", cmd_check, "compare a spec with the running kernel's policy"),
    ):
        command = commands.add_parser(name, help=text, description=func.__doc__)
        command.add_argument("family", metavar="FAMILY", help="family name or spec file")
        command.add_argument("--spec", metavar="PATH", help="the spec file to use")
        command.add_argument("--json", action="store_true", help="print JSON")
        if name == "show":
            command.add_argument("--doc", action="store_true",
                                 help="with the spec's docs of every element")  # fmt: skip
        command.set_defaults(func=func)


def _add_install(commands: Any) -> None:
    command = commands.add_parser("install", help="install the kernel's specs",
                                  description=cmd_install.__doc__)  # fmt: skip
    command.add_argument(
        "--from", dest="source", metavar="DIR|TARBALL|URL",
        help="a kernel tree (its top or Documentation/netlink/specs), a kernel source tarball "
        "(.tar.xz, .tar.gz, .tar.bz2, .tar), or a cgit plain URL of the specs directory",
    )  # fmt: skip
    command.add_argument(
        "--system",
        action="store_true",
        help="install into /usr/local/share/ynl/specs (root), not per user",
    )
    command.add_argument("--force", action="store_true", help="replace an earlier install")
    command.set_defaults(func=cmd_install)

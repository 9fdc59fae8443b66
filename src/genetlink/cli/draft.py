"""`genetlink spec draft FAMILY [--header H] [-o FILE]`: a spec for a family drafted from the
running kernel (nlctrl's operations, groups and policies) and the names of its uapi header.

genetlink spec draft thermal > thermal.yaml
genetlink spec draft genltest --header kernel/genltest/genltest_uapi.h -o genltest.yaml
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from typing import Any

from genetlink.cli.ops import guarded


def _write(path: str, text: str) -> None:
    """Write `text` to `path` whole or not at all (a temporary file, then a rename)."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".draft-", suffix=".yaml", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


@guarded
def cmd_draft(args: argparse.Namespace) -> int:
    """genetlink spec draft FAMILY: print (or save) a spec drafted from the running kernel and
    the family's uapi header (found under /usr/include/linux, or given with --header)."""
    from genetlink.genl.introspect import build_schema, build_spec, introspect
    from genetlink.genl.uapi import header_for
    from genetlink.loader.draft import spec_text
    from genetlink.loader.spec import load_spec_text
    from genetlink.socket import NetlinkSocket
    from genetlink.wire.constants import NETLINK_GENERIC

    with NetlinkSocket(NETLINK_GENERIC, netns=getattr(args, "netns", None)) as sock:
        kernel = sock.run(introspect(sock.engine, args.family))
    found = header_for(kernel.info.name, args.header)
    spec = build_spec(kernel, found)
    text = spec_text(spec)
    load_spec_text(text, source="<draft>")  # what we hand out must load
    build_schema(kernel, found)
    if args.output and args.output != "-":
        _write(args.output, text)
        where = found.header.path if found is not None else "no header"
        print(f"genetlink: wrote {args.output} ({kernel.info.name}, {where})", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def add_draft(subcommands: Any) -> None:
    """Add `draft` to the `spec` command's subcommands (the object `add_subparsers` returns)."""
    draft = subcommands.add_parser("draft", help="draft a spec from the running kernel",
                                   description=cmd_draft.__doc__)  # fmt: skip
    draft.add_argument("family", metavar="FAMILY", help="Generic Netlink family name")
    draft.add_argument("--header", metavar="H",
                       help="the family's uapi header (default: search /usr/include/linux)")
    draft.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: stdout)")
    draft.set_defaults(func=cmd_draft)


__all__ = ["add_draft", "cmd_draft"]

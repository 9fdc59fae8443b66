"""`genetlink stubs FAMILY|SPEC [-o DIR]`: a typed module for a family, for mypy and pyright.

    genetlink stubs netdev                   # ./netdev_stubs.py
    genetlink stubs rt-link -o typings       # typings/rt_link_stubs.py
    genetlink stubs ./my-family.yaml -o -    # the module on standard output

Then `netdev = netdev_stubs.typed(open_family("netdev"))` is a handle whose operations,
attributes and replies are typed (see `genetlink.stubs`).
"""

from __future__ import annotations

import argparse
import os
import sys
from keyword import iskeyword
from typing import Any

from genetlink.cli.ops import UsageError, guarded
from genetlink.client.core import DEFAULT_TIMEOUT
from genetlink.client.genl import KernelSchema, family_model
from genetlink.schema.model import Family
from genetlink.socket import NetlinkSocket
from genetlink.stubs import render_stubs, write_stubs
from genetlink.wire import constants as c


def stubs_family(name: str, spec: str | None, netns: str | None) -> Family:
    """The family's model as `open_family` finds it: a spec, else (a Generic Netlink family
    no spec describes) the running kernel's schema, so that the stubs name what the handle
    will."""
    family = family_model(name, spec_path=spec)
    if isinstance(family, KernelSchema):
        with NetlinkSocket(c.NETLINK_GENERIC, netns=netns) as sock:
            family = sock.run(family.build(sock.engine, DEFAULT_TIMEOUT))
    return family


@guarded
def cmd_stubs(args: argparse.Namespace) -> int:
    """genetlink stubs FAMILY|SPEC: write FAMILY_stubs.py, typed stubs of the family's
    attribute sets, replies and handles (see genetlink.stubs). A family no spec describes
    is typed from the running kernel's policy, as open_family reads it."""
    if args.module is not None and (not args.module.isidentifier() or iskeyword(args.module)):
        raise UsageError(f"--module {args.module!r}: not a Python module name")
    if args.output != "-" and os.path.exists(args.output) and not os.path.isdir(args.output):
        raise UsageError(f"-o {args.output}: not a directory")
    family = stubs_family(args.family, args.spec, getattr(args, "netns", None))
    if args.output == "-":
        sys.stdout.write(render_stubs(family, module=args.module, mismatched=args.mismatched))
    else:
        print(write_stubs(family, args.output, module=args.module, mismatched=args.mismatched))
    return 0


def register(subparsers: Any) -> None:
    """Add the `stubs` command to the `genetlink` command's subparsers."""
    command = subparsers.add_parser("stubs", help="write typed stubs of a family (mypy, pyright)",
                                    description=cmd_stubs.__doc__)  # fmt: skip
    command.add_argument("family", metavar="FAMILY|SPEC", help="family name or spec file")
    command.add_argument("--spec", metavar="PATH", help="the spec file to use")
    command.add_argument("-o", "--output", metavar="DIR", default=".",
                         help="directory to write the module in (default: .; -: stdout)")
    command.add_argument("--module", metavar="NAME",
                         help="module name (default: the family's, as rt_link_stubs)")
    command.add_argument("--mismatched", action="store_true",
                         help="type fixed-width attributes as T | Mismatched, as the codec "
                              "returns payloads of another width (default: the spec's type)")
    command.set_defaults(func=cmd_stubs)

"""`genetlink stubs FAMILY|SPEC [-o DIR]`: a typed module for a family, for mypy and pyright.

    genetlink stubs netdev                   # ./netdev_stubs.py
    genetlink stubs rt-link -o typings       # typings/rt_link_stubs.py
    genetlink stubs ./my-family.yaml -o -    # the module on standard output

Then `netdev = netdev_stubs.typed(open_family("netdev"))` is a handle whose operations,
attributes and replies are typed (see `genetlink.stubs`).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from genetlink.cli.ops import guarded
from genetlink.loader.search import load_family
from genetlink.stubs import render_stubs, write_stubs


@guarded
def cmd_stubs(args: argparse.Namespace) -> int:
    """genetlink stubs FAMILY|SPEC: write FAMILY_stubs.py, typed stubs of the family's
    attribute sets, replies and handles (see genetlink.stubs)."""
    family = load_family(args.family, path=args.spec)
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

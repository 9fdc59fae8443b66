"""`genetlink monitor FAMILY`: print a family's notifications as they arrive.

genetlink monitor netdev --json                 # every group of the spec
genetlink monitor rt-link --group rtnlgrp-link --count 5 --timeout 10
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any, TextIO

from genetlink.cli.ops import UsageError, guarded, open_client, plain, write_text
from genetlink.codec.family import Decoded
from genetlink.wire.errors import Overrun


def print_event(item: Decoded | Overrun, as_json: bool, out: TextIO) -> None:
    """One notification (or an overrun) as a JSON line or as text."""
    if isinstance(item, Overrun):
        if as_json:
            out.write(json.dumps({"overrun": True}) + "\n")
        else:
            out.write("overrun: notifications were lost (resync needed)\n")
    elif as_json:
        out.write(json.dumps({"op": item.op, "msg": plain(item)}) + "\n")
    else:
        out.write(f"{item.op or 'unknown'}:\n")
        write_text(plain(item), out, 1)
    out.flush()  # a monitor's reader wants each event when it happens


@guarded
def cmd_monitor(args: argparse.Namespace) -> int:
    """genetlink monitor FAMILY: join groups, print notifications until --count/--timeout."""
    if args.count is not None and args.count < 1:
        raise UsageError("--count must be at least 1")
    if args.timeout is not None and not (math.isfinite(args.timeout) and args.timeout >= 0):
        raise UsageError(f"--timeout must be a number of seconds, 0 or more, not {args.timeout}")
    with open_client(args) as client:
        groups = args.group or list(client.groups)
        if not groups:
            raise UsageError(f"family {client.name} has no multicast groups to monitor")
        for group in groups:
            client.subscribe(group)
        seen = 0
        for item in client.notifications(args.timeout):
            print_event(item, args.json, sys.stdout)
            if not isinstance(item, Overrun):
                seen += 1
                if args.count is not None and seen >= args.count:
                    break
    return 0


def register(subparsers: Any) -> None:
    """Add `monitor` to the `genetlink` command's subparsers."""
    parser = subparsers.add_parser("monitor", help="print a family's notifications",
                                   description=cmd_monitor.__doc__)  # fmt: skip
    parser.add_argument("family", metavar="FAMILY", help="family name (spec on the search path)")
    parser.add_argument("--group", action="append", metavar="NAME",
                        help="multicast group to join (repeatable; default: all)")  # fmt: skip
    parser.add_argument("--count", type=int, metavar="N", help="exit after N notifications")
    parser.add_argument("--timeout", type=float, metavar="SECONDS",
                        help="exit after this long without a notification")  # fmt: skip
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--spec", metavar="PATH", help="the spec file to use")
    parser.set_defaults(func=cmd_monitor)

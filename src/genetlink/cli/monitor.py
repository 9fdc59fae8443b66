"""`genetlink monitor FAMILY`: print a family's notifications as they arrive.

genetlink monitor netdev --json                 # every group of the spec
genetlink monitor rt-link --group rtnlgrp-link --count 5 --timeout 10
genetlink monitor netdev --duration 30 --output ynl   # ynl's {"name": ..., "msg": ...} lines
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Iterator
from typing import Any, TextIO

from genetlink.cli.formats import MONITOR_FORMATS
from genetlink.cli.ops import UsageError, guarded, open_client, plain, write_text
from genetlink.client.sync import FamilyHandle
from genetlink.codec.family import Decoded
from genetlink.wire.errors import Overrun


def print_event(item: Decoded | Overrun, fmt: str, out: TextIO) -> None:
    """One notification (or an overrun) as text or a JSON line (`fmt` json/jsonl: keys `op`
    and `msg`; ynl: `name` and `msg`, as the kernel's ynl CLI prints them)."""
    if isinstance(item, Overrun):
        if fmt == "text":
            out.write("overrun: notifications were lost (resync needed)\n")
        else:
            out.write(json.dumps({"overrun": True}) + "\n")
    elif fmt == "text":
        out.write(f"{item.op or 'unknown'}:\n")
        write_text(plain(item), out, 1)
    else:
        key = "name" if fmt == "ynl" else "op"
        out.write(json.dumps({key: item.op, "msg": plain(item)}, separators=(",", ":")) + "\n")
    out.flush()  # a monitor's reader wants each event when it happens


def seconds(text: str) -> float:
    """An argparse type: a finite number of seconds, 0 or more (else a usage error)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"must be a number of seconds, 0 or more: {text!r}")
    return value


def at_least_one(text: str) -> int:
    """An argparse type: a whole number, 1 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def events(client: FamilyHandle[Decoded], idle: float | None,
           duration: float | None) -> Iterator[Decoded | Overrun]:  # fmt: skip
    """The notifications until `idle` seconds pass without one or `duration` seconds have
    passed in all (either None: no such limit)."""
    deadline = None if duration is None else time.monotonic() + duration
    while True:
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        wait = left if idle is None or (left is not None and left < idle) else idle
        for item in client.notifications(wait):
            yield item
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return
            if left is not None and wait is not None and left < wait:
                break  # wait again for what is left of the duration (the queue keeps items)
        else:
            return  # `wait` seconds without a notification: idle, or the duration is over


@guarded
def cmd_monitor(args: argparse.Namespace) -> int:
    """genetlink monitor FAMILY: join groups, print notifications until --count, --timeout
    (idle) or --duration (in all)."""
    with open_client(args) as client:
        groups = args.group or list(client.groups)
        if not groups:
            raise UsageError(f"family {client.name} has no multicast groups to monitor")
        for group in groups:
            client.subscribe(group)
        seen = 0
        for item in events(client, args.timeout, args.duration):
            print_event(item, args.output, sys.stdout)
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
    parser.add_argument("--count", type=at_least_one, metavar="N",
                        help="exit after N notifications")  # fmt: skip
    parser.add_argument("--timeout", type=seconds, metavar="SECONDS",
                        help="exit after this long without a notification (idle)")  # fmt: skip
    parser.add_argument("--duration", type=seconds, metavar="SECONDS",
                        help="exit after this long in all (as ynl's --duration)")  # fmt: skip
    parser.add_argument("--output", choices=MONITOR_FORMATS, default="text", metavar="FORMAT",
                        help="text, json or jsonl (a JSON line each: op, msg), or ynl (a JSON "
                        "line each with ynl's keys: name, msg)")  # fmt: skip
    parser.add_argument("--json", dest="output", action="store_const", const="json",
                        help="the same as --output json")  # fmt: skip
    parser.add_argument("--spec", metavar="PATH", help="the spec file to use")
    parser.set_defaults(func=cmd_monitor)

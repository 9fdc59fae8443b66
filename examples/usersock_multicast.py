#!/usr/bin/env python3
"""Multicast over NETLINK_USERSOCK (the Kernel Korner article's second program).

Listeners join a group; a sender sends one message to the group; every listener gets it.

    sudo python3 examples/usersock_multicast.py listen --group 5 &
    sudo python3 examples/usersock_multicast.py listen --group 5 &
    sudo python3 examples/usersock_multicast.py send --group 5 --message hi

Listeners print `ready PORT` once subscribed, then `got ...` per message, so tests can drive them.
"""

from __future__ import annotations

import argparse
import contextlib
import sys

from genetlink.socket import NetlinkSocket
from genetlink.wire import constants as c

MSG_TYPE = c.NLMSG_MIN_TYPE


def listen(group: int, count: int, netns: str | None, timeout: float) -> int:
    """Join `group` and print `count` messages sent to it."""
    with NetlinkSocket(c.NETLINK_USERSOCK, netns=netns) as sock:
        sock.join(group)
        print(f"ready {sock.port}", flush=True)
        for _ in range(count):
            messages, sender, groups = sock.receive_from(timeout=timeout)
            for msg in messages:
                text = msg.payload.rstrip(b"\0").decode()
                print(f"got {text!r} from {sender} groups {groups:#x}", flush=True)
    return 0


def send(group: int, text: str, netns: str | None) -> int:
    """Send `text` to `group` (1..32: sendto addresses groups by a 32-bit mask)."""
    with NetlinkSocket(c.NETLINK_USERSOCK, netns=netns) as sock:
        # netlink_sendmsg() broadcasts, then also unicasts to port 0; on NETLINK_USERSOCK nobody
        # listens there, so the call fails with ECONNREFUSED although every listener got it
        with contextlib.suppress(ConnectionRefusedError):
            sock.send(MSG_TYPE, text.encode() + b"\0", groups=1 << (group - 1))
        print(f"sent from {sock.port}", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--netns", help="network namespace name or path to run in")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait (10)")
    sub = parser.add_subparsers(dest="role", required=True)
    lis = sub.add_parser("listen", help="join a group and print what arrives")
    lis.add_argument("--group", type=int, required=True, choices=range(1, 33), metavar="1..32")
    lis.add_argument("--count", type=int, default=1, help="messages to wait for (1)")
    snd = sub.add_parser("send", help="send one message to a group")
    snd.add_argument("--group", type=int, required=True, choices=range(1, 33), metavar="1..32")
    snd.add_argument("--message", default="Hello, listeners")
    args = parser.parse_args(argv)
    if args.role == "listen":
        return listen(args.group, args.count, args.netns, args.timeout)
    return send(args.group, args.message, args.netns)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The tutorial's libnl user program, in Python with genetlink.

Two sockets, as the tutorial has them: one for unicast requests, one for the multicast group.
It resolves the "genltest" family and its "mcgrp" group, joins the group, sends ECHO with
GENLTEST_A_MSG = "Hello from User Space, Netlink!", prints the kernel's reply (with --dump N,
then the module's echo history and N generated entries), then prints every notification of the
group until Ctrl-C.

Needs the genltest module (kernel/genltest/); without it, it says so and exits with status 1.
tests/unit/test_served_genltest.py runs it against genetlink.testing's served family instead.
Usage: python examples/genltest_client.py [--netns NAME] [--message TEXT] [--dump N] [--count N]
"""

from __future__ import annotations

import argparse
import sys

from genetlink import FamilyNotFound, GenetlinkError, GenlClient, Overrun, declare_family

# Names and numbers from kernel/genltest/genltest_uapi.h.
GENLTEST_FAMILY_NAME = "genltest"
GENLTEST_MCGRP_NAME = "mcgrp"
GENLTEST = declare_family(
    GENLTEST_FAMILY_NAME,
    version=1,
    attributes={
        "msg": (1, "string"),  # GENLTEST_A_MSG, NLA_NUL_STRING
        "count": (2, "u32"),  # GENLTEST_A_COUNT
        "index": (3, "u32"),  # GENLTEST_A_INDEX
    },
    operations={
        "echo": (1, ["msg"]),  # GENLTEST_CMD_ECHO
        "dump": {
            "value": 2,
            "dump": {
                "request": {"attributes": ["count"]},
                "reply": {"attributes": ["msg", "index"]},
            },
        },
        "notify": {"value": 3, "event": {"attributes": ["msg"]}, "mcgrp": GENLTEST_MCGRP_NAME},
    },
    mcast_groups=[GENLTEST_MCGRP_NAME],
)


def main(argv: list[str] | None = None) -> int:
    """Run the client; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--netns", help="network namespace to work in")
    parser.add_argument("--message", default="Hello from User Space, Netlink!")
    parser.add_argument(
        "--count", type=int, help="stop after this many notifications (default: until Ctrl-C)"
    )
    parser.add_argument("--dump", type=int, metavar="N",
                        help="after the echo, list the echo history and N generated entries")
    args = parser.parse_args(argv)
    try:
        with GenlClient(netns=args.netns) as client:
            return run(client, args.message, args.count, args.dump)
    except FamilyNotFound:
        print(f"family {GENLTEST_FAMILY_NAME} not found: is the module loaded?", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    except (GenetlinkError, OSError) as err:
        print(f"genltest_client: {err}", file=sys.stderr)
        return 1


def run(client: GenlClient, message: str, count: int | None, dump: int | None = None) -> int:
    """Resolve, join, echo, dump if asked, then listen (the unicast and multicast sockets are
    separate)."""
    genltest = client.family(GENLTEST_FAMILY_NAME, GENLTEST)
    group = genltest.subscribe(GENLTEST_MCGRP_NAME)  # opens the multicast socket
    print(f"family {genltest.name} id {genltest.id}, group {GENLTEST_MCGRP_NAME} id {group}")
    reply = genltest.do("echo", {"msg": message})
    print(f"kernel says: {reply['msg'] if reply is not None else '(no reply)'}", flush=True)
    if dump is not None:
        for entry in genltest.dump("dump", {"count": dump}):
            print(f"entry {entry.get('index')}: {entry.get('msg')}", flush=True)
    seen = 0
    for event in genltest.notifications(timeout=None):
        if isinstance(event, Overrun):
            print("notifications were lost (receive queue overrun)", flush=True)
            continue
        print(f"notification {event.op}: {event.get('msg')}", flush=True)
        seen += 1
        if count is not None and seen >= count:
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())

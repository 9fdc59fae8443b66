"""pyroute2 side of the benchmarks: the same workloads through pyroute2's normal API.

"full" variants turn every message into Python values with the message's own .dump();
"lazy" variants read two attributes per message with .get_attr(). Run by bench/run.py as
`python pyroute2_bench.py WORKLOAD [-r REPS] [-w WARMUP] [-n COUNT] [-a ARG]` inside the
test namespace; prints one JSON line (see common.py).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import select
import time
from typing import Any

import common
from pyroute2 import IPRoute
from pyroute2.netlink import (
    GENL_ID_CTRL,
    NETLINK_USERSOCK,
    NLM_F_DUMP,
    NLM_F_REQUEST,
    ctrlmsg,
    genlmsg,
    nlmsg,
)
from pyroute2.netlink.exceptions import NetlinkError
from pyroute2.netlink.generic import GenericNetlinkSocket
from pyroute2.netlink.generic.ethtool import ethtool_linkinfo_msg
from pyroute2.netlink.nlsocket import NetlinkSocket

SIDE = "pyroute2"
CTRL_CMD_GETFAMILY = 3


def _rtnl(args: argparse.Namespace, what: str, full: bool) -> None:
    ipr = IPRoute()
    if what == "link":
        def get() -> list[Any]:
            return list(ipr.get_links())
        names = ("IFLA_IFNAME", "IFLA_MTU")
    elif what == "addr":
        def get() -> list[Any]:
            return list(ipr.get_addr(family=2))
        names = ("IFA_ADDRESS", "IFA_LABEL")
    else:
        def get() -> list[Any]:
            return list(ipr.get_routes(family=2))
        names = ("RTA_DST", "RTA_OIF")

    def run() -> int:
        msgs = get()
        if full:
            decoded = [m.dump() for m in msgs]
            return len(decoded)
        pairs = [(m.get_attr(names[0]), m.get_attr(names[1])) for m in msgs]
        return len(pairs)

    runs, objects = common.timed_runs(run, args.reps, args.warmup)
    ipr.close()
    common.report(SIDE, args.workload, runs, objects)


def genl_families(args: argparse.Namespace) -> None:
    """nlctrl GETFAMILY dump with ops and groups, fully decoded."""
    s = GenericNetlinkSocket()
    s.marshal.msg_map[GENL_ID_CTRL] = ctrlmsg

    def run() -> int:
        msg = ctrlmsg()
        msg["cmd"] = CTRL_CMD_GETFAMILY
        msg["version"] = 1
        replies = s.nlm_request(msg, msg_type=GENL_ID_CTRL,
                                msg_flags=NLM_F_REQUEST | NLM_F_DUMP)
        return len([m.dump() for m in replies])

    runs, objects = common.timed_runs(run, args.reps, args.warmup)
    s.close()
    common.report(SIDE, args.workload, runs, objects)


def genl_do(args: argparse.Namespace) -> None:
    """COUNT sequential GETFAMILY requests by name (pyroute2's discovery()), reply decoded."""
    names = [n for n in args.arg.split(",") if n] or ["nlctrl"]
    count = args.count or 10000
    s = GenericNetlinkSocket()
    s.marshal.msg_map[GENL_ID_CTRL] = ctrlmsg

    def run() -> int:
        for k in range(count):
            s.discovery(names[k % len(names)]).dump()
        return count

    runs, objects = common.timed_runs(run, args.reps, args.warmup)
    s.close()
    common.report(SIDE, args.workload, runs, objects, requests=count)


class netdev_dev_msg(genlmsg):
    """netdev dev-get reply (attribute numbers from include/uapi/linux/netdev.h)."""

    nla_map = (
        ("NETDEV_A_DEV_UNSPEC", "none"),
        ("NETDEV_A_DEV_IFINDEX", "uint32"),
        ("NETDEV_A_DEV_PAD", "none"),
        ("NETDEV_A_DEV_XDP_FEATURES", "uint64"),
        ("NETDEV_A_DEV_XDP_ZC_MAX_SEGS", "uint32"),
        ("NETDEV_A_DEV_XDP_RX_METADATA_FEATURES", "uint64"),
        ("NETDEV_A_DEV_XSK_FEATURES", "uint64"),
    )


def _genl_dump(args: argparse.Namespace, family: str, cls: Any, cmd: int, attrs: list[Any]) -> None:
    s = GenericNetlinkSocket()
    s.bind(family, cls)

    def run() -> int:
        msg = cls()
        msg["cmd"] = cmd
        msg["version"] = 1
        msg["attrs"] = list(attrs)
        replies = s.nlm_request(msg, msg_type=s.prid, msg_flags=NLM_F_REQUEST | NLM_F_DUMP)
        return len([m.dump() for m in replies])

    runs, objects = common.timed_runs(run, args.reps, args.warmup)
    s.close()
    common.report(SIDE, args.workload, runs, objects)


def ethtool(args: argparse.Namespace) -> None:
    """ethtool LINKINFO_GET dump over every device, fully decoded."""
    _genl_dump(args, "ethtool", ethtool_linkinfo_msg, 2,
               [("ETHTOOL_A_LINKINFO_HEADER", {"attrs": []})])


def netdev(args: argparse.Namespace) -> None:
    """netdev DEV_GET dump over every device, fully decoded."""
    _genl_dump(args, "netdev", netdev_dev_msg, 1, [])


class user_event_msg(nlmsg):
    """The USERSOCK burst's event message (see bench/c/usersock.c)."""

    nla_map = (
        ("EV_UNSPEC", "none"),
        ("EV_SEQ", "uint32"),
        ("EV_TIME", "uint64"),
        ("EV_TEXT", "asciiz"),
    )


def _subscriber(rcvbuf: int, group: int) -> Any:
    s = NetlinkSocket(family=NETLINK_USERSOCK, rcvbuf=rcvbuf)
    s.marshal.msg_map[common.EV_DATA] = user_event_msg
    s.marshal.msg_map[common.EV_END] = user_event_msg
    s.bind(groups=1 << (group - 1))
    return s


def notify(args: argparse.Namespace) -> None:
    """Subscribe to USERSOCK group (-w GROUP, default 1) with rcvbuf -n, count events.

    pyroute2 marks the whole socket failed on ENOBUFS (every later call re-raises it), so a
    subscriber that wants to go on must open and subscribe a new socket: we do, and count it.
    """
    rcvbuf = args.count or (1 << 20)
    group = args.warmup if args.warmup > 0 else 1
    s = _subscriber(rcvbuf, group)
    received = overruns = gaps = 0
    next_seq = 0
    end = False
    first = last = 0
    print("READY", flush=True)
    while not end:
        try:
            # get() blocks forever; poll first so a lost END marker cannot hang us.
            if not select.select([s.fileno()], [], [], 1.0)[0]:
                if received:
                    break
                continue
            msgs = s.get()
        except (OSError, NetlinkError) as e:
            code = getattr(e, "errno", None) or getattr(e, "code", None)
            if code != errno.ENOBUFS:
                raise
            overruns += 1
            with contextlib.suppress(Exception):  # close() re-raises the ENOBUFS too
                s.close()
            s = _subscriber(rcvbuf, group)
            continue
        for m in msgs:
            if m["header"]["type"] == common.EV_END:
                end = True
                break
            if m["header"]["type"] != common.EV_DATA:
                continue
            seq = m.get_attr("EV_SEQ")
            m.get_attr("EV_TIME")
            m.get_attr("EV_TEXT")
            if seq != next_seq:
                gaps += 1
            next_seq = (seq or 0) + 1
            last = time.perf_counter_ns()
            if not received:
                first = last
            received += 1
    s.close()
    common.report(SIDE, args.workload, [last - first], received, received=received,
                  overruns=overruns, gaps=gaps, end_seen=int(end), rcvbuf=rcvbuf,
                  note="socket reopened after each ENOBUFS" if overruns else "")


TABLE = {
    **common.rtnl_workloads(_rtnl),
    "genl_families": genl_families, "genl_do": genl_do,
    "ethtool": ethtool, "netdev": netdev, "notify": notify,
}

if __name__ == "__main__":
    common.main(SIDE, TABLE)

"""Our side of the benchmarks: the same workloads through genetlink's public API.

Full variants decode every attribute of every message to Python values with the codec built
from the kernel's own YAML specs (rt-link, rt-addr, rt-route, ethtool, netdev: read from
../shared/kernel-specs like the tests do) or with the genl layer's nlctrl decoder; lazy
variants read two attributes per message through the same lazy mapping.

Run by bench/run.py as `python ours.py WORKLOAD [-r REPS] [-w WARMUP] [-n COUNT] [-a ARG]`
inside the test namespace; prints one JSON line (see common.py).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

import common

from genetlink.codec.family import FamilyCodec
from genetlink.genl.nlctrl import families, getfamily
from genetlink.loader import load_spec
from genetlink.socket import SUBSCRIBER_RCVBUF, NetlinkSocket
from genetlink.wire import constants as c
from genetlink.wire.attrs import Attrs
from genetlink.wire.errors import Overrun
from genetlink.wire.genl import GENLMSGHDR

SIDE = "ours"
SPECS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared",
                     "kernel-specs", "specs")  # fmt: skip


def _codec(name: str) -> FamilyCodec:
    return FamilyCodec(load_spec(os.path.join(SPECS, f"{name}.yaml")))


def _measure(args: argparse.Namespace, run: Callable[[], int], **extra: Any) -> None:
    runs, objects = common.timed_runs(run, args.reps, args.warmup)
    common.report(SIDE, args.workload, runs, objects, **extra)


# -- rtnetlink, through the kernel's netlink-raw specs ------------------------------------

# workload -> (spec, dump op, request values, the two attributes a lazy reader wants)
_RTNL: dict[str, tuple[str, str, dict[str, Any], tuple[str, str]]] = {
    "link": ("rt-link", "getlink", {}, ("ifname", "mtu")),
    "addr": ("rt-addr", "getaddr", {"ifa-family": 2}, ("address", "label")),
    "route": ("rt-route", "getroute", {"rtm-family": 2}, ("dst", "oif")),
}


def _rtnl(args: argparse.Namespace, what: str, full: bool) -> None:
    spec, op_name, values, (first, second) = _RTNL[what]
    codec = _codec(spec)
    op = codec.operation(op_name)
    msg_type, body = codec.encode(op, values, mode="dump")
    sock = NetlinkSocket(c.NETLINK_ROUTE)

    def run() -> int:
        msgs = sock.dump(msg_type, body)
        if full:
            return len([codec.decode_raw(m, op).to_dict() for m in msgs])
        pairs = []
        for m in msgs:
            reply = codec.decode_raw(m, op)
            pairs.append((reply.get(first), reply.get(second)))
        return len(pairs)

    _measure(args, run)
    sock.close()


# -- generic netlink ------------------------------------------------------------------------


def genl_families(args: argparse.Namespace) -> None:
    """nlctrl GETFAMILY dump of all families with ops and groups, fully decoded."""
    sock = NetlinkSocket(c.NETLINK_GENERIC)
    _measure(args, lambda: len(sock.run(families(sock.engine))))
    sock.close()


def genl_do(args: argparse.Namespace) -> None:
    """COUNT sequential GETFAMILY do-requests by name (ACKed), reply fully decoded."""
    names = [n for n in args.arg.split(",") if n] or ["nlctrl"]
    count = args.count or 10000
    sock = NetlinkSocket(c.NETLINK_GENERIC)
    engine = sock.engine

    def run() -> int:
        for k in range(count):
            sock.run(getfamily(engine, names[k % len(names)]))
        return count

    _measure(args, run, requests=count)
    sock.close()


def _genl_dump(args: argparse.Namespace, spec: str, op_name: str, values: dict[str, Any]) -> None:
    codec = _codec(spec)
    op = codec.operation(op_name)
    sock = NetlinkSocket(c.NETLINK_GENERIC)
    family_id = sock.run(getfamily(sock.engine, codec.family.name)).id
    cmd, body = codec.encode(op, values, mode="dump")
    payload = GENLMSGHDR.pack(cmd, codec.family.version or 1, 0) + body

    def run() -> int:
        return len([codec.decode_genl(m, op).to_dict() for m in sock.dump(family_id, payload)])

    _measure(args, run)
    sock.close()


def ethtool(args: argparse.Namespace) -> None:
    """ethtool linkinfo-get dump over every device, fully decoded (ethtool spec)."""
    _genl_dump(args, "ethtool", "linkinfo-get", {"header": {}})


def netdev(args: argparse.Namespace) -> None:
    """netdev dev-get dump over every device, fully decoded (netdev spec)."""
    _genl_dump(args, "netdev", "dev-get", {})


# -- notifications --------------------------------------------------------------------------

def notify(args: argparse.Namespace) -> None:
    """Subscribe to USERSOCK group (-w GROUP, default 1) with rcvbuf -n; count events and
    Overrun events; each event's three attributes are read."""
    default = args.arg == "default"  # -a default: the queue a subscriber gets by default
    rcvbuf = 0 if default else args.count or (1 << 20)
    group = args.warmup if args.warmup > 0 else 1
    sock = NetlinkSocket(c.NETLINK_USERSOCK, rcvbuf=rcvbuf or None)
    sock.join(group)
    if default:
        rcvbuf = SUBSCRIBER_RCVBUF  # granted as root (SO_RCVBUFFORCE)
    received = overruns = gaps = 0
    next_seq = 0
    end = False
    first = last = 0
    print("READY", flush=True)
    for ev in sock.notifications(timeout=1.0):
        if isinstance(ev, Overrun):
            overruns += 1
            continue
        if ev.type == common.EV_END:
            end = True
            break
        if ev.type != common.EV_DATA:
            continue
        attrs = Attrs(ev.data, ev.payload_start, ev.end)
        seq = attrs.u32(common.A_SEQ)
        attrs.u64(common.A_TIME)
        attrs.string(common.A_TEXT)
        if seq != next_seq:
            gaps += 1
        next_seq = (seq or 0) + 1
        last = time.perf_counter_ns()
        if not received:
            first = last
        received += 1
    sock.close()
    common.report(SIDE, args.workload, [last - first], received, received=received,
                  overruns=overruns, gaps=gaps, end_seen=int(end), rcvbuf=rcvbuf)


TABLE: dict[str, Callable[[argparse.Namespace], None]] = {
    **common.rtnl_workloads(_rtnl),
    "genl_families": genl_families, "genl_do": genl_do,
    "ethtool": ethtool, "netdev": netdev, "notify": notify,
}

if __name__ == "__main__":
    common.main(SIDE, TABLE)

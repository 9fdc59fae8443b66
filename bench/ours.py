"""Our side of the benchmarks: the same workloads through genetlink's API.

Full variants decode every attribute of every message to Python values with hand-written
tables (ours_tables.py) over `genetlink.wire.attrs.iter_attrs`; lazy variants read two
attributes per message with `Attrs`. Workloads the library cannot serve yet are stub
functions raising NotImplementedError: the runner shows "n/a" for them.

Run by bench/run.py as `python ours.py WORKLOAD [-r REPS] [-w WARMUP] [-n COUNT] [-a ARG]`
inside the test namespace; prints one JSON line (see common.py).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import common

try:
    import ours_tables as T

    from genetlink.socket import NetlinkSocket
    from genetlink.wire import constants as c
    from genetlink.wire.attrs import AttrBuilder, Attrs
    from genetlink.wire.errors import Overrun
    from genetlink.wire.message import Message
    _MISSING = ""
except ImportError as exc:  # the library is written in parallel; show n/a, not a crash
    _MISSING = f"genetlink API missing: {exc}"

SIDE = "ours"
RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE = 18, 22, 26
AF_INET = 2
GENL_HDRLEN = 4
ETHTOOL_MSG_LINKINFO_GET, NETDEV_CMD_DEV_GET = 2, 1


def _require() -> None:
    if _MISSING:
        raise NotImplementedError(_MISSING)


# -- rtnetlink ------------------------------------------------------------------------------

_RTNL: dict[str, tuple[int, bytes, int]] = {
    # request type, request header (ifinfomsg / ifaddrmsg / rtmsg), header length in replies
    "link": (RTM_GETLINK, bytes(16), 16),
    "addr": (RTM_GETADDR, bytes([AF_INET]) + bytes(7), 8),
    "route": (RTM_GETROUTE, bytes([AF_INET]) + bytes(11), 12),
}


def _full_link(m: Message) -> dict[str, Any]:
    d = m.data
    family, kind, index, flags, change = T.IFINFOMSG.unpack_from(d, m.payload_start)
    out = T.decode(d, m.payload_start + 16, m.end, T.IFLA)
    out.update(family=family, type=kind, index=index, flags=flags, change=change)
    return out


def _full_addr(m: Message) -> dict[str, Any]:
    d = m.data
    family, prefixlen, flags, scope, index = T.IFADDRMSG.unpack_from(d, m.payload_start)
    out = T.decode(d, m.payload_start + 8, m.end, T.IFA)
    out.update(family=family, prefixlen=prefixlen, ifa_flags=flags, scope=scope, index=index)
    return out


def _full_route(m: Message) -> dict[str, Any]:
    d = m.data
    hdr = T.RTMSG.unpack_from(d, m.payload_start)
    out = T.decode(d, m.payload_start + 12, m.end, T.RTA)
    out.update(zip(("family", "dst-len", "src-len", "tos", "rtm-table", "protocol", "scope",
                    "rtm-type", "rtm-flags"), hdr, strict=True))
    return out


_FULL: dict[str, Callable[[Message], dict[str, Any]]] = {
    "link": _full_link, "addr": _full_addr, "route": _full_route}
# ifname, mtu / address, label / dst, oif
_LAZY_ATTRS = {"link": (3, 4), "addr": (1, 3), "route": (1, 4)}


def _rtnl(args: argparse.Namespace, what: str, full: bool) -> None:
    _require()
    msg_type, header, hdrlen = _RTNL[what]
    sock = NetlinkSocket(c.NETLINK_ROUTE)
    decoder = _FULL[what]
    a1, a2 = _LAZY_ATTRS[what]

    def run() -> int:
        msgs = sock.dump(msg_type, header)
        if full:
            return len([decoder(m) for m in msgs])
        pairs = []
        for m in msgs:
            attrs = Attrs(m.data, m.payload_start + hdrlen, m.end)
            pairs.append((attrs.get(a1), attrs.get(a2)))
        return len(pairs)

    runs, objects = common.timed_runs(run, args.reps, args.warmup)
    sock.close()
    common.report(SIDE, args.workload, runs, objects)


def link_full(args: argparse.Namespace) -> None:
    """RTM_GETLINK dump, every attribute decoded (IFLA table, linkinfo and af-spec nests)."""
    _rtnl(args, "link", True)


def link_lazy(args: argparse.Namespace) -> None:
    """RTM_GETLINK dump, ifname and mtu read per message."""
    _rtnl(args, "link", False)


def addr_full(args: argparse.Namespace) -> None:
    """IPv4 RTM_GETADDR dump, fully decoded."""
    _rtnl(args, "addr", True)


def addr_lazy(args: argparse.Namespace) -> None:
    """IPv4 RTM_GETADDR dump, address and label per message."""
    _rtnl(args, "addr", False)


def route_full(args: argparse.Namespace) -> None:
    """IPv4 RTM_GETROUTE dump, fully decoded."""
    _rtnl(args, "route", True)


def route_lazy(args: argparse.Namespace) -> None:
    """IPv4 RTM_GETROUTE dump, dst and oif per message."""
    _rtnl(args, "route", False)


def link_full_spec(args: argparse.Namespace) -> None:
    """Stub: link dump decoded by the schema codec from the kernel's rt-link spec.

    Lead: fill in once genetlink.schema has a codec (decode tables built from the spec).
    """
    raise NotImplementedError("schema codec for rt-link not wired into the bench yet")


# -- generic netlink ------------------------------------------------------------------------

def _genl_payload(cmd: int, attrs: bytes = b"") -> bytes:
    return bytes([cmd, 1, 0, 0]) + attrs


def _full_genl(m: Message, table: T.Table) -> dict[Any, Any]:
    return T.decode(m.data, m.payload_start + GENL_HDRLEN, m.end, table)


def _family_request(name: str) -> bytes:
    return _genl_payload(c.CTRL_CMD_GETFAMILY, AttrBuilder().put_string(2, name).bytes())


def genl_families(args: argparse.Namespace) -> None:
    """nlctrl GETFAMILY dump of all families with ops and groups, fully decoded."""
    _require()
    sock = NetlinkSocket(c.NETLINK_GENERIC)
    payload = _genl_payload(c.CTRL_CMD_GETFAMILY)

    def run() -> int:
        return len([_full_genl(m, T.CTRL) for m in sock.dump(c.GENL_ID_CTRL, payload)])

    runs, objects = common.timed_runs(run, args.reps, args.warmup)
    sock.close()
    common.report(SIDE, args.workload, runs, objects)


def genl_do(args: argparse.Namespace) -> None:
    """COUNT sequential GETFAMILY do-requests by name (ACKed), reply fully decoded."""
    _require()
    names = [n for n in args.arg.split(",") if n] or ["nlctrl"]
    count = args.count or 10000
    sock = NetlinkSocket(c.NETLINK_GENERIC)
    # Requests are built per call, as a caller asking by name would.
    def run() -> int:
        for k in range(count):
            replies = sock.request(c.GENL_ID_CTRL, _family_request(names[k % len(names)]))
            if len(replies) != 1:
                raise RuntimeError(f"expected one reply, got {len(replies)}")
            _full_genl(replies[0], T.CTRL)
        return count

    runs, objects = common.timed_runs(run, args.reps, args.warmup)
    sock.close()
    common.report(SIDE, args.workload, runs, objects, requests=count)


def genl_do_cache(args: argparse.Namespace) -> None:
    """Stub: the same loop through genetlink.genl's family lookup by name (the client API).

    Lead: fill in with the genl client's resolve/get-family call once genl/ exists.
    """
    raise NotImplementedError("genetlink.genl family lookup not wired into the bench yet")


def _resolve(sock: Any, name: str) -> int:
    reply = sock.request(c.GENL_ID_CTRL, _family_request(name))[0]
    fid = Attrs(reply.data, reply.payload_start + GENL_HDRLEN, reply.end).u16(1)
    if fid is None:
        raise RuntimeError(f"no family id for {name}")
    return int(fid)


def _genl_dump(args: argparse.Namespace, family: str, payload: bytes, table: T.Table) -> None:
    _require()
    sock = NetlinkSocket(c.NETLINK_GENERIC)
    fid = _resolve(sock, family)

    def run() -> int:
        return len([_full_genl(m, table) for m in sock.dump(fid, payload)])

    runs, objects = common.timed_runs(run, args.reps, args.warmup)
    sock.close()
    common.report(SIDE, args.workload, runs, objects)


def ethtool(args: argparse.Namespace) -> None:
    """ethtool LINKINFO_GET dump over every device, fully decoded."""
    _require()
    b = AttrBuilder()
    b.nest_end(b.nest_start(1))  # ETHTOOL_A_LINKINFO_HEADER, empty: all devices
    _genl_dump(args, "ethtool", _genl_payload(ETHTOOL_MSG_LINKINFO_GET, b.bytes()),
               T.ETHTOOL_LINKINFO)


def netdev(args: argparse.Namespace) -> None:
    """netdev DEV_GET dump over every device, fully decoded."""
    _require()
    _genl_dump(args, "netdev", _genl_payload(NETDEV_CMD_DEV_GET), T.NETDEV_DEV)


# -- notifications --------------------------------------------------------------------------

def notify(args: argparse.Namespace) -> None:
    """Subscribe to USERSOCK group (-w GROUP, default 1) with rcvbuf -n; count events and
    Overrun events; each event's three attributes are read."""
    _require()
    rcvbuf = args.count or (1 << 20)
    group = args.warmup if args.warmup > 0 else 1
    sock = NetlinkSocket(c.NETLINK_USERSOCK, rcvbuf=rcvbuf)
    sock.join(group)
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
    "link_full": link_full, "link_lazy": link_lazy, "link_full_spec": link_full_spec,
    "addr_full": addr_full, "addr_lazy": addr_lazy,
    "route_full": route_full, "route_lazy": route_lazy,
    "genl_families": genl_families, "genl_do": genl_do, "genl_do_cache": genl_do_cache,
    "ethtool": ethtool, "netdev": netdev, "notify": notify,
}

if __name__ == "__main__":
    common.main(SIDE, TABLE)

"""The kernel's ynl side of the benchmarks: the same workloads through its Python library.

ynl is what users of the kernel's YAML specs pick instead of us: tools/net/ynl/lib from
Debian's linux-source-6.12, with that kernel's specs, both extracted into bench/build/ynl by
bench/run.sh (none of it is in this repository). Full variants are ynl's `dump()`/`do()`,
which decode every attribute of every message into dicts; ynl has no lazy decoding, so the
lazy rows are n/a. Run by bench/run.py as `python ynl_bench.py WORKLOAD [-r REPS] [-w WARMUP]
[-n COUNT] [-a ARG]` inside the test namespace; prints one JSON line (see common.py).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any

import common

SIDE = "ynl"
YNL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "build", "ynl")
SPECS = os.path.join(YNL, "Documentation", "netlink", "specs")


def family(spec: str) -> Any:
    """A YnlFamily for the kernel spec `spec` (its jsonschema check skipped: done upstream).
    process_unknown (its CLI's --process-unknown): attributes newer than the 6.12 specs (this
    kernel may be newer) are decoded as raw values instead of failing the dump."""
    lib_dir = os.path.join(YNL, "tools", "net", "ynl")
    if not os.path.isdir(lib_dir):
        raise NotImplementedError("ynl not extracted (run bench/run.sh)")
    if lib_dir not in sys.path:
        sys.path.insert(0, lib_dir)
    from lib import YnlFamily  # type: ignore[import-not-found]

    return YnlFamily(os.path.join(SPECS, f"{spec}.yaml"), schema="", process_unknown=True)


def iterate_dump(ynl: Any, method: str, vals: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A dump decoded message by message as datagrams arrive, so nothing is collected.

    ynl's public `dump()` returns a list of the whole dump; this is its own receive loop
    (YnlFamily._ops, 6.12) with each decoded message yielded instead of appended, through
    the same internal pieces (_encode_message, NlMsgs, nlproto.decode, _decode)."""
    from lib.ynl import Netlink, NlError, NlMsgs  # type: ignore[import-not-found]

    op = ynl.ops[method]
    seq = 4242
    ynl.sock.send(ynl._encode_message(op, vals, [Netlink.NLM_F_DUMP], seq), 0)
    while True:
        reply = ynl.sock.recv(ynl._recv_size)
        for nl_msg in NlMsgs(reply, attr_space=op.attr_set):
            if nl_msg.nl_seq != seq:
                continue
            if nl_msg.error:
                raise NlError(nl_msg)
            if nl_msg.done:
                return
            decoded = ynl.nlproto.decode(ynl, nl_msg, op)
            out = ynl._decode(decoded.raw_attrs, op.attr_set.name)
            if op.fixed_header:
                out.update(ynl._decode_struct(decoded.raw, op.fixed_header))
            yield out


def _measure(args: argparse.Namespace, run: Callable[[], int], **extra: Any) -> None:
    runs, objects = common.timed_runs(run, args.reps, args.warmup)
    common.report(SIDE, args.workload, runs, objects, **extra)


# workload -> (spec, dump op, request values)
_RTNL: dict[str, tuple[str, str, dict[str, Any]]] = {
    "link": ("rt_link", "getlink", {}),
    "addr": ("rt_addr", "getaddr", {"ifa-family": 2}),
    "route": ("rt_route", "getroute", {"rtm-family": 2}),
}


def _rtnl(args: argparse.Namespace, what: str, full: bool) -> None:
    if not full:
        raise NotImplementedError("ynl decodes every attribute (no lazy reading)")
    spec, op, vals = _RTNL[what]
    ynl = family(spec)
    _measure(args, lambda: len(ynl.dump(op, dict(vals))))


def genl_families(args: argparse.Namespace) -> None:
    """nlctrl getfamily dump with ops and groups, fully decoded (nlctrl spec)."""
    ynl = family("nlctrl")
    _measure(args, lambda: len(ynl.dump("getfamily", {})))


def genl_do(args: argparse.Namespace) -> None:
    """COUNT sequential getfamily do-requests by name (ACKed), reply fully decoded."""
    names = [n for n in args.arg.split(",") if n] or ["nlctrl"]
    count = args.count or 10000
    ynl = family("nlctrl")

    def run() -> int:
        for k in range(count):
            ynl.do("getfamily", {"family-name": names[k % len(names)]})
        return count

    _measure(args, run, requests=count)


def ethtool(args: argparse.Namespace) -> None:
    """ethtool linkinfo-get dump over every device, fully decoded (ethtool spec)."""
    ynl = family("ethtool")
    _measure(args, lambda: len(ynl.dump("linkinfo-get", {"header": {}})))


def netdev(args: argparse.Namespace) -> None:
    """netdev dev-get dump over every device, fully decoded (netdev spec)."""
    ynl = family("netdev")
    _measure(args, lambda: len(ynl.dump("dev-get", {})))


def notify(args: argparse.Namespace) -> None:
    """The USERSOCK burst has no spec: n/a."""
    raise NotImplementedError("no spec for the USERSOCK events")


TABLE: dict[str, Callable[[argparse.Namespace], None]] = {
    **common.rtnl_workloads(_rtnl),
    "genl_families": genl_families, "genl_do": genl_do,
    "ethtool": ethtool, "netdev": netdev, "notify": notify,
}

if __name__ == "__main__":
    common.main(SIDE, TABLE)

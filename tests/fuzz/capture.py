"""Capture the fuzz seed corpus: real datagrams from the running kernel (needs root).

    sudo .venv/bin/python tests/fuzz/capture.py [--out tests/fuzz/seeds] [--specs DIR]

A throw-away network namespace gets veths, a bridge, IPv4 and IPv6 addresses, routes,
neighbours, rules and an htb class; then genetlink's own NetlinkSocket sends dumps, do
requests and deliberately bad requests (to provoke NLMSG_ERROR with extended ACKs: message,
bad attribute offset, policy, missing attribute; capped and uncapped) and listens to
multicast groups while links and addresses change. Every datagram the socket receives is
recorded by a transport wrapper under the socket (so the bytes are exactly what recvmsg()
returned), and stored as one file per datagram:

    seeds/<family>--<what>--<nn>.bin      <family>: the codec the fuzzer decodes it with

plus MANIFEST.txt (kernel release, one line per file). Long dumps keep their first datagrams
and their last one, so the corpus stays a few hundred KB. A dump that ends with an extended
ACK warning on NLMSG_DONE could not be provoked on 6.18; `done-warning` seeds are therefore
built from a captured NLMSG_DONE with a warning TLV appended, and named `synthetic`.
"""

from __future__ import annotations

import argparse
import errno
import os
import platform
import socket
import struct
import subprocess
import sys
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from functools import partial
from pathlib import Path
from typing import Any

from genetlink.codec import FamilyCodec
from genetlink.genl import nlctrl
from genetlink.loader import load_spec
from genetlink.socket import NetlinkSocket, open_netlink
from genetlink.wire import constants as c
from genetlink.wire.attrs import AttrBuilder
from genetlink.wire.errors import GenetlinkError, NetlinkWarning
from genetlink.wire.genl import genl_payload
from genetlink.wire.message import build_message, parse_messages

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_SPECS = REPO.parent / "shared" / "kernel-specs" / "specs"

#: datagrams kept per label (the first ones and the last, which carries NLMSG_DONE)
KEEP = 4
#: the whole corpus stays below this many bytes
BUDGET = 400_000


#: rtnetlink message types (the first of each block of four) -> the spec that decodes them
RTNL_TYPES = {16: "rt-link", 20: "rt-addr", 24: "rt-route", 28: "rt-neigh", 32: "rt-rule",
              56: "rt-addr"}  # fmt: skip


class Recorder:
    """A socket-like wrapper that records every datagram recvmsg_into() returns."""

    def __init__(self, sock: socket.socket, sink: Callable[[bytes, int, int], None]) -> None:
        self._sock = sock
        self._sink = sink

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)

    def recvmsg_into(self, buffers: list[bytearray], ancbufsize: int = 0,
                     flags: int = 0) -> tuple[int, list[Any], int, Any]:  # fmt: skip
        size, ancillary, msg_flags, address = self._sock.recvmsg_into(buffers, ancbufsize, flags)
        if size <= len(buffers[0]):
            self._sink(bytes(memoryview(buffers[0])[:size]), address[0], address[1])
        return size, ancillary, msg_flags, address


class Capture:
    """Sockets in one namespace whose received datagrams land under the current label."""

    def __init__(self, netns: str) -> None:
        self.netns = netns
        self.label = "unlabelled"
        self.seen: dict[str, list[bytes]] = {}
        self.sockets: list[NetlinkSocket] = []

    def _sink(self, data: bytes, port: int, groups: int) -> None:
        label = self.label
        if groups:  # notifications: by the family of the first message
            first = parse_messages(data)[0].type if len(data) >= 16 else 0
            family = RTNL_TYPES.get(first // 4 * 4, label.split("--")[0])
            label = f"{family if label.startswith('rt-') else label.split('--')[0]}--ntf"
            label += f"-type{first}"
        self.seen.setdefault(label, []).append(data)

    def socket(self, protocol: int, **options: Any) -> NetlinkSocket:
        raw = open_netlink(protocol, self.netns)
        sock = NetlinkSocket(protocol, transport=Recorder(raw, self._sink), **options)
        self.sockets.append(sock)
        return sock

    @contextmanager
    def labelled(self, label: str) -> Iterator[None]:
        before, self.label = self.label, label
        try:
            yield
        finally:
            self.label = before

    def close(self) -> None:
        for sock in self.sockets:
            sock.close()


def ip(netns: str, *args: str, check: bool = True) -> bool:
    done = subprocess.run(["ip", "-n", netns, *args], capture_output=True, text=True)
    if check and done.returncode:
        raise RuntimeError(f"ip -n {netns} {' '.join(args)}: {done.stderr.strip()}")
    return done.returncode == 0


def build_namespace(netns: str) -> None:
    """Links of several kinds, addresses of both families, routes (multipath too), a few
    neighbours and rules, an htb qdisc: variety for rt-link/addr/route and ethtool."""
    subprocess.run(["ip", "netns", "add", netns], check=True)
    ip(netns, "link", "set", "lo", "up")
    ip(netns, "link", "add", "v0", "type", "veth", "peer", "name", "v1")
    ip(netns, "link", "add", "v2", "type", "veth", "peer", "name", "v3")
    ip(netns, "link", "set", "v0", "address", "02:00:00:00:00:01")
    # optional kinds (the kernel may lack the module): failures are fine
    ip(netns, "link", "add", "br0", "type", "bridge", check=False)
    ip(netns, "link", "set", "v2", "master", "br0", check=False)
    ip(netns, "link", "add", "vx0", "type", "vxlan", "id", "42", "dstport", "4789", check=False)
    ip(netns, "link", "add", "mv0", "link", "v1", "type", "macvlan", check=False)
    ip(netns, "link", "set", "v0", "alias", "fuzz seed link", check=False)
    for link in ("v0", "v1", "v2", "v3", "br0", "mv0"):
        ip(netns, "link", "set", link, "up", check=False)
    ip(netns, "addr", "add", "10.0.0.1/24", "dev", "v0")
    ip(netns, "addr", "add", "10.0.1.1/24", "broadcast", "+", "dev", "v1", "label", "v1:x")
    ip(netns, "addr", "add", "192.0.2.1/32", "peer", "192.0.2.2", "dev", "v3")
    ip(netns, "-6", "addr", "add", "2001:db8::1/64", "dev", "v0", "nodad")
    ip(netns, "-6", "addr", "add", "2001:db8:1::1/64", "dev", "v1", "nodad",
       "valid_lft", "3600", "preferred_lft", "1800")  # fmt: skip
    ip(netns, "route", "add", "198.51.100.0/24", "via", "10.0.0.254", "dev", "v0")
    ip(netns, "route", "add", "203.0.113.0/24", "dev", "v1", "metric", "50", "table", "100")
    ip(netns, "route", "add", "198.51.101.0/24", "nexthop", "via", "10.0.0.253", "dev", "v0",
       "nexthop", "via", "10.0.1.253", "dev", "v1")  # fmt: skip
    ip(netns, "-6", "route", "add", "2001:db8:2::/64", "via", "2001:db8::2", "dev", "v0")
    ip(netns, "-6", "route", "add", "2001:db8:3::/64", "dev", "v1", "metric", "7", "mtu", "1400")
    ip(netns, "neigh", "add", "10.0.0.9", "lladdr", "02:00:00:00:00:09", "dev", "v0",
       "nud", "permanent")  # fmt: skip
    ip(netns, "-6", "neigh", "add", "2001:db8::9", "lladdr", "02:00:00:00:00:0a", "dev", "v0",
       "nud", "reachable")  # fmt: skip
    ip(netns, "rule", "add", "from", "10.0.0.0/24", "table", "100", "priority", "100")
    ip(netns, "-6", "rule", "add", "from", "2001:db8::/64", "table", "100", "priority", "101")
    subprocess.run(["tc", "-n", netns, "qdisc", "add", "dev", "v0", "root", "handle", "1:",
                    "htb"], capture_output=True)  # fmt: skip


def htb_class(ifindex: int) -> bytes:
    """RTM_NEWTCLASS payload: an htb class whose rate makes the kernel warn on success
    ("sch_htb: quantum of class 10001 is big"): an ACK (error 0) with an ext-ACK message."""
    tcmsg = struct.pack("=BxHiIII", 0, 0, ifindex, 0x10001, 0x10000, 0)
    rate = struct.pack("=BBHhHI", 0, 1, 0, 0, 0, 0xFFFF_FFFF)  # tc_ratespec, ethernet
    opt = rate + rate + struct.pack("=IIIII", 1000, 1000, 0, 0, 0)  # tc_htb_opt
    parms = struct.pack("=HH", 4 + len(opt), 1) + opt  # TCA_HTB_PARMS
    kind = struct.pack("=HH", 8, 1) + b"htb\0"  # TCA_KIND
    options = struct.pack("=HH", 4 + len(parms), 2 | c.NLA_F_NESTED) + parms  # TCA_OPTIONS
    return tcmsg + kind + options


def attempt(action: Callable[[], object]) -> None:
    """Run a request whose failure is the point (or does not matter): errors are captured."""
    with suppress(GenetlinkError, OSError):
        action()


def capture(netns: str, specs: Path) -> dict[str, list[bytes]]:
    codecs = {name: FamilyCodec(load_spec(specs / f"{name}.yaml"))
              for name in ("rt-link", "rt-addr", "rt-route", "rt-neigh", "rt-rule", "ethtool",
                           "netdev")}  # fmt: skip
    cap = Capture(netns)
    try:
        _rtnetlink(cap, codecs, netns)
        _genl(cap, codecs, netns)
    finally:
        cap.close()
    return cap.seen


def _rtnetlink(cap: Capture, codecs: dict[str, FamilyCodec], netns: str) -> None:
    rt = cap.socket(c.NETLINK_ROUTE)
    loose = cap.socket(c.NETLINK_ROUTE, cap_ack=False, strict=False)  # echoes whole requests

    def dump(family: str, op: str, values: dict[str, Any], label: str) -> None:
        msg_type, body = codecs[family].encode(op, values, "dump")
        with cap.labelled(f"{family}--{label}"):
            attempt(lambda: rt.dump(msg_type, body))

    dump("rt-link", "getlink", {}, "getlink-dump")
    dump("rt-link", "getstats", {"filter-mask": 0x1F}, "getstats-dump")
    for fam, name in ((socket.AF_INET, "v4"), (socket.AF_INET6, "v6")):
        dump("rt-addr", "getaddr", {"ifa-family": fam}, f"getaddr-dump-{name}")
        dump("rt-route", "getroute", {"rtm-family": fam}, f"getroute-dump-{name}")
        dump("rt-neigh", "getneigh", {"ndm-family": fam}, f"getneigh-dump-{name}")
        dump("rt-rule", "getrule", {"family": fam}, f"getrule-dump-{name}")
    dump("rt-addr", "getmulticast", {"ifa-family": socket.AF_INET6}, "getmulticast-dump")
    dump("rt-neigh", "getneightbl", {"family": socket.AF_INET}, "getneightbl-dump")

    link = codecs["rt-link"]
    with cap.labelled("rt-link--getlink-do"):
        msg_type, body = link.encode("getlink", {"ifname": "v0"}, "do")
        attempt(lambda: rt.request(msg_type, body))
    # errors: a missing device (offset of ifname), a bad header in a strict dump, an
    # invalid attribute (policy), and the same through an uncapped, non-strict socket
    with cap.labelled("ack--rt-link-enodev"):
        msg_type, body = link.encode("getlink", {"ifname": "nosuchlink"}, "do")
        attempt(lambda: rt.request(msg_type, body))
        attempt(lambda: loose.request(msg_type, body))
    with cap.labelled("ack--rt-link-strict-header"):
        attempt(lambda: rt.dump(c.RTM_GETLINK if hasattr(c, "RTM_GETLINK") else 18,
                                struct.pack("=BxHiII", 0, 1, 7, 1, 0)))  # fmt: skip
    with cap.labelled("ack--rt-link-policy"):
        msg_type, body = link.encode("newlink", {"ifname": "x" * 40}, "do")
        attempt(lambda: rt.request(msg_type, body, c.NLM_F_CREATE | c.NLM_F_EXCL))
        attempt(lambda: loose.request(msg_type, body, c.NLM_F_CREATE | c.NLM_F_EXCL))
    with cap.labelled("ack--rt-route-invalid"):
        msg_type, body = codecs["rt-route"].encode(
            "newroute", {"rtm-family": socket.AF_INET, "rtm-dst-len": 40, "dst": "10.9.0.0",
                         "oif": 9999}, "do")  # fmt: skip
        attempt(lambda: rt.request(msg_type, body, c.NLM_F_CREATE))
    with cap.labelled("rt-link--getlink-do"):
        v0 = _ifindex(rt, link, "v0")
    with cap.labelled("ack--rt-addr-exists"):
        msg_type, body = codecs["rt-addr"].encode(
            "newaddr", {"ifa-family": socket.AF_INET, "ifa-prefixlen": 24,
                        "ifa-index": v0, "local": "10.0.0.1",
                        "address": "10.0.0.1"}, "do")  # fmt: skip
        attempt(lambda: rt.request(msg_type, body, c.NLM_F_CREATE | c.NLM_F_EXCL))
    with cap.labelled("ack--tc-warning"):
        attempt(lambda: rt.request(40, htb_class(v0),  # RTM_NEWTCLASS
                                   c.NLM_F_CREATE | c.NLM_F_EXCL))  # fmt: skip

    # notifications: link, address, route and neighbour groups while things change
    listener = cap.socket(c.NETLINK_ROUTE)
    for group in (1, 3, 5, 7, 9, 11):  # LINK NEIGH IPV4_IFADDR IPV4_ROUTE IPV6_IFADDR IPV6_ROUTE
        listener.join(group)
    with cap.labelled("rt-changes"):
        ip(netns, "link", "add", "v8", "type", "veth", "peer", "name", "v9")
        ip(netns, "link", "set", "v8", "up", "mtu", "1400")
        ip(netns, "addr", "add", "10.8.0.1/24", "dev", "v8")
        ip(netns, "-6", "addr", "add", "2001:db8:8::1/64", "dev", "v8", "nodad")
        ip(netns, "route", "add", "10.88.0.0/16", "via", "10.8.0.2")
        ip(netns, "neigh", "add", "10.8.0.7", "lladdr", "02:00:00:00:08:07", "dev", "v8")
        ip(netns, "link", "del", "v8")
        _drain(listener)


def _ifindex(rt: NetlinkSocket, link: FamilyCodec, name: str) -> int:
    msg_type, body = link.encode("getlink", {"ifname": name}, "do")
    for msg in rt.request(msg_type, body):
        return int(link.decode(msg)["ifi-index"])
    raise RuntimeError(f"no link {name}")


def _drain(sock: NetlinkSocket) -> None:
    while sock.next_notification(0.3) is not None:
        pass


def _genl(cap: Capture, codecs: dict[str, FamilyCodec], netns: str) -> None:
    genl = cap.socket(c.NETLINK_GENERIC)
    loose = cap.socket(c.NETLINK_GENERIC, cap_ack=False)
    with cap.labelled("nlctrl--getfamily-dump"):
        infos = genl.run(nlctrl.families(genl.engine))
    ids = {info.name: info.id for info in infos}
    for name in ("nlctrl", "ethtool", "netdev"):
        with cap.labelled(f"nlctrl--getfamily-do-{name}"):
            genl.run(nlctrl.getfamily(genl.engine, name))
    with cap.labelled("ack--nlctrl-getfamily-enoent"):
        attempt(lambda: genl.run(nlctrl.getfamily(genl.engine, "no-such-family")))
    policies: tuple[tuple[str, int | None], ...] = (
        ("ethtool", None), ("ethtool", 2), ("netdev", None), ("nlctrl", None))  # fmt: skip
    for name, op_id in policies:
        what = f"getpolicy-{name}" + ("" if op_id is None else f"-op{op_id}")
        with cap.labelled(f"nlctrl--{what}"):
            attempt(partial(genl.run, nlctrl.getpolicy(genl.engine, name, op_id)))
    with cap.labelled("ack--nlctrl-getpolicy-bad-op"):
        attempt(lambda: genl.run(nlctrl.getpolicy(genl.engine, "ethtool", 999)))

    def genl_dump(family: str, op: str, values: dict[str, Any], label: str) -> None:
        codec = codecs[family]
        cmd, body = codec.encode(op, values, "dump")
        payload = genl_payload(cmd, codec.family.version, body)
        with cap.labelled(f"{family}--{label}"):
            attempt(lambda: genl.dump(ids[family], payload))

    def genl_do(sock: NetlinkSocket, family: str, op: str, values: dict[str, Any] | bytes,
                label: str) -> None:  # fmt: skip
        codec = codecs[family]
        if isinstance(values, bytes):  # bypass the encoder's own checks: the kernel's are the point
            cmd, body = codec.operation(op).request_value or 0, values
        else:
            cmd, body = codec.encode(op, values, "do")
        payload = genl_payload(cmd, codec.family.version, body)
        with cap.labelled(label):
            attempt(lambda: sock.request(ids[family], payload))

    for op in ("strset-get", "linkinfo-get", "linkmodes-get", "linkstate-get", "debug-get",
               "wol-get", "features-get", "privflags-get", "rings-get", "channels-get",
               "coalesce-get", "pause-get", "eee-get", "tsinfo-get", "fec-get", "stats-get",
               "module-get", "rss-get", "mm-get", "tunnel-info-get"):  # fmt: skip
        genl_dump("ethtool", op, {}, f"{op}-dump")
    genl_do(genl, "ethtool", "strset-get", {"header": {"dev-name": "v0"}}, "ethtool--strset-do")
    for op in ("dev-get", "page-pool-get", "queue-get", "napi-get", "qstats-get"):
        genl_dump("netdev", op, {}, f"{op}-dump")
    genl_do(genl, "netdev", "dev-get", {"ifindex": 1}, "netdev--dev-get-do")
    # errors with extended ACKs
    genl_do(genl, "ethtool", "linkinfo-get", {"header": {"dev-index": 9999}},
            "ack--ethtool-enodev")  # message + offset
    genl_do(loose, "ethtool", "linkinfo-get", {"header": {"dev-index": 9999}},
            "ack--ethtool-enodev-uncapped")
    bad_flags = AttrBuilder()  # ETHTOOL_A_LINKINFO_HEADER { DEV_NAME "v0", FLAGS 0xffff }
    token = bad_flags.nest_start(1)
    bad_flags.put_string(2, "v0").put_u32(3, 0xFFFF).nest_end(token)
    genl_do(genl, "ethtool", "linkinfo-get", bad_flags.bytes(),
            "ack--ethtool-policy-mask")  # policy of the bad attribute
    genl_do(loose, "ethtool", "linkinfo-get", bad_flags.bytes(),
            "ack--ethtool-policy-mask-uncapped")
    genl_do(genl, "ethtool", "linkinfo-get", {}, "ack--ethtool-missing")  # missing attribute
    genl_do(genl, "netdev", "dev-get", {}, "ack--netdev-missing")
    genl_do(genl, "netdev", "dev-get", AttrBuilder().put_u32(1, 0).bytes(),
            "ack--netdev-policy-min")
    genl_do(genl, "netdev", "dev-get", {"ifindex": 9999}, "ack--netdev-enodev")

    # netdev and nlctrl notifications
    listener = cap.socket(c.NETLINK_GENERIC)
    with cap.labelled("nlctrl--getfamily-do-netdev"):
        info = genl.run(nlctrl.getfamily(genl.engine, "netdev"))
    for group in info.groups:
        attempt(partial(listener.join, group.id))
    listener.join(nlctrl.NOTIFY_GROUP)
    with cap.labelled("netdev--changes"):
        ip(netns, "link", "add", "v6", "type", "veth", "peer", "name", "v7")
        ip(netns, "link", "set", "v6", "up")
        ip(netns, "link", "del", "v6")
        _drain(listener)


def synthetic_done_warnings(seen: dict[str, list[bytes]]) -> None:
    """NLMSG_DONE with an extended ACK warning, built on a captured DONE."""
    for label, datagrams in list(seen.items()):
        if not label.startswith("rt-link--getlink-dump"):
            continue
        last = parse_messages(datagrams[-1])[-1]
        if last.type != c.NLMSG_DONE:
            continue
        text = b"synthetic: this dump ended with a warning\0"
        tlv = struct.pack("=HH", 4 + len(text), c.NLMSGERR_ATTR_MSG) + text
        tlv += b"\0" * (-len(tlv) & 3)
        offs = struct.pack("=HHI", 8, c.NLMSGERR_ATTR_OFFS, 20)
        payload = struct.pack("=i", 0) + tlv + offs
        done = build_message(c.NLMSG_DONE, last.flags | c.NLM_F_ACK_TLVS, last.seq, last.port,
                             payload)  # fmt: skip
        seen["ack--done-warning-synthetic"] = [done]
        return


def select(seen: dict[str, list[bytes]]) -> dict[str, bytes]:
    """File name -> datagram: the first KEEP-1 datagrams of each label and its last one."""
    files: dict[str, bytes] = {}
    for label, datagrams in sorted(seen.items()):
        keep = datagrams if len(datagrams) <= KEEP else [*datagrams[: KEEP - 1], datagrams[-1]]
        for i, data in enumerate(keep):
            files[f"{label}--{i:02d}.bin"] = data
    total = sum(map(len, files.values()))
    while total > BUDGET:  # drop the biggest middle datagrams first
        name = max((n for n in files if not n.endswith("--00.bin")), key=lambda n: len(files[n]))
        total -= len(files.pop(name))
    return files


def describe(data: bytes) -> str:
    try:
        messages = parse_messages(data)
    except GenetlinkError as exc:
        return f"unparsable: {exc}"
    kinds = sorted({m.type for m in messages})
    errors = [struct.unpack_from("=i", m.data, m.payload_start)[0]
              for m in messages if m.type == c.NLMSG_ERROR and m.length >= 20]  # fmt: skip
    text = f"{len(messages)} messages, types {kinds}"
    if errors:
        text += " errno " + ",".join(errno.errorcode.get(-e, str(e)) if e else "0" for e in errors)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "seeds")
    parser.add_argument("--specs", type=Path, default=Path(os.environ.get("KERNEL_SPECS",
                                                                          DEFAULT_SPECS)))
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("capture.py needs root (it creates a network namespace)", file=sys.stderr)
        return 1
    netns = f"gnlseed-{uuid.uuid4().hex[:8]}"
    warnings.simplefilter("ignore", NetlinkWarning)  # the warnings are provoked on purpose
    try:
        build_namespace(netns)
        seen = capture(netns, args.specs)
    finally:
        subprocess.run(["ip", "netns", "del", netns], capture_output=True)
    synthetic_done_warnings(seen)
    files = select(seen)
    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("*.bin"):
        old.unlink()
    lines = [f"# captured by tests/fuzz/capture.py on Linux {platform.release()}",
             "# file  bytes  contents"]  # fmt: skip
    for name, data in sorted(files.items()):
        (args.out / name).write_bytes(data)
        lines.append(f"{name}  {len(data)}  {describe(data)}")
    (args.out / "MANIFEST.txt").write_text("\n".join(lines) + "\n")
    total = sum(map(len, files.values()))
    print(f"{len(files)} seeds, {total} bytes in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

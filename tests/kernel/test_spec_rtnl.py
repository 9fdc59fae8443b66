"""rt-link, rt-addr, rt-route (netlink-raw over NETLINK_ROUTE) against the running kernel.

The fixture rt-link.yaml has no "veth" format in linkinfo-data-msg, so the veth peer is sent
as raw `data` bytes: VETH_INFO_PEER (1) around an ifinfomsg + attributes that the rt-link
codec itself encodes. Everything else goes through the spec.

Handle dumps are streamed iterators (`list(...)` collects one); the asyncio handle gives the
same objects through `async for`.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import itertools
import json
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from genetlink import Decoded, FamilyHandle, open_family, open_family_async
from genetlink.wire import constants as c
from genetlink.wire.errors import DumpInterrupted, NetlinkError, NetlinkExistsError

pytestmark = pytest.mark.root

VETH_INFO_PEER = 1
FAMILIES = ("rt-link", "rt-addr", "rt-route")

Handle = FamilyHandle[Decoded]


def ip_json(netns: str, *args: str) -> list[dict[str, object]]:
    out = subprocess.run(["ip", "-n", netns, "-j", *args], check=True, capture_output=True,
                         text=True).stdout  # fmt: skip
    return json.loads(out) if out.strip() else []


def ip_batch(netns: str, commands: list[str]) -> None:
    subprocess.run(["ip", "-n", netns, "-batch", "-"], input="\n".join(commands) + "\n",
                   check=True, capture_output=True, text=True)  # fmt: skip


def run(body: Callable[[], Awaitable[Any]]) -> Any:
    """Run a coroutine with an overall bound, so a hang fails instead of blocking CI."""

    async def bounded() -> Any:
        return await asyncio.wait_for(body(), 60)

    return asyncio.run(bounded())


@pytest.fixture
def rtnl(kernel_specs: Path, netns: str) -> Iterator[dict[str, Handle]]:
    handles = {n: open_family(kernel_specs / f"{n}.yaml", netns=netns) for n in FAMILIES}
    try:
        yield handles
    finally:
        for handle in handles.values():
            handle.close()


def veth_data(link: Handle, peer: str) -> bytes:
    body = link.codec.encode("newlink", {"ifname": peer}, "do").body
    return (4 + len(body)).to_bytes(2, "little") + VETH_INFO_PEER.to_bytes(2, "little") + body


def network(dst: object, length: int | None, family: int) -> str:
    """A route destination as a network, from our decode (bytes for IPv6: rt-route's spec
    hints dst as ipv4 only) or from `ip -j` text."""
    if dst is None or dst == "default":
        return "default"
    if isinstance(dst, bytes):
        dst = ipaddress.ip_address(dst)
    text = str(dst)
    if length is None and "/" not in text:
        length = 32 if family == 2 else 128
    return str(ipaddress.ip_network(text if length is None else f"{text}/{length}"))


def gateway(value: object) -> str | None:
    if isinstance(value, bytes):
        value = ipaddress.ip_address(value)
    return None if value is None else str(value)


def make_veth(link: Handle, name: str, peer: str) -> int:
    data = veth_data(link, peer)
    created = link.do("newlink", {"ifname": name, "linkinfo": {"kind": "veth", "data": data}},
                      flags="create|excl")  # fmt: skip
    assert created is None  # a plain ACK
    found = [d for d in link.dump("getlink") if d["ifname"] == name]
    assert len(found) == 1
    index: int = found[0].header["ifi-index"]
    return index


def test_links_match_ip(rtnl: dict[str, Handle], netns: str) -> None:
    link = rtnl["rt-link"]
    index = make_veth(link, "gv0", "gv1")
    with pytest.raises(NetlinkExistsError):
        link.do("newlink", {"ifname": "gv0", "linkinfo": {"kind": "veth", "data": veth_data(
            link, "gv2")}}, flags=["create", "excl"])  # fmt: skip
    assert link.do("setlink", {"ifi-index": index, "ifi-flags": ["up"], "ifi-change": 1}) is None
    ours = {d["ifname"]: d for d in link.dump("getlink")}
    theirs = {str(e["ifname"]): e for e in ip_json(netns, "link")}
    assert set(ours) == set(theirs)
    for name, entry in theirs.items():
        mine = ours[name]
        assert mine.header["ifi-index"] == entry["ifindex"]
        assert mine["mtu"] == entry["mtu"]
        assert mine["txqlen"] == entry["txqlen"]
        assert mine["address"] == entry["address"]
        assert ("up" in mine.header["ifi-flags"]) == ("UP" in entry["flags"])  # type: ignore[operator]
        if "link" in entry:
            assert ours[str(entry["link"])].header["ifi-index"] == mine["link"]
    assert ours["gv0"]["linkinfo"]["kind"] == "veth"
    assert link.do("dellink", {"ifi-index": index}) is None
    assert "gv0" not in {d["ifname"] for d in link.dump("getlink")}
    assert "gv1" not in {d["ifname"] for d in link.dump("getlink")}  # the peer goes with it


def test_newlink_create_excl_then_streamed_getlink(rtnl: dict[str, Handle], netns: str) -> None:
    link = rtnl["rt-link"]
    assert link.info is None and link.id is None  # netlink-raw: nothing to resolve
    assert link.resolve() is None and link.groups["rtnlgrp-link"] == 1
    dump = link.dump("getlink")  # lazy: nothing is sent before it is iterated
    assert isinstance(dump, Iterator)
    assert link.do("newlink", {"ifname": "gc0", "linkinfo": {"kind": "ifb"}},
                   flags="create|excl") is None  # fmt: skip
    with pytest.raises(NetlinkExistsError) as again:
        link.do("newlink", {"ifname": "gc0", "linkinfo": {"kind": "ifb"}}, flags="create|excl")
    assert again.value.errno == errno.EEXIST and again.value.operation == "newlink"
    with pytest.raises(NetlinkExistsError):  # the same flags by number
        link.do("newlink", {"ifname": "gc0", "linkinfo": {"kind": "ifb"}},
                flags=c.NLM_F_CREATE | c.NLM_F_EXCL)  # fmt: skip
    seen = [d for d in dump if d["ifname"] == "gc0"]  # the link made after the call is in it
    assert len(seen) == 1
    assert seen[0].op == "getlink" and seen[0]["linkinfo"]["kind"] == "ifb"
    (entry,) = [e for e in ip_json(netns, "link") if e["ifname"] == "gc0"]
    assert seen[0].header["ifi-index"] == entry["ifindex"]
    assert list(dump) == []  # a streamed dump is read once
    names = sorted(d["ifname"] for d in link.dump("getlink"))
    assert names == sorted(str(e["ifname"]) for e in ip_json(netns, "link")) == ["gc0", "lo"]


def test_addresses_and_routes_match_ip(rtnl: dict[str, Handle], netns: str) -> None:
    index = make_veth(rtnl["rt-link"], "ga0", "ga1")
    rtnl["rt-link"].do("setlink", {"ifi-index": index, "ifi-flags": ["up"], "ifi-change": 1})
    addr, route = rtnl["rt-addr"], rtnl["rt-route"]
    addr.do(
        "newaddr",
        {
            "ifa-family": 2,
            "ifa-prefixlen": 24,
            "ifa-index": index,
            "local": "192.0.2.1",
            "address": "192.0.2.1",
        },
        flags="create|excl",
    )
    addr.do(
        "newaddr",
        {
            "ifa-family": 10,
            "ifa-prefixlen": 64,
            "ifa-index": index,
            "address": "2001:db8::1",
            "ifa-flags": ["nodad"],
        },
        flags="create|excl",
    )
    route.do(
        "newroute",
        {
            "rtm-family": 2,
            "rtm-dst-len": 24,
            "rtm-table": 254,
            "rtm-protocol": 4,
            "rtm-type": "unicast",
            "dst": "198.51.100.0",
            "gateway": "192.0.2.2",
            "oif": index,
        },
        flags="create|excl",
    )
    route.do("newroute", {"rtm-family": 10, "rtm-dst-len": 48, "rtm-table": 254,
                          "rtm-protocol": 4, "rtm-type": "unicast", "dst": "2001:db8:1::",
                          "oif": index}, flags="create|excl")  # fmt: skip

    mine = {(d.header["ifa-index"], str(d["address"]), d.header["ifa-prefixlen"])
            for d in addr.dump("getaddr")}  # fmt: skip
    theirs = {(e["ifindex"], i["local"], i["prefixlen"]) for e in ip_json(netns, "addr")
              for i in e["addr_info"]}  # type: ignore[attr-defined]  # fmt: skip
    assert mine == theirs
    assert (index, "192.0.2.1", 24) in mine and (index, "2001:db8::1", 64) in mine

    for family, flag in ((2, "-4"), (10, "-6")):
        ours = {(network(d.get("dst"), d.header["rtm-dst-len"], family), gateway(d.get("gateway")),
                 d.get("oif")) for d in route.dump("getroute", {"rtm-family": family})
                if d.header["rtm-table"] == 254}  # fmt: skip
        links = {e["ifname"]: e["ifindex"] for e in ip_json(netns, "link")}
        theirs = {(network(e["dst"], None, family), e.get("gateway"), links[e["dev"]])
                  for e in ip_json(netns, flag, "route")}  # fmt: skip
        assert ours == theirs
    gw = [d for d in route.dump("getroute", {"rtm-family": 2}) if "gateway" in d]
    assert len(gw) == 1 and str(gw[0]["gateway"]) == "192.0.2.2"
    assert gw[0]["oif"] == index and gw[0].header["rtm-protocol"] == 4

    route.do("delroute", {"rtm-family": 2, "rtm-dst-len": 24, "rtm-table": 254,
                          "dst": "198.51.100.0"})  # fmt: skip
    addr.do("deladdr", {"ifa-family": 2, "ifa-prefixlen": 24, "ifa-index": index,
                        "local": "192.0.2.1"})  # fmt: skip
    assert not [e for e in ip_json(netns, "-4", "route") if e["dst"] == "198.51.100.0/24"]
    assert "192.0.2.1" not in {str(d["address"]) for d in addr.dump("getaddr")}
    with pytest.raises(NetlinkError) as info:  # ESRCH: no such route
        route.do("delroute", {"rtm-family": 2, "rtm-dst-len": 24, "rtm-table": 254,
                              "dst": "198.51.100.0"})  # fmt: skip
    assert info.value.errno == errno.ESRCH and info.value.operation == "delroute"


def test_link_and_address_notifications(rtnl: dict[str, Handle], kernel_specs: Path,
                                        netns: str) -> None:  # fmt: skip
    with open_family(kernel_specs / "rt-link.yaml", netns=netns) as listener, \
            open_family(kernel_specs / "rt-addr.yaml", netns=netns) as addr_listener:  # fmt: skip
        assert listener.subscribe("rtnlgrp-link") == 1
        assert listener.subscriptions == {"rtnlgrp-link": 1}
        addr_listener.subscribe("rtnlgrp-ipv4-ifaddr")
        index = make_veth(rtnl["rt-link"], "gn0", "gn1")
        names = set()
        for event in listener.notifications(timeout=2):
            assert not isinstance(event, Exception)
            assert event.op in ("newlink-ntf", "getlink")
            names.add(event["ifname"])
            if {"gn0", "gn1"} <= names:
                break
        assert {"gn0", "gn1"} <= names
        # notifications have their own socket: the listener's requests are not disturbed
        assert {"gn0", "gn1"} <= {d["ifname"] for d in listener.dump("getlink")}
        rtnl["rt-addr"].do(
            "newaddr",
            {"ifa-family": 2, "ifa-prefixlen": 24, "ifa-index": index, "local": "203.0.113.9"},
            flags="create|excl",
        )
        events = [e for e in addr_listener.notifications(timeout=2)]
        assert any(not isinstance(e, Exception) and str(e["local"]) == "203.0.113.9"
                   and e.header["ifa-index"] == index for e in events)  # fmt: skip


# -- streamed dumps, both fronts --------------------------------------------------------------


def populate(netns: str, links: int, addresses: int) -> None:
    """`links` ifb links (ib0...) and `addresses` IPv4 addresses on lo (10.x.y.1/32)."""
    ip_batch(netns, [f"link add ib{i} type ifb" for i in range(links)])
    ip_batch(netns, [f"addr add 10.{i // 250}.{i % 250}.1/32 dev lo" for i in range(addresses)])


async def collect(kernel_specs: Path, netns: str, name: str, op: str,
                  attrs: dict[str, Any] | None = None) -> list[Decoded]:  # fmt: skip
    async with await open_family_async(kernel_specs / f"{name}.yaml", netns=netns) as handle:
        dump = handle.dump(op, attrs)
        assert isinstance(dump, AsyncIterator)
        return [d async for d in dump]


def test_big_dumps_are_counted_completely_on_both_fronts(kernel_specs: Path, netns: str) -> None:
    links, addresses = 2500, 3000
    populate(netns, links, addresses)
    names = {str(e["ifname"]) for e in ip_json(netns, "link")}
    assert len(names) == links + 1  # and lo
    with open_family(kernel_specs / "rt-link.yaml", netns=netns) as link, \
            open_family(kernel_specs / "rt-addr.yaml", netns=netns) as addr:  # fmt: skip
        count = 0
        seen: set[str] = set()
        for d in link.dump("getlink"):  # streamed: one object at a time
            count += 1
            seen.add(d["ifname"])
        assert count == links + 1 and seen == names
        v4 = [d for d in addr.dump("getaddr", {"ifa-family": 2})]
        assert len(v4) == addresses + 1  # and 127.0.0.1
        assert len({str(d["local"]) for d in v4}) == addresses + 1

    async def body() -> tuple[list[Decoded], list[Decoded]]:
        return (await collect(kernel_specs, netns, "rt-link", "getlink"),
                await collect(kernel_specs, netns, "rt-addr", "getaddr",
                              {"ifa-family": 2}))  # fmt: skip

    async_links, async_addrs = run(body)
    assert len(async_links) == links + 1
    assert {d["ifname"] for d in async_links} == names
    assert len(async_addrs) == addresses + 1
    assert {str(d["local"]) for d in async_addrs} == {str(d["local"]) for d in v4}


def test_sync_and_async_dumps_give_the_same_objects(rtnl: dict[str, Handle], kernel_specs: Path,
                                                    netns: str) -> None:  # fmt: skip
    index = make_veth(rtnl["rt-link"], "gs0", "gs1")
    populate(netns, 50, 60)
    rtnl["rt-addr"].do("newaddr", {"ifa-family": 10, "ifa-prefixlen": 64, "ifa-index": index,
                                   "address": "2001:db8::7", "ifa-flags": ["nodad"]},
                       flags="create|excl")  # fmt: skip
    # the kernel adds the address's local route a moment later (addrconf's work queue): the
    # first dump must not race it, or the two dumps see different tables
    deadline = time.monotonic() + 5
    while not any(r.get("dst") == "2001:db8::7"
                  for r in ip_json(netns, "-6", "route", "show", "table", "local")):  # fmt: skip
        assert time.monotonic() < deadline, "no local route for 2001:db8::7"
        time.sleep(0.01)
    wanted = [("rt-link", "getlink", None), ("rt-addr", "getaddr", None),
              ("rt-route", "getroute", {"rtm-family": 2}),
              ("rt-route", "getroute", {"rtm-family": 10})]  # fmt: skip
    blocking = [[d.to_dict() for d in rtnl[name].dump(op, attrs)] for name, op, attrs in wanted]

    async def body() -> list[list[dict[str | int, Any]]]:
        out = []
        for name, op, attrs in wanted:
            out.append([d.to_dict() for d in await collect(kernel_specs, netns, name, op, attrs)])
        return out

    streamed = run(body)
    assert [len(x) for x in blocking] == [len(x) for x in streamed]
    assert len(blocking[0]) == 53  # lo, the veth pair, 50 ifb links
    assert len(blocking[1]) == sum(len(e["addr_info"]) for e in ip_json(netns, "addr")) == 63  # type: ignore[arg-type]
    assert streamed == blocking


def test_break_out_of_a_streamed_dump_then_dump_again(kernel_specs: Path, netns: str) -> None:
    populate(netns, 1500, 0)  # many datagrams: leaving early leaves the kernel mid-dump
    names = {str(e["ifname"]) for e in ip_json(netns, "link")}
    with open_family(kernel_specs / "rt-link.yaml", netns=netns) as link:
        for _ in range(3):
            for d in link.dump("getlink"):
                assert d["ifname"] in names
                break
            lo = link.do("getlink", {"ifname": "lo"})  # a request right after, mid-dump
            assert lo is not None and lo.header["ifi-index"] == 1
        assert len(list(itertools.islice(link.dump("getlink"), 700))) == 700
        left = link.dump("getlink")
        next(left)
        left.close()
        assert {d["ifname"] for d in link.dump("getlink")} == names
        assert link.do("newlink", {"ifname": "gb0", "linkinfo": {"kind": "ifb"}},
                       flags="create|excl") is None  # fmt: skip
        assert {d["ifname"] for d in link.dump("getlink")} == names | {"gb0"}

    async def body() -> set[str]:
        async with await open_family_async(kernel_specs / "rt-link.yaml", netns=netns) as link:
            for _ in range(3):
                async for d in link.dump("getlink"):
                    assert d["ifname"] in names | {"gb0"}
                    break
                lo = await link.do("getlink", {"ifname": "lo"})
                assert lo is not None and lo.header["ifi-index"] == 1
            left = link.dump("getlink")
            await anext(left)
            await left.aclose()  # type: ignore[attr-defined]
            await link.do("setlink", {"ifname": "gb0", "ifi-flags": ["up"], "ifi-change": 1})
            return {d["ifname"] async for d in link.dump("getlink")}

    assert run(body) == names | {"gb0"}


def mid_dump_change_sync(spec: Path, netns: str) -> tuple[DumpInterrupted, int, set[str]]:
    with open_family(spec, netns=netns) as link:
        dump = link.dump("getlink")
        delivered = [next(dump)]
        link.do("newlink", {"ifname": "gi0", "linkinfo": {"kind": "ifb"}}, flags="create|excl")
        with pytest.raises(DumpInterrupted) as info:
            delivered.extend(dump)
        return info.value, len(delivered), {d["ifname"] for d in link.dump("getlink")}


def mid_dump_change_async(spec: Path, netns: str) -> tuple[DumpInterrupted, int, set[str]]:
    async def body() -> tuple[DumpInterrupted, int, set[str]]:
        async with await open_family_async(spec, netns=netns) as link:
            dump = link.dump("getlink")
            delivered = [await anext(dump)]
            await link.do("newlink", {"ifname": "gi0", "linkinfo": {"kind": "ifb"}},
                          flags="create|excl")  # fmt: skip
            with pytest.raises(DumpInterrupted) as info:
                async for d in dump:  # appended one by one: what came before the end is kept
                    delivered.append(d)
            return info.value, len(delivered), {d["ifname"] async for d in link.dump("getlink")}

    result: tuple[DumpInterrupted, int, set[str]] = run(body)
    return result


@pytest.mark.parametrize("front", [
    pytest.param(mid_dump_change_sync, id="sync"),
    pytest.param(mid_dump_change_async, id="async"),
])  # fmt: skip
def test_streamed_dump_changed_under_its_reader_is_not_retried(
    kernel_specs: Path, netns: str,
    front: Callable[[Path, str], tuple[DumpInterrupted, int, set[str]]],
) -> None:  # fmt: skip
    """A streamed dump reads as it is consumed: a link added after the first of some 2500
    objects was handed out makes the kernel flag NLM_F_DUMP_INTR. The handle reads the dump to
    its end, then raises DumpInterrupted(streamed=True); it does not repeat the dump."""
    populate(netns, 2500, 0)  # ~120 datagrams: far more than one read takes at once
    err, delivered, again = front(kernel_specs / "rt-link.yaml", netns)
    assert err.streamed and err.partial == []
    assert delivered >= 2501  # read to its end (with or without the new link), once
    assert again == {str(e["ifname"]) for e in ip_json(netns, "link")}
    assert len(again) == 2502 and "gi0" in again


class Churn:
    """Adds links in a thread (`ip link add`) until stopped: dumps meanwhile are interrupted."""

    def __init__(self, netns: str, prefix: str) -> None:
        self.netns, self.prefix = netns, prefix
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        for i in itertools.count():
            if self.stop.is_set():
                return
            subprocess.run(["ip", "-n", self.netns, "link", "add", f"{self.prefix}{i}", "type",
                            "ifb"], check=True, capture_output=True)  # fmt: skip

    def __enter__(self) -> Churn:
        self.thread.start()
        time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def test_dumps_under_concurrent_changes_raise_on_both_fronts(kernel_specs: Path,
                                                             netns: str) -> None:  # fmt: skip
    """No DUMP_INTR retry at the handle level, on either front: a dump that the kernel flags
    raises DumpInterrupted(streamed=True) once read to its end; the next dump, with the table
    quiet again, is complete."""
    populate(netns, 2500, 0)
    spec = kernel_specs / "rt-link.yaml"
    with open_family(spec, netns=netns) as link:
        blocking: list[tuple[int, DumpInterrupted | None]] = []
        for attempt in range(10):
            with Churn(netns, f"cs{attempt}-"):
                got = 0
                try:
                    for _ in link.dump("getlink"):
                        got += 1
                except DumpInterrupted as exc:
                    blocking.append((got, exc))
                    break
                blocking.append((got, None))
        quiet = {d["ifname"] for d in link.dump("getlink")}
    assert quiet == {str(e["ifname"]) for e in ip_json(netns, "link")}

    async def body() -> tuple[list[tuple[int, DumpInterrupted | None]], set[str]]:
        seen: list[tuple[int, DumpInterrupted | None]] = []
        async with await open_family_async(spec, netns=netns) as link:
            for attempt in range(10):
                with Churn(netns, f"ca{attempt}-"):
                    got = 0
                    try:
                        async for _ in link.dump("getlink"):
                            got += 1
                    except DumpInterrupted as exc:
                        seen.append((got, exc))
                        break
                    seen.append((got, None))
            return seen, {d["ifname"] async for d in link.dump("getlink")}

    asynchronous, quiet_async = run(body)
    assert quiet_async == {str(e["ifname"]) for e in ip_json(netns, "link")}
    for outcomes in (blocking, asynchronous):
        got, err = outcomes[-1]
        assert err is not None, outcomes  # some dump under churn was flagged
        assert err.streamed and err.partial == []
        assert got >= 2501  # it was read to its end before raising


def test_ext_ack_names_the_attribute_on_both_fronts(rtnl: dict[str, Handle], kernel_specs: Path,
                                                    netns: str) -> None:  # fmt: skip
    bad = {"ifname": "x" * 20}  # longer than IFNAMSIZ: the kernel's policy points at it

    def details(err: NetlinkError) -> tuple[Any, ...]:
        return (type(err), err.errno, err.operation, err.attr_path, err.missing_path,
                err.message, str(err))  # fmt: skip

    with pytest.raises(NetlinkError) as blocking:
        rtnl["rt-link"].do("getlink", bad)
    assert blocking.value.operation == "getlink"
    assert blocking.value.attr_path == ".ifname"
    assert ".ifname" in str(blocking.value)

    async def body() -> NetlinkError:
        async with await open_family_async(kernel_specs / "rt-link.yaml", netns=netns) as link:
            with pytest.raises(NetlinkError) as info:
                await link.do("getlink", bad)
            return info.value

    assert details(run(body)) == details(blocking.value)

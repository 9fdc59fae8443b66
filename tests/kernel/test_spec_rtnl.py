"""rt-link, rt-addr, rt-route (netlink-raw over NETLINK_ROUTE) against the running kernel.

The fixture rt-link.yaml has no "veth" format in linkinfo-data-msg, so the veth peer is sent
as raw `data` bytes: VETH_INFO_PEER (1) around an ifinfomsg + attributes that the rt-link
codec itself encodes. Everything else goes through the spec.
"""

from __future__ import annotations

import errno
import ipaddress
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from genetlink.family import FamilyClient, open_family
from genetlink.wire.errors import NetlinkError, NetlinkExistsError

pytestmark = pytest.mark.root

VETH_INFO_PEER = 1


def ip_json(netns: str, *args: str) -> list[dict[str, object]]:
    out = subprocess.run(["ip", "-n", netns, "-j", *args], check=True, capture_output=True,
                         text=True).stdout  # fmt: skip
    return json.loads(out) if out.strip() else []


@pytest.fixture
def rtnl(kernel_specs: Path, netns: str) -> Iterator[dict[str, FamilyClient]]:
    clients = {n: open_family(kernel_specs / f"{n}.yaml", netns=netns)
               for n in ("rt-link", "rt-addr", "rt-route")}  # fmt: skip
    try:
        yield clients
    finally:
        for client in clients.values():
            client.close()


def veth_data(link: FamilyClient, peer: str) -> bytes:
    body = link.codec.encode("newlink", {"ifname": peer})[1]
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


def make_veth(link: FamilyClient, name: str, peer: str) -> int:
    data = veth_data(link, peer)
    link.do("newlink", {"ifname": name, "linkinfo": {"kind": "veth", "data": data}},
            flags="create|excl")  # fmt: skip
    found = [d for d in link.dump("getlink") if d["ifname"] == name]
    assert len(found) == 1
    index: int = found[0].header["ifi-index"]
    return index


def test_links_match_ip(rtnl: dict[str, FamilyClient], netns: str) -> None:
    link = rtnl["rt-link"]
    index = make_veth(link, "gv0", "gv1")
    with pytest.raises(NetlinkExistsError):
        link.do("newlink", {"ifname": "gv0", "linkinfo": {"kind": "veth", "data": veth_data(
            link, "gv2")}}, flags=["create", "excl"])  # fmt: skip
    link.do("setlink", {"ifi-index": index, "ifi-flags": ["up"], "ifi-change": 1})
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
    link.do("dellink", {"ifi-index": index})
    assert "gv0" not in {d["ifname"] for d in link.dump("getlink")}
    assert "gv1" not in {d["ifname"] for d in link.dump("getlink")}  # the peer goes with it


def test_addresses_and_routes_match_ip(rtnl: dict[str, FamilyClient], netns: str) -> None:
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


def test_link_and_address_notifications(rtnl: dict[str, FamilyClient], kernel_specs: Path,
                                        netns: str) -> None:  # fmt: skip
    with open_family(kernel_specs / "rt-link.yaml", netns=netns) as listener, \
            open_family(kernel_specs / "rt-addr.yaml", netns=netns) as addr_listener:  # fmt: skip
        assert listener.subscribe("rtnlgrp-link") == 1
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
        rtnl["rt-addr"].do(
            "newaddr",
            {"ifa-family": 2, "ifa-prefixlen": 24, "ifa-index": index, "local": "203.0.113.9"},
            flags="create|excl",
        )
        events = [e for e in addr_listener.notifications(timeout=2)]
        assert any(not isinstance(e, Exception) and str(e["local"]) == "203.0.113.9"
                   and e.header["ifa-index"] == index for e in events)  # fmt: skip

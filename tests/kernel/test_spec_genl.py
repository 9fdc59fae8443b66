"""netdev, ethtool and nlctrl through their kernel YAML specs, on veths in a test namespace."""

from __future__ import annotations

import errno
import itertools
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from genetlink import FamilyHandle, NetlinkSocket, open_family
from genetlink.genl import nlctrl
from genetlink.wire import constants as c
from genetlink.wire.errors import GenetlinkError, NetlinkError

pytestmark = pytest.mark.root


def ip(netns: str, *args: str) -> str:
    return subprocess.run(["ip", "-n", netns, *args], check=True, capture_output=True,
                          text=True).stdout  # fmt: skip


def add_veth(netns: str, name: str = "sv0", peer: str = "sv1") -> None:
    ip(netns, "link", "add", name, "type", "veth", "peer", "name", peer)
    ip(netns, "link", "set", name, "up")


def link_indexes(netns: str) -> list[int]:
    return sorted(e["ifindex"] for e in json.loads(ip(netns, "-j", "link")))


# -- netdev -------------------------------------------------------------------------------


def test_netdev_dump_matches_ip(kernel_specs: Path, netns: str) -> None:
    add_veth(netns)
    with open_family(kernel_specs / "netdev.yaml", netns=netns) as netdev:
        mine = sorted(d["ifindex"] for d in netdev.dump("dev-get"))
        assert all(d.op == "dev-get" for d in list(netdev.dump("dev-get")))
    assert mine == link_indexes(netns)


def test_netdev_dump_is_streamed_and_lazy(kernel_specs: Path, netns: str) -> None:
    """A handle dump is an iterator; nothing is sent until it is iterated, so a device added
    between the call and the first next() is in it."""
    with open_family(kernel_specs / "netdev.yaml", netns=netns) as netdev:
        dump = netdev.dump("dev-get")
        assert isinstance(dump, Iterator)
        assert not isinstance(dump, list | tuple)
        add_veth(netns)
        mine = sorted(d["ifindex"] for d in dump)
        assert list(dump) == []  # consumed: a dump is read once
    assert mine == link_indexes(netns) and len(mine) == 3


def test_netdev_break_out_of_a_dump_then_dump_again(kernel_specs: Path, netns: str) -> None:
    for i in range(4):
        add_veth(netns, f"bv{i}", f"bp{i}")
    expected = link_indexes(netns)
    with open_family(kernel_specs / "netdev.yaml", netns=netns) as netdev:
        for _ in range(3):  # leave the dump after its first object, several times over
            for dev in netdev.dump("dev-get"):
                assert dev["ifindex"] in expected
                break
        first_two = list(itertools.islice(netdev.dump("dev-get"), 2))
        assert len(first_two) == 2
        assert sorted(d["ifindex"] for d in netdev.dump("dev-get")) == expected
        assert netdev.do("dev-get", {"ifindex": 1})["ifindex"] == 1  # type: ignore[index]
        abandoned = netdev.dump("dev-get")
        next(abandoned)
        abandoned.close()  # closed explicitly, mid-dump
        assert sorted(d["ifindex"] for d in netdev.dump("dev-get")) == expected


def test_netdev_do_returns_one_reply_do_all_every_one(kernel_specs: Path, netns: str) -> None:
    with open_family(kernel_specs / "netdev.yaml", netns=netns) as netdev:
        one = netdev.do("dev-get", {"ifindex": 1})
        assert one is not None and one.op == "dev-get" and one["ifindex"] == 1
        every = netdev.do_all("dev-get", {"ifindex": 1})
        assert len(every) == 1 and every.warnings == []
        assert every[0].to_dict() == one.to_dict()


def test_netdev_mgmt_notification(kernel_specs: Path, netns: str) -> None:
    with open_family(kernel_specs / "netdev.yaml", netns=netns) as netdev:
        with pytest.raises(GenetlinkError, match="subscribe"):
            netdev.notifications(timeout=0)
        assert netdev.subscribe("mgmt") == netdev.groups["mgmt"]
        assert netdev.subscriptions == {"mgmt": netdev.groups["mgmt"]}
        add_veth(netns, "nv0", "nv1")
        indexes = {e["ifindex"] for e in json.loads(ip(netns, "-j", "link"))
                   if e["ifname"] in ("nv0", "nv1")}  # fmt: skip
        # the request socket still answers while notifications queue on their own socket
        assert sorted(d["ifindex"] for d in netdev.dump("dev-get")) == link_indexes(netns)
        seen = set()
        for event in netdev.notifications(timeout=2):
            assert not isinstance(event, Exception)
            if event.op == "dev-add-ntf":
                seen.add(event["ifindex"])
            if indexes <= seen:
                break
        assert indexes <= seen


@pytest.mark.parametrize("op", ["page-pool-get", "qstats-get", "queue-get", "napi-get"])
def test_netdev_optional_dumps(kernel_specs: Path, netns: str, op: str) -> None:
    add_veth(netns)
    with open_family(kernel_specs / "netdev.yaml", netns=netns) as netdev:
        try:
            replies = list(netdev.dump(op))  # errors come while iterating
        except NetlinkError as exc:
            if exc.errno in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENODATA):
                pytest.skip(f"{op}: the kernel answers {exc}")
            raise
        if not replies:
            pytest.skip(f"{op}: nothing to report on veths here")
        for reply in replies:
            assert reply.op == op and reply.to_dict()


def test_netdev_ext_ack_names_attributes(kernel_specs: Path, netns: str) -> None:
    with open_family(kernel_specs / "netdev.yaml", netns=netns) as netdev:
        with pytest.raises(NetlinkError) as bad:
            netdev.do("dev-get", {1: b"\x00\x00"})  # ifindex by number, 2 bytes instead of 4
        assert bad.value.operation == "dev-get"
        assert bad.value.attr_path == ".ifindex"
        with pytest.raises(NetlinkError) as missing:
            netdev.do("dev-get", {})
        assert missing.value.missing_path == ".ifindex"


# -- ethtool ------------------------------------------------------------------------------


@pytest.mark.parametrize("op", ["strset-get", "linkinfo-get", "linkmodes-get", "features-get",
                                "channels-get"])  # fmt: skip
def test_ethtool_dumps_on_veth(kernel_specs: Path, netns: str, op: str) -> None:
    add_veth(netns)
    with open_family(kernel_specs / "ethtool.yaml", netns=netns) as ethtool:
        replies = list(ethtool.dump(op, {"header": {}}))
    assert replies
    if op != "strset-get":
        names = {r["header"]["dev-name"] for r in replies}
        assert {"sv0", "sv1"} <= names
    for reply in replies:
        assert reply.op == op
        json.dumps(reply.to_dict(), default=str)


def active_features(ethtool: FamilyHandle[object], dev: str) -> set[str]:
    reply = ethtool.do("features-get", {"header": {"dev-name": dev}})
    return {b["name"] for b in reply["active"]["bits"]["bit"]}  # type: ignore[index]


def test_ethtool_features_set_and_read_back(kernel_specs: Path, netns: str) -> None:
    add_veth(netns)
    feature = "tx-checksum-ip-generic"
    with open_family(kernel_specs / "ethtool.yaml", netns=netns) as ethtool:
        assert feature in active_features(ethtool, "sv0")
        off = {"bit": [{"name": feature}]}  # listed without "value": turn it off
        ethtool.do("features-set", {"header": {"dev-name": "sv0"}, "wanted": {"bits": off}})
        assert feature not in active_features(ethtool, "sv0")
        on = {"bit": [{"name": feature, "value": True}]}
        ethtool.do("features-set", {"header": {"dev-name": "sv0"}, "wanted": {"bits": on}})
        assert feature in active_features(ethtool, "sv0")


def test_ethtool_channels_set_and_read_back(kernel_specs: Path, netns: str) -> None:
    add_veth(netns)
    with open_family(kernel_specs / "ethtool.yaml", netns=netns) as ethtool:
        before = ethtool.do("channels-get", {"header": {"dev-name": "sv0"}})
        assert before is not None
        if before.get("rx-max", 1) < 2:
            pytest.skip("veth here offers a single channel")
        try:
            ethtool.do("channels-set", {"header": {"dev-name": "sv0"}, "rx-count": 2})
        except NetlinkError as exc:
            pytest.skip(f"veth refuses channels-set here: {exc}")
        after = ethtool.do("channels-get", {"header": {"dev-name": "sv0"}})
        assert after is not None and after["rx-count"] == 2


def test_ethtool_ext_ack_header_path(kernel_specs: Path, netns: str) -> None:
    with open_family(kernel_specs / "ethtool.yaml", netns=netns) as ethtool:
        with pytest.raises(NetlinkError) as by_index:
            ethtool.do("linkinfo-get", {"header": {"dev-index": 99999}})
        assert by_index.value.attr_path == ".header.dev-index"
        assert by_index.value.operation == "linkinfo-get"
        assert ".header.dev-index" in str(by_index.value)
        with pytest.raises(NetlinkError) as by_name:
            ethtool.do("linkinfo-get", {"header": {"dev-name": "nosuchdev"}})
        assert by_name.value.attr_path == ".header.dev-name"


def test_ethtool_dump_error_raises_while_iterating(kernel_specs: Path, netns: str) -> None:
    """A dump that the kernel refuses raises from iterating, named like a do() error."""
    add_veth(netns)
    with open_family(kernel_specs / "ethtool.yaml", netns=netns) as ethtool:
        dump = ethtool.dump("linkinfo-get", {"header": {"dev-index": 99999}})
        with pytest.raises(NetlinkError) as info:
            list(dump)
        assert info.value.errno == errno.ENODEV
        assert info.value.operation == "linkinfo-get"
        assert info.value.attr_path == ".header.dev-index"
        names = {r["header"]["dev-name"] for r in ethtool.dump("linkinfo-get", {"header": {}})}
        assert {"sv0", "sv1"} <= names  # the handle goes on


# -- nlctrl -------------------------------------------------------------------------------


def test_nlctrl_spec_matches_builtin(kernel_specs: Path, netns: str) -> None:
    with open_family(kernel_specs / "nlctrl.yaml", netns=netns) as ctrl:
        from_spec = {d["family-name"]: d.to_dict() for d in ctrl.dump("getfamily")}
    with NetlinkSocket(c.NETLINK_GENERIC, netns=netns) as sock:
        builtin = {f.name: f for f in sock.run(nlctrl.families(sock.engine))}
        policy = sock.run(nlctrl.getpolicy(sock.engine, "nlctrl"))
    assert set(from_spec) == set(builtin)
    for name, info in builtin.items():
        mine = from_spec[name]
        assert mine["family-id"] == info.id
        assert mine.get("version") == info.version
        ops = {(o["id"], len(o.get("flags", []))) for o in mine.get("ops", [])}
        assert ops == {(o.id, len(o.flag_names)) for o in info.ops}, name
        groups = {(g["name"], g["id"]) for g in mine.get("mcast-groups", [])}
        assert groups == {(g.name, g.id) for g in info.groups}, name

    with open_family(kernel_specs / "nlctrl.yaml", netns=netns) as ctrl:
        replies = list(ctrl.dump("getpolicy", {"family-name": "nlctrl"}))
    seen: dict[int, set[int]] = {}
    for reply in replies:
        d = reply.to_dict()
        assert d["family-id"] == c.GENL_ID_CTRL
        for index, attrs in d.get("policy", {}).items():
            seen.setdefault(int(index), set()).update(int(a) for a in attrs)
    expected = {index: set(attrs) for index, attrs in policy.sets.items()}
    assert seen == expected

"""netdev through the client: mgmt notifications and dev-get dumps inside a test namespace."""

from __future__ import annotations

import json
import logging
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import ip

from genetlink import FamilyHandle, GenlClient, GroupNotFound, open_family
from genetlink.loader.declare import declare_family
from genetlink.wire import constants as c
from genetlink.wire.errors import EncodeError, GenetlinkError, NetlinkError, Overrun

pytestmark = pytest.mark.root

# From the kernel's include/uapi/linux/netdev.h (enum netdev_a_dev, NETDEV_CMD_*).
NETDEV = declare_family(
    "netdev",
    attributes={
        "ifindex": (1, "u32"),
        "pad": (2, "pad"),
        "xdp-features": (3, "u64"),
        "xdp-zc-max-segs": (4, "u32"),
        "xdp-rx-metadata-features": (5, "u64"),
        "xsk-features": (6, "u64"),
    },
    operations={
        "dev-get": {
            "value": 1,
            "do": {
                "request": {"attributes": ["ifindex"]},
                "reply": {"attributes": ["ifindex", "xdp-features", "xdp-zc-max-segs"]},
            },
            "dump": {"reply": {"attributes": ["ifindex", "xdp-features", "xdp-zc-max-segs"]}},
        },
        "dev-add-ntf": {"value": 2, "notify": "dev-get", "mcgrp": "mgmt"},
        "dev-del-ntf": {"value": 3, "notify": "dev-get", "mcgrp": "mgmt"},
        "dev-change-ntf": {"value": 4, "notify": "dev-get", "mcgrp": "mgmt"},
    },
    mcast_groups=["mgmt", "page-pool"],
)


def ifindexes(netns: str) -> set[int]:
    return {link["ifindex"] for link in json.loads(ip("-j", "link", "show", netns=netns))}


def add_veth_pairs(netns: str, count: int, prefix: str = "v") -> None:
    """`count` veth pairs in one `ip -batch` run (thousands of devices in about a second)."""
    lines = "".join(f"link add {prefix}{i} type veth peer name {prefix}p{i}\n"
                    for i in range(count))  # fmt: skip
    done = subprocess.run(["ip", "-n", netns, "-batch", "-"], input=lines, text=True,
                          capture_output=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_mgmt_notifications_for_a_new_veth_pair(netns):
    with GenlClient(netns=netns) as client:
        netdev = client.family("netdev", NETDEV)
        assert netdev.info is not None
        assert netdev.subscribe("mgmt") == netdev.info.group("mgmt").id
        assert netdev.subscriptions == {"mgmt": netdev.groups["mgmt"]}
        ip("link", "add", "gnl-a", "type", "veth", "peer", "name", "gnl-b", netns=netns)
        expected = ifindexes(netns) - {1}
        added: set[int] = set()
        for event in netdev.notifications(timeout=5):
            assert not isinstance(event, Overrun)
            if event.op == "dev-add-ntf":
                added.add(event["ifindex"])
            if added >= expected:
                break
        assert added == expected
        netdev.unsubscribe("mgmt")
        assert netdev.subscriptions == {}


def test_dev_get_dump_matches_ip_link(netns):
    ip("link", "add", "gnl-a", "type", "veth", "peer", "name", "gnl-b", netns=netns)
    with GenlClient(netns=netns) as client:
        netdev = client.family("netdev", NETDEV)
        devices = list(netdev.dump("dev-get"))  # a streamed dump is read once: keep it
        assert {dev["ifindex"] for dev in devices} == ifindexes(netns)
        assert all(dev.op == "dev-get" for dev in devices)
        one = netdev.do("dev-get", {"ifindex": 1})
        assert one is not None
        assert one["ifindex"] == 1 and one["xdp-features"] >= 0


def test_dump_is_a_lazy_stream(netns):
    """dump() returns an iterator and sends nothing until it is iterated: a device added in
    between is in it."""
    with GenlClient(netns=netns) as client:
        netdev = client.family("netdev", NETDEV)
        dump = netdev.dump("dev-get")
        assert isinstance(dump, Iterator) and not isinstance(dump, list | tuple)
        ip("link", "add", "gnl-a", "type", "veth", "peer", "name", "gnl-b", netns=netns)
        seen = sorted(dev["ifindex"] for dev in dump)
        assert list(dump) == []  # consumed
    assert seen == sorted(ifindexes(netns)) and len(seen) == 3


def test_a_dump_of_thousands_of_devices_counts_them_all(netns):
    """Thousands of objects over many datagrams, streamed through a handle: every one comes,
    once, with and without a codec."""
    add_veth_pairs(netns, 1500)
    expected = ifindexes(netns)
    assert len(expected) == 3001
    with GenlClient(netns=netns, timeout=30) as client:
        netdev = client.family("netdev", NETDEV)
        count = 0
        seen: set[int] = set()
        for dev in netdev.dump("dev-get"):
            count += 1
            seen.add(dev["ifindex"])
        assert count == len(expected) and seen == expected
        raw = client.family("netdev")
        numbers = [msg.attrs.u32(1) for msg in raw.dump(1)]
        assert len(numbers) == len(expected) and set(numbers) == expected
        # the request socket is usable right after, for a do and another whole dump
        assert netdev.do("dev-get", {"ifindex": 1}) is not None
        assert sum(1 for _ in netdev.dump("dev-get")) == len(expected)


def test_raw_attributes_without_a_codec(netns):
    with GenlClient(netns=netns) as client:
        netdev = client.family("netdev")
        (lo,) = netdev.dump(1)  # NETDEV_CMD_DEV_GET: only lo in a fresh namespace
        assert lo.cmd == 1 and lo.attrs.u32(1) == 1
        again = netdev.do(1, b"\x08\x00\x01\x00\x01\x00\x00\x00")  # ifindex = 1
        assert again is not None
        assert again.attrs.u32(1) == 1


def test_notifications_need_a_subscription(netns):
    with GenlClient(netns=netns) as client:
        netdev = client.family("netdev", NETDEV)
        with pytest.raises(GenetlinkError, match=r"^family netdev: subscribe\(\) to a group "
                                                 "first$"):  # fmt: skip
            next(iter(netdev.notifications(timeout=0.1)))
        netdev.subscribe("mgmt")
        assert list(netdev.notifications(timeout=0.2)) == []


def notifications_on_their_own_socket(netdev: FamilyHandle[Any], netns: str) -> None:
    """Subscribed, the handle's request socket joins nothing, requests run while events
    queue, and the events come all the same."""
    group = netdev.subscribe("mgmt")
    assert group == netdev.groups["mgmt"]
    assert group not in netdev.sock.memberships()  # requests go over a socket of their own
    assert netdev.sock.memberships() == []
    ip("link", "add", "gnl-a", "type", "veth", "peer", "name", "gnl-b", netns=netns)
    expected = ifindexes(netns) - {1}
    # requests while the events wait on the notification socket: neither disturbs the other
    assert {dev["ifindex"] for dev in netdev.dump("dev-get")} == expected | {1}
    for index in expected:
        assert netdev.do("dev-get", {"ifindex": index})["ifindex"] == index
    added: set[int] = set()
    for event in netdev.notifications(timeout=5):
        assert not isinstance(event, Overrun)
        assert event.op in ("dev-add-ntf", "dev-change-ntf")
        if event.op == "dev-add-ntf":
            added.add(event["ifindex"])
        if added >= expected:
            break
    assert added == expected


def test_notifications_come_on_a_separate_socket_genl_client(netns):
    with GenlClient(netns=netns) as client:
        notifications_on_their_own_socket(client.family("netdev", NETDEV), netns)
        assert client.sock.memberships() == []  # nor does the client's request socket


def test_notifications_come_on_a_separate_socket_open_family(netns):
    with open_family(NETDEV, netns=netns) as netdev:
        notifications_on_their_own_socket(netdev, netns)


def test_unknown_group_is_group_not_found(netns):
    with GenlClient(netns=netns) as client:
        for netdev in (client.family("netdev", NETDEV), client.family("netdev")):
            with pytest.raises(GroupNotFound, match="no multicast group 'nope'") as info:
                netdev.subscribe("nope")
            assert isinstance(info.value, GenetlinkError) and isinstance(info.value, LookupError)
            assert netdev.subscriptions == {}
            with pytest.raises(GroupNotFound):
                netdev.unsubscribe("nope")
    with open_family(NETDEV, netns=netns) as netdev, \
            pytest.raises(GroupNotFound, match="no multicast group 'nope'"):  # fmt: skip
        netdev.subscribe("nope")


def sent_flags(caplog: pytest.LogCaptureFixture, family_id: int) -> list[int]:
    """nlmsg_flags of every request the trace logged as sent to the family."""
    out = []
    for record in caplog.records:
        words = record.getMessage().split()
        if words[0] == "send" and words[words.index("type") + 1] == str(family_id):
            out.append(int(words[words.index("flags") + 1], 16))
    return out


def test_request_flags_by_name_reach_the_kernel(netns, caplog):
    """flags= by name, by list and by number on GenlClient handles, with and without a codec:
    the kernel sees them (netdev refuses NLM_F_CREATE/NLM_F_EXCL on a get: "ambiguous or
    reserved bits"), nlctrl ignores them; an unknown name is refused before sending."""
    base = c.NLM_F_REQUEST | c.NLM_F_ACK
    with GenlClient(netns=netns, trace=True) as client, \
            caplog.at_level(logging.DEBUG, logger="genetlink.trace"):  # fmt: skip
        netdev = client.family("netdev", NETDEV)
        assert netdev.id is not None
        for flags in ("create", ["create"], c.NLM_F_CREATE, "NLM_F_CREATE"):
            caplog.clear()
            with pytest.raises(NetlinkError) as info:
                netdev.do("dev-get", {"ifindex": 1}, flags=flags)
            assert "nlmsg_flags" in (info.value.message or ""), info.value
            assert sent_flags(caplog, netdev.id) == [base | c.NLM_F_CREATE], flags
        raw = client.family("netdev")
        caplog.clear()
        with pytest.raises(NetlinkError):
            raw.do(1, b"\x08\x00\x01\x00\x01\x00\x00\x00", flags="create|excl")
        assert sent_flags(caplog, netdev.id) == [base | c.NLM_F_CREATE | c.NLM_F_EXCL]
        caplog.clear()
        with pytest.raises(EncodeError, match="unknown request flag 'bogus'"):
            netdev.do("dev-get", {"ifindex": 1}, flags="bogus")
        assert sent_flags(caplog, netdev.id) == []
        nlctrl = client.family("nlctrl")
        caplog.clear()
        name = b"\x0b\x00\x02\x00netdev\x00\x00"  # CTRL_ATTR_FAMILY_NAME "netdev"
        reply = nlctrl.do(c.CTRL_CMD_GETFAMILY, name, flags="create")
        assert reply is not None and reply.attrs.u16(c.CTRL_ATTR_FAMILY_ID) == netdev.id
        assert sent_flags(caplog, c.GENL_ID_CTRL) == [base | c.NLM_F_CREATE]

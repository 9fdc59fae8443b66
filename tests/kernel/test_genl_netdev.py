"""netdev through the client: mgmt notifications and dev-get dumps inside a test namespace."""

from __future__ import annotations

import json

import pytest
from conftest import ip

from genetlink.genl import GenlClient
from genetlink.loader.declare import declare_family
from genetlink.wire.errors import Overrun

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


def test_mgmt_notifications_for_a_new_veth_pair(netns):
    with GenlClient(netns=netns) as client:
        netdev = client.family("netdev", NETDEV)
        assert netdev.subscribe("mgmt") == netdev.info.group("mgmt").id
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


def test_dev_get_dump_matches_ip_link(netns):
    ip("link", "add", "gnl-a", "type", "veth", "peer", "name", "gnl-b", netns=netns)
    with GenlClient(netns=netns) as client:
        netdev = client.family("netdev", NETDEV)
        devices = netdev.dump("dev-get")
        assert {dev["ifindex"] for dev in devices} == ifindexes(netns)
        assert all(dev.op == "dev-get" for dev in devices)
        one = netdev.do("dev-get", {"ifindex": 1})
        assert one["ifindex"] == 1 and one["xdp-features"] >= 0


def test_raw_attributes_without_a_codec(netns):
    with GenlClient(netns=netns) as client:
        netdev = client.family("netdev")
        (lo,) = netdev.dump(1)  # NETDEV_CMD_DEV_GET: only lo in a fresh namespace
        assert lo.cmd == 1 and lo.attrs.u32(1) == 1
        again = netdev.do(1, b"\x08\x00\x01\x00\x01\x00\x00\x00")  # ifindex = 1
        assert again.attrs.u32(1) == 1


def test_notifications_need_a_subscription(netns):
    from genetlink.wire.errors import GenetlinkError

    with GenlClient(netns=netns) as client:
        netdev = client.family("netdev", NETDEV)
        with pytest.raises(GenetlinkError, match="subscribe"):
            next(iter(netdev.notifications(timeout=0.1)))
        netdev.subscribe("mgmt")
        assert list(netdev.notifications(timeout=0.2)) == []

"""Real families of the running kernel, decoded with tables declared from the uapi headers:
ethtool, TASKSTATS, thermal, tcp_metrics."""

from __future__ import annotations

import os
import struct
import warnings

import pytest
from conftest import ip

from genetlink import FamilyNotFound, GenlClient, NetlinkWarning
from genetlink.loader.declare import declare_family

pytestmark = pytest.mark.root

# /usr/include/linux/ethtool_netlink.h: ETHTOOL_MSG_LINKINFO_GET = 2 (its reply is 2 too),
# ETHTOOL_MSG_CHANNELS_SET = 18 (answered by an ACK alone), ETHTOOL_A_HEADER_*,
# ETHTOOL_A_LINKINFO_*, ETHTOOL_A_CHANNELS_*.
ETHTOOL = declare_family(
    "ethtool",
    attribute_sets={
        "header": {"dev-index": (1, "u32"), "dev-name": (2, "string"), "flags": (3, "u32")},
        "linkinfo": {
            "header": (1, "nest", {"nested-attributes": "header"}),
            "port": (2, "u8"),
            "phyaddr": (3, "u8"),
            "tp-mdix": (4, "u8"),
            "tp-mdix-ctrl": (5, "u8"),
            "transceiver": (6, "u8"),
        },
        "channels": {
            "header": (1, "nest", {"nested-attributes": "header"}),
            "rx-count": (6, "u32"),
            "tx-count": (7, "u32"),
            "combined-count": (9, "u32"),
        },
    },
    operations={
        "linkinfo-get": {
            "value": 2,
            "attribute-set": "linkinfo",
            "do": {
                "request": {"attributes": ["header"]},
                "reply": {"attributes": ["header", "port", "phyaddr", "transceiver"]},
            },
            "dump": {
                "request": {"attributes": ["header"]},
                "reply": {"attributes": ["header", "port", "phyaddr", "transceiver"]},
            },
        },
        "channels-set": {
            "value": 18,
            "attribute-set": "channels",
            "do": {
                "request": {"attributes": ["header", "rx-count", "tx-count", "combined-count"]},
            },
        },
    },
)

# /usr/include/linux/taskstats.h: TASKSTATS_CMD_GET = 1, TASKSTATS_CMD_ATTR_PID = 1; the reply
# carries TASKSTATS_TYPE_AGGR_PID (4) = {TASKSTATS_TYPE_PID (1), TASKSTATS_TYPE_STATS (3)}.
TASKSTATS = declare_family(
    "TASKSTATS",
    attribute_sets={
        "cmd": {"pid": (1, "u32"), "tgid": (2, "u32")},
        "type": {
            "pid": (1, "u32"),
            "tgid": (2, "u32"),
            "stats": (3, "binary"),
            "aggr-pid": (4, "nest", {"nested-attributes": "type"}),
            "aggr-tgid": (5, "nest", {"nested-attributes": "type"}),
            "null": (6, "flag"),
        },
    },
    operations={
        "get": {
            "value": 1,
            "attribute-set": "cmd",
            "do": {"request": {"attributes": ["pid", "tgid"]}},
        },
        "new": {"value": 2, "attribute-set": "type", "event": {"attributes": ["aggr-pid"]}},
    },
)

# /usr/include/linux/thermal.h: THERMAL_GENL_CMD_TZ_GET_ID = 1 (dump),
# THERMAL_GENL_ATTR_TZ = 1 {THERMAL_GENL_ATTR_TZ_ID = 2, THERMAL_GENL_ATTR_TZ_NAME = 10}.
THERMAL = declare_family(
    "thermal",
    attribute_sets={
        "thermal": {
            "tz": (1, "nest", {"nested-attributes": "thermal", "multi-attr": True}),
            "tz-id": (2, "u32"),
            "tz-name": (10, "string"),
        },
    },
    operations={"tz-get-id": {"value": 1, "dump": {"reply": {"attributes": ["tz"]}}}},
)

# /usr/include/linux/tcp_metrics.h: TCP_METRICS_CMD_GET = 1, TCP_METRICS_ATTR_*.
TCP_METRICS = declare_family(
    "tcp_metrics",
    attributes={
        "addr-ipv4": (1, "u32", {"byte-order": "big-endian"}),
        "addr-ipv6": (2, "binary"),
        "age": (3, "u64"),
        "vals": (6, "binary"),
        "saddr-ipv4": (11, "u32", {"byte-order": "big-endian"}),
        "saddr-ipv6": (12, "binary"),
    },
    operations={
        "get": {
            "value": 1,
            "dump": {"reply": {"attributes": ["addr-ipv4", "addr-ipv6", "age", "saddr-ipv4"]}},
        },
    },
)


def test_ethtool_linkinfo_of_a_veth(netns):
    ip("link", "add", "gnl-a", "type", "veth", "peer", "name", "gnl-b", netns=netns)
    with GenlClient(netns=netns) as client:
        ethtool = client.family("ethtool", ETHTOOL)
        reply = ethtool.do("linkinfo-get", {"header": {"dev-name": "gnl-a"}})
        assert reply is not None
        assert reply.op == "linkinfo-get"
        assert reply["header"]["dev-name"] == "gnl-a"
        assert reply["header"]["dev-index"] > 1
        assert "port" in reply
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            names = {r["header"]["dev-name"] for r in ethtool.dump("linkinfo-get")}
        assert {"gnl-a", "gnl-b"} <= names
        # lo has no link settings: the kernel may say so in the dump's ext-ACK, which comes
        # as a NetlinkWarning naming the family and the operation
        for warning in caught:
            assert issubclass(warning.category, NetlinkWarning), warning
            assert str(warning.message).startswith("ethtool linkinfo-get: "), warning


def test_ethtool_do_acked_only_is_none_and_do_all_empty(netns):
    """A request the kernel answers with an ACK alone: do() gives None, do_all() no reply."""
    ip("link", "add", "gnl-a", "type", "veth", "peer", "name", "gnl-b", netns=netns)
    with GenlClient(netns=netns) as client:
        ethtool = client.family("ethtool", ETHTOOL)
        unchanged = {"header": {"dev-name": "gnl-a"}}  # nothing to change: no reply, an ACK
        assert ethtool.do("channels-set", unchanged) is None
        every = ethtool.do_all("channels-set", unchanged)
        assert len(every) == 0 and list(every) == [] and every.warnings == []


def taskstats_handle(client: GenlClient):
    if os.geteuid() != 0:
        pytest.skip("TASKSTATS_CMD_GET is admin-perm: needs root")
    try:
        return client.family("TASKSTATS", TASKSTATS)
    except FamilyNotFound:
        pytest.skip("kernel built without CONFIG_TASKSTATS")


def test_taskstats_of_our_own_pid():
    with GenlClient() as client:
        taskstats = taskstats_handle(client)
        reply = taskstats.do("get", {"pid": os.getpid()})
        assert reply is not None
        raw = reply.attrs.nested(4)  # aggr-pid, read by number: the reply's op is "new"
        assert raw is not None and raw.u32(1) == os.getpid()
        stats = raw.get(3)
        assert stats is not None and len(stats) > 100
        assert struct.unpack_from("=H", stats)[0] >= 1  # struct taskstats.version


def test_taskstats_reply_decodes_by_its_own_command():
    """TASKSTATS answers a GET with a NEW: the reply is decoded as the op its cmd names."""
    with GenlClient() as client:
        taskstats = taskstats_handle(client)
        reply = taskstats.do("get", {"pid": os.getpid()})
        assert reply is not None
        decoded = reply.to_dict()
        assert decoded["aggr-pid"]["pid"] == os.getpid()
        assert reply.op == "new"


def test_thermal_zone_dump_succeeds():
    with GenlClient() as client:
        try:
            thermal = client.family("thermal", THERMAL)
        except FamilyNotFound:
            pytest.skip("kernel built without the thermal netlink family")
        # may list no zone at all (VMs): still a success; errors would raise while iterating
        replies = list(thermal.dump("tz-get-id"))
        for reply in replies:
            for zone in reply.get("tz", []):
                assert zone["tz-id"] >= 0 and isinstance(zone.get("tz-name", ""), str)


def test_tcp_metrics_dump_in_a_fresh_namespace(netns):
    with GenlClient(netns=netns) as client:
        tcp_metrics = client.family("tcp_metrics", TCP_METRICS)
        assert list(tcp_metrics.dump("get")) == []  # nothing cached yet, but a success

"""nlctrl decoding from hand-built messages (no kernel): families, policies, the cache."""

from __future__ import annotations

import errno
import pickle

import pytest

from genetlink.client.core import Replies
from genetlink.genl import FamilyCache, FamilyInfo, FamilyNotFound, GroupInfo, OpInfo
from genetlink.genl.message import GenlMessage
from genetlink.genl.nlctrl import (
    AttrPolicy,
    OpPolicy,
    Policy,
    _fix_op_ids,
    decode_family,
    decode_policy_message,
    op_flag_names,
)
from genetlink.testing import FakeKernel, replies
from genetlink.wire import constants as c
from genetlink.wire.attrs import AttrBuilder, Attrs
from genetlink.wire.errors import DecodeError, NetlinkNotFoundError, Overrun
from genetlink.wire.genl import GENLMSGHDR, build_genl_message
from genetlink.wire.message import Message, parse_messages


def ctrl_message(cmd: int, build: AttrBuilder) -> bytes:
    return build_genl_message(c.GENL_ID_CTRL, cmd, 2, 0, 1, 0, build.bytes())


def family_attrs(name="demo", family_id=42) -> AttrBuilder:
    b = AttrBuilder()
    b.put_string(c.CTRL_ATTR_FAMILY_NAME, name)
    b.put_u16(c.CTRL_ATTR_FAMILY_ID, family_id)
    b.put_u32(c.CTRL_ATTR_VERSION, 3)
    b.put_u32(c.CTRL_ATTR_HDRSIZE, 4)
    b.put_u32(c.CTRL_ATTR_MAXATTR, 9)
    ops = b.nest_start(c.CTRL_ATTR_OPS)
    for index, (op_id, flags) in enumerate([(1, 0x0E), (7, 0x15)], start=1):
        entry = b.nest_start(index)
        b.put_u32(c.CTRL_ATTR_OP_ID, op_id).put_u32(c.CTRL_ATTR_OP_FLAGS, flags)
        b.nest_end(entry)
    b.nest_end(ops)
    groups = b.nest_start(c.CTRL_ATTR_MCAST_GROUPS)
    entry = b.nest_start(1)
    b.put_u32(c.CTRL_ATTR_MCAST_GRP_ID, 11).put_string(c.CTRL_ATTR_MCAST_GRP_NAME, "events")
    b.nest_end(entry)
    b.nest_end(groups)
    return b


def test_decode_family():
    (msg,) = parse_messages(ctrl_message(c.CTRL_CMD_NEWFAMILY, family_attrs()))
    info = decode_family(msg)
    assert info == FamilyInfo(
        id=42, name="demo", version=3, hdrsize=4, maxattr=9,
        ops=(OpInfo(1, 0x0E), OpInfo(7, 0x15)), groups=(GroupInfo("events", 11),),
    )  # fmt: skip
    assert info.ops[0].flag_names == ("do", "dump", "has-policy")
    assert info.ops[1].flag_names == ("admin-perm", "dump", "uns-admin-perm")
    assert info.group("events").id == 11
    assert info.to_dict()["ops"][1] == {"id": 7, "flags": ["admin-perm", "dump", "uns-admin-perm"]}


def test_decode_family_needs_id_and_name():
    b = AttrBuilder().put_string(c.CTRL_ATTR_FAMILY_NAME, "x")
    (msg,) = parse_messages(ctrl_message(c.CTRL_CMD_NEWFAMILY, b))
    with pytest.raises(DecodeError):
        decode_family(msg)


def test_unknown_flag_bits_are_shown():
    assert op_flag_names(0x02 | 0x100) == ("do", "0x100")


def policy_message(index: int, attr: int, build_policy) -> bytes:
    b = AttrBuilder().put_u16(c.CTRL_ATTR_FAMILY_ID, 42)
    outer = b.nest_start(c.CTRL_ATTR_POLICY)
    inner = b.nest_start(index)
    nest = b.nest_start(attr)
    build_policy(b)
    b.nest_end(nest)
    b.nest_end(inner)
    b.nest_end(outer)
    return ctrl_message(c.CTRL_CMD_GETPOLICY, b)


def test_u64_limits_stay_unsigned_and_signed_ones_signed():
    def u64(b):
        b.put_u32(c.NL_POLICY_TYPE_ATTR_TYPE, c.AttrType.U64)
        b.put_u64(c.NL_POLICY_TYPE_ATTR_MIN_VALUE_U, 0)
        b.put_u64(c.NL_POLICY_TYPE_ATTR_MAX_VALUE_U, 2**64 - 1)

    def s64(b):
        b.put_u32(c.NL_POLICY_TYPE_ATTR_TYPE, c.AttrType.S64)
        b.put_s64(c.NL_POLICY_TYPE_ATTR_MIN_VALUE_S, -(2**63))
        b.put_s64(c.NL_POLICY_TYPE_ATTR_MAX_VALUE_S, 5)

    policy = Policy()
    for attr, build in ((1, u64), (2, s64)):
        (msg,) = parse_messages(policy_message(0, attr, build))
        decode_policy_message(msg, policy)
    assert policy.family_id == 42
    assert policy.sets[0][1] == AttrPolicy("u64", min_value=0, max_value=2**64 - 1)
    assert policy.sets[0][2] == AttrPolicy("s64", min_value=-(2**63), max_value=5)
    assert policy.to_dict()["sets"]["0"]["1"] == {
        "type": "u64", "min-value": 0, "max-value": 2**64 - 1,
    }  # fmt: skip
    assert str(policy.sets[0][2]) == f"s64 (min-value={-(2**63)}, max-value=5)"


def test_op_policy_and_dump_only_op_ids():
    b = AttrBuilder().put_u16(c.CTRL_ATTR_FAMILY_ID, 42)
    outer = b.nest_start(c.CTRL_ATTR_OP_POLICY)
    entry = b.nest_start(0)  # the kernel's number for a dump-only op
    b.put_u32(c.CTRL_ATTR_POLICY_DUMP, 1)
    b.nest_end(entry)
    b.nest_end(outer)
    (msg,) = parse_messages(ctrl_message(c.CTRL_CMD_GETPOLICY, b))
    policy, entries = Policy(), []
    decode_policy_message(msg, policy, entries)
    assert policy.ops == {0: OpPolicy(None, 1)}
    info = FamilyInfo(42, "demo", ops=(OpInfo(3, 0x02), OpInfo(10, 0x0C)))
    _fix_op_ids(policy, entries, None, info)
    assert policy.ops == {10: OpPolicy(None, 1)}
    _fix_op_ids(policy, entries, 10, None)
    assert policy.ops == {10: OpPolicy(None, 1)}
    assert policy.op(10, "dump") is None or policy.op(10, "dump") == {}
    assert policy.op(10, "do") is None


def test_family_not_found_error():
    err = FamilyNotFound("genltest", operation="getfamily")
    assert str(err) == "family genltest not found"
    assert isinstance(err, NetlinkNotFoundError) and err.errno == 2
    again = pickle.loads(pickle.dumps(err))
    assert str(again) == str(err) and again.operation == "getfamily"


class TableKernel:
    """Stands in for nlctrl behind a fake kernel: answers getfamily from a table."""

    def __init__(self, families: dict[str, int]) -> None:
        self.families = families
        self.asked = 0
        self.fake = FakeKernel(self.handle)

    def handle(self, req: Message) -> list[bytes]:
        assert req.type == c.GENL_ID_CTRL and req.data[req.payload_start] == c.CTRL_CMD_GETFAMILY
        self.asked += 1
        name = Attrs(req.data, req.payload_start + c.GENL_HDRLEN, req.end).string(
            c.CTRL_ATTR_FAMILY_NAME
        )
        if name not in self.families:
            return [replies.error(req, errno.ENOENT)]
        payload = GENLMSGHDR.pack(c.CTRL_CMD_NEWFAMILY, 2, 0)
        payload += family_attrs(name, self.families[name]).bytes()
        return [replies.reply(req, c.GENL_ID_CTRL, payload) + replies.ack(req)]


def test_cache_drops_entries_on_nlctrl_events():
    kernel = TableKernel({"demo": 42})
    with kernel.fake.socket(c.NETLINK_GENERIC) as sock:
        cache = FamilyCache(sock.engine)  # no watcher: events are applied by hand here
        assert sock.run(cache.get("demo")).id == 42
        assert sock.run(cache.get("demo")).id == 42 and kernel.asked == 1
        assert cache.lookups == 1
        (event,) = parse_messages(ctrl_message(c.CTRL_CMD_DELFAMILY, family_attrs("demo", 42)))
        cache._apply(event)
        assert "demo" not in cache
        kernel.families["demo"] = 43
        assert sock.run(cache.get("demo")).id == 43 and kernel.asked == 2
        cache._apply(Overrun())
        assert cache.cached("demo") is None
        del kernel.families["demo"]
        with pytest.raises(FamilyNotFound):
            sock.run(cache.get("demo"))
        assert "demo" not in cache  # a failed lookup leaves no entry behind
        assert sock.engine.pending == {}


def test_cache_watcher_socket_applies_nlctrl_events():
    """open_watcher: the cache's own socket, joined to nlctrl's "notify" group, is drained
    (without waiting) before every lookup."""
    kernel = TableKernel({"demo": 42})
    with kernel.fake.socket(c.NETLINK_GENERIC) as sock:
        cache = FamilyCache(sock.engine, open_watcher=lambda: kernel.fake.socket(c.NETLINK_GENERIC))
        assert sock.run(cache.get("demo")).id == 42 and kernel.asked == 1
        (watcher,) = [t for t in kernel.fake.transports if c.GENL_ID_CTRL in t.all_groups()]
        assert watcher.port != sock.port  # a socket of its own
        assert sock.run(cache.get("demo")).id == 42 and kernel.asked == 1  # nothing happened
        kernel.families["demo"] = 43
        event = ctrl_message(c.CTRL_CMD_DELFAMILY, family_attrs("demo", 42))
        assert kernel.fake.multicast(c.GENL_ID_CTRL, event) == 1
        assert sock.run(cache.get("demo")).id == 43 and kernel.asked == 2
        other = ctrl_message(c.CTRL_CMD_NEWFAMILY, family_attrs("other", 50))
        kernel.fake.multicast(c.GENL_ID_CTRL, other)  # another family's event: kept
        assert sock.run(cache.get("demo")).id == 43 and kernel.asked == 2
        kernel.fake.inject_enobufs(to=watcher)  # lost events: forget everything
        assert sock.run(cache.get("demo")).id == 43 and kernel.asked == 3
        cache.close()
        assert watcher.closed


def test_cache_entries_expire_after_ttl():
    kernel = TableKernel({"demo": 42})
    now = [0.0]
    with kernel.fake.socket(c.NETLINK_GENERIC) as sock:
        cache = FamilyCache(sock.engine, ttl=10, clock=lambda: now[0])
        sock.run(cache.get("demo"))
        now[0] = 9.0
        sock.run(cache.get("demo"))
        assert kernel.asked == 1
        now[0] = 10.5
        sock.run(cache.get("demo"))
        assert kernel.asked == 2
        sock.run(cache.refresh("demo"))  # whatever is cached
        assert kernel.asked == 3


def test_genl_message_and_lazy_replies():
    data = build_genl_message(42, 5, 1, 0, 1, 0, b"\0\0\0\0" + AttrBuilder().put_u32(1, 7).bytes())
    msgs = parse_messages(data)
    decoded = []

    def decode(msg):
        decoded.append(msg)
        return GenlMessage(msg, hdrsize=4)

    replies = Replies(msgs, decode, ["careful"])
    assert decoded == [] and len(replies) == 1 and replies.warnings == ["careful"]
    first = replies[0]
    assert replies[-1] is first and len(decoded) == 1
    assert (first.family_id, first.cmd, first.version) == (42, 5, 1)
    assert first.header == b"\0\0\0\0" and first.attrs.u32(1) == 7
    assert [m.cmd for m in replies] == [5] and replies[:1] == [first]

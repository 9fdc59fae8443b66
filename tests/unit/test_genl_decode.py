"""nlctrl decoding from hand-built messages (no kernel): families, policies, the cache."""

from __future__ import annotations

import pickle
from typing import Any

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
from genetlink.loader.declare import declare_family
from genetlink.testing import GenlKernel, ServedFamily
from genetlink.testing.nlctrl import family_values
from genetlink.wire import constants as c
from genetlink.wire.attrs import AttrBuilder
from genetlink.wire.errors import DecodeError, NetlinkNotFoundError, Overrun
from genetlink.wire.genl import build_genl_message
from genetlink.wire.message import parse_messages


def ctrl_message(op: str, values: dict[str, Any]) -> bytes:
    """An nlctrl message as the fake kernel builds it (from nlctrl.yaml's codec)."""
    return GenlKernel().nlctrl.message(op, values)


DEMO_INFO = FamilyInfo(
    id=42, name="demo", version=3, hdrsize=4, maxattr=9,
    ops=(OpInfo(1, 0x0E), OpInfo(7, 0x15)), groups=(GroupInfo("events", 11),),
)  # fmt: skip


def test_decode_family():
    (msg,) = parse_messages(ctrl_message("newfamily", family_values(DEMO_INFO)))
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
    (msg,) = parse_messages(ctrl_message("newfamily", {"family-name": "x"}))
    with pytest.raises(DecodeError):
        decode_family(msg)


def test_unknown_flag_bits_are_shown():
    assert op_flag_names(0x02 | 0x100) == ("do", "0x100")


def policy_message(index: int, attr: int, policy: dict[str, Any]) -> bytes:
    """A CTRL_CMD_GETPOLICY dump message: one attribute's policy in set `index`."""
    return ctrl_message("getpolicy", {"family-id": 42, "policy": {index: {attr: policy}}})


def test_u64_limits_stay_unsigned_and_signed_ones_signed():
    u64 = {"type": "u64", "min-value-u": 0, "max-value-u": 2**64 - 1}
    s64 = {"type": "s64", "min-value-s": -(2**63), "max-value-s": 5}

    policy = Policy()
    for attr, limits in ((1, u64), (2, s64)):
        (msg,) = parse_messages(policy_message(0, attr, limits))
        decode_policy_message(msg, policy)
    assert policy.family_id == 42
    assert policy.sets[0][1] == AttrPolicy("u64", min_value=0, max_value=2**64 - 1)
    assert policy.sets[0][2] == AttrPolicy("s64", min_value=-(2**63), max_value=5)
    assert policy.to_dict()["sets"]["0"]["1"] == {
        "type": "u64", "min-value": 0, "max-value": 2**64 - 1,
    }  # fmt: skip
    assert str(policy.sets[0][2]) == f"s64 (min-value={-(2**63)}, max-value=5)"


def test_op_policy_and_dump_only_op_ids():
    # 0: the kernel's number for a dump-only op
    (msg,) = parse_messages(ctrl_message("getpolicy", {"family-id": 42,
                                                       "op-policy": {0: {"dump": 1}}}))  # fmt: skip
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


DEMO = declare_family("demo", attributes={"msg": (1, "string")},
                      operations={"echo": (1, ["msg"])})  # fmt: skip
OTHER = declare_family("other", attributes={"msg": (1, "string")},
                       operations={"echo": (1, ["msg"])})  # fmt: skip


def table_kernel() -> tuple[GenlKernel, ServedFamily]:
    """nlctrl serving "demo" (id 42)."""
    kernel = GenlKernel()
    return kernel, kernel.serve(DEMO, family_id=42)


def asked(kernel: GenlKernel) -> int:
    """How many lookups reached nlctrl; nothing but getfamily does."""
    for req in kernel.received:
        assert req.type == c.GENL_ID_CTRL and req.data[req.payload_start] == c.CTRL_CMD_GETFAMILY
    return len(kernel.nlctrl.requests)


def test_cache_drops_entries_on_nlctrl_events():
    kernel, demo = table_kernel()
    with kernel.socket() as sock:
        cache = FamilyCache(sock.engine)  # no watcher: events are applied by hand here
        assert sock.run(cache.get("demo")).id == 42
        assert sock.run(cache.get("demo")).id == 42 and asked(kernel) == 1
        assert cache.lookups == 1
        (event,) = parse_messages(ctrl_message("delfamily", family_values(demo._registered())))
        cache._apply(event)
        assert "demo" not in cache
        demo.reregister(43)  # nobody listens to nlctrl here: the cache learns it by asking
        assert sock.run(cache.get("demo")).id == 43 and asked(kernel) == 2
        cache._apply(Overrun())
        assert cache.cached("demo") is None
        demo.unregister()
        with pytest.raises(FamilyNotFound):
            sock.run(cache.get("demo"))
        assert "demo" not in cache  # a failed lookup leaves no entry behind
        assert sock.engine.pending == {}


def test_cache_watcher_socket_applies_nlctrl_events():
    """open_watcher: the cache's own socket, joined to nlctrl's "notify" group, is drained
    (without waiting) before every lookup."""
    kernel, demo = table_kernel()
    with kernel.socket() as sock:
        cache = FamilyCache(sock.engine, open_watcher=kernel.socket)
        assert sock.run(cache.get("demo")).id == 42 and asked(kernel) == 1
        (watcher,) = kernel.members(c.GENL_ID_CTRL)
        assert watcher.port != sock.port  # a socket of its own
        assert sock.run(cache.get("demo")).id == 42 and asked(kernel) == 1  # nothing happened
        demo.reregister(43)  # nlctrl announces DELFAMILY, then NEWFAMILY
        assert watcher.queued() == 2
        assert sock.run(cache.get("demo")).id == 43 and asked(kernel) == 2
        kernel.serve(OTHER, family_id=50)  # another family's event: demo's entry is kept
        assert sock.run(cache.get("demo")).id == 43 and asked(kernel) == 2
        kernel.inject_enobufs(to=watcher)  # lost events: forget everything
        assert sock.run(cache.get("demo")).id == 43 and asked(kernel) == 3
        cache.close()
        assert watcher.closed


def test_cache_entries_expire_after_ttl():
    kernel, _ = table_kernel()
    now = [0.0]
    with kernel.socket() as sock:
        cache = FamilyCache(sock.engine, ttl=10, clock=lambda: now[0])
        sock.run(cache.get("demo"))
        now[0] = 9.0
        sock.run(cache.get("demo"))
        assert asked(kernel) == 1
        now[0] = 10.5
        sock.run(cache.get("demo"))
        assert asked(kernel) == 2
        sock.run(cache.refresh("demo"))  # whatever is cached
        assert asked(kernel) == 3


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

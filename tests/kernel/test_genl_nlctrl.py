"""nlctrl against the running kernel: families, ops, groups, policies, the family cache."""

from __future__ import annotations

import errno
import socket
import struct
import time

import pytest

from genetlink.genl import (
    FamilyCache,
    FamilyInfo,
    FamilyNotFound,
    GenlClient,
    GroupNotFound,
    get_family,
    get_policy,
    list_families,
)
from genetlink.socket import NetlinkSocket
from genetlink.wire import constants as c
from genetlink.wire.errors import NetlinkNotFoundError

U64_TYPES = {"u64", "uint", "u8", "u16", "u32"}


@pytest.fixture
def sock():
    with NetlinkSocket(c.NETLINK_GENERIC) as s:
        yield s


def raw_family_dump() -> dict[str, int]:
    """name -> id from a CTRL_CMD_GETFAMILY dump done with the stdlib only (no genetlink code)."""
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16) as s:  # NETLINK_GENERIC
        s.settimeout(5)
        s.bind((0, 0))
        flags = 0x1 | 0x300  # NLM_F_REQUEST | NLM_F_DUMP
        s.send(struct.pack("=IHHII", 20, 0x10, flags, 42, 0) + struct.pack("=BBH", 3, 1, 0))
        found: dict[str, int] = {}
        while True:
            data = s.recv(1 << 16)
            offset = 0
            while offset + 16 <= len(data):
                length, msg_type, _, seq, _ = struct.unpack_from("=IHHII", data, offset)
                assert seq == 42
                if msg_type == 3:  # NLMSG_DONE
                    return found
                assert msg_type == 0x10, f"unexpected message type {msg_type}"
                name, fid = None, None
                pos, end = offset + 20, offset + length
                while pos + 4 <= end:
                    alen, atype = struct.unpack_from("=HH", data, pos)
                    payload = data[pos + 4 : pos + alen]
                    if atype == 2:
                        name = payload.split(b"\0")[0].decode()
                    elif atype == 1:
                        fid = struct.unpack("=H", payload[:2])[0]
                    pos += (alen + 3) & ~3
                assert name is not None and fid is not None
                found[name] = fid
                offset += (length + 3) & ~3


def test_list_matches_a_raw_stdlib_dump(sock):
    ours = {f.name: f.id for f in list_families(sock)}
    assert ours == raw_family_dump()
    assert ours["nlctrl"] == c.GENL_ID_CTRL


def test_resolve_nlctrl_by_name_and_id(sock):
    info = get_family(sock, "nlctrl")
    assert info.id == c.GENL_ID_CTRL and info.name == "nlctrl"
    assert info.version >= 1
    getfamily = info.op(c.CTRL_CMD_GETFAMILY)
    assert getfamily is not None
    assert {"do", "dump"} <= set(getfamily.flag_names)
    assert info.group("notify").id > 0
    assert get_family(sock, c.GENL_ID_CTRL) == info
    with pytest.raises(GroupNotFound, match="no multicast group 'nope'"):
        info.group("nope")


def test_every_family_resolves_and_agrees_with_the_list(sock):
    for listed in list_families(sock):
        assert get_family(sock, listed.name) == listed
        assert get_family(sock, listed.id) == listed
        for op in listed.ops:
            assert op.flags & ~0x1F == 0, (listed.name, op)
        assert len({g.id for g in listed.groups}) == len(listed.groups)


def test_unknown_family_is_a_typed_error(sock):
    with pytest.raises(FamilyNotFound) as info:
        get_family(sock, "no-such-family")
    err = info.value
    assert str(err) == "family no-such-family not found"
    assert isinstance(err, NetlinkNotFoundError) and isinstance(err, FileNotFoundError)
    assert err.errno == errno.ENOENT
    with pytest.raises(FamilyNotFound):
        get_family(sock, 0x3FF)
    with pytest.raises(FamilyNotFound):
        get_policy(sock, "no-such-family")


def test_policies_of_every_family_decode(sock):
    for family in list_families(sock):
        policy = get_policy(sock, family.name)
        with_policy = {op.id for op in family.ops if op.has("has-policy")}
        assert set(policy.ops) == with_policy, family.name
        for op_id, pair in policy.ops.items():
            for index in pair:
                assert index is None or index in policy.sets, (family.name, op_id)
        for index, attrs in policy.sets.items():
            for number, attr in attrs.items():
                where = (family.name, index, number, attr)
                assert attr.type and not attr.type.isdigit(), where
                if attr.type in U64_TYPES:
                    assert attr.min_value is None or attr.min_value >= 0, where
                    assert attr.max_value is None or attr.max_value >= 0, where
                if attr.mask is not None:
                    assert attr.mask >= 0, where
                if attr.policy_idx is not None:
                    assert attr.policy_idx in policy.sets, where


def resolved(policy, attrs, depth=0):
    """A policy set with nested indexes replaced by the sets they point at (indexes differ
    between dumps)."""
    out = {}
    for number, attr in (attrs or {}).items():
        entry = attr.to_dict()
        index = entry.pop("policy-idx", None)
        if index is not None and depth < 8:
            entry["nested"] = resolved(policy, policy.sets.get(index), depth + 1)
        out[number] = entry
    return out


def test_per_op_policy_matches_the_family_dump(sock):
    for family in ("nlctrl", "netdev", "ethtool"):
        whole = get_policy(sock, family)
        info = get_family(sock, family)
        for op in info.ops:
            if not op.has("has-policy"):
                continue
            single = get_policy(sock, family, op.id)
            assert list(single.ops) == [op.id]
            for mode in ("do", "dump"):
                # an empty policy may be reported as a set without attributes, or not at all
                mine, theirs = single.op(op.id, mode), whole.op(op.id, mode)
                assert resolved(single, mine) == resolved(whole, theirs), (family, op.id, mode)


def test_dump_only_op_gets_its_own_id(sock):
    # the kernel numbers a dump-only op's nest 0 (it uses the empty do half's cmd)
    policy = get_policy(sock, "nlctrl")
    assert policy.ops[c.CTRL_CMD_GETPOLICY].do is None
    getpolicy = policy.op(c.CTRL_CMD_GETPOLICY, "dump")
    assert getpolicy is not None
    assert getpolicy[c.CTRL_ATTR_OP].type == "u32"
    assert getpolicy[c.CTRL_ATTR_FAMILY_NAME].type == "nul-string"
    assert getpolicy[c.CTRL_ATTR_FAMILY_NAME].max_length == c.GENL_NAMSIZ - 1


def test_family_without_policy_gives_an_empty_policy(sock):
    names = {f.name: f for f in list_families(sock)}
    bare = [f for f in names.values() if not any(op.has("has-policy") for op in f.ops)]
    if not bare:
        pytest.skip("every family on this kernel has a policy")
    policy = get_policy(sock, bare[0].name)  # the kernel answers ENODATA
    assert policy.sets == {} and policy.ops == {}


def test_unknown_op_names_the_attribute(sock):
    with pytest.raises(NetlinkNotFoundError) as info:
        get_policy(sock, "nlctrl", 200)
    assert not isinstance(info.value, FamilyNotFound)
    assert info.value.bad_offset is not None


def test_cache_resolves_once_then_serves(sock):
    cache = FamilyCache(sock, watch=True)
    try:
        first = cache.get("nlctrl")
        assert cache.get("nlctrl") is first
        assert cache.lookups == 1
        cache.invalidate("nlctrl")
        assert cache.get("nlctrl") == first
        assert cache.lookups == 2
        assert cache.poll() == 0  # nothing changed: draining does not block
    finally:
        cache.close()


def test_cache_entries_expire():
    now = [0.0]
    with NetlinkSocket(c.NETLINK_GENERIC) as s:
        cache = FamilyCache(s, watch=False, ttl=10, clock=lambda: now[0])
        cache.get("nlctrl")
        now[0] = 5
        cache.get("nlctrl")
        assert cache.lookups == 1
        now[0] = 11
        cache.get("nlctrl")
        assert cache.lookups == 2


def test_stale_id_is_re_resolved_and_the_request_retried():
    with GenlClient() as client:
        netdev = client.family("netdev")
        real = netdev.info
        # pretend the module was reloaded: the cached id now names nothing
        stale = FamilyInfo(id=0x3FF, name="netdev", version=real.version, ops=real.ops)
        client.cache._entries["netdev"] = (stale, time.monotonic())
        replies = netdev.dump(1)  # NETDEV_CMD_DEV_GET
        assert len(replies) >= 1
        assert netdev.id == real.id


def test_client_lists_and_resolves():
    with GenlClient() as client:
        names = {f.name for f in client.families()}
        assert "nlctrl" in names
        assert client.resolve("nlctrl").id == c.GENL_ID_CTRL
        with pytest.raises(FamilyNotFound):
            client.family("no-such-family")
        policy = client.policy("nlctrl")
        assert c.CTRL_CMD_GETFAMILY in policy.ops


def test_nlctrl_is_fast(sock):
    start = time.perf_counter()
    for _ in range(20):
        list_families(sock)
    per_dump = (time.perf_counter() - start) / 20
    assert per_dump < 0.05, f"{per_dump * 1e3:.1f} ms per family dump"

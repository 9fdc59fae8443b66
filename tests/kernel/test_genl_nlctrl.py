"""nlctrl against the running kernel: families, ops, groups, policies, the family cache."""

from __future__ import annotations

import asyncio
import errno
import os
import socket
import struct
import time

import pytest

from genetlink import (
    FamilyHandle,
    GenlClient,
    GenlMessage,
    NetlinkSocket,
    declare_family,
    open_family,
)
from genetlink.genl import (
    FamilyCache,
    FamilyInfo,
    FamilyNotFound,
    GroupNotFound,
    Policy,
    families,
    getfamily,
    getpolicy,
)
from genetlink.wire import constants as c
from genetlink.wire.errors import NetlinkNotFoundError

U64_TYPES = {"u64", "uint", "u8", "u16", "u32"}


@pytest.fixture
def sock():
    with NetlinkSocket(c.NETLINK_GENERIC) as s:
        yield s


# nlctrl's requests are exchanges over a socket's engine, run by the socket
def get_family(sock: NetlinkSocket, family: str | int) -> FamilyInfo:
    return sock.run(getfamily(sock.engine, family))


def list_families(sock: NetlinkSocket) -> list[FamilyInfo]:
    return sock.run(families(sock.engine))


def get_policy(sock: NetlinkSocket, family: str | int, op: int | None = None) -> Policy:
    return sock.run(getpolicy(sock.engine, family, op))


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


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_unknown_family_leaves_no_socket_open():
    """FamilyNotFound from open_family() or GenlClient.family() closes what was opened for
    the handle (open_family's own client, its sockets)."""
    missing = declare_family("no-such-family", attributes={"x": (1, "u32")},
                             operations={"get": (1, ["x"])})  # fmt: skip
    before = open_fds()
    for _ in range(3):
        with pytest.raises(FamilyNotFound, match=r"^family no-such-family not found$"):
            open_family(missing)
    assert open_fds() == before
    with GenlClient() as client:
        client.resolve("nlctrl")  # the client's sockets (the cache's watcher too) are open
        opened = open_fds()
        for _ in range(3):
            with pytest.raises(FamilyNotFound):
                client.family("no-such-family", missing)
        assert open_fds() == opened
    assert open_fds() == before


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
    cache = FamilyCache(sock.engine, open_watcher=lambda: NetlinkSocket(c.NETLINK_GENERIC))
    try:
        first = sock.run(cache.get("nlctrl"))
        assert sock.run(cache.get("nlctrl")) is first
        assert cache.lookups == 1
        assert cache.cached("nlctrl") is first and "nlctrl" in cache
        cache.invalidate("nlctrl")
        assert cache.cached("nlctrl") is None
        assert sock.run(cache.get("nlctrl")) == first
        assert cache.lookups == 2
        assert cache.poll() == 0  # nothing changed: draining does not block
        assert sock.run(cache.refresh("nlctrl")) == first  # asks whatever is cached
        assert cache.lookups == 3
        with pytest.raises(FamilyNotFound):
            sock.run(cache.get("no-such-family"))
        assert "no-such-family" not in cache
    finally:
        cache.close()


def test_cache_entries_expire():
    now = [0.0]
    with NetlinkSocket(c.NETLINK_GENERIC) as s:
        cache = FamilyCache(s.engine, ttl=10, clock=lambda: now[0])  # no watcher
        s.run(cache.get("nlctrl"))
        now[0] = 5
        s.run(cache.get("nlctrl"))
        assert cache.lookups == 1
        now[0] = 11
        s.run(cache.get("nlctrl"))
        assert cache.lookups == 2


def stale_client() -> tuple[GenlClient, FamilyHandle[GenlMessage], FamilyInfo]:
    """A client with a netdev handle whose cache holds a stale id, as after a module
    reload."""
    client = GenlClient()
    netdev = client.family("netdev")
    real = netdev.info
    assert real is not None
    # pretend the module was reloaded: the cached id now names nothing
    stale = FamilyInfo(id=0x3FF, name="netdev", version=real.version, ops=real.ops)
    client.cache._entries["netdev"] = (stale, time.monotonic())
    return client, netdev, real


def test_stale_id_is_re_resolved_and_the_request_retried():
    client, netdev, real = stale_client()
    with client:
        replies = list(netdev.dump(1))  # NETDEV_CMD_DEV_GET
        assert len(replies) >= 1
        assert netdev.id == real.id
        assert client.family("netdev").id == real.id  # the cache holds the right one again


def test_stale_id_is_re_resolved_for_a_do_too():
    client, netdev, real = stale_client()
    with client:
        assert client.family("netdev").id == 0x3FF  # a new handle gets the stale entry too
        reply = netdev.do(1, b"\x08\x00\x01\x00\x01\x00\x00\x00")  # dev-get ifindex 1
        assert reply is not None and reply.attrs.u32(1) == 1
        assert netdev.id == real.id


def test_info_is_an_attribute_resolve_does_io():
    """handle.info is what the last lookup said, read without I/O; resolve() looks again
    (through the client's cache); refresh() always asks nlctrl."""
    with GenlClient() as client:
        netdev = client.family("netdev")  # resolved now
        info = netdev.info
        assert isinstance(info, FamilyInfo) and info.name == "netdev"
        assert netdev.id == info.id and netdev.name == "netdev"
        lookups = client.cache.lookups
        client.cache.invalidate("netdev")
        for _ in range(3):
            assert netdev.info is info  # no lookup behind an attribute
        assert client.cache.lookups == lookups
        assert netdev.resolve() == info
        assert client.cache.lookups == lookups + 1
        assert netdev.resolve() == info  # cached now
        assert client.cache.lookups == lookups + 1
        assert client.refresh("netdev") == info
        assert client.cache.lookups == lookups + 2
        assert netdev.groups == {g.name: g.id for g in info.groups}


def test_client_lists_and_resolves():
    with GenlClient() as client:
        names = {f.name for f in client.families()}
        assert "nlctrl" in names
        assert client.resolve("nlctrl").id == c.GENL_ID_CTRL
        with pytest.raises(FamilyNotFound):
            client.family("no-such-family")
        policy = client.policy("nlctrl")
        assert c.CTRL_CMD_GETFAMILY in policy.ops
        one = client.policy("nlctrl", c.CTRL_CMD_GETFAMILY)
        assert list(one.ops) == [c.CTRL_CMD_GETFAMILY]


def test_exchanges_run_on_the_asyncio_socket_too(sock):
    """The same nlctrl exchanges, awaited on an AsyncNetlinkSocket, agree with the blocking
    socket's answers."""
    from genetlink import AsyncNetlinkSocket

    async def main() -> tuple[FamilyInfo, list[FamilyInfo], Policy]:
        async with AsyncNetlinkSocket(c.NETLINK_GENERIC) as asock:
            info = await asock.run(getfamily(asock.engine, "nlctrl"))
            listed = await asock.run(families(asock.engine))
            policy = await asock.run(getpolicy(asock.engine, "nlctrl"))
            with pytest.raises(FamilyNotFound):
                await asock.run(getfamily(asock.engine, "no-such-family"))
            return info, listed, policy

    info, listed, policy = asyncio.run(main())
    assert info == get_family(sock, "nlctrl")
    assert {f.name: f.id for f in listed} == {f.name: f.id for f in list_families(sock)}
    assert policy.to_dict() == get_policy(sock, "nlctrl").to_dict()


def test_nlctrl_is_fast(sock):
    start = time.perf_counter()
    for _ in range(20):
        list_families(sock)
    per_dump = (time.perf_counter() - start) / 20
    assert per_dump < 0.05, f"{per_dump * 1e3:.1f} ms per family dump"

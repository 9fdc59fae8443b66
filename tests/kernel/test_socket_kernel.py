"""NetlinkSocket on the real kernel (NETLINK_ROUTE): namespaces, groups, notifications, errors.

Tests that change network state run as root inside a namespace they create (`netns` fixture).
"""

from __future__ import annotations

import errno
import json
import os
import struct
import subprocess
import time

import pytest

from genetlink.aio import AsyncNetlinkSocket
from genetlink.socket import NetlinkSocket
from genetlink.wire import constants as c
from genetlink.wire.attrs import Attrs
from genetlink.wire.errors import NetlinkError
from genetlink.wire.message import Message

RTM_NEWLINK, RTM_GETLINK = 16, 18
IFLA_IFNAME = 3
RTNLGRP_LINK = 1
RTNLGRP_HIGH = [33, 35, 36]  # RTNLGRP_BRVLAN, RTNLGRP_TUNNEL, RTNLGRP_STATS: past the 32-bit mask
IFINFOMSG = struct.Struct("=BxHiII")  # family, pad, type, index, flags, change
WAIT = 10.0


def ip(netns: str, *args: str) -> str:
    done = subprocess.run(["ip", "-n", netns, *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def link_names(messages: list[Message]) -> set[str]:
    names = set()
    for m in messages:
        name = Attrs(m.data, m.payload_start + IFINFOMSG.size, m.end).string(IFLA_IFNAME)
        assert name is not None
        names.add(name)
    return names


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_open_close_no_fd_leak() -> None:
    before = _fds()
    for protocol in (c.NETLINK_ROUTE, c.NETLINK_GENERIC, c.NETLINK_USERSOCK):
        for _ in range(100):
            with NetlinkSocket(protocol) as s:
                assert s.port != 0
            s.close()  # idempotent
    assert _fds() == before


def test_failed_open_does_not_leak() -> None:
    before = _fds()
    with NetlinkSocket(c.NETLINK_USERSOCK) as first:
        for _ in range(50):
            with pytest.raises(OSError) as info:
                NetlinkSocket(c.NETLINK_USERSOCK, port=first.port)
            assert info.value.errno == errno.EADDRINUSE
    assert _fds() == before


def test_aio_open_close_no_fd_leak() -> None:
    import asyncio

    async def body() -> None:
        for _ in range(50):
            async with AsyncNetlinkSocket(c.NETLINK_ROUTE) as s:
                await s.dump(RTM_GETLINK, IFINFOMSG.pack(0, 0, 0, 0, 0), timeout=WAIT)

    before = _fds()
    asyncio.run(body())
    assert _fds() == before


@pytest.mark.root
def test_netns_sees_only_its_links(netns: str) -> None:
    ip(netns, "link", "add", "gnl-a", "type", "veth", "peer", "name", "gnl-b")
    with NetlinkSocket(netns=netns) as s:
        names = link_names(s.dump(RTM_GETLINK, IFINFOMSG.pack(0, 0, 0, 0, 0), timeout=WAIT))
    assert names == {"lo", "gnl-a", "gnl-b"}
    with NetlinkSocket() as host:
        host_names = link_names(host.dump(RTM_GETLINK, IFINFOMSG.pack(0, 0, 0, 0, 0),
                                          timeout=WAIT))  # fmt: skip
    assert "gnl-a" not in host_names


@pytest.mark.root
def test_aio_in_netns(netns: str) -> None:
    import asyncio

    ip(netns, "link", "add", "gnl-c", "type", "veth", "peer", "name", "gnl-d")

    async def body() -> set[str]:
        async with AsyncNetlinkSocket(netns=netns) as s:
            dump = await s.dump(RTM_GETLINK, IFINFOMSG.pack(0, 0, 0, 0, 0), timeout=WAIT)
            gets = await asyncio.gather(*(s.request(RTM_GETLINK, IFINFOMSG.pack(0, 0, 1, 0, 0),
                                                    timeout=WAIT) for _ in range(20)))  # fmt: skip
            assert all(link_names(g) == {"lo"} for g in gets)
            return link_names(dump)

    assert asyncio.run(body()) == {"lo", "gnl-c", "gnl-d"}


@pytest.mark.root
def test_aio_concurrent_dumps(netns: str) -> None:
    import asyncio

    async def body() -> None:
        async with AsyncNetlinkSocket(netns=netns) as s:
            dumps = await asyncio.gather(*(s.dump(RTM_GETLINK, IFINFOMSG.pack(0, 0, 0, 0, 0),
                                                  timeout=WAIT) for _ in range(5)))  # fmt: skip
            assert all(len(d) == 1 for d in dumps)

    asyncio.run(body())


@pytest.mark.root
def test_threads_concurrent_dumps(netns: str) -> None:
    import threading

    with NetlinkSocket(netns=netns) as s:
        failures: list[BaseException] = []
        barrier = threading.Barrier(4, timeout=WAIT)

        def worker() -> None:
            try:
                for _ in range(50):
                    barrier.wait()  # start each round together, so the dumps overlap
                    assert len(s.dump(RTM_GETLINK, IFINFOMSG.pack(0, 0, 0, 0, 0),
                                      timeout=WAIT)) == 1  # fmt: skip
            except BaseException as exc:
                failures.append(exc)
                barrier.abort()

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(4 * WAIT)
        assert [f for f in failures if not isinstance(f, threading.BrokenBarrierError)] == []


def test_high_group_join_leave_memberships() -> None:
    with NetlinkSocket(c.NETLINK_ROUTE) as s:
        assert s.memberships() == []
        for group in [RTNLGRP_LINK, *RTNLGRP_HIGH]:
            s.join(group)
        assert s.memberships() == [RTNLGRP_LINK, *RTNLGRP_HIGH]
        s.leave(RTNLGRP_HIGH[0])
        assert s.memberships() == [RTNLGRP_LINK, *RTNLGRP_HIGH[1:]]


def test_bind_group_mask_shows_in_memberships() -> None:
    with NetlinkSocket(c.NETLINK_ROUTE, groups=1 << (RTNLGRP_LINK - 1)) as s:
        assert s.memberships() == [RTNLGRP_LINK]


@pytest.mark.root
def test_link_notification(netns: str) -> None:
    with NetlinkSocket(netns=netns) as s:
        s.join(RTNLGRP_LINK)
        ip(netns, "link", "add", "gnl-n", "type", "veth", "peer", "name", "gnl-m")
        deadline = time.monotonic() + WAIT
        seen: set[str] = set()
        while {"gnl-n", "gnl-m"} - seen:
            item = s.next_notification(timeout=max(deadline - time.monotonic(), 0.01))
            assert item is not None, f"no RTM_NEWLINK for both ends, saw {seen}"
            assert isinstance(item, Message)
            assert item.port == 0 or item.type == RTM_NEWLINK
            if item.type == RTM_NEWLINK:
                seen |= link_names([item])
        assert s.engine.dropped == 0


@pytest.mark.root
def test_strict_check_error_has_ext_ack(netns: str) -> None:
    with NetlinkSocket(netns=netns) as s:
        # strict checking rejects junk in the ifinfomsg of a GETLINK request, with a message
        with pytest.raises(NetlinkError) as info:
            s.request(RTM_GETLINK, IFINFOMSG.pack(0, 0, 1, 0xFF, 0), timeout=WAIT)
        assert info.value.errno == errno.EINVAL
        assert info.value.message
        # and the socket goes on
        (reply,) = s.request(RTM_GETLINK, IFINFOMSG.pack(0, 0, 1, 0, 0), timeout=WAIT)
        assert link_names([reply]) == {"lo"}


@pytest.mark.root
def test_missing_link_is_enodev(netns: str) -> None:
    with NetlinkSocket(netns=netns) as s, pytest.raises(NetlinkError) as info:
        s.request(RTM_GETLINK, IFINFOMSG.pack(0, 0, 4242, 0, 0), operation="getlink",
                  timeout=WAIT)  # fmt: skip
    assert info.value.errno == errno.ENODEV and info.value.operation == "getlink"


@pytest.mark.root
def test_ip_agrees_on_lo(netns: str) -> None:
    links = json.loads(ip(netns, "-j", "link", "show", "lo"))
    with NetlinkSocket(netns=netns) as s:
        (reply,) = s.request(RTM_GETLINK, IFINFOMSG.pack(0, 0, links[0]["ifindex"], 0, 0),
                             timeout=WAIT)  # fmt: skip
    assert link_names([reply]) == {"lo"}

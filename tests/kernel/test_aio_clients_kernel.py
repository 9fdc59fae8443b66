"""The asyncio Generic Netlink and spec clients against the running kernel, in namespaces."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import ip
from test_genl_netdev import NETDEV

from genetlink.aio_family import open_family_async
from genetlink.family import open_family
from genetlink.genl import GenlClient
from genetlink.genl.aio_client import AsyncGenlClient
from genetlink.wire.errors import NetlinkError, Overrun

pytestmark = pytest.mark.root


def run(body: Callable[[], Awaitable[Any]]) -> Any:
    """Run a coroutine with an overall bound, so a hang fails instead of blocking CI."""

    async def bounded() -> Any:
        return await asyncio.wait_for(body(), 60)

    return asyncio.run(bounded())


def ifindexes(netns: str) -> set[int]:
    return {link["ifindex"] for link in json.loads(ip("-j", "link", "show", netns=netns))}


async def added(events: AsyncIterator[Any], expected: set[int]) -> set[int]:
    """The ifindexes of dev-add-ntf events, once all of `expected` came (or a 5 s pause)."""
    seen: set[int] = set()
    async for event in events:
        assert not isinstance(event, Overrun)
        seen |= {event["ifindex"]} if event.op == "dev-add-ntf" else set()
        if seen >= expected:
            break
    return seen


def add_veths(netns: str, count: int) -> None:
    for i in range(count):
        ip("link", "add", f"av{i}", "type", "veth", "peer", "name", f"avp{i}", netns=netns)


def test_nlctrl_resolve_matches_the_blocking_client(netns: str) -> None:
    with GenlClient(netns=netns) as client:
        blocking = {name: client.resolve(name) for name in ("nlctrl", "netdev", "ethtool")}
        listed = {f.name: f for f in client.families()}

    async def body() -> tuple[dict[str, Any], dict[str, Any]]:
        async with AsyncGenlClient(netns=netns) as client:
            resolved = {name: await client.resolve(name) for name in blocking}
            return resolved, {f.name: f for f in await client.families()}

    resolved, families = run(body)
    assert resolved == blocking
    assert families == listed


def test_policy_matches_the_blocking_client(netns: str) -> None:
    with GenlClient(netns=netns) as client:
        blocking = {name: client.policy(name) for name in ("nlctrl", "netdev", "ethtool")}
        one_op = client.policy("netdev", 1)

    async def body() -> tuple[dict[str, Any], Any]:
        async with AsyncGenlClient(netns=netns) as client:
            policies = {name: await client.policy(name) for name in blocking}
            return policies, await client.policy("netdev", 1)

    policies, op_policy = run(body)
    assert {n: p.to_dict() for n, p in policies.items()} == {
        n: p.to_dict() for n, p in blocking.items()
    }
    assert op_policy.to_dict() == one_op.to_dict()
    assert policies["ethtool"].sets  # a family with policies really has some


def test_many_concurrent_requests(netns: str) -> None:
    add_veths(netns, 4)
    indexes = sorted(ifindexes(netns))

    async def body() -> None:
        async with AsyncGenlClient(netns=netns) as client:
            netdev = await client.family("netdev", NETDEV)
            wanted = indexes * 25
            answers = await asyncio.gather(*(netdev.do("dev-get", {"ifindex": i}) for i in wanted))
            assert [a["ifindex"] for a in answers] == wanted
            assert client.sock.engine.pending == {}

    run(body)


def test_concurrent_dumps_are_serialised(netns: str) -> None:
    add_veths(netns, 3)
    expected = ifindexes(netns)

    async def body() -> None:
        async with AsyncGenlClient(netns=netns) as client:
            netdev = await client.family("netdev", NETDEV)
            dumps = await asyncio.gather(*(netdev.dump("dev-get") for _ in range(8)))
            for dump in dumps:  # no EBUSY, each complete
                assert {dev["ifindex"] for dev in dump} == expected

    run(body)


def test_cancellation_leaves_the_client_usable(netns: str) -> None:
    async def body() -> None:
        async with AsyncGenlClient(netns=netns) as client:
            netdev = await client.family("netdev", NETDEV)
            for _ in range(20):  # cancel at different points of the exchange
                task = asyncio.create_task(netdev.dump("dev-get"))
                await asyncio.sleep(0)
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            (lo,) = await netdev.dump("dev-get")
            assert lo["ifindex"] == 1
            assert (await netdev.do("dev-get", {"ifindex": 1}))["ifindex"] == 1
            assert client.sock.engine.pending == {}

    run(body)


def test_netdev_mgmt_notifications(netns: str) -> None:
    async def body() -> None:
        async with AsyncGenlClient(netns=netns) as client:
            netdev = await client.family("netdev", NETDEV)
            assert await netdev.subscribe("mgmt") == netdev.info.group("mgmt").id
            add_veths(netns, 1)
            expected = ifindexes(netns) - {1}
            assert await added(netdev.notifications(timeout=5), expected) == expected

    run(body)


def test_bad_attribute_is_named(netns: str) -> None:
    async def body() -> NetlinkError:
        async with AsyncGenlClient(netns=netns) as client:
            netdev = await client.family("netdev", NETDEV)
            with pytest.raises(NetlinkError) as info:
                await netdev.do("dev-get", {"ifindex": 0})  # the policy says min 1
            with pytest.raises(NetlinkError) as missing:
                await netdev.do("dev-get", {})
            assert missing.value.missing_path == ".ifindex"
            return info.value

    err = run(body)
    assert err.errno == errno.ERANGE and err.operation == "dev-get"
    assert err.attr_path == ".ifindex" and err.message


# -- the spec client ------------------------------------------------------------------------


def test_spec_client_matches_the_blocking_one(kernel_specs: Path, netns: str) -> None:
    add_veths(netns, 2)
    spec = kernel_specs / "netdev.yaml"
    with open_family(spec, netns=netns) as netdev:
        blocking = sorted(d["ifindex"] for d in netdev.dump("dev-get"))

    async def body() -> list[int]:
        async with await open_family_async(spec, netns=netns) as netdev:
            dumps = await asyncio.gather(*(netdev.dump("dev-get") for _ in range(4)))
            assert len({tuple(sorted(d["ifindex"] for d in dump)) for dump in dumps}) == 1
            one = await netdev.do("dev-get", {"ifindex": 1})
            assert one["ifindex"] == 1  # type: ignore[call-overload,index]
            with pytest.raises(NetlinkError) as info:
                await netdev.do("dev-get", {1: b"\x00\x00"})  # ifindex by number, 2 bytes
            assert info.value.attr_path == ".ifindex"
            assert info.value.operation == "dev-get"
            with pytest.raises(NetlinkError) as missing:
                await netdev.do("dev-get", {})
            assert missing.value.missing_path == ".ifindex"
            return sorted(d["ifindex"] for d in dumps[0])

    assert run(body) == blocking == sorted(ifindexes(netns))


def test_spec_client_mgmt_notifications(kernel_specs: Path, netns: str) -> None:
    async def body() -> None:
        async with await open_family_async(kernel_specs / "netdev.yaml", netns=netns) as netdev:
            netdev.subscribe("mgmt")
            add_veths(netns, 1)
            expected = ifindexes(netns) - {1}
            assert await added(netdev.notifications(timeout=5), expected) == expected

    run(body)

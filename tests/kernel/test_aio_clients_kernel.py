"""The asyncio Generic Netlink and spec clients against the running kernel, in namespaces.

Handle dumps are streamed async iterators (`[d async for d in handle.dump(...)]` collects
one); `subscribe()` is a plain call on both fronts, and notifications come on their own socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import ip
from test_genl_netdev import NETDEV

from genetlink import (
    AsyncFamilyHandle,
    AsyncGenlClient,
    GenlClient,
    GroupNotFound,
    open_family,
    open_family_async,
)
from genetlink.wire.errors import GenetlinkError, NetlinkError, NetlinkWarning, Overrun

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


async def collect(handle: AsyncFamilyHandle[Any], op: str | int,
                  attrs: Any = None) -> list[Any]:  # fmt: skip
    """A streamed dump, collected."""
    return [obj async for obj in handle.dump(op, attrs)]


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
            dumps = await asyncio.gather(*(collect(netdev, "dev-get") for _ in range(8)))
            for dump in dumps:  # no EBUSY, each complete
                assert {dev["ifindex"] for dev in dump} == expected
                assert len(dump) == len(expected)
            assert client.sock.engine.pending == {}

    run(body)


def test_concurrent_streamed_dumps_interleaved_by_hand(netns: str) -> None:
    """Two streamed dumps iterated in turns on one socket: the second waits for the first
    (the kernel runs one dump per socket), and each is complete."""
    add_veths(netns, 3)
    expected = ifindexes(netns)

    async def body() -> None:
        async with AsyncGenlClient(netns=netns) as client:
            netdev = await client.family("netdev", NETDEV)
            first = netdev.dump("dev-get")
            head = await anext(first)
            second = asyncio.create_task(collect(netdev, "dev-get"))
            rest = [dev async for dev in first]
            assert {d["ifindex"] for d in [head, *rest]} == expected
            assert {d["ifindex"] for d in await second} == expected
            assert client.sock.engine.pending == {}

    run(body)


def test_cancellation_leaves_the_client_usable(netns: str) -> None:
    async def body() -> None:
        async with AsyncGenlClient(netns=netns) as client:
            netdev = await client.family("netdev", NETDEV)
            for _ in range(20):  # cancel at different points of the exchange
                task = asyncio.create_task(collect(netdev, "dev-get"))
                await asyncio.sleep(0)
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            (lo,) = await collect(netdev, "dev-get")
            assert lo["ifindex"] == 1
            assert (await netdev.do("dev-get", {"ifindex": 1}))["ifindex"] == 1
            assert client.sock.engine.pending == {}

    run(body)


def test_break_out_of_a_streamed_dump_then_dump_again(netns: str) -> None:
    add_veths(netns, 4)
    expected = ifindexes(netns)

    async def body() -> None:
        async with AsyncGenlClient(netns=netns) as client:
            netdev = await client.family("netdev", NETDEV)
            for _ in range(3):
                async for dev in netdev.dump("dev-get"):
                    assert dev["ifindex"] in expected
                    break
            left = netdev.dump("dev-get")
            await anext(left)
            await left.aclose()  # type: ignore[attr-defined]
            assert {d["ifindex"] for d in await collect(netdev, "dev-get")} == expected
            assert (await netdev.do("dev-get", {"ifindex": 1}))["ifindex"] == 1
            assert client.sock.engine.pending == {}

    run(body)


def test_async_and_sync_streamed_dumps_give_the_same_objects(kernel_specs: Path,
                                                             netns: str) -> None:  # fmt: skip
    add_veths(netns, 3)
    with GenlClient(netns=netns) as client:
        declared = [d.to_dict() for d in client.family("netdev", NETDEV).dump("dev-get")]
    with open_family(kernel_specs / "netdev.yaml", netns=netns) as netdev:
        spec = [d.to_dict() for d in netdev.dump("dev-get")]

    async def body() -> tuple[list[Any], list[Any]]:
        async with AsyncGenlClient(netns=netns) as client:
            mine = [d.to_dict() for d in await collect(await client.family("netdev", NETDEV),
                                                       "dev-get")]  # fmt: skip
        async with await open_family_async(kernel_specs / "netdev.yaml", netns=netns) as handle:
            return mine, [d.to_dict() for d in await collect(handle, "dev-get")]

    async_declared, async_spec = run(body)
    assert len(declared) == len(ifindexes(netns)) == 7
    assert async_declared == declared
    assert async_spec == spec


def test_netdev_mgmt_notifications(netns: str) -> None:
    async def body() -> None:
        async with AsyncGenlClient(netns=netns) as client:
            netdev = await client.family("netdev", NETDEV)
            with pytest.raises(GenetlinkError, match="subscribe"):
                netdev.notifications(timeout=0)
            assert netdev.subscribe("mgmt") == netdev.info.group("mgmt").id  # not awaited
            assert netdev.subscriptions == {"mgmt": netdev.groups["mgmt"]}
            add_veths(netns, 1)
            expected = ifindexes(netns) - {1}
            # requests go on over the request socket meanwhile
            assert {d["ifindex"] for d in await collect(netdev, "dev-get")} == ifindexes(netns)
            assert await added(netdev.notifications(timeout=5), expected) == expected

    run(body)


def test_unknown_group_on_both_fronts(kernel_specs: Path, netns: str) -> None:
    with GenlClient(netns=netns) as client, pytest.raises(GroupNotFound) as declared_sync:
        client.family("netdev", NETDEV).subscribe("no-such-group")
    with open_family(kernel_specs / "netdev.yaml", netns=netns) as netdev, \
            pytest.raises(GroupNotFound) as spec_sync:  # fmt: skip
        netdev.subscribe("no-such-group")

    async def body() -> tuple[GroupNotFound, GroupNotFound]:
        async with AsyncGenlClient(netns=netns) as client:
            netdev = await client.family("netdev", NETDEV)
            with pytest.raises(GroupNotFound) as declared:
                netdev.subscribe("no-such-group")
        async with await open_family_async(kernel_specs / "netdev.yaml", netns=netns) as handle:
            with pytest.raises(GroupNotFound) as spec:
                handle.subscribe("no-such-group")
        return declared.value, spec.value

    declared, spec_async = run(body)
    assert isinstance(declared, LookupError) and isinstance(declared, GenetlinkError)
    assert str(declared) == str(declared_sync.value)
    assert str(spec_async) == str(spec_sync.value)


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


def error_details(err: NetlinkError) -> tuple[Any, ...]:
    return (type(err), err.errno, err.operation, err.attr_path, err.missing_path, err.message,
            err.bad_offset, err.missing_type, str(err))  # fmt: skip


BAD_REQUESTS: list[tuple[str, str, Any]] = [
    ("netdev", "dev-get", {1: (0).to_bytes(4, "little")}),  # ERANGE (min 1) at .ifindex
    ("netdev", "dev-get", {1: b"\x00\x00"}),  # too short, at .ifindex
    ("netdev", "dev-get", {}),  # missing .ifindex
    ("ethtool", "linkinfo-get", {"header": {"dev-index": 99999}}),  # ENODEV, .header.dev-index
    ("ethtool", "linkinfo-get", {"header": {"dev-name": "nosuchdev"}}),  # .header.dev-name
]
#: the same through a declared family on a GenlClient (no spec checks: 0 reaches the kernel)
DECLARED_BAD: list[tuple[str, Any]] = [("dev-get", {"ifindex": 0}), ("dev-get", {})]
EXPECTED_PATHS = [("dev-get", ".ifindex", None), ("dev-get", ".ifindex", None),
                  ("dev-get", None, ".ifindex"), ("linkinfo-get", ".header.dev-index", None),
                  ("linkinfo-get", ".header.dev-name", None), ("dev-get", ".ifindex", None),
                  ("dev-get", None, ".ifindex")]  # fmt: skip


def test_ext_ack_errors_are_named_identically_on_both_fronts(kernel_specs: Path,
                                                             netns: str) -> None:  # fmt: skip
    blocking: list[tuple[Any, ...]] = []
    for family, op, attrs in BAD_REQUESTS:
        with open_family(kernel_specs / f"{family}.yaml", netns=netns) as handle:
            with pytest.raises(NetlinkError) as info:
                handle.do(op, attrs)
            blocking.append(error_details(info.value))
    with GenlClient(netns=netns) as client:
        netdev = client.family("netdev", NETDEV)
        for op, attrs in DECLARED_BAD:
            with pytest.raises(NetlinkError) as info:
                netdev.do(op, attrs)
            blocking.append(error_details(info.value))

    async def body() -> list[tuple[Any, ...]]:
        out = []
        for family, op, attrs in BAD_REQUESTS:
            spec = kernel_specs / f"{family}.yaml"
            async with await open_family_async(spec, netns=netns) as handle:
                with pytest.raises(NetlinkError) as info:
                    await handle.do(op, attrs)
                out.append(error_details(info.value))
        async with AsyncGenlClient(netns=netns) as client:
            netdev = await client.family("netdev", NETDEV)
            for op, attrs in DECLARED_BAD:
                with pytest.raises(NetlinkError) as info:
                    await netdev.do(op, attrs)
                out.append(error_details(info.value))
        return out

    assert run(body) == blocking
    assert [(d[2], d[3], d[4]) for d in blocking] == EXPECTED_PATHS
    assert [d[1] for d in blocking][:4] == [errno.ERANGE, errno.EINVAL, errno.EINVAL,
                                            errno.ENODEV]  # fmt: skip


def test_ext_ack_warnings_are_issued_identically_on_both_fronts(kernel_specs: Path,
                                                                netns: str) -> None:  # fmt: skip
    """ethtool ends a linkinfo dump over lo (which has no link settings) with an ext-ACK
    warning: a NetlinkWarning through `warnings`, on either front."""
    spec = kernel_specs / "ethtool.yaml"
    with (
        open_family(spec, netns=netns) as ethtool,
        pytest.warns(NetlinkWarning, match="failed to retrieve link settings") as blocking,
    ):
        assert list(ethtool.dump("linkinfo-get", {"header": {}})) == []

    async def body() -> list[str]:
        async with await open_family_async(spec, netns=netns) as ethtool:
            with pytest.warns(NetlinkWarning, match="failed to retrieve link settings") as seen:
                assert await collect(ethtool, "linkinfo-get", {"header": {}}) == []
            return [str(w.message) for w in seen if issubclass(w.category, NetlinkWarning)]

    texts = [str(w.message) for w in blocking if issubclass(w.category, NetlinkWarning)]
    assert texts == ["ethtool linkinfo-get: failed to retrieve link settings"]
    assert run(body) == texts


# -- the spec client ------------------------------------------------------------------------


def test_spec_client_matches_the_blocking_one(kernel_specs: Path, netns: str) -> None:
    add_veths(netns, 2)
    spec = kernel_specs / "netdev.yaml"
    with open_family(spec, netns=netns) as netdev:
        blocking = sorted(d["ifindex"] for d in netdev.dump("dev-get"))

    async def body() -> list[int]:
        async with await open_family_async(spec, netns=netns) as netdev:
            dumps = await asyncio.gather(*(collect(netdev, "dev-get") for _ in range(4)))
            assert len({tuple(sorted(d["ifindex"] for d in dump)) for dump in dumps}) == 1
            one = await netdev.do("dev-get", {"ifindex": 1})
            assert one["ifindex"] == 1  # type: ignore[index]
            every = await netdev.do_all("dev-get", {"ifindex": 1})
            assert len(every) == 1 and every[0].to_dict() == one.to_dict()  # type: ignore[union-attr]
            with pytest.raises(NetlinkError) as info:
                await netdev.do("dev-get", {1: b"\x00\x00"})  # ifindex by number, 2 bytes
            assert info.value.attr_path == ".ifindex"
            assert info.value.operation == "dev-get"
            with pytest.raises(NetlinkError) as missing:
                await netdev.do("dev-get", {})
            assert missing.value.missing_path == ".ifindex"
            return sorted(d["ifindex"] for d in dumps[0])

    assert run(body) == blocking == sorted(ifindexes(netns))


def test_spec_client_dump_errors_raise_while_iterating(kernel_specs: Path, netns: str) -> None:
    add_veths(netns, 1)

    async def body() -> NetlinkError:
        spec = kernel_specs / "ethtool.yaml"
        async with await open_family_async(spec, netns=netns) as ethtool:
            dump = ethtool.dump("linkinfo-get", {"header": {"dev-index": 99999}})  # lazy
            with pytest.raises(NetlinkError) as info:
                await collect_iter(dump)
            with warnings.catch_warnings():  # lo has no link settings: an ext-ACK warning
                warnings.simplefilter("ignore")
                names = {r["header"]["dev-name"] for r in await collect(
                    ethtool, "linkinfo-get", {"header": {}})}  # fmt: skip
            assert {"av0", "avp0"} <= names
            return info.value

    err = run(body)
    assert err.errno == errno.ENODEV and err.operation == "linkinfo-get"
    assert err.attr_path == ".header.dev-index"


async def collect_iter(dump: AsyncIterator[Any]) -> list[Any]:
    return [obj async for obj in dump]


def test_spec_client_mgmt_notifications(kernel_specs: Path, netns: str) -> None:
    async def body() -> None:
        async with await open_family_async(kernel_specs / "netdev.yaml", netns=netns) as netdev:
            assert netdev.subscribe("mgmt") == netdev.groups["mgmt"]  # not awaited
            add_veths(netns, 1)
            expected = ifindexes(netns) - {1}
            assert await added(netdev.notifications(timeout=5), expected) == expected

    run(body)

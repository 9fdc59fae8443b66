"""The asyncio Generic Netlink client and family handles over the fake kernel (no root).

The library's GenlKernel answers nlctrl and serves one family "demo" (id 42) from its
declaration: ECHO (cmd 1) answers with the request's attributes, LIST (cmd 2) dumps, HOLD
(cmd 4) is never answered (for cancellation), SET (cmd 5) only ACKs (with an ext-ACK warning
when its msg is "warn"), TWICE (cmd 6) answers with two replies, and a request whose "count"
is 0 is refused with an extended ACK pointing at that attribute. The same kernel serves the
blocking clients, so some tests check that both fronts give the same answers from the shared
code.
"""

from __future__ import annotations

import asyncio
import errno
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from typing import Any

import pytest

from genetlink.client.aio import AsyncFamilyHandle, AsyncGenlClient, open_family_async
from genetlink.client.sync import FamilyHandle, GenlClient, open_family
from genetlink.genl import FamilyNotFound, GroupNotFound
from genetlink.genl.nlctrl import NOTIFY_GROUP
from genetlink.loader.declare import declare_family
from genetlink.testing import NO_ANSWER, GenlKernel, Request, ServedFamily, replies
from genetlink.wire import constants as c
from genetlink.wire.attrs import AttrBuilder
from genetlink.wire.errors import (
    DumpInterrupted,
    EncodeError,
    GenetlinkError,
    NetlinkError,
    NetlinkWarning,
    Overrun,
)
from genetlink.wire.genl import build_genl_message
from genetlink.wire.message import Message

WAIT = 5.0
ECHO, LIST, EVENT, HOLD, SET, TWICE = 1, 2, 3, 4, 5, 6

DEMO = declare_family(
    "demo",
    attributes={"msg": (1, "string"), "count": (2, "u32")},
    operations={
        "echo": (ECHO, ["msg", "count"]),
        "list": {
            "value": LIST,
            "dump": {"request": {"attributes": ["count"]}, "reply": {"attributes": ["msg"]}},
        },
        "event": {"value": EVENT, "event": {"attributes": ["msg"]}, "mcgrp": "events"},
        "hold": (HOLD, ["msg"]),
        "set": (SET, ["msg"]),
        "twice": (TWICE, ["msg"]),
    },
    mcast_groups=["events"],
)


def demo_kernel() -> GenlKernel:
    """nlctrl plus the "demo" family (id 42, group "events" 7, two dump messages a datagram),
    served from DEMO by the handlers the module docstring describes."""
    kernel = GenlKernel()
    demo = kernel.serve(DEMO, family_id=42, groups={"events": 7}, per_datagram=2)

    def refuse_count_0(request: Request) -> None:
        if request.get("count") == 0:
            raise demo.error(errno.ERANGE, message="count 0", attribute="count")

    @demo.do("echo")
    def echo(request: Request) -> dict[str, Any]:
        refuse_count_0(request)
        if "msg" not in request:
            raise demo.error(errno.EINVAL, message="no msg", missing="msg")
        return dict(request)

    @demo.dump("list")
    def listing(request: Request) -> list[dict[str, Any]]:
        refuse_count_0(request)
        return [{"msg": f"item{i}"} for i in range(request.get("count") or 3)]

    @demo.do("hold")
    def hold(request: Request) -> Any:
        return NO_ANSWER  # `held` finds it in demo.requests

    @demo.do("set")
    def set_(request: Request) -> None:
        if request.get("msg") == "warn":
            request.warn("careful")

    @demo.do("twice")
    def twice(request: Request) -> list[dict[str, Any]]:
        return [dict(request), dict(request)]

    return kernel


def demo_family(kernel: GenlKernel) -> ServedFamily:
    return kernel.families["demo"]


def reload(kernel: GenlKernel, family_id: int, groups: dict[str, int] | None = None) -> None:
    """The module comes back under `family_id` (its group renumbered when `groups` say so)."""
    demo_family(kernel).reregister(family_id, groups or {"events": 7})


def held(kernel: GenlKernel) -> list[Message]:
    """The HOLD requests, never answered."""
    return [r.message for r in demo_family(kernel).requests if r.op == "hold"]


def getfamily_asked(kernel: GenlKernel) -> int:
    """How many CTRL_CMD_GETFAMILY (do) requests reached nlctrl."""
    return sum(r.op == "getfamily" and r.mode == "do" for r in kernel.nlctrl.requests)


def event(kernel: GenlKernel, msg: str) -> int:
    """Multicast the demo family's event to its "events" group."""
    return demo_family(kernel).notify("events", "event", {"msg": msg})


def dumps_received(kernel: GenlKernel) -> int:
    """How many LIST dump requests reached the family."""
    return sum(1 for m in kernel.received
               if m.type == demo_family(kernel).id and m.data[m.payload_start] == LIST)  # fmt: skip


def run(body: Callable[[], Awaitable[Any]]) -> Any:
    """Run a coroutine with an overall bound, so a hang fails instead of blocking CI."""

    async def bounded() -> Any:
        return await asyncio.wait_for(body(), 30)

    return asyncio.run(bounded())


def client(kernel: GenlKernel, **options: Any) -> AsyncGenlClient:
    return AsyncGenlClient(transport_factory=kernel.transport, timeout=WAIT, **options)


async def demo(genl: AsyncGenlClient) -> AsyncFamilyHandle[Any]:
    return await genl.family("demo", DEMO)


async def collect(items: AsyncIterator[Any]) -> list[Any]:
    return [item async for item in items]


DemoTest = Callable[[GenlKernel, AsyncGenlClient, AsyncFamilyHandle[Any]], Awaitable[Any]]


def on_demo(test: DemoTest, **options: Any) -> Any:
    """Run `test(kernel, client, demo family handle)` on a fresh fake kernel and client."""
    kernel = demo_kernel()

    async def body() -> Any:
        async with client(kernel, **options) as genl:
            return await test(kernel, genl, await demo(genl))

    return run(body)


def items(n: int) -> list[str]:
    return [f"item{i}" for i in range(n)]


# -- Generic Netlink client -----------------------------------------------------------------


def test_resolve_and_do() -> None:
    async def body(kernel: GenlKernel, genl: AsyncGenlClient, fam: AsyncFamilyHandle[Any]) -> None:
        assert fam.id == 42 and fam.info is not None and fam.info.group("events").id == 7
        assert fam.name == "demo" and fam.groups == {"events": 7} and fam.subscriptions == {}
        reply = await fam.do("echo", {"msg": "hello", "count": 3})
        assert reply.op == "echo" and reply["msg"] == "hello" and reply["count"] == 3
        raw = await genl.family("demo")  # no codec: numbers and GenlMessage views
        (msg,) = await raw.do_all(ECHO, AttrBuilder().put_string(1, "x"))
        assert msg.cmd == ECHO and msg.attrs.string(1) == "x"
        one = await raw.do(ECHO, AttrBuilder().put_string(1, "y"))
        assert one is not None and one.cmd == ECHO and one.attrs.string(1) == "y"
        with pytest.raises(FamilyNotFound):
            await genl.family("nope")
        assert {f.name for f in await genl.families()} == {"nlctrl", "demo"}
        assert (await fam.resolve()) == await genl.resolve("demo") == fam.info

    on_demo(body)


def test_do_returns_the_one_reply_or_none() -> None:
    async def body(kernel: GenlKernel, genl: AsyncGenlClient, fam: AsyncFamilyHandle[Any]) -> None:
        assert await fam.do("set", {"msg": "x"}) is None  # a plain ACK
        assert list(await fam.do_all("set", {"msg": "x"})) == []
        with pytest.warns(NetlinkWarning, match="2 replies"):
            first = await fam.do("twice", {"msg": "two"})
        assert first["msg"] == "two"
        both = await fam.do_all("twice", {"msg": "two"})
        assert [m["msg"] for m in both] == ["two", "two"] and both.warnings == []
        with pytest.warns(NetlinkWarning, match="demo set: careful"):
            warned = await fam.do_all("set", {"msg": "warn"})
        assert len(warned) == 0 and warned.warnings == ["careful"]
        with pytest.warns(NetlinkWarning, match="careful"):
            assert await fam.do("set", {"msg": "warn"}) is None

    on_demo(body)


def test_flags_by_name_or_number() -> None:
    async def body(kernel: GenlKernel, genl: AsyncGenlClient, fam: AsyncFamilyHandle[Any]) -> None:
        raw = await genl.family("demo")
        sent = kernel.received
        for handle, op, attrs in ((fam, "set", {"msg": "x"}),
                                  (raw, SET, AttrBuilder().put_string(1, "x"))):  # fmt: skip
            for flags in ("create|excl", ["create", "excl"], "NLM_F_CREATE, nlm_f_excl",
                          c.NLM_F_CREATE | c.NLM_F_EXCL, ["create", c.NLM_F_EXCL]):  # fmt: skip
                await handle.do(op, attrs, flags=flags)
                wanted = c.NLM_F_REQUEST | c.NLM_F_ACK | c.NLM_F_CREATE | c.NLM_F_EXCL
                assert sent[-1].flags == wanted, flags
            await handle.do_all(op, attrs, flags="replace")
            assert sent[-1].flags & c.NLM_F_REPLACE
            before = len(sent)
            with pytest.raises(EncodeError, match="unknown request flag"):
                await handle.do(op, attrs, flags="create|bogus")
            assert len(sent) == before  # refused before anything was sent
        await collect(fam.dump("list", flags="append"))
        assert sent[-1].flags & c.NLM_F_APPEND and sent[-1].flags & c.NLM_F_DUMP == c.NLM_F_DUMP

    on_demo(body)


def test_many_concurrent_requests_answered_correctly() -> None:
    async def body(kernel: GenlKernel, genl: AsyncGenlClient, fam: AsyncFamilyHandle[Any]) -> None:
        assert genl.sock.engine.max_in_flight == 32  # the clients bound the window
        texts = [f"request {i}" for i in range(200)]
        answers = await asyncio.gather(*(fam.do("echo", {"msg": t}) for t in texts))
        assert [a["msg"] for a in answers] == texts
        assert genl.sock.engine.pending == {}

    on_demo(body)


def test_concurrent_dumps_are_serialised() -> None:
    async def body(kernel: GenlKernel, genl: AsyncGenlClient, fam: AsyncFamilyHandle[Any]) -> None:
        counts = list(range(1, 9))
        dumps = await asyncio.gather(*(collect(fam.dump("list", {"count": n})) for n in counts))
        assert [len(d) for d in dumps] == counts
        assert [m["msg"] for m in dumps[-1]] == items(8)
        assert genl.sock.engine.pending == {}

    on_demo(body)


def test_streamed_dump_is_lazy() -> None:
    """Nothing is sent until the dump is iterated; objects come as their datagrams arrive;
    errors raise while iterating, named as for requests."""

    async def body(kernel: GenlKernel, genl: AsyncGenlClient, fam: AsyncFamilyHandle[Any]) -> None:
        before = dumps_received(kernel)
        dump = fam.dump("list", {"count": 6})
        assert dumps_received(kernel) == before  # not sent yet
        kernel.stall_dumps()
        assert (await anext(dump))["msg"] == "item0"
        assert dumps_received(kernel) == before + 1
        assert (await anext(dump))["msg"] == "item1"
        assert kernel.stalled  # the kernel has not sent the rest: the first objects came anyway
        kernel.release_dumps()
        assert [m["msg"] for m in await collect(dump)] == items(6)[2:]
        kernel.stall_dumps(False)

        failing = fam.dump("list", {"count": 0})  # the kernel refuses it
        with pytest.raises(NetlinkError) as bad:
            await anext(failing)
        assert bad.value.errno == errno.ERANGE and bad.value.attr_path == ".count"
        assert bad.value.operation == "list"
        unknown = fam.dump("nope")
        with pytest.raises(EncodeError):
            await anext(unknown)
        assert [m["msg"] for m in await collect(fam.dump("list"))] == items(3)
        assert genl.sock.engine.pending == {}

    on_demo(body)


def test_breaking_out_of_a_streamed_dump_leaves_the_socket_usable() -> None:
    async def body(kernel: GenlKernel, genl: AsyncGenlClient, fam: AsyncFamilyHandle[Any]) -> None:
        async for first in fam.dump("list", {"count": 8}):
            assert first["msg"] == "item0"
            break
        assert [m["msg"] for m in await collect(fam.dump("list", {"count": 5}))] == items(5)
        # the kernel has not finished the dump that is left: the next one waits for its end
        kernel.stall_dumps()
        async for first in fam.dump("list", {"count": 8}):
            assert first["msg"] == "item0"
            break
        kernel.stall_dumps(False)
        kernel.release_dumps()
        assert [m["msg"] for m in await collect(fam.dump("list", {"count": 4}))] == items(4)
        # closed at once (aclosing): forgotten, but the kernel's dump still holds the socket
        kernel.stall_dumps()
        async with aclosing(fam.dump("list", {"count": 8})) as dump:
            async for first in dump:
                assert first["msg"] == "item0"
                break
        assert genl.sock.engine.pending == {} and genl.sock.engine.dump_busy()
        kernel.stall_dumps(False)
        kernel.release_dumps()
        assert [m["msg"] for m in await collect(fam.dump("list", {"count": 3}))] == items(3)
        assert (await fam.do("echo", {"msg": "after"}))["msg"] == "after"
        assert genl.sock.engine.pending == {} and not genl.sock.engine.dump_busy()

    on_demo(body)


def test_interrupted_dump_raises_at_its_end_without_a_retry() -> None:
    async def body(kernel: GenlKernel, genl: AsyncGenlClient, fam: AsyncFamilyHandle[Any]) -> None:
        before = dumps_received(kernel)
        kernel.dump_intr(1)
        seen = []
        with pytest.raises(DumpInterrupted) as interrupted:
            async for item in fam.dump("list", {"count": 4}):
                seen.append(item["msg"])
        assert seen == items(4)  # read to its end first
        assert interrupted.value.streamed and interrupted.value.partial == []
        assert dumps_received(kernel) == before + 1  # not repeated behind the caller's back
        assert [m["msg"] for m in await collect(fam.dump("list", {"count": 2}))] == items(2)

    on_demo(body)


def test_cancelled_request_leaves_the_client_usable() -> None:
    async def body(kernel: GenlKernel, genl: AsyncGenlClient, fam: AsyncFamilyHandle[Any]) -> None:
        task = asyncio.create_task(fam.do("hold", {"msg": "never answered"}))
        while not held(kernel):
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(fam.do("hold", {"msg": "too slow"}), 0.05)
        with pytest.raises(TimeoutError, match="hold"):
            await fam.do("hold", {"msg": "too slow"}, timeout=0.05)
        assert (await fam.do("echo", {"msg": "after"}))["msg"] == "after"
        # the late answers of the abandoned requests are recognised and dropped
        for req in held(kernel):
            kernel.deliver(replies.reply(req, 42, req.payload) + replies.ack(req),
                           to=kernel.by_port(genl.sock.port))  # fmt: skip
        assert (await fam.do("echo", {"msg": "still fine"}))["msg"] == "still fine"
        assert genl.sock.engine.pending == {}
        assert not genl.sock.engine.notifications  # never taken for notifications

    on_demo(body)


def test_closing_the_client_fails_waiting_requests() -> None:
    """Requests, a dump half read and a notification reader all fail with EBADF."""

    async def body(kernel: GenlKernel, genl: AsyncGenlClient, fam: AsyncFamilyHandle[Any]) -> None:
        request = asyncio.create_task(fam.do("hold", {"msg": "never answered"}))
        kernel.stall_dumps()
        dump = fam.dump("list", {"count": 8})
        assert (await anext(dump))["msg"] == "item0"
        rest = asyncio.create_task(collect(dump))
        fam.subscribe("events")
        events = asyncio.create_task(collect(fam.notifications()))
        while not held(kernel):
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.01)
        genl.close()
        for task in (request, rest, events):
            with pytest.raises(OSError) as closed:
                await task
            assert closed.value.errno == errno.EBADF
        assert kernel.transports == []

    on_demo(body)




def test_dump_resumed_after_close_fails_with_ebadf() -> None:
    kernel = demo_kernel()

    async def body() -> None:
        async with AsyncGenlClient(transport_factory=kernel.transport, timeout=1) as genl:
            fam = await demo(genl)
            kernel.stall_dumps()
            dump = fam.dump("list", {"count": 8})
            assert [(await anext(dump))["msg"] for _ in range(2)] == items(2)  # all it has
            genl.close()
            with pytest.raises(OSError) as closed:
                await anext(dump)
            assert closed.value.errno == errno.EBADF

    run(body)


def test_bad_and_missing_attributes_are_named() -> None:
    async def body(
        kernel: GenlKernel, genl: AsyncGenlClient, fam: AsyncFamilyHandle[Any]
    ) -> tuple[NetlinkError, NetlinkError, NetlinkError]:
        with pytest.raises(NetlinkError) as bad:
            await fam.do("echo", {"msg": "x", "count": 0})
        with pytest.raises(NetlinkError) as missing:
            await fam.do("echo", {"count": 1})
        raw = await genl.family("demo")
        with pytest.raises(NetlinkError) as numbered:
            await raw.do(ECHO, AttrBuilder().put_u32(2, 0))
        return bad.value, missing.value, numbered.value

    bad, missing, numbered = on_demo(body)
    assert bad.errno == errno.ERANGE and bad.operation == "echo"
    assert bad.attr_path == ".count" and bad.message == "count 0"
    assert missing.errno == errno.EINVAL and missing.missing_path == ".msg"
    assert numbered.attr_path == ".2" and numbered.operation == "demo cmd 1"


def test_stale_family_id_is_re_resolved() -> None:
    async def body(kernel: GenlKernel, genl: AsyncGenlClient, fam: AsyncFamilyHandle[Any]) -> None:
        reload(kernel, 43)  # the module was reloaded behind the cache's back
        assert (await fam.do("echo", {"msg": "moved"}))["msg"] == "moved"
        assert fam.id == 43
        reload(kernel, 44)  # and again: a dump follows it too
        assert [m["msg"] for m in await collect(fam.dump("list", {"count": 2}))] == items(2)
        assert fam.id == 44

    on_demo(body, watch_families=False)


def test_nlctrl_events_refresh_the_cache() -> None:
    async def body(kernel: GenlKernel, genl: AsyncGenlClient, fam: AsyncFamilyHandle[Any]) -> None:
        asked = getfamily_asked(kernel)
        await genl.resolve("demo")
        assert getfamily_asked(kernel) == asked  # served from the cache
        assert len(kernel.members(NOTIFY_GROUP)) == 1  # the cache's watcher hears nlctrl
        reload(kernel, 44)  # nlctrl announces the family's going and coming
        await asyncio.sleep(0.05)  # let the loop's reader take it
        assert (await genl.resolve("demo")).id == 44
        assert getfamily_asked(kernel) == asked + 1

    on_demo(body)


def test_notifications_and_overrun() -> None:
    async def body(kernel: GenlKernel, genl: AsyncGenlClient, fam: AsyncFamilyHandle[Any]) -> Any:
        with pytest.raises(GenetlinkError, match="subscribe"):
            await anext(fam.notifications(timeout=0.1))
        with pytest.raises(GroupNotFound):
            fam.subscribe("nope")
        assert fam.subscribe("events") == 7  # a plain method, not awaited
        assert fam.subscriptions == {"events": 7}
        (listener,) = kernel.members(7)
        assert listener.port != genl.sock.port  # a socket of its own
        event(kernel, "one")
        kernel.inject_enobufs(to=listener)
        event(kernel, "two")
        kernel.multicast(7, build_genl_message(99, 1, 1, 0, 0, 0))  # other family
        seen = [e async for e in fam.notifications(timeout=0.2)]
        assert isinstance(seen[0], Overrun)  # the kernel reports the overflow first
        assert [(e.op, e["msg"]) for e in seen[1:]] == [("event", "one"), ("event", "two")]
        fam.unsubscribe("events")
        assert kernel.members(7) == [] and fam.subscriptions == {}
        return kernel

    kernel = on_demo(body)
    assert kernel.transports == []  # every socket closed with the client


def test_groups_are_joined_again_after_the_family_is_registered_again() -> None:
    async def body(kernel: GenlKernel, genl: AsyncGenlClient, fam: AsyncFamilyHandle[Any]) -> None:
        fam.subscribe("events")
        (listener,) = kernel.members(7)
        reload(kernel, 50, {"events": 9})  # the module came back, its group renumbered
        assert [e async for e in fam.notifications(timeout=0.1)] == []  # taken in, not shown
        assert fam.id == 50 and fam.groups == {"events": 9}
        assert fam.subscriptions == {"events": 9}
        assert kernel.members(7) == [] and kernel.members(9) == [listener]
        event(kernel, "back")
        assert [e["msg"] async for e in fam.notifications(timeout=0.2)] == ["back"]
        assert (await fam.do("echo", {"msg": "new id"}))["msg"] == "new id"

    on_demo(body)


def test_closing_a_client_handle_closes_only_its_notification_socket() -> None:
    async def body(kernel: GenlKernel, genl: AsyncGenlClient, fam: AsyncFamilyHandle[Any]) -> None:
        opened = len(kernel.transports)
        fam.subscribe("events")
        assert len(kernel.transports) == opened + 1
        async with fam:
            pass
        assert len(kernel.transports) == opened and kernel.members(7) == []
        assert (await fam.do("echo", {"msg": "still"}))["msg"] == "still"  # the client's socket
        with pytest.raises(GenetlinkError, match="subscribe"):
            fam.notifications(timeout=0.1)

    on_demo(body)


def test_socket_options_reach_every_socket() -> None:
    rcvbuf = (socket.SOL_SOCKET, 33)  # SO_RCVBUFFORCE, tried first
    kernel = demo_kernel()

    async def body() -> None:
        async with client(kernel, rcvbuf=1 << 20, max_in_flight=4) as genl:
            fam = await demo(genl)
            fam.subscribe("events")
            assert len(kernel.transports) == 3  # requests, the cache's watcher, events
            assert {t.options.get(rcvbuf) for t in kernel.transports} == {1 << 20}
            assert genl.sock.engine.max_in_flight == 4
        async with await open_family_async(DEMO, transport_factory=kernel.transport,
                                           rcvbuf=1 << 20, max_in_flight=4) as spec:  # fmt: skip
            spec.subscribe("events")
            assert len(kernel.transports) == 2  # requests, events
            assert {t.options.get(rcvbuf) for t in kernel.transports} == {1 << 20}
            assert spec.sock.engine.max_in_flight == 4
        async with await spec_client(kernel) as spec:
            assert spec.sock.engine.max_in_flight == 32

    run(body)
    assert kernel.transports == []


# -- handles from open_family_async ---------------------------------------------------------


def spec_client(kernel: GenlKernel) -> Awaitable[AsyncFamilyHandle[Any]]:
    return open_family_async(DEMO, transport_factory=kernel.transport, timeout=WAIT)


def test_spec_client_verbs() -> None:
    kernel = demo_kernel()

    async def body() -> None:
        async with await spec_client(kernel) as fam:
            assert fam.id == 42 and fam.groups == {"events": 7}
            texts = [f"t{i}" for i in range(50)]
            answers = await asyncio.gather(*(fam.do("echo", {"msg": t}) for t in texts))
            assert [a["msg"] for a in answers] == texts
            dumps = await asyncio.gather(*(collect(fam.dump("list", {"count": n}))
                                           for n in (2, 4, 6)))  # fmt: skip
            assert [len(d) for d in dumps] == [2, 4, 6]
            with pytest.raises(NetlinkError) as bad:
                await fam.do("echo", {"msg": "x", "count": 0})
            assert bad.value.attr_path == ".count" and bad.value.operation == "echo"
            with pytest.raises(GroupNotFound):
                fam.subscribe("nope")
            assert fam.subscribe("events") == 7
            (listener,) = kernel.members(7)
            assert listener.port != fam.sock.port  # notifications on a socket of their own
            event(kernel, "hi")
            events = [e async for e in fam.notifications(timeout=0.2)]
            assert [e["msg"] for e in events] == ["hi"]
        assert kernel.transports == []

    run(body)


def test_spec_client_unknown_family_closes_its_socket() -> None:
    kernel = demo_kernel()
    other = declare_family("absent", attributes={"a": (1, "u32")}, operations={"x": (1, ["a"])})
    with pytest.raises(FamilyNotFound):
        run(lambda: open_family_async(other, transport_factory=kernel.transport))
    assert kernel.transports == []
    with pytest.raises(FamilyNotFound):
        open_family(other, transport_factory=kernel.transport)
    assert kernel.transports == []


def test_open_family_no_longer_takes_a_transport() -> None:
    """Handles open more than one socket (notifications have their own): a factory, not one
    transport."""
    kernel = demo_kernel()
    transport = kernel.transport()
    try:
        with pytest.raises(TypeError):
            open_family(DEMO, transport=transport)
        with pytest.raises(TypeError):
            run(lambda: open_family_async(DEMO, transport=transport))
    finally:
        transport.close()
    assert kernel.transports == []


# -- the blocking front gives the same answers ----------------------------------------------


def sync_answers(kernel: GenlKernel, fam: FamilyHandle[Any]) -> dict[str, Any]:
    """What a blocking handle with the DEMO spec answers, as plain data."""
    out: dict[str, Any] = {"id": fam.id, "groups": fam.groups}
    out["do"] = fam.do("echo", {"msg": "a", "count": 2}).to_dict()
    out["ack"] = fam.do("set", {"msg": "x"})
    fam.do("set", {"msg": "x"}, flags="create|excl")
    flags = [kernel.received[-1].flags]
    list(fam.dump("list", flags=["append"]))
    out["flags"] = [*flags, kernel.received[-1].flags]
    with pytest.warns(NetlinkWarning, match="2 replies"):
        out["first"] = fam.do("twice", {"msg": "b"}).to_dict()
    both = fam.do_all("twice", {"msg": "b"})
    out["do_all"] = ([m.to_dict() for m in both], both.warnings)
    with pytest.warns(NetlinkWarning) as caught:
        warned = fam.do_all("set", {"msg": "warn"})
    out["warnings"] = (warned.warnings, [str(w.message) for w in caught])
    out["dump"] = [m.to_dict() for m in fam.dump("list", {"count": 4})]
    errors = []
    for call in (lambda: fam.do("echo", {"count": 0}), lambda: fam.do("echo", {"count": 1}),
                 lambda: list(fam.dump("list", {"count": 0}))):  # fmt: skip
        with pytest.raises(NetlinkError) as error:
            call()
        e = error.value
        errors.append((e.errno, e.operation, e.attr_path, e.missing_path, e.message))
    out["errors"] = errors
    with pytest.raises(GroupNotFound):
        fam.subscribe("nope")
    out["subscribe"] = fam.subscribe("events")
    (listener,) = kernel.members(7)
    event(kernel, "one")
    kernel.inject_enobufs(to=listener)
    event(kernel, "two")
    out["notifications"] = [e if isinstance(e, Overrun) else e.to_dict()
                            for e in fam.notifications(timeout=0.2)]  # fmt: skip
    fam.unsubscribe("events")
    out["members"] = kernel.members(7)
    return out


async def async_answers(kernel: GenlKernel, fam: AsyncFamilyHandle[Any]) -> dict[str, Any]:
    """`sync_answers` on the asyncio front."""
    out: dict[str, Any] = {"id": fam.id, "groups": fam.groups}
    out["do"] = (await fam.do("echo", {"msg": "a", "count": 2})).to_dict()
    out["ack"] = await fam.do("set", {"msg": "x"})
    await fam.do("set", {"msg": "x"}, flags="create|excl")
    flags = [kernel.received[-1].flags]
    await collect(fam.dump("list", flags=["append"]))
    out["flags"] = [*flags, kernel.received[-1].flags]
    with pytest.warns(NetlinkWarning, match="2 replies"):
        out["first"] = (await fam.do("twice", {"msg": "b"})).to_dict()
    both = await fam.do_all("twice", {"msg": "b"})
    out["do_all"] = ([m.to_dict() for m in both], both.warnings)
    with pytest.warns(NetlinkWarning) as caught:
        warned = await fam.do_all("set", {"msg": "warn"})
    out["warnings"] = (warned.warnings, [str(w.message) for w in caught])
    out["dump"] = [m.to_dict() async for m in fam.dump("list", {"count": 4})]
    errors = []
    for call in (lambda: fam.do("echo", {"count": 0}), lambda: fam.do("echo", {"count": 1}),
                 lambda: collect(fam.dump("list", {"count": 0}))):  # fmt: skip
        with pytest.raises(NetlinkError) as error:
            await call()
        e = error.value
        errors.append((e.errno, e.operation, e.attr_path, e.missing_path, e.message))
    out["errors"] = errors
    with pytest.raises(GroupNotFound):
        fam.subscribe("nope")
    out["subscribe"] = fam.subscribe("events")
    (listener,) = kernel.members(7)
    event(kernel, "one")
    kernel.inject_enobufs(to=listener)
    event(kernel, "two")
    out["notifications"] = [e if isinstance(e, Overrun) else e.to_dict()
                            async for e in fam.notifications(timeout=0.2)]  # fmt: skip
    fam.unsubscribe("events")
    out["members"] = kernel.members(7)
    return out


def comparable(answers: dict[str, Any]) -> dict[str, Any]:
    """Overrun events compare by type (exceptions compare by identity)."""
    out = dict(answers)
    out["notifications"] = ["overrun" if isinstance(e, Overrun) else e
                            for e in answers["notifications"]]  # fmt: skip
    return out


def test_both_fronts_give_the_same_answers() -> None:
    """One exchange, two drivers: the blocking handles agree with the async ones, whether they
    come from a client or from open_family."""
    kernel = demo_kernel()
    with GenlClient(transport_factory=kernel.transport, timeout=WAIT) as genl:
        resolved = genl.resolve("demo")
        families = genl.families()
        blocking = sync_answers(kernel, genl.family("demo", DEMO))
        raw = genl.family("demo")
        raw_blocking = [(m.cmd, m.attrs.string(1)) for m in raw.dump(LIST)]
        with pytest.raises(NetlinkError) as raw_error:
            raw.do(ECHO, AttrBuilder().put_u32(2, 0))
        raw_blocking.append((raw_error.value.attr_path, raw_error.value.operation))
    assert kernel.transports == []
    with open_family(DEMO, transport_factory=kernel.transport, timeout=WAIT) as spec:
        spec_blocking = sync_answers(kernel, spec)
    assert kernel.transports == []

    async def body() -> Any:
        async with client(kernel) as agenl:
            answers = (await agenl.resolve("demo"), await agenl.families(),
                       await async_answers(kernel, await demo(agenl)))  # fmt: skip
            araw = await agenl.family("demo")
            raw_answers = [(m.cmd, m.attrs.string(1)) async for m in araw.dump(LIST)]
            with pytest.raises(NetlinkError) as error:
                await araw.do(ECHO, AttrBuilder().put_u32(2, 0))
            raw_answers.append((error.value.attr_path, error.value.operation))
        async with await spec_client(kernel) as aspec:
            spec_answers = await async_answers(kernel, aspec)
        return answers, raw_answers, spec_answers

    (aresolved, afamilies, answers), raw_answers, spec_answers = run(body)
    assert kernel.transports == []
    assert aresolved == resolved and afamilies == families
    assert comparable(answers) == comparable(blocking) == comparable(spec_blocking)
    assert comparable(spec_answers) == comparable(blocking)
    assert raw_answers == raw_blocking == [(LIST, f"item{i}") for i in range(3)] + [
        (".2", "demo cmd 1")
    ]  # fmt: skip
    # and what they agree on is right
    assert blocking["do"] == {"msg": "a", "count": 2} and blocking["ack"] is None
    assert blocking["first"] == {"msg": "b"}
    assert blocking["flags"] == [
        c.NLM_F_REQUEST | c.NLM_F_ACK | c.NLM_F_CREATE | c.NLM_F_EXCL,
        c.NLM_F_REQUEST | c.NLM_F_ACK | c.NLM_F_DUMP | c.NLM_F_APPEND,
    ]
    assert blocking["do_all"] == ([{"msg": "b"}, {"msg": "b"}], [])
    assert blocking["warnings"] == (["careful"], ["demo set: careful"])
    assert blocking["dump"] == [{"msg": m} for m in items(4)]
    assert blocking["errors"] == [
        (errno.ERANGE, "echo", ".count", None, "count 0"),
        (errno.EINVAL, "echo", None, ".msg", "no msg"),
        (errno.ERANGE, "list", ".count", None, "count 0"),
    ]
    assert blocking["subscribe"] == 7 and blocking["members"] == []
    assert comparable(blocking)["notifications"] == ["overrun", {"msg": "one"}, {"msg": "two"}]


def test_blocking_streamed_dump_is_lazy_and_can_be_left_early() -> None:
    kernel = demo_kernel()
    with GenlClient(transport_factory=kernel.transport, timeout=WAIT) as genl:
        fam = genl.family("demo", DEMO)
        before = dumps_received(kernel)
        dump = fam.dump("list", {"count": 6})
        assert dumps_received(kernel) == before  # not sent yet
        kernel.stall_dumps()
        assert [next(dump)["msg"], next(dump)["msg"]] == items(2)
        assert kernel.stalled  # the first objects came before the kernel sent the rest
        kernel.release_dumps()
        assert [m["msg"] for m in dump] == items(6)[2:]

        failing = fam.dump("list", {"count": 0})
        with pytest.raises(NetlinkError) as bad:
            next(failing)
        assert bad.value.attr_path == ".count" and bad.value.operation == "list"
        unknown = fam.dump("nope")
        with pytest.raises(EncodeError):
            next(unknown)

        for first in fam.dump("list", {"count": 8}):  # left while the kernel is not done
            assert first["msg"] == "item0"
            break
        assert genl.sock.engine.pending == {}  # forgotten; the next dump waits for its end
        assert genl.sock.engine.dump_busy()
        kernel.stall_dumps(False)
        kernel.release_dumps()
        assert [m["msg"] for m in fam.dump("list", {"count": 5})] == items(5)
        for first in fam.dump("list", {"count": 8}):  # left with the rest already queued
            assert first["msg"] == "item0"
            break
        assert [m["msg"] for m in fam.dump("list", {"count": 3})] == items(3)
        assert fam.do("echo", {"msg": "after"})["msg"] == "after"
        assert genl.sock.engine.pending == {} and not genl.sock.engine.dump_busy()

        kernel.dump_intr(1)
        before = dumps_received(kernel)
        seen = []
        with pytest.raises(DumpInterrupted) as interrupted:
            for item in fam.dump("list", {"count": 4}):
                seen.append(item["msg"])
        assert seen == items(4) and interrupted.value.streamed
        assert dumps_received(kernel) == before + 1


def test_blocking_dump_resumed_after_close_fails_with_ebadf() -> None:
    kernel = demo_kernel()
    with GenlClient(transport_factory=kernel.transport, timeout=1) as genl:
        fam = genl.family("demo", DEMO)
        kernel.stall_dumps()
        dump = fam.dump("list", {"count": 8})
        assert [next(dump)["msg"] for _ in range(2)] == items(2)  # all it has
        genl.close()
        with pytest.raises(OSError) as closed:
            next(dump)
        assert closed.value.errno == errno.EBADF


def test_import_genetlink_stays_free_of_asyncio() -> None:
    import subprocess
    import sys

    code = ("import sys, genetlink, genetlink.genl, genetlink.client, genetlink.client.sync\n"
            "from genetlink import GenlClient, FamilyHandle, open_family, NetlinkSocket\n"
            "print('asyncio' in sys.modules)")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

"""The asyncio Generic Netlink client and family handles over the fake kernel (no root).

A small fake Generic Netlink kernel answers nlctrl (getfamily by name, family dump) and serves
one family "demo" (id 42): ECHO (cmd 1) answers with the request's attributes, LIST (cmd 2)
dumps, HOLD (cmd 4) is never answered (for cancellation), SET (cmd 5) only ACKs (with an
ext-ACK warning when its msg is "warn"), TWICE (cmd 6) answers with two replies, and a request
whose "count" is 0 is refused with an extended ACK pointing at that attribute. The same kernel
serves the blocking clients, so some tests check that both fronts give the same answers from
the shared code.
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
from genetlink.loader.declare import declare_family
from genetlink.testing import Datagram, FakeKernel, FakeTransport, replies
from genetlink.wire import constants as c
from genetlink.wire.attrs import AttrBuilder, Attrs, iter_attrs
from genetlink.wire.errors import (
    DumpInterrupted,
    EncodeError,
    GenetlinkError,
    NetlinkError,
    NetlinkWarning,
    Overrun,
)
from genetlink.wire.genl import GENLMSGHDR, build_genl_message
from genetlink.wire.message import Message

WAIT = 5.0
CTRL_NOTIFY = 0x10  # nlctrl's "notify" group id
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


def family_message(name: str, family_id: int, groups: dict[str, int]) -> bytes:
    """The genlmsghdr + attributes of an nlctrl NEWFAMILY message."""
    b = AttrBuilder().put_u16(c.CTRL_ATTR_FAMILY_ID, family_id)
    b.put_string(c.CTRL_ATTR_FAMILY_NAME, name).put_u32(c.CTRL_ATTR_VERSION, 1)
    ops = b.nest_start(c.CTRL_ATTR_OPS)
    for index, op in enumerate((ECHO, LIST, HOLD, SET, TWICE), 1):
        entry = b.nest_start(index)
        b.put_u32(c.CTRL_ATTR_OP_ID, op).put_u32(c.CTRL_ATTR_OP_FLAGS, c.GENL_CMD_CAP_DO)
        b.nest_end(entry)
    b.nest_end(ops)
    nest = b.nest_start(c.CTRL_ATTR_MCAST_GROUPS)
    for index, (group, group_id) in enumerate(groups.items(), 1):
        entry = b.nest_start(index)
        b.put_string(c.CTRL_ATTR_MCAST_GRP_NAME, group).put_u32(c.CTRL_ATTR_MCAST_GRP_ID, group_id)
        b.nest_end(entry)
    b.nest_end(nest)
    return GENLMSGHDR.pack(c.CTRL_CMD_NEWFAMILY, 2, 0) + b.bytes()


class GenlKernel:
    """nlctrl plus the "demo" family; `demo_id` may change (a module reload).

    With `hold_tail` set, a dump is answered with its first datagram only; the others wait in
    `tail` until `release()` (a kernel that is slow to fill the rest of a dump).
    """

    def __init__(self) -> None:
        self.demo_id = 42
        self.held: list[Message] = []
        self.getfamily = 0
        self.hold_tail = False
        self.tail: list[tuple[int, bytes]] = []  # (port, datagram) of dumps held back
        self.fake = FakeKernel(self.handle)

    def families(self) -> dict[str, tuple[int, dict[str, int]]]:
        return {"nlctrl": (c.GENL_ID_CTRL, {"notify": CTRL_NOTIFY}),
                "demo": (self.demo_id, {"events": 7})}  # fmt: skip

    def handle(self, req: Message) -> list[bytes]:
        cmd = req.data[req.payload_start]
        attrs = Attrs(req.data, req.payload_start + c.GENL_HDRLEN, req.end)
        if req.type == c.GENL_ID_CTRL:
            return self.nlctrl(req, attrs)
        if req.type != self.demo_id:
            return [replies.error(req, errno.ENOENT)]  # a stale family id
        if cmd == HOLD:
            self.held.append(req)
            return []
        for attr_type, start, _ in iter_attrs(req.data, attrs.start, attrs.end):
            if attr_type == 2 and attrs.u32(2) == 0:
                offset = start - 4 - req.start  # the attribute's header, from the nlmsghdr
                return [replies.error(req, errno.ERANGE, message="count 0", bad_offset=offset)]
        if cmd == ECHO and 1 not in attrs:
            return [replies.error(req, errno.EINVAL, message="no msg", missing_type=1)]
        body = req.data[req.payload_start + c.GENL_HDRLEN : req.end]
        if cmd == LIST:
            count = attrs.u32(2) or 3
            items = [GENLMSGHDR.pack(LIST, 1, 0) + AttrBuilder().put_string(1, f"item{i}").bytes()
                     for i in range(count)]  # fmt: skip
            answer = replies.dump(req, self.demo_id, items, per_datagram=2)
            if self.hold_tail:
                self.tail += [(req.port, datagram) for datagram in answer[1:]]
                return answer[:1]
            return answer
        if cmd == SET:
            if attrs.string(1) == "warn":
                return [replies.ack(req, message="careful")]
            return [replies.ack(req)]
        reply = replies.reply(req, self.demo_id, GENLMSGHDR.pack(cmd, 1, 0) + body)
        if cmd == TWICE:
            return [reply + reply + replies.ack(req)]
        return [reply + replies.ack(req)]

    def nlctrl(self, req: Message, attrs: Attrs) -> list[bytes]:
        known = self.families()
        if req.flags & c.NLM_F_DUMP == c.NLM_F_DUMP:
            payloads = [family_message(n, i, g) for n, (i, g) in known.items()]
            return replies.dump(req, c.GENL_ID_CTRL, payloads)
        self.getfamily += 1
        name = attrs.string(c.CTRL_ATTR_FAMILY_NAME)
        if name not in known:
            return [replies.error(req, errno.ENOENT)]
        family_id, groups = known[name]
        payload = family_message(name, family_id, groups)
        return [replies.reply(req, c.GENL_ID_CTRL, payload) + replies.ack(req)]

    def release(self) -> None:
        """Send the held-back datagrams of dumps."""
        tail, self.tail = self.tail, []
        for port, datagram in tail:
            transport = self.fake.by_port(port)
            assert transport is not None
            transport.push(Datagram(datagram))

    def members(self, group: int) -> list[FakeTransport]:
        return [t for t in self.fake.transports if group in t.all_groups()]

    def event(self, msg: str) -> bytes:
        attrs = AttrBuilder().put_string(1, msg).bytes()
        return build_genl_message(self.demo_id, EVENT, 1, 0, 0, 0, attrs)

    def dumps_received(self) -> int:
        """How many LIST dump requests reached the family."""
        return sum(1 for m in self.fake.received
                   if m.type == self.demo_id and m.data[m.payload_start] == LIST)  # fmt: skip


def run(body: Callable[[], Awaitable[Any]]) -> Any:
    """Run a coroutine with an overall bound, so a hang fails instead of blocking CI."""

    async def bounded() -> Any:
        return await asyncio.wait_for(body(), 30)

    return asyncio.run(bounded())


def client(kernel: GenlKernel, **options: Any) -> AsyncGenlClient:
    return AsyncGenlClient(transport_factory=kernel.fake.transport, timeout=WAIT, **options)


async def demo(genl: AsyncGenlClient) -> AsyncFamilyHandle[Any]:
    return await genl.family("demo", DEMO)


async def collect(items: AsyncIterator[Any]) -> list[Any]:
    return [item async for item in items]


DemoTest = Callable[[GenlKernel, AsyncGenlClient, AsyncFamilyHandle[Any]], Awaitable[Any]]


def on_demo(test: DemoTest, **options: Any) -> Any:
    """Run `test(kernel, client, demo family handle)` on a fresh fake kernel and client."""
    kernel = GenlKernel()

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
        sent = kernel.fake.received
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
        before = kernel.dumps_received()
        dump = fam.dump("list", {"count": 6})
        assert kernel.dumps_received() == before  # not sent yet
        kernel.hold_tail = True
        assert (await anext(dump))["msg"] == "item0"
        assert kernel.dumps_received() == before + 1
        assert (await anext(dump))["msg"] == "item1"
        assert kernel.tail  # the kernel has not sent the rest: the first objects came anyway
        kernel.release()
        assert [m["msg"] for m in await collect(dump)] == items(6)[2:]
        kernel.hold_tail = False

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
        kernel.hold_tail = True
        async for first in fam.dump("list", {"count": 8}):
            assert first["msg"] == "item0"
            break
        kernel.hold_tail = False
        kernel.release()
        assert [m["msg"] for m in await collect(fam.dump("list", {"count": 4}))] == items(4)
        # closed at once (aclosing): forgotten, but the kernel's dump still holds the socket
        kernel.hold_tail = True
        async with aclosing(fam.dump("list", {"count": 8})) as dump:
            async for first in dump:
                assert first["msg"] == "item0"
                break
        assert genl.sock.engine.pending == {} and genl.sock.engine.dump_busy()
        kernel.hold_tail = False
        kernel.release()
        assert [m["msg"] for m in await collect(fam.dump("list", {"count": 3}))] == items(3)
        assert (await fam.do("echo", {"msg": "after"}))["msg"] == "after"
        assert genl.sock.engine.pending == {} and not genl.sock.engine.dump_busy()

    on_demo(body)


def test_interrupted_dump_raises_at_its_end_without_a_retry() -> None:
    async def body(kernel: GenlKernel, genl: AsyncGenlClient, fam: AsyncFamilyHandle[Any]) -> None:
        before = kernel.dumps_received()
        kernel.fake.dump_intr(1)
        seen = []
        with pytest.raises(DumpInterrupted) as interrupted:
            async for item in fam.dump("list", {"count": 4}):
                seen.append(item["msg"])
        assert seen == items(4)  # read to its end first
        assert interrupted.value.streamed and interrupted.value.partial == []
        assert kernel.dumps_received() == before + 1  # not repeated behind the caller's back
        assert [m["msg"] for m in await collect(fam.dump("list", {"count": 2}))] == items(2)

    on_demo(body)


def test_cancelled_request_leaves_the_client_usable() -> None:
    async def body(kernel: GenlKernel, genl: AsyncGenlClient, fam: AsyncFamilyHandle[Any]) -> None:
        task = asyncio.create_task(fam.do("hold", {"msg": "never answered"}))
        while not kernel.held:
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
        for req in kernel.held:
            kernel.fake.deliver(replies.reply(req, 42, req.payload) + replies.ack(req),
                                to=kernel.fake.by_port(genl.sock.port))  # fmt: skip
        assert (await fam.do("echo", {"msg": "still fine"}))["msg"] == "still fine"
        assert genl.sock.engine.pending == {}
        assert not genl.sock.engine.notifications  # never taken for notifications

    on_demo(body)


def test_closing_the_client_fails_waiting_requests() -> None:
    """Requests, a dump half read and a notification reader all fail with EBADF."""

    async def body(kernel: GenlKernel, genl: AsyncGenlClient, fam: AsyncFamilyHandle[Any]) -> None:
        request = asyncio.create_task(fam.do("hold", {"msg": "never answered"}))
        kernel.hold_tail = True
        dump = fam.dump("list", {"count": 8})
        assert (await anext(dump))["msg"] == "item0"
        rest = asyncio.create_task(collect(dump))
        fam.subscribe("events")
        events = asyncio.create_task(collect(fam.notifications()))
        while not kernel.held:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.01)
        genl.close()
        for task in (request, rest, events):
            with pytest.raises(OSError) as closed:
                await task
            assert closed.value.errno == errno.EBADF
        assert kernel.fake.transports == []

    on_demo(body)




def test_dump_resumed_after_close_fails_with_ebadf() -> None:
    kernel = GenlKernel()

    async def body() -> None:
        async with AsyncGenlClient(transport_factory=kernel.fake.transport, timeout=1) as genl:
            fam = await demo(genl)
            kernel.hold_tail = True
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
        kernel.demo_id = 43  # the module was reloaded behind the cache's back
        assert (await fam.do("echo", {"msg": "moved"}))["msg"] == "moved"
        assert fam.id == 43
        kernel.demo_id = 44  # and again: a dump follows it too
        assert [m["msg"] for m in await collect(fam.dump("list", {"count": 2}))] == items(2)
        assert fam.id == 44

    on_demo(body, watch_families=False)


def test_nlctrl_events_refresh_the_cache() -> None:
    async def body(kernel: GenlKernel, genl: AsyncGenlClient, fam: AsyncFamilyHandle[Any]) -> None:
        asked = kernel.getfamily
        await genl.resolve("demo")
        assert kernel.getfamily == asked  # served from the cache
        kernel.demo_id = 44
        event = build_genl_message(c.GENL_ID_CTRL, c.CTRL_CMD_DELFAMILY, 2, 0, 0, 0,
                                   family_message("demo", 42, {})[c.GENL_HDRLEN:])  # fmt: skip
        assert kernel.fake.multicast(CTRL_NOTIFY, event) == 1
        await asyncio.sleep(0.05)  # let the loop's reader take it
        assert (await genl.resolve("demo")).id == 44
        assert kernel.getfamily == asked + 1

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
        kernel.fake.multicast(7, kernel.event("one"))
        kernel.fake.inject_enobufs(to=listener)
        kernel.fake.multicast(7, kernel.event("two"))
        kernel.fake.multicast(7, build_genl_message(99, 1, 1, 0, 0, 0))  # other family
        seen = [e async for e in fam.notifications(timeout=0.2)]
        assert isinstance(seen[0], Overrun)  # the kernel reports the overflow first
        assert [(e.op, e["msg"]) for e in seen[1:]] == [("event", "one"), ("event", "two")]
        fam.unsubscribe("events")
        assert kernel.members(7) == [] and fam.subscriptions == {}
        return kernel

    kernel = on_demo(body)
    assert kernel.fake.transports == []  # every socket closed with the client


def test_groups_are_joined_again_after_the_family_is_registered_again() -> None:
    async def body(kernel: GenlKernel, genl: AsyncGenlClient, fam: AsyncFamilyHandle[Any]) -> None:
        fam.subscribe("events")
        (listener,) = kernel.members(7)
        kernel.demo_id = 50  # the module came back, its group renumbered
        announce = family_message("demo", 50, {"events": 9})[c.GENL_HDRLEN :]
        kernel.fake.multicast(CTRL_NOTIFY, build_genl_message(
            c.GENL_ID_CTRL, c.CTRL_CMD_NEWFAMILY, 2, 0, 0, 0, announce))  # fmt: skip
        assert [e async for e in fam.notifications(timeout=0.1)] == []  # taken in, not shown
        assert fam.id == 50 and fam.groups == {"events": 9}
        assert fam.subscriptions == {"events": 9}
        assert kernel.members(7) == [] and kernel.members(9) == [listener]
        kernel.fake.multicast(9, kernel.event("back"))
        assert [e["msg"] async for e in fam.notifications(timeout=0.2)] == ["back"]
        assert (await fam.do("echo", {"msg": "new id"}))["msg"] == "new id"

    on_demo(body)


def test_closing_a_client_handle_closes_only_its_notification_socket() -> None:
    async def body(kernel: GenlKernel, genl: AsyncGenlClient, fam: AsyncFamilyHandle[Any]) -> None:
        opened = len(kernel.fake.transports)
        fam.subscribe("events")
        assert len(kernel.fake.transports) == opened + 1
        async with fam:
            pass
        assert len(kernel.fake.transports) == opened and kernel.members(7) == []
        assert (await fam.do("echo", {"msg": "still"}))["msg"] == "still"  # the client's socket
        with pytest.raises(GenetlinkError, match="subscribe"):
            fam.notifications(timeout=0.1)

    on_demo(body)


def test_socket_options_reach_every_socket() -> None:
    rcvbuf = (socket.SOL_SOCKET, 33)  # SO_RCVBUFFORCE, tried first
    kernel = GenlKernel()

    async def body() -> None:
        async with client(kernel, rcvbuf=1 << 20, max_in_flight=4) as genl:
            fam = await demo(genl)
            fam.subscribe("events")
            assert len(kernel.fake.transports) == 3  # requests, the cache's watcher, events
            assert {t.options.get(rcvbuf) for t in kernel.fake.transports} == {1 << 20}
            assert genl.sock.engine.max_in_flight == 4
        async with await open_family_async(DEMO, transport_factory=kernel.fake.transport,
                                           rcvbuf=1 << 20, max_in_flight=4) as spec:  # fmt: skip
            spec.subscribe("events")
            assert len(kernel.fake.transports) == 2  # requests, events
            assert {t.options.get(rcvbuf) for t in kernel.fake.transports} == {1 << 20}
            assert spec.sock.engine.max_in_flight == 4
        async with await spec_client(kernel) as spec:
            assert spec.sock.engine.max_in_flight == 32

    run(body)
    assert kernel.fake.transports == []


# -- handles from open_family_async ---------------------------------------------------------


def spec_client(kernel: GenlKernel) -> Awaitable[AsyncFamilyHandle[Any]]:
    return open_family_async(DEMO, transport_factory=kernel.fake.transport, timeout=WAIT)


def test_spec_client_verbs() -> None:
    kernel = GenlKernel()

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
            kernel.fake.multicast(7, kernel.event("hi"))
            events = [e async for e in fam.notifications(timeout=0.2)]
            assert [e["msg"] for e in events] == ["hi"]
        assert kernel.fake.transports == []

    run(body)


def test_spec_client_unknown_family_closes_its_socket() -> None:
    kernel = GenlKernel()
    other = declare_family("absent", attributes={"a": (1, "u32")}, operations={"x": (1, ["a"])})
    with pytest.raises(FamilyNotFound):
        run(lambda: open_family_async(other, transport_factory=kernel.fake.transport))
    assert kernel.fake.transports == []
    with pytest.raises(FamilyNotFound):
        open_family(other, transport_factory=kernel.fake.transport)
    assert kernel.fake.transports == []


def test_open_family_no_longer_takes_a_transport() -> None:
    """Handles open more than one socket (notifications have their own): a factory, not one
    transport."""
    kernel = GenlKernel()
    transport = kernel.fake.transport()
    try:
        with pytest.raises(TypeError):
            open_family(DEMO, transport=transport)
        with pytest.raises(TypeError):
            run(lambda: open_family_async(DEMO, transport=transport))
    finally:
        transport.close()
    assert kernel.fake.transports == []


# -- the blocking front gives the same answers ----------------------------------------------


def sync_answers(kernel: GenlKernel, fam: FamilyHandle[Any]) -> dict[str, Any]:
    """What a blocking handle with the DEMO spec answers, as plain data."""
    out: dict[str, Any] = {"id": fam.id, "groups": fam.groups}
    out["do"] = fam.do("echo", {"msg": "a", "count": 2}).to_dict()
    out["ack"] = fam.do("set", {"msg": "x"})
    fam.do("set", {"msg": "x"}, flags="create|excl")
    flags = [kernel.fake.received[-1].flags]
    list(fam.dump("list", flags=["append"]))
    out["flags"] = [*flags, kernel.fake.received[-1].flags]
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
    kernel.fake.multicast(7, kernel.event("one"))
    kernel.fake.inject_enobufs(to=listener)
    kernel.fake.multicast(7, kernel.event("two"))
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
    flags = [kernel.fake.received[-1].flags]
    await collect(fam.dump("list", flags=["append"]))
    out["flags"] = [*flags, kernel.fake.received[-1].flags]
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
    kernel.fake.multicast(7, kernel.event("one"))
    kernel.fake.inject_enobufs(to=listener)
    kernel.fake.multicast(7, kernel.event("two"))
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
    kernel = GenlKernel()
    with GenlClient(transport_factory=kernel.fake.transport, timeout=WAIT) as genl:
        resolved = genl.resolve("demo")
        families = genl.families()
        blocking = sync_answers(kernel, genl.family("demo", DEMO))
        raw = genl.family("demo")
        raw_blocking = [(m.cmd, m.attrs.string(1)) for m in raw.dump(LIST)]
        with pytest.raises(NetlinkError) as raw_error:
            raw.do(ECHO, AttrBuilder().put_u32(2, 0))
        raw_blocking.append((raw_error.value.attr_path, raw_error.value.operation))
    assert kernel.fake.transports == []
    with open_family(DEMO, transport_factory=kernel.fake.transport, timeout=WAIT) as spec:
        spec_blocking = sync_answers(kernel, spec)
    assert kernel.fake.transports == []

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
    assert kernel.fake.transports == []
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
    kernel = GenlKernel()
    with GenlClient(transport_factory=kernel.fake.transport, timeout=WAIT) as genl:
        fam = genl.family("demo", DEMO)
        before = kernel.dumps_received()
        dump = fam.dump("list", {"count": 6})
        assert kernel.dumps_received() == before  # not sent yet
        kernel.hold_tail = True
        assert [next(dump)["msg"], next(dump)["msg"]] == items(2)
        assert kernel.tail  # the first objects came before the kernel sent the rest
        kernel.release()
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
        kernel.hold_tail = False
        kernel.release()
        assert [m["msg"] for m in fam.dump("list", {"count": 5})] == items(5)
        for first in fam.dump("list", {"count": 8}):  # left with the rest already queued
            assert first["msg"] == "item0"
            break
        assert [m["msg"] for m in fam.dump("list", {"count": 3})] == items(3)
        assert fam.do("echo", {"msg": "after"})["msg"] == "after"
        assert genl.sock.engine.pending == {} and not genl.sock.engine.dump_busy()

        kernel.fake.dump_intr(1)
        before = kernel.dumps_received()
        seen = []
        with pytest.raises(DumpInterrupted) as interrupted:
            for item in fam.dump("list", {"count": 4}):
                seen.append(item["msg"])
        assert seen == items(4) and interrupted.value.streamed
        assert kernel.dumps_received() == before + 1


def test_blocking_dump_resumed_after_close_fails_with_ebadf() -> None:
    kernel = GenlKernel()
    with GenlClient(transport_factory=kernel.fake.transport, timeout=1) as genl:
        fam = genl.family("demo", DEMO)
        kernel.hold_tail = True
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

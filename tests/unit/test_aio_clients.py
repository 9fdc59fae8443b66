"""The asyncio Generic Netlink and spec clients over the fake kernel (no root).

A small fake Generic Netlink kernel answers nlctrl (getfamily by name, family dump) and serves
one family "demo" (id 42): ECHO (cmd 1) answers with the request's attributes, LIST (cmd 2)
dumps, HOLD (cmd 4) is never answered (for cancellation), and a request whose "count" is 0 is
refused with an extended ACK pointing at that attribute. The same kernel serves the blocking
clients, so a few tests check that both fronts give the same answers from the shared code.
"""

from __future__ import annotations

import asyncio
import errno
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from genetlink.aio_family import AsyncFamilyClient, open_family_async
from genetlink.family import open_family
from genetlink.genl import FamilyNotFound, GenlClient
from genetlink.genl.aio_client import AsyncGenlClient, AsyncGenlFamily
from genetlink.loader.declare import declare_family
from genetlink.testing import FakeKernel, FakeTransport, replies
from genetlink.wire import constants as c
from genetlink.wire.attrs import AttrBuilder, Attrs, iter_attrs
from genetlink.wire.errors import GenetlinkError, NetlinkError, Overrun
from genetlink.wire.genl import GENLMSGHDR, build_genl_message
from genetlink.wire.message import Message

WAIT = 5.0
CTRL_NOTIFY = 0x10  # nlctrl's "notify" group id
ECHO, LIST, EVENT, HOLD = 1, 2, 3, 4

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
    },
    mcast_groups=["events"],
)


def family_message(name: str, family_id: int, groups: dict[str, int]) -> bytes:
    """The genlmsghdr + attributes of an nlctrl NEWFAMILY message."""
    b = AttrBuilder().put_u16(c.CTRL_ATTR_FAMILY_ID, family_id)
    b.put_string(c.CTRL_ATTR_FAMILY_NAME, name).put_u32(c.CTRL_ATTR_VERSION, 1)
    ops = b.nest_start(c.CTRL_ATTR_OPS)
    for index, op in enumerate((ECHO, LIST, HOLD), 1):
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
    """nlctrl plus the "demo" family; `demo_id` may change (a module reload)."""

    def __init__(self) -> None:
        self.demo_id = 42
        self.held: list[Message] = []
        self.getfamily = 0
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
            return replies.dump(req, self.demo_id, items, per_datagram=2)
        return [replies.reply(req, self.demo_id, GENLMSGHDR.pack(cmd, 1, 0) + body)
                + replies.ack(req)]  # fmt: skip

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

    def members(self, group: int) -> list[FakeTransport]:
        return [t for t in self.fake.transports if group in t.all_groups()]

    def event(self, msg: str) -> bytes:
        attrs = AttrBuilder().put_string(1, msg).bytes()
        return build_genl_message(self.demo_id, EVENT, 1, 0, 0, 0, attrs)


def run(body: Callable[[], Awaitable[Any]]) -> Any:
    """Run a coroutine with an overall bound, so a hang fails instead of blocking CI."""

    async def bounded() -> Any:
        return await asyncio.wait_for(body(), 30)

    return asyncio.run(bounded())


def client(kernel: GenlKernel, **options: Any) -> AsyncGenlClient:
    return AsyncGenlClient(transport_factory=kernel.fake.transport, timeout=WAIT, **options)


async def demo(genl: AsyncGenlClient) -> AsyncGenlFamily:
    return await genl.family("demo", DEMO)


DemoTest = Callable[[GenlKernel, AsyncGenlClient, AsyncGenlFamily], Awaitable[Any]]


def on_demo(test: DemoTest, **options: Any) -> Any:
    """Run `test(kernel, client, demo family handle)` on a fresh fake kernel and client."""
    kernel = GenlKernel()

    async def body() -> Any:
        async with client(kernel, **options) as genl:
            return await test(kernel, genl, await demo(genl))

    return run(body)


# -- Generic Netlink client -----------------------------------------------------------------


def test_resolve_and_do() -> None:
    async def body(kernel: GenlKernel, genl: AsyncGenlClient, fam: AsyncGenlFamily) -> None:
        assert fam.id == 42 and fam.info.group("events").id == 7
        reply = await fam.do("echo", {"msg": "hello", "count": 3})
        assert reply.op == "echo" and reply["msg"] == "hello" and reply["count"] == 3
        raw = await genl.family("demo")  # no codec: numbers and GenlMessage views
        (msg,) = await raw.do_all(ECHO, AttrBuilder().put_string(1, "x"))
        assert msg.cmd == ECHO and msg.attrs.string(1) == "x"
        with pytest.raises(FamilyNotFound):
            await genl.family("nope")
        assert {f.name for f in await genl.families()} == {"nlctrl", "demo"}

    on_demo(body)


def test_many_concurrent_requests_answered_correctly() -> None:
    async def body(kernel: GenlKernel, genl: AsyncGenlClient, fam: AsyncGenlFamily) -> None:
        texts = [f"request {i}" for i in range(200)]
        answers = await asyncio.gather(*(fam.do("echo", {"msg": t}) for t in texts))
        assert [a["msg"] for a in answers] == texts
        assert genl.sock.engine.pending == {}

    on_demo(body)


def test_concurrent_dumps_are_serialised() -> None:
    async def body(kernel: GenlKernel, genl: AsyncGenlClient, fam: AsyncGenlFamily) -> None:
        counts = list(range(1, 9))
        dumps = await asyncio.gather(*(fam.dump("list", {"count": n}) for n in counts))
        assert [len(d) for d in dumps] == counts
        assert [m["msg"] for m in dumps[-1]] == [f"item{i}" for i in range(8)]

    on_demo(body)


def test_cancelled_request_leaves_the_client_usable() -> None:
    async def body(kernel: GenlKernel, genl: AsyncGenlClient, fam: AsyncGenlFamily) -> None:
        task = asyncio.create_task(fam.do("hold", {"msg": "never answered"}))
        while not kernel.held:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(fam.do("hold", {"msg": "too slow"}), 0.05)
        assert (await fam.do("echo", {"msg": "after"}))["msg"] == "after"
        # the late answers of the abandoned requests are recognised and dropped
        for req in kernel.held:
            kernel.fake.deliver(replies.reply(req, 42, req.payload) + replies.ack(req),
                                to=kernel.fake.transports[0])  # fmt: skip
        assert (await fam.do("echo", {"msg": "still fine"}))["msg"] == "still fine"
        assert genl.sock.engine.pending == {}

    on_demo(body)


def test_bad_and_missing_attributes_are_named() -> None:
    async def body(
        kernel: GenlKernel, genl: AsyncGenlClient, fam: AsyncGenlFamily
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
    async def body(kernel: GenlKernel, genl: AsyncGenlClient, fam: AsyncGenlFamily) -> None:
        kernel.demo_id = 43  # the module was reloaded behind the cache's back
        assert (await fam.do("echo", {"msg": "moved"}))["msg"] == "moved"
        assert fam.id == 43

    on_demo(body, watch_families=False)


def test_nlctrl_events_refresh_the_cache() -> None:
    async def body(kernel: GenlKernel, genl: AsyncGenlClient, fam: AsyncGenlFamily) -> None:
        asked = kernel.getfamily
        await genl.resolve("demo")
        assert kernel.getfamily == asked  # served from the cache
        kernel.demo_id = 44
        event = build_genl_message(c.GENL_ID_CTRL, c.CTRL_CMD_DELFAMILY, 2, 0, 0, 0,
                                   family_message("demo", 42, {})[c.GENL_HDRLEN:])  # fmt: skip
        assert kernel.fake.multicast(CTRL_NOTIFY, event) == 1
        await asyncio.sleep(0.05)  # let the loop's reader take it
        assert (await genl.resolve("demo")).id == 44

    on_demo(body)


def test_notifications_and_overrun() -> None:
    async def body(kernel: GenlKernel, genl: AsyncGenlClient, fam: AsyncGenlFamily) -> Any:
        with pytest.raises(GenetlinkError, match="subscribe"):
            await anext(fam.notifications(timeout=0.1))
        assert await fam.subscribe("events") == 7
        (listener,) = kernel.members(7)
        kernel.fake.multicast(7, kernel.event("one"))
        kernel.fake.inject_enobufs(to=listener)
        kernel.fake.multicast(7, kernel.event("two"))
        kernel.fake.multicast(7, build_genl_message(99, 1, 1, 0, 0, 0))  # other family
        seen = [e async for e in fam.notifications(timeout=0.2)]
        assert isinstance(seen[0], Overrun)  # the kernel reports the overflow first
        assert [(e.op, e["msg"]) for e in seen[1:]] == [("event", "one"), ("event", "two")]
        await fam.unsubscribe("events")
        assert kernel.members(7) == []
        return kernel

    kernel = on_demo(body)
    assert kernel.fake.transports == []  # every socket closed with the client


# -- the spec client ------------------------------------------------------------------------


def spec_client(kernel: GenlKernel) -> Awaitable[AsyncFamilyClient]:
    return open_family_async(DEMO, transport=kernel.fake.transport())


def test_spec_client_verbs() -> None:
    kernel = GenlKernel()

    async def body() -> None:
        async with await spec_client(kernel) as fam:
            assert fam.family_id == 42 and fam.groups == {"events": 7}
            texts = [f"t{i}" for i in range(50)]
            answers = await asyncio.gather(*(fam.do("echo", {"msg": t}) for t in texts))
            assert [a["msg"] for a in answers] == texts  # type: ignore[call-overload,index]
            dumps = await asyncio.gather(*(fam.dump("list", {"count": n}) for n in (2, 4, 6)))
            assert [len(d) for d in dumps] == [2, 4, 6]
            with pytest.raises(NetlinkError) as bad:
                await fam.do("echo", {"msg": "x", "count": 0})
            assert bad.value.attr_path == ".count" and bad.value.operation == "echo"
            assert fam.subscribe("events") == 7
            kernel.fake.multicast(7, kernel.event("hi"))
            events = [e async for e in fam.notifications(timeout=0.2)]
            assert [e["msg"] for e in events] == ["hi"]  # type: ignore[index]

    run(body)


def test_spec_client_unknown_family_closes_its_socket() -> None:
    kernel = GenlKernel()
    other = declare_family("absent", attributes={"a": (1, "u32")}, operations={"x": (1, ["a"])})
    with pytest.raises(FamilyNotFound):
        run(lambda: open_family_async(other, transport=kernel.fake.transport()))
    assert kernel.fake.transports == []


def test_both_fronts_give_the_same_answers() -> None:
    """One flow, two drivers: the blocking clients agree with the async ones."""
    kernel = GenlKernel()
    with GenlClient(transport_factory=kernel.fake.transport, timeout=WAIT) as genl:
        fam = genl.family("demo", DEMO)
        blocking = (genl.resolve("demo"), fam.do("echo", {"msg": "a"}).to_dict(),
                    [m.to_dict() for m in fam.dump("list", {"count": 4})])  # fmt: skip
        with pytest.raises(NetlinkError) as blocking_error:
            fam.do("echo", {"count": 0})
    with open_family(DEMO, transport=kernel.fake.transport()) as spec:
        spec_blocking = spec.do("echo", {"msg": "a"})

    async def body() -> Any:
        async with client(kernel) as agenl:
            afam = await demo(agenl)
            answers = (await agenl.resolve("demo"), (await afam.do("echo", {"msg": "a"})).to_dict(),
                       [m.to_dict() for m in await afam.dump("list", {"count": 4})])  # fmt: skip
            with pytest.raises(NetlinkError) as error:
                await afam.do("echo", {"count": 0})
        async with await spec_client(kernel) as aspec:
            spec_answer = await aspec.do("echo", {"msg": "a"})
        return answers, error.value, spec_answer

    answers, error, spec_answer = run(body)
    assert answers == blocking
    assert (error.errno, error.attr_path, error.operation) == (
        blocking_error.value.errno, blocking_error.value.attr_path, blocking_error.value.operation
    )  # fmt: skip
    assert spec_answer == spec_blocking


def test_import_genetlink_stays_free_of_asyncio() -> None:
    import subprocess
    import sys

    code = "import sys, genetlink.genl, genetlink.family; print('asyncio' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

"""The asyncio front (`AsyncNetlinkSocket`) driven through the fake kernel, no root."""

from __future__ import annotations

import asyncio
import errno
import os
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from genetlink.aio import AsyncNetlinkSocket
from genetlink.testing import FakeKernel, replies
from genetlink.wire import constants as c
from genetlink.wire.errors import DecodeError, DumpInterrupted, NetlinkError, Overrun, Truncated
from genetlink.wire.message import Message, build_message

T = 100
WAIT = 5.0


def echo(req: Message) -> list[bytes]:
    if req.flags & c.NLM_F_DUMP == c.NLM_F_DUMP:
        return replies.dump(req, T, [b"a", b"b", b"c"], per_datagram=2)
    return [replies.reply(req, T, req.payload) + replies.ack(req)]


def run(body: Callable[[], Awaitable[Any]]) -> Any:
    """Run a coroutine with an overall bound, so a hang fails instead of blocking CI."""

    async def bounded() -> Any:
        return await asyncio.wait_for(body(), 30)

    return asyncio.run(bounded())


def asock(kernel: FakeKernel, **options: Any) -> AsyncNetlinkSocket:
    return AsyncNetlinkSocket(transport=kernel.transport(), **options)


def test_request_and_dump() -> None:
    kernel = FakeKernel(echo)

    async def body() -> None:
        async with asock(kernel) as s:
            (reply,) = await s.request(T, b"hi", timeout=WAIT)
            assert reply.payload == b"hi"
            assert [m.payload for m in await s.dump(T, timeout=WAIT)] == [b"a", b"b", b"c"]

    run(body)


def test_many_concurrent_requests_matched_by_seq() -> None:
    """100 requests in flight; the kernel answers only when all arrived, in reverse order."""
    held: list[Message] = []
    count = 100

    def handler(req: Message) -> list[bytes]:
        held.append(req)
        if len(held) < count:
            return []
        return [replies.reply(r, T, r.payload) + replies.ack(r) for r in reversed(held)]

    kernel = FakeKernel(handler)

    async def body() -> None:
        async with asock(kernel) as s:
            payloads = [f"req{i}".encode() for i in range(count)]
            results = await asyncio.gather(*(s.request(T, p, timeout=WAIT) for p in payloads))
            assert [r[0].payload for r in results] == payloads
            assert s.engine.pending == {}

    run(body)


def test_error_fields_and_permission() -> None:
    kernel = FakeKernel(lambda r: [replies.error(r, errno.EPERM, message="no", bad_offset=20)])

    async def body() -> None:
        async with asock(kernel) as s:
            with pytest.raises(PermissionError) as info:
                await s.request(T, timeout=WAIT)
            err = info.value
            assert isinstance(err, NetlinkError)
            assert (err.errno, err.message, err.bad_offset) == (errno.EPERM, "no", 20)

    run(body)


def test_warnings() -> None:
    kernel = FakeKernel(lambda r: [replies.ack(r, message="careful")])

    async def body() -> None:
        async with asock(kernel) as s:
            assert (await s.request(T, timeout=WAIT)).warnings == ["careful"]

    run(body)


def test_dump_intr_retry_and_give_up() -> None:
    kernel = FakeKernel(echo)

    async def body() -> None:
        async with asock(kernel) as s:
            kernel.dump_intr(1)
            assert len(await s.dump(T, timeout=WAIT)) == 3
            kernel.dump_intr(None)
            with pytest.raises(DumpInterrupted) as info:
                await s.dump(T, timeout=WAIT)
            assert info.value.attempts == 4 and len(info.value.partial) == 3
            kernel.dump_intr(0)
            assert len(await s.dump(T, timeout=WAIT)) == 3

    run(body)


def test_timeout_then_socket_usable() -> None:
    held: list[Message] = []
    kernel = FakeKernel(lambda r: held.append(r))

    async def body() -> None:
        async with asock(kernel) as s:
            with pytest.raises(TimeoutError):
                await s.request(T, timeout=0.2)
            kernel.deliver(replies.ack(held[0]))  # late
            kernel.handler = echo
            assert (await s.request(T, b"x", timeout=WAIT))[0].payload == b"x"
            assert await s.next_notification(timeout=0.05) is None
            assert s.engine.stale == 1

    run(body)


def test_cancellation_leaves_socket_usable() -> None:
    held: list[Message] = []

    def handler(req: Message) -> list[bytes]:
        if req.payload == b"slow":
            held.append(req)
            return []
        return echo(req)

    kernel = FakeKernel(handler)

    async def body() -> None:
        async with asock(kernel) as s:
            task = asyncio.create_task(s.request(T, b"slow"))
            while not held:  # the request has been sent
                await asyncio.sleep(0)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            kernel.deliver(replies.reply(held[0], T, b"slow") + replies.ack(held[0]))
            results = await asyncio.gather(*(s.request(T, b"%d" % i, timeout=WAIT)
                                             for i in range(5)))  # fmt: skip
            assert [r[0].payload for r in results] == [b"%d" % i for i in range(5)]
            assert await s.next_notification(timeout=0.05) is None
            assert s.engine.stale == 2 and s.engine.pending == {}

    run(body)


def test_notifications_and_overrun() -> None:
    kernel = FakeKernel(echo)

    async def body() -> None:
        async with asock(kernel) as s:
            waiter = asyncio.create_task(s.next_notification(timeout=WAIT))
            await asyncio.sleep(0)
            kernel.deliver(build_message(T, 0, 0, 0, b"event"))
            got = await waiter
            assert isinstance(got, Message) and got.payload == b"event"
            kernel.inject_enobufs()
            assert isinstance(await s.next_notification(timeout=WAIT), Overrun)
            assert (await s.request(T, b"ok", timeout=WAIT))[0].payload == b"ok"
            kernel.deliver(build_message(T, 0, 0, 0, b"1") + build_message(T, 0, 0, 0, b"2"))
            items = [m async for m in s.notifications(timeout=0.1)]
            assert [m.payload for m in items] == [b"1", b"2"]  # type: ignore[union-attr]

    run(body)


def test_enobufs_fails_pending_request() -> None:
    kernel = FakeKernel(lambda r: None)

    async def body() -> None:
        async with asock(kernel) as s:
            task = asyncio.create_task(s.request(T, timeout=WAIT))
            await asyncio.sleep(0)
            kernel.inject_enobufs()
            with pytest.raises(Overrun):
                await task
            kernel.handler = echo
            assert (await s.request(T, b"y", timeout=WAIT))[0].payload == b"y"

    run(body)


def test_spoofed_dropped_and_malformed_fails_request() -> None:
    kernel = FakeKernel(lambda r: [replies.error(r, errno.EPERM), replies.ack(r), replies.ack(r)])

    async def body() -> None:
        async with asock(kernel) as s:
            kernel.spoof_next(4242)
            kernel.malform_next("long")  # hits the second datagram: the first ACK
            with pytest.raises(DecodeError):
                await s.request(T, timeout=WAIT)
            assert s.engine.dropped == 2
            kernel.handler = lambda r: [replies.ack(r)]
            assert await s.request(T, timeout=WAIT) == []  # the socket goes on

    run(body)


def test_truncated_raises_truncated() -> None:
    kernel = FakeKernel(echo)

    async def body() -> None:
        async with asock(kernel) as s:
            kernel.truncate_next()
            with pytest.raises(Truncated):
                await s.request(T, b"big", timeout=WAIT)
            assert (await s.request(T, b"ok", timeout=WAIT))[0].payload == b"ok"

    run(body)


def test_truncated_request_fails_and_socket_recovers() -> None:
    """What works today: the request does not hang, and the socket goes on."""
    kernel = FakeKernel(echo)

    async def body() -> None:
        async with asock(kernel) as s:
            kernel.truncate_next()
            with pytest.raises((Truncated, Overrun)):
                await s.request(T, b"big", timeout=WAIT)
            assert (await s.request(T, b"ok", timeout=WAIT))[0].payload == b"ok"
            kernel.truncate_next()  # the buffer grew: fits now
            assert (await s.request(T, b"fits", timeout=WAIT))[0].payload == b"fits"

    run(body)


def test_close_idempotent_and_no_fd_leak() -> None:
    kernel = FakeKernel(echo)

    async def body() -> None:
        before = len(os.listdir("/proc/self/fd"))
        for _ in range(100):
            s = AsyncNetlinkSocket(transport=kernel.transport())
            await s.request(T, timeout=WAIT)
            s.close()
            s.close()
        assert len(os.listdir("/proc/self/fd")) == before
        assert kernel.transports == []

    run(body)


def test_close_cancels_waiting_request() -> None:
    kernel = FakeKernel(lambda r: None)

    async def body() -> None:
        s = AsyncNetlinkSocket(transport=kernel.transport())
        task = asyncio.create_task(s.request(T, timeout=WAIT))
        await asyncio.sleep(0)
        s.close()
        with pytest.raises(OSError) as info:
            await task
        assert info.value.errno == errno.EBADF

    run(body)


def test_concurrent_dumps() -> None:
    kernel = FakeKernel(echo)

    async def body() -> None:
        async with asock(kernel) as s:
            dumps = await asyncio.gather(*(s.dump(T, timeout=WAIT) for _ in range(5)))
            assert all(len(d) == 3 for d in dumps)

    run(body)


def test_dump_while_dump_running_is_ebusy_in_fake() -> None:
    """The fake mimics the kernel's one-dump-per-socket rule (what the test above trips on)."""
    kernel = FakeKernel(echo)
    with kernel.socket() as s:
        transport = kernel.transports[0]
        s.send_raw(build_message(T, c.NLM_F_REQUEST | c.NLM_F_DUMP, 999, s.port))
        assert transport.dump_running
        with pytest.raises(NetlinkError) as info:
            s.dump(T, timeout=WAIT)
        assert info.value.errno == errno.EBUSY
        while transport.queued():
            s.receive(timeout=WAIT)
        assert not transport.dump_running
        assert len(s.dump(T, timeout=WAIT)) == 3

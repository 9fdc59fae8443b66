"""The asyncio front: the same engine as `genetlink.socket`, driven by the event loop.

Many requests may be in flight on one socket at once; answers are matched by sequence number.
Cancelling a request leaves the socket usable: its late answers are recognised and discarded.
"""

from __future__ import annotations

import asyncio
import errno
import logging
from collections.abc import AsyncIterator
from typing import Any

from .core.engine import Engine, Kind, Request
from .socket import NetlinkSocket, Response, trace_datagram
from .wire import constants as c
from .wire.errors import Overrun, Truncated
from .wire.message import Message, build_header

log = logging.getLogger("genetlink.aio")

_RECV_BUFFER = 1 << 16


class AsyncNetlinkSocket:
    """An asyncio Netlink socket; the options are those of `genetlink.socket.NetlinkSocket`.

    Use `await AsyncNetlinkSocket.open(...)` or `async with AsyncNetlinkSocket(...) as s`.
    """

    def __init__(self, protocol: int = c.NETLINK_ROUTE, **options: Any) -> None:
        # The blocking front does the setup (options, bind), so the two never drift apart.
        setup = NetlinkSocket(protocol, **options)
        self._setup = setup
        self._sock = setup._sock
        self._sock.setblocking(False)
        self.protocol = protocol
        self.port = setup.port
        self.engine: Engine = setup.engine
        self._buffer = bytearray(_RECV_BUFFER)
        self._futures: dict[Request, asyncio.Future[None]] = {}
        self._waiters: list[asyncio.Future[None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._dump_lock: asyncio.Lock | None = None  # made on first use, inside the loop
        self._closed = False

    @classmethod
    async def open(cls, protocol: int = c.NETLINK_ROUTE, **options: Any) -> AsyncNetlinkSocket:
        """Open and attach to the running loop."""
        sock = cls(protocol, **options)
        sock.attach()
        return sock

    def attach(self) -> asyncio.AbstractEventLoop:
        """Start reading in the running loop (done by every request; call it to receive
        notifications without awaiting anything yet). Returns the loop."""
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
            self._loop.add_reader(self._sock.fileno(), self._on_readable)
        return self._loop

    def join(self, group: int) -> None:
        """Subscribe to multicast group `group`."""
        self._setup.join(group)

    def leave(self, group: int) -> None:
        """Unsubscribe from multicast group `group`."""
        self._setup.leave(group)

    # -- the reader ---------------------------------------------------------------------------

    def _on_readable(self) -> None:
        """Drain every queued datagram into the engine, then wake whoever waits for them."""
        finished: list[Request] = []
        while True:
            try:
                size, _, _, address = self._sock.recvmsg_into([self._buffer], 0, 0x20)  # MSG_TRUNC
            except (BlockingIOError, InterruptedError):
                break
            except OSError as exc:
                if exc.errno != errno.ENOBUFS:
                    raise
                finished.extend(self.engine.overrun())
                continue
            if size > len(self._buffer):
                error = Truncated(size, len(self._buffer), bytes(self._buffer[:16]))
                self._buffer = bytearray((size + 4095) & ~4095)
                log.warning("%s", error)
                finished.extend(self.engine.truncated(error))
                continue
            data = bytes(memoryview(self._buffer)[:size])
            if self._setup.trace:
                trace_datagram("recv", data, address[0], address[1])
            finished.extend(self.engine.feed(data, address[0], address[1]))
        for request in finished:
            future = self._futures.get(request)
            if future is not None and not future.done():
                future.set_result(None)
        if self.engine.notifications:
            waiters, self._waiters = self._waiters, []
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    # -- requests -----------------------------------------------------------------------------

    async def _run(self, kind: Kind, msg_type: int, payload: bytes, flags: int,
                   operation: str | None, timeout: float | None,
                   port: int = 0) -> Request:  # fmt: skip
        if kind == "dump":
            # The kernel runs one dump per socket at a time (EBUSY otherwise): queue them.
            if self._dump_lock is None:
                self._dump_lock = asyncio.Lock()
            async with self._dump_lock:
                return await self._exchange(kind, msg_type, payload, flags, operation, timeout,
                                            port)  # fmt: skip
        return await self._exchange(kind, msg_type, payload, flags, operation, timeout, port)

    async def _exchange(self, kind: Kind, msg_type: int, payload: bytes, flags: int,
                        operation: str | None, timeout: float | None,
                        port: int) -> Request:  # fmt: skip
        loop = self.attach()
        my_port = self.port

        def build(seq: int) -> bytes:
            return build_header(16 + len(payload), msg_type, flags, seq, my_port) + payload

        request = self.engine.start(kind, build, operation)
        try:
            while True:
                future: asyncio.Future[None] = loop.create_future()
                self._futures[request] = future
                self._setup.send_raw(request.data, port=port)
                try:
                    await asyncio.wait_for(future, timeout)
                finally:
                    self._futures.pop(request, None)
                if not (request.kind == "dump" and request.interrupted and request.error is None):
                    return request
                if not self.engine.retry(request):
                    return request
        finally:
            self.engine.abandon(request)

    async def request(
        self,
        msg_type: int,
        payload: bytes = b"",
        flags: int = 0,
        *,
        ack: bool = True,
        operation: str | None = None,
        timeout: float | None = None,
        port: int = 0,
    ) -> Response:
        """A "do" request (see `NetlinkSocket.request`)."""
        flags |= c.NLM_F_REQUEST | (c.NLM_F_ACK if ack else 0)
        kind: Kind = "do" if ack else "reply"
        request = await self._run(kind, msg_type, payload, flags, operation, timeout, port)
        return Response(self.engine.finish(request), request.warnings)

    async def dump(
        self,
        msg_type: int,
        payload: bytes = b"",
        flags: int = 0,
        *,
        operation: str | None = None,
        timeout: float | None = None,
        port: int = 0,
    ) -> Response:
        """A dump up to NLMSG_DONE, with DUMP_INTR retries (see `NetlinkSocket.dump`)."""
        flags |= c.NLM_F_REQUEST | c.NLM_F_DUMP | c.NLM_F_ACK
        request = await self._run("dump", msg_type, payload, flags, operation, timeout, port)
        return Response(self.engine.finish(request), request.warnings)

    def send(self, msg_type: int, payload: bytes = b"", flags: int = 0, *,
             port: int = 0, groups: int = 0) -> int:  # fmt: skip
        """Send one raw message (see `NetlinkSocket.send`); returns its sequence number."""
        return self._setup.send(msg_type, payload, flags, port=port, groups=groups)

    # -- notifications ------------------------------------------------------------------------

    async def next_notification(self, timeout: float | None = None) -> Message | Overrun | None:
        """The next notification or Overrun event; None when `timeout` passes first."""
        loop = self.attach()
        queue = self.engine.notifications
        if not queue:
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.append(waiter)
            try:
                await asyncio.wait_for(waiter, timeout)
            except TimeoutError:
                return None
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
        return queue.popleft() if queue else None

    async def notifications(self, timeout: float | None = None) -> AsyncIterator[Message | Overrun]:
        """Notifications as they arrive; ends after `timeout` seconds without one."""
        while True:
            item = await self.next_notification(timeout)
            if item is None:
                return
            yield item

    # -- life cycle ---------------------------------------------------------------------------

    def close(self) -> None:
        """Detach from the loop and close; closing twice is harmless."""
        if self._closed:
            return
        self._closed = True
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(self._sock.fileno())
        for future in self._futures.values():
            if not future.done():
                future.cancel()
        self._setup.close()

    async def __aenter__(self) -> AsyncNetlinkSocket:
        self.attach()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self.close()

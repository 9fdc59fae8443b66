"""The asyncio front: the same exchanges and engine as `genetlink.socket`, driven by the loop.

Many requests may be in flight on one socket at once; answers are matched by sequence number.
Cancelling a request leaves the socket usable: its late answers are recognised and discarded.
"""

from __future__ import annotations

import asyncio
import errno
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar, Unpack

from .core import exchange as ex
from .core.engine import Notification
from .core.exchange import DumpOptions, Exchange, Instruction, RequestOptions, Response
from .socket import _MSG_DONTWAIT, NetlinkSocketBase, _read_error
from .wire import constants as c
from .wire.errors import Truncated
from .wire.message import Message, parse_messages

T = TypeVar("T")

#: Requests in flight per socket by default. Measured here: 225 netdev dev-get requests sent
#: at once overflowed the default 208 KiB receive queue (reply + ACK skbs per request); 32
#: leaves room for replies several times that size.
DEFAULT_IN_FLIGHT = 32

_Datagram = tuple[bytes, int, int]
#: Datagrams one readable callback takes at most (the loop calls it again while more wait).
_READS = 256
#: Datagrams read and fed at once within a callback: few enough that a streamed dump stops
#: being read close to its backlog bound (`Engine.backlogged`), enough to spare lock trips.
_CHUNK = 16


class AsyncNetlinkSocket(NetlinkSocketBase):
    """An asyncio Netlink socket; the options are those of `genetlink.socket.NetlinkSocketBase`.
    `max_in_flight` bounds the requests that wait for answers at once (more wait their turn, so
    that replies never overflow the receive queue; the clients use `DEFAULT_IN_FLIGHT`).

    Use `async with AsyncNetlinkSocket(...) as s`, or call `close()`. The methods are those of
    `NetlinkSocket`, awaited where they wait for the kernel.
    """

    def __init__(self, protocol: int = c.NETLINK_ROUTE, *,
                 max_in_flight: int | None = None, **options: Any) -> None:  # fmt: skip
        super().__init__(protocol, max_in_flight=max_in_flight, **options)
        self._sock.setblocking(False)
        self._waiters: list[tuple[Callable[[], bool], asyncio.Future[None]]] = []
        self._raw: list[asyncio.Future[_Datagram]] = []  # receive_from() callers, in order
        self._loop: asyncio.AbstractEventLoop | None = None
        self._paused = False  # reading stopped for a streamed dump's reader to catch up

    def attach(self) -> asyncio.AbstractEventLoop:
        """Start reading in the running loop (every awaited call does; call it to queue
        notifications before awaiting anything). Returns the loop."""
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
            self._loop.add_reader(self.fileno(), self._on_readable)
        return self._loop

    # -- the reader ---------------------------------------------------------------------------

    def _on_readable(self) -> None:
        """Read what is queued into the engine, then wake whoever waits for it.

        The kernel refills the queue from a running dump as it is read, so reading stops
        while a streamed dump holds more than its reader has taken and nobody waits for
        anything else (`_until` starts reading again); at most `_READS` datagrams are taken
        per call, so that a long dump does not hold up the loop.
        """
        try:
            self._read_queued()
        finally:
            self._wake()  # whatever happened, those whose answers came are woken

    def _read_queued(self) -> None:
        reads = 0
        raw = self._raw
        while reads < _READS and not self._closed:
            while raw and raw[0].done():
                raw.pop(0)
            if raw:  # a receive_from() caller takes the next datagram whole
                reads += 1
                try:
                    datagram = self._read(_MSG_DONTWAIT)
                except (BlockingIOError, InterruptedError):
                    break
                except OSError as exc:
                    if isinstance(exc, Truncated):
                        self._absorb([], exc)
                    else:
                        raw.pop(0).set_exception(_read_error(exc))
                    continue
                raw.pop(0).set_result(datagram)
                continue
            # The batch read: whatever is queued, fed to the engine under one lock.
            received: list[_Datagram] = []
            limit = min(_CHUNK, _READS - reads)
            problem = self._read_batch(received, limit)
            reads += len(received)
            if received:
                self.engine.feed_many(received)
            if problem is not None:
                reads += 1
                try:
                    self._absorb([], problem)
                except OSError as unclaimed:  # nobody waits for an answer: tell the readers
                    self._fail_waiters(unclaimed)
                    break
                continue
            if self.engine.backlogged() and not self._needs_reading():
                self._pause()
                break
            if len(received) < limit:  # the queue is empty
                break

    def _needs_reading(self) -> bool:
        """True when a waiter's condition does not hold yet (or a raw receive waits)."""
        return bool(self._raw) or any(not f.done() and not ready() for ready, f in self._waiters)

    def _pause(self) -> None:
        if self._loop is not None and not self._paused:
            self._loop.remove_reader(self.fileno())
            self._paused = True

    def _resume(self) -> None:
        if self._loop is not None and self._paused and not self._closed:
            self._loop.add_reader(self.fileno(), self._on_readable)
            self._paused = False

    def _wake(self) -> None:
        """Resolve the waits whose condition holds now."""
        waiters = self._waiters
        if not waiters:
            return
        keep = []
        for ready, future in waiters:
            if future.done():
                continue
            if ready():
                future.set_result(None)
            else:
                keep.append((ready, future))
        self._waiters = keep

    def _fail_waiters(self, error: BaseException) -> None:
        for _, future in self._waiters:
            if not future.done():
                future.set_exception(error)
        self._waiters = []

    async def _until(self, ready: Callable[[], bool], timeout: float | None) -> None:
        if ready():
            return
        if self._closed:
            raise OSError(errno.EBADF, "the socket was closed")
        future: asyncio.Future[None] = self.attach().create_future()
        self._waiters.append((ready, future))
        self._resume()
        async with asyncio.timeout(timeout):
            await future

    # -- driving exchanges ----------------------------------------------------------------------

    async def run(self, exchange: Exchange[T]) -> T:
        """Drive `exchange` to its end; its result (or the exception it raises). Cancellation
        is thrown into the exchange like any exception, so its cleanup runs."""
        outcome: BaseException | None = None
        try:
            while not isinstance(instruction := ex.step(exchange, outcome), ex.Finished):
                outcome = await self._carry_out(instruction)
            return instruction.value
        finally:
            self._wake()  # what it gave up (a request slot, the dump slot) may free a waiter

    async def iterate(self, exchange: Exchange[Any]) -> AsyncIterator[Any]:
        """Drive `exchange`, yielding what it delivers; closing the iterator ends it."""
        outcome: BaseException | None = None
        try:
            while not isinstance(instruction := ex.step(exchange, outcome), ex.Finished):
                if isinstance(instruction, ex.Drain):
                    for item in ex.drain(instruction):
                        yield item
                elif isinstance(instruction, ex.Deliver):
                    for item in instruction.items:
                        yield item
                outcome = await self._carry_out(instruction)
        finally:
            exchange.close()
            self._wake()

    async def _carry_out(self, instruction: Instruction) -> BaseException | None:
        """Do what the exchange asked; the exception to throw into it, if any."""
        try:
            if isinstance(instruction, ex.Wait):
                try:
                    await self._until(instruction.ready, instruction.timeout)
                except TimeoutError:
                    return ex.timed_out(instruction)
                return None
            if isinstance(instruction, ex.Send):
                self.attach()
                self.send_raw(instruction.data, port=instruction.port)
                return None
            return None  # Deliver, Drain: iterate() has handed the items out
        except BaseException as exc:  # the exchange cleans up, then raises it
            return exc

    # -- requests -----------------------------------------------------------------------------

    async def request(self, msg_type: int, payload: bytes = b"", flags: int = 0,
                      **options: Unpack[RequestOptions]) -> Response:  # fmt: skip
        """A "do" request (see `NetlinkSocket.request`)."""
        return await self.run(ex.request(self.engine, msg_type, payload, flags, **options))

    async def dump(self, msg_type: int, payload: bytes = b"", flags: int = 0,
                   **options: Unpack[DumpOptions]) -> Response:  # fmt: skip
        """A dump collected up to NLMSG_DONE, with DUMP_INTR retries (see `NetlinkSocket.dump`)."""
        return await self.run(ex.dump(self.engine, msg_type, payload, flags, **options))

    def iter_dump(self, msg_type: int, payload: bytes = b"", flags: int = 0,
                  **options: Unpack[DumpOptions]) -> AsyncIterator[Message]:  # fmt: skip
        """A dump streamed (see `NetlinkSocket.iter_dump`): `async for msg in s.iter_dump(...)`."""
        return self.iterate(ex.stream(self.engine, msg_type, payload, flags, **options))

    async def receive_from(self, timeout: float | None = None) -> tuple[list[Message], int, int]:
        """The next datagram's messages with the sender's port id and group mask, bypassing
        request matching (see `NetlinkSocket.receive_from`)."""
        if self._closed:
            raise OSError(errno.EBADF, "the socket was closed")
        future: asyncio.Future[_Datagram] = self.attach().create_future()
        self._raw.append(future)
        self._resume()
        self._on_readable()  # one may be queued already
        try:
            async with asyncio.timeout(timeout):
                data, port, groups = await future
        except TimeoutError:
            raise TimeoutError(f"nothing received in {timeout} s") from None
        finally:
            if future in self._raw:
                self._raw.remove(future)
        return parse_messages(data), port, groups

    async def receive(self, timeout: float | None = None) -> list[Message]:
        """The next datagram's messages (see `receive_from`)."""
        return (await self.receive_from(timeout))[0]

    # -- notifications ------------------------------------------------------------------------

    async def next_notification(self, timeout: float | None = None) -> Notification | None:
        """The next notification or Overrun event; None when `timeout` passes first."""
        return await self.run(ex.next_notification(self.engine, timeout))

    def poll_notification(self) -> Notification | None:
        """The next notification that has already arrived, without waiting (not awaited: what
        is queued on the socket is read now)."""
        self._on_readable()
        queue = self.engine.notifications
        return queue.popleft() if queue else None

    def notifications(self, timeout: float | None = None) -> AsyncIterator[Notification]:
        """Notifications as they arrive; ends after `timeout` seconds without one. An `Overrun`
        item means messages were lost: resynchronise, then go on."""
        return self.iterate(ex.notifications(self.engine, timeout))

    # -- life cycle ---------------------------------------------------------------------------

    def close(self) -> None:
        """Detach from the loop and close; closing twice is harmless."""
        if self._closed:
            return
        if self._loop is not None and not self._loop.is_closed() and not self._paused:
            self._loop.remove_reader(self.fileno())
        self._fail_waiters(OSError(errno.EBADF, "the socket was closed"))
        for future in self._raw:
            if not future.done():
                future.cancel()
        super().close()

    async def __aenter__(self) -> AsyncNetlinkSocket:
        self.attach()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()


__all__ = ["DEFAULT_IN_FLIGHT", "AsyncNetlinkSocket"]

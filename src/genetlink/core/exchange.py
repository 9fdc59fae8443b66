"""Exchanges: the request logic written once, as generators the two fronts drive.

An exchange is a generator over an `Engine`. It yields instructions and the front carries them
out: `Send` (these bytes, to this port), `Wait` (read datagrams into the engine until this holds;
a TimeoutError is thrown in when it does not in time) and `Deliver` (hand these items to the
caller of an iterating call). What an exchange returns is the call's result. Nothing here
touches a socket: `NetlinkSocket.run()`/`.iterate()` drive exchanges on a blocking socket,
`AsyncNetlinkSocket.run()`/`.iterate()` on an asyncio one.

Exchanges compose with `yield from`, so a client's logic (resolve a family, encode, send,
retry a stale id, name an error's attribute, decode) is itself one exchange:

    def echo(engine, family_id, text):
        response = yield from request(engine, family_id, payload(text))
        return decode(response[0])

    reply = sock.run(echo(sock.engine, 30, "hi"))            # blocking
    reply = await asock.run(echo(asock.engine, 30, "hi"))    # asyncio
"""

from __future__ import annotations

import warnings
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, TypedDict, TypeVar, Unpack

from ..wire import constants as c
from ..wire.errors import DumpInterrupted, NetlinkWarning
from ..wire.message import NLMSGHDR, Message, build_header
from .engine import Engine, Notification, Request

T = TypeVar("T")
R = TypeVar("R")

#: Datagrams a reader takes at once when more are already queued (dumps, notifications).
BATCH = 64
#: The same for a notification consumer: a burst is taken in fewer, larger reads (the queue
#: of notifications is bounded by `Engine.max_queued`, not by a streamed dump's backlog).
NOTIFY_BATCH = 256
#: The same for a streamed dump: the kernel fills the next dump datagram (~500 routes) when
#: the reader asks for it, so each one read ahead is held until the caller has iterated it.
#: One keeps the window a caller's iteration holds at one datagram, whatever the table's size.
STREAM_BATCH = 1


class Send(NamedTuple):
    """Send `data` as one datagram to port id `port`. `exclusive`: no other thread may be inside
    recvmsg() on the socket meanwhile (a dump request; see `NetlinkSocket`)."""

    data: bytes
    port: int = 0
    exclusive: bool = False


class Wait(NamedTuple):
    """Read datagrams into the engine until `ready()`; TimeoutError after `timeout` seconds
    without it (`what` says what was awaited). `batch`: datagrams to take per read when queued."""

    ready: Callable[[], bool]
    timeout: float | None
    what: str | Request  # a request stands for its answer (named only if the wait times out)
    batch: int = 1


class Deliver(NamedTuple, Generic[R]):
    """Hand `items` to the caller of an iterating call, in order. They are the caller's until
    it resumes the exchange, which may then clear the list (a streamed dump does, so that
    nothing it handed out stays referenced from the exchange)."""

    items: Sequence[R]


class Drain(NamedTuple):
    """Hand the items of `queue` to the caller of an iterating call, each popped only as the
    caller takes it (what the caller does not take stays queued), mapped by `accept` (None
    from it: skip the item). The fronts do this without resuming the exchange per item."""

    queue: deque[Any]
    accept: Callable[[Any], Any] | None = None


Instruction = Send | Wait | Deliver[Any] | Drain
#: An exchange yields instructions and returns a T.
Exchange = Generator[Instruction, None, T]


@dataclass(frozen=True, slots=True)
class Finished(Generic[T]):
    """An exchange's result, as `step` reports it."""

    value: T


def step(exchange: Exchange[T], outcome: BaseException | None) -> Instruction | Finished[T]:
    """Resume `exchange` with the outcome of its last instruction (None: it went well)."""
    try:
        if outcome is None:
            return exchange.send(None)
        return exchange.throw(outcome)
    except StopIteration as stop:
        return Finished(stop.value)


def drain(instruction: Drain) -> Iterator[Any]:
    """The items a `Drain` hands out, popped one by one as they are taken (both fronts)."""
    popleft, accept = instruction.queue.popleft, instruction.accept
    while True:
        try:
            item = popleft()
        except IndexError:  # empty (another consumer may have taken the last one)
            return
        if accept is None or (item := accept(item)) is not None:
            yield item


def timed_out(wait: Wait) -> TimeoutError:
    """The error thrown into an exchange whose `wait` did not end in time."""
    what = wait.what
    if isinstance(what, Request):
        what = f"{what.operation or NLMSGHDR.unpack_from(what.data)[1]} (seq {what.seq})"
    return TimeoutError(f"no answer to {what} in {wait.timeout} s")


class Response(list[Message]):
    """The reply messages of a request, plus any ext-ACK warnings the kernel attached."""

    warnings: list[str]

    def __init__(self, messages: list[Message], warnings: list[str]) -> None:
        super().__init__(messages)
        self.warnings = warnings


def warn(operation: str | None, texts: list[str]) -> None:
    """Issue the kernel's ext-ACK warnings (texts on success) as NetlinkWarnings."""
    for text in texts:
        label = f"{operation}: " if operation else ""
        warnings.warn(NetlinkWarning(f"{label}{text}"), stacklevel=3)


def _builder(engine: Engine, msg_type: int, payload: bytes, flags: int) -> Callable[[int], bytes]:
    port = engine.port
    header_length = 16 + len(payload)

    def build(seq: int) -> bytes:
        return build_header(header_length, msg_type, flags, seq, port) + payload

    return build


def request(
    engine: Engine,
    msg_type: int,
    payload: bytes = b"",
    flags: int = 0,
    *,
    ack: bool = True,
    operation: str | None = None,
    timeout: float | None = None,
    port: int = 0,
) -> Exchange[Response]:
    """A "do" request: send, wait for the replies and the ACK; NetlinkError on an error.

    NLM_F_REQUEST and NLM_F_ACK are added. With ack=False (peers that never ACK, such as a
    user process at port id `port`) the first reply ends the request.
    """
    if engine.max_in_flight is not None:
        while engine.window_full():  # checked again on waking: others may have taken the slot
            yield Wait(lambda: not engine.window_full(), timeout, "a free request slot")
    flags |= c.NLM_F_REQUEST | (c.NLM_F_ACK if ack else 0)
    sent = engine.start("do" if ack else "reply", _builder(engine, msg_type, payload, flags),
                        operation)  # fmt: skip
    try:
        yield Send(sent.data, port)
        yield Wait(lambda: sent.done, timeout, sent)
    except BaseException:
        engine.abandon(sent)
        raise
    messages = engine.finish(sent)  # forgets the request too
    if sent.warnings:
        warn(operation, sent.warnings)
    return Response(messages, sent.warnings)


def _idle_wait(sent: Request, timeout: float | None, batch: int = BATCH) -> Wait:
    """Until the dump ends or brings messages: `timeout` bounds each wait, not the dump."""
    seen = len(sent.messages)
    return Wait(lambda: sent.done or len(sent.messages) > seen, timeout, sent, batch)


class DumpOptions(TypedDict, total=False):
    """Keyword options of `dump` and `stream`: the operation's name for errors, the seconds
    to wait for each datagram, the peer's port id (0: the kernel)."""

    operation: str | None
    timeout: float | None
    port: int


class RequestOptions(DumpOptions, total=False):
    """Keyword options of `request`: those of a dump, and whether the peer ACKs."""

    ack: bool


def _start_dump(engine: Engine, msg_type: int, payload: bytes, flags: int,
                options: DumpOptions) -> Exchange[Request]:  # fmt: skip
    """Register a dump once no other runs on the socket: the kernel answers a second one with
    EBUSY. The running dump's messages are read meanwhile and kept for its own reader. A dump
    that was abandoned and whose end never comes is given up after the timeout."""
    flags |= c.NLM_F_REQUEST | c.NLM_F_DUMP | c.NLM_F_ACK
    build = _builder(engine, msg_type, payload, flags)
    while (sent := engine.start_dump(build, options.get("operation"))) is None:
        try:
            yield Wait(lambda: not engine.dump_busy(), options.get("timeout"),
                       "the running dump's end", BATCH)  # fmt: skip
        except TimeoutError:
            if any(r.kind == "dump" for r in list(engine.pending.values())):
                raise
            engine.forget_open_dumps()
    return sent


def dump(engine: Engine, msg_type: int, payload: bytes = b"", flags: int = 0,
         **options: Unpack[DumpOptions]) -> Exchange[Response]:  # fmt: skip
    """A dump collected: every reply message up to NLMSG_DONE (NLM_F_REQUEST|NLM_F_DUMP|NLM_F_ACK
    added). A dump that comes back with NLM_F_DUMP_INTR is repeated (`engine.dump_retries`
    times), then DumpInterrupted is raised with the last partial result. `timeout` bounds the
    wait for each datagram."""
    sent = yield from _start_dump(engine, msg_type, payload, flags, options)
    timeout = options.get("timeout")
    try:
        while True:
            yield Send(sent.data, options.get("port", 0), exclusive=True)
            while not sent.done:
                yield _idle_wait(sent, timeout)
            if not sent.interrupted or sent.error is not None or not engine.retry(sent):
                messages = engine.finish(sent)
                warn(sent.operation, sent.warnings)
                return Response(messages, sent.warnings)
    finally:
        engine.abandon(sent)


def stream(engine: Engine, msg_type: int, payload: bytes = b"", flags: int = 0, *,
           decode: Callable[[Message], Any] | None = None,
           **options: Unpack[DumpOptions]) -> Exchange[list[str]]:  # fmt: skip
    """A dump streamed: each reply message (or `decode(message)`, skipping None) is delivered
    as its datagram arrives, so nothing is held beyond what the caller keeps. Returns the
    ext-ACK warnings of the end.

    An interrupted dump (NLM_F_DUMP_INTR) cannot be repeated behind the caller's back: it is
    read to its end, then DumpInterrupted is raised (what was delivered may be inconsistent:
    dump again). `timeout` bounds the wait for each datagram.
    """
    sent = yield from _start_dump(engine, msg_type, payload, flags, options)
    sent.streamed = True
    timeout = options.get("timeout")
    try:
        yield Send(sent.data, options.get("port", 0), exclusive=True)
        while True:
            if not sent.messages and not sent.done:
                yield _idle_wait(sent, timeout, STREAM_BATCH)
            items: list[Any] = engine.take(sent)
            if items:
                if decode is not None:
                    items = [x for m in items if (x := decode(m)) is not None]
                yield Deliver(items)
                # The caller has iterated them: let go before the next datagram is read, or
                # a caller that keeps nothing would hold two windows.
                items.clear()
            elif sent.done:
                break
        engine.finish(sent)
        if sent.interrupted:
            raise DumpInterrupted(1, [], streamed=True)
        warn(sent.operation, sent.warnings)
        return sent.warnings
    finally:
        engine.abandon(sent)


def notifications(
    engine: Engine,
    timeout: float | None = None,
    accept: Callable[[Notification], Any] | None = None,
) -> Exchange[None]:
    """Notifications (and Overrun events) as they arrive; ends after `timeout` seconds without
    one. `accept` maps each (None: skip it). The queue is handed out whole (`Drain`): an item
    is taken from it only when the caller takes it, so breaking out of the loop loses none."""
    queue = engine.notifications
    while True:
        if not queue:
            try:
                yield Wait(lambda: bool(queue), timeout, "a notification", NOTIFY_BATCH)
            except TimeoutError:
                return
        yield Drain(queue, accept)


def next_notification(engine: Engine,
                      timeout: float | None = None) -> Exchange[Notification | None]:
    """The next notification or Overrun event; None when `timeout` passes first."""
    queue = engine.notifications
    if not queue:
        try:
            yield Wait(lambda: bool(queue), timeout, "a notification", NOTIFY_BATCH)
        except TimeoutError:
            return None
    return queue.popleft()


__all__ = [
    "BATCH",
    "NOTIFY_BATCH",
    "Deliver",
    "Drain",
    "DumpOptions",
    "Exchange",
    "Finished",
    "Instruction",
    "RequestOptions",
    "Response",
    "Send",
    "Wait",
    "drain",
    "dump",
    "next_notification",
    "notifications",
    "request",
    "step",
    "stream",
    "timed_out",
]

"""The protocol engine shared by `genetlink.socket` and `genetlink.aio`."""

from __future__ import annotations

import logging
import struct
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from typing import Literal

from ..wire import constants as c
from ..wire.ack import Ack, parse_done, parse_error
from ..wire.errors import (
    DecodeError,
    DumpInterrupted,
    GenetlinkError,
    Overrun,
    Truncated,
)
from ..wire.message import NLMSGHDR, Message, parse_messages

log = logging.getLogger("genetlink.core")

Kind = Literal["do", "dump", "reply"]
#: Builds the datagram to send for a given sequence number (called again on a dump retry).
Builder = Callable[[int], bytes]
#: What the engine queues for notification consumers.
Notification = Message | Overrun

_SEQ_MAX = 0xFFFF_FFFF
_ERRNO = struct.Struct("=i").unpack_from
_RECENT_MAX = 1024


class Request:
    """One request in flight: what was sent, what came back, and whether it is finished.

    kind "do" ends at the ACK (NLMSG_ERROR with 0) or an error; "dump" ends at NLMSG_DONE or an
    error, never earlier (a reply without NLM_F_MULTI does not end a dump); "reply" ends at the
    first reply message (peers that do not ACK, such as user processes on NETLINK_USERSOCK).
    """

    __slots__ = (
        "attempts", "build", "data", "done", "ended", "error", "interrupted", "kind",
        "messages", "operation", "seq", "streamed", "warnings",
    )  # fmt: skip

    def __init__(self, seq: int, kind: Kind, build: Builder, operation: str | None) -> None:
        self.seq = seq
        self.kind = kind
        self.build = build
        self.operation = operation
        self.data = build(seq)
        self.messages: list[Message] = []
        self.warnings: list[str] = []
        self.error: GenetlinkError | None = None
        self.done = False
        self.ended = False  # the kernel's last word (NLMSG_DONE, or an error) has arrived
        self.interrupted = False
        self.attempts = 1
        self.streamed = False  # its messages go to a reader as they come (see Engine.take)

    def _fail(self, error: GenetlinkError) -> None:
        self.error = error
        self.done = True

    def __repr__(self) -> str:
        state = "done" if self.done else "pending"
        return f"Request(seq={self.seq}, {self.kind}, {state}, {len(self.messages)} messages)"


class Engine:
    """Routes received messages to pending requests (by sequence number) or to notifications.

    port: our port id, written into the headers of the requests we build.
    kernel_peer: only messages from port id 0 are accepted (on every protocol but
        NETLINK_USERSOCK, another process could otherwise forge answers); others are counted in
        `dropped` and discarded.
    dump_retries: how many times a collected dump that came back with NLM_F_DUMP_INTR is
        repeated before DumpInterrupted is raised with the last partial result.
    max_queued: notifications kept for the consumer; past it, messages are dropped, counted in
        `queue_dropped`, and an Overrun event takes their place, so loss is never silent.
    max_in_flight: "do" requests that may wait for their answers at once (None: no bound).

    The engine is safe to share between threads: each method takes its own lock.
    """

    def __init__(
        self,
        *,
        port: int = 0,
        kernel_peer: bool = True,
        dump_retries: int = 3,
        max_queued: int = 1 << 16,
        max_in_flight: int | None = None,
        first_seq: int = 1,
    ) -> None:
        self.port = port
        self.kernel_peer = kernel_peer
        self.dump_retries = dump_retries
        self.max_queued = max_queued
        self.max_in_flight = max_in_flight
        self.pending: dict[int, Request] = {}
        self.notifications: deque[Notification] = deque()
        self.dropped = 0
        self.stale = 0
        self.queue_dropped = 0
        self._queue_overrun = False
        self._seq = (first_seq - 1) % _SEQ_MAX
        # Sequence numbers of requests we stopped waiting for: their late answers are ours, so
        # they are discarded, never taken for notifications. True marks a dump whose end
        # (NLMSG_DONE or an error) has not arrived: the kernel still runs it.
        self._recent: OrderedDict[int, bool] = OrderedDict()
        self._open_dumps = 0
        self._lock = threading.Lock()

    # -- requests -----------------------------------------------------------------------------

    def next_seq(self) -> int:
        """The next sequence number: monotonic, wrapping from 2**32-1 to 1 (0 marks events)."""
        with self._lock:
            return self._next_seq()

    def _next_seq(self) -> int:
        seq = self._seq
        while True:
            seq = seq % _SEQ_MAX + 1
            if seq not in self.pending and seq not in self._recent:
                self._seq = seq
                return seq

    def start(self, kind: Kind, build: Builder, operation: str | None = None) -> Request:
        """Register a request; its datagram to send is `request.data`."""
        with self._lock:
            request = Request(self._next_seq(), kind, build, operation)
            self.pending[request.seq] = request
        return request

    def start_dump(self, build: Builder, operation: str | None = None) -> Request | None:
        """Register a dump, unless one runs on the socket already (None then: the kernel
        answers a second one with EBUSY). Checking and registering are one step, so two
        callers cannot both take the free slot."""
        with self._lock:
            if self._dump_busy():
                return None
            request = Request(self._next_seq(), "dump", build, operation)
            self.pending[request.seq] = request
        return request

    def abandon(self, request: Request) -> None:
        """Forget a request (finished, cancelled, timed out, or failed on our side).

        Answers that still come for it are recognised by sequence number and discarded. A dump
        that the kernel has not ended keeps the socket's dump slot (`dump_busy`) until it does.
        """
        with self._lock:
            if self.pending.pop(request.seq, None) is None:
                return
            running = request.kind == "dump" and not request.ended
            self._recent[request.seq] = running
            self._open_dumps += running
            while len(self._recent) > _RECENT_MAX:
                _, was_running = self._recent.popitem(last=False)
                self._open_dumps -= was_running

    def retry(self, request: Request) -> bool:
        """After an interrupted dump: re-arm it under a new sequence number.

        Returns True when `request.data` is to be sent again; False when the retries are used up,
        in which case `request.error` is a DumpInterrupted carrying the partial result.
        """
        with self._lock:
            self.pending.pop(request.seq, None)
            self._recent[request.seq] = False  # ended at its DONE; later answers are stale
            if request.attempts > self.dump_retries:
                request.error = DumpInterrupted(request.attempts, request.messages)
                return False
            log.debug("dump seq %d interrupted, retrying (attempt %d)", request.seq,
                      request.attempts)  # fmt: skip
            request.seq = self._next_seq()
            request.data = request.build(request.seq)
            request.messages = []
            request.warnings = []
            request.interrupted = False
            request.done = False
            request.ended = False
            request.attempts += 1
            self.pending[request.seq] = request
        return True

    def finish(self, request: Request) -> list[Message]:
        """The messages of a finished request, or its error raised; the request is forgotten
        (see `abandon`)."""
        self.abandon(request)
        if request.error is not None:
            raise request.error
        return request.messages

    def take(self, request: Request) -> list[Message]:
        """The messages that arrived for a streamed dump since the last take."""
        with self._lock:
            messages, request.messages = request.messages, []
        return messages

    def claim(self, accept: Callable[[Message], bool]) -> list[Message]:
        """Take back the queued notifications that `accept` says answer a request of ours
        after all: an nfnetlink echo (NLM_F_ECHO) comes as the multicast copy of the change
        it reports, group bits set."""
        with self._lock:
            queue = self.notifications
            taken = [m for m in queue if isinstance(m, Message) and accept(m)]
            if taken:
                kept = [m for m in queue if not (isinstance(m, Message) and accept(m))]
                queue.clear()
                queue.extend(kept)
        return taken

    def backlogged(self, limit: int = 2048) -> bool:
        """True when a streamed dump holds `limit` messages its reader has not taken: reading
        on would hold the whole table, not what the reader keeps."""
        return any(r.streamed and len(r.messages) >= limit for r in list(self.pending.values()))

    def dump_busy(self) -> bool:
        """True while a dump runs on this socket (the kernel runs one at a time per socket)."""
        with self._lock:
            return self._dump_busy()

    def _dump_busy(self) -> bool:
        return bool(self._open_dumps) or any(
            r.kind == "dump" and not r.done for r in self.pending.values()
        )

    def forget_open_dumps(self) -> None:
        """Give up on the ends of abandoned dumps (their answers stopped coming)."""
        with self._lock:
            for seq, running in self._recent.items():
                if running:
                    self._recent[seq] = False
            self._open_dumps = 0

    def window_full(self) -> bool:
        """True when `max_in_flight` requests wait for their answers already."""
        limit = self.max_in_flight
        return limit is not None and len(self.pending) >= limit

    # -- what the socket reports --------------------------------------------------------------

    def overrun(self) -> list[Request]:
        """ENOBUFS: tell subscribers; fail "do" requests, whose replies may be lost.

        Dumps go on: the kernel pauses a dump while the queue is full rather than dropping it.
        """
        with self._lock:
            return self._overrun()

    def truncated(self, error: Truncated) -> list[Request]:
        """A datagram was cut off: fail the request it answered, or tell subscribers."""
        with self._lock:
            finished = self._fail_by_header(error.header, error)
            if not finished:
                self._queue(Overrun(str(error)))
        return finished

    def fail(self, seq: int, error: GenetlinkError) -> Request | None:
        """Fail the pending request `seq` (e.g. its answer was truncated); None if unknown."""
        with self._lock:
            return self._fail_seq(seq, error)

    def feed(self, data: bytes, port: int = 0, groups: int = 0) -> list[Request]:
        """Consume one datagram from `port` (sent to `groups`, when multicast); return the
        requests it finished.

        A multicast datagram is always a notification, even when it carries the sequence
        number of one of our requests (the kernel's multicast copy of a change we asked for).
        A datagram that does not parse is dropped whole and counted; the request it answers
        fails with the DecodeError instead of waiting or ending short (every request in flight,
        when the header does not say which), and notification consumers get an Overrun event.
        """
        with self._lock:
            return self._feed(data, port, groups, [])

    def feed_many(self, datagrams: Iterable[tuple[bytes, int, int]]) -> list[Request]:
        """`feed` each (data, port, groups) of a batch read, under one lock; the requests
        they finished."""
        finished: list[Request] = []
        with self._lock:
            feed, queue, limit = self._feed, self.notifications, self.max_queued
            forged = self.kernel_peer
            for data, port, groups in datagrams:
                # The common case inlined: a multicast datagram of well-formed notifications
                # with room for them in the queue. Anything else takes the full path.
                if groups and not (forged and port) and not self._queue_overrun:
                    try:
                        messages = parse_messages(data)
                    except DecodeError:
                        messages = None
                    if messages is not None and len(queue) + len(messages) <= limit:
                        for msg in messages:
                            if msg.type != c.NLMSG_NOOP:
                                queue.append(msg)
                        continue
                feed(data, port, groups, finished)
        return finished

    # -- inside the lock ----------------------------------------------------------------------

    def _feed(self, data: bytes, port: int, groups: int,
              finished: list[Request]) -> list[Request]:  # fmt: skip
        if self.kernel_peer and port != 0:
            self.dropped += 1
            log.warning("dropped a datagram from port %d: only the kernel (port 0) answers", port)
            return finished
        try:
            messages = parse_messages(data)
        except DecodeError as exc:
            self._malformed(data, exc, groups, finished)
            return finished
        if groups:
            queue = self.notifications
            if len(queue) + len(messages) <= self.max_queued and not self._queue_overrun:
                queue.extend([msg for msg in messages if msg.type != c.NLMSG_NOOP])
            else:
                for msg in messages:
                    if msg.type != c.NLMSG_NOOP:
                        self._queue(msg)
            return finished
        try:
            for msg in messages:
                self._route(msg, finished)
        except DecodeError as exc:
            self._malformed(data, exc, groups, finished)
        except Exception as exc:  # a bug must not leave requests waiting forever
            log.exception("failed to read a datagram")
            self._malformed(data, DecodeError(f"unreadable answer: {exc!r}"), groups,
                            finished)  # fmt: skip
        return finished

    def _fail_seq(self, seq: int, error: GenetlinkError) -> Request | None:
        request = self.pending.get(seq)
        if request is None or request.done:
            return None
        request._fail(error)
        return request

    def _fail_by_header(self, data: bytes, error: GenetlinkError) -> list[Request]:
        """Fail the request the datagram's header names; every request in flight when the
        header is unreadable or names none of ours (its answer may be the one lost)."""
        if len(data) >= NLMSGHDR.size:
            seq = NLMSGHDR.unpack_from(data)[3]
            one = self._fail_seq(seq, error)
            if one is not None:
                return [one]
            if seq in self._recent or seq in self.pending:
                return []  # a late answer to a request that has ended already
        return [r for seq in list(self.pending) if (r := self._fail_seq(seq, error)) is not None]

    def _malformed(self, data: bytes, error: DecodeError, groups: int,
                   finished: list[Request]) -> None:  # fmt: skip
        self.dropped += 1
        log.warning("dropped a malformed datagram: %s", error)
        if not groups:
            finished.extend(self._fail_by_header(data, error))
        if groups or not finished:
            self._queue(Overrun(f"a malformed datagram was dropped: {error}"))

    def _route(self, msg: Message, finished: list[Request]) -> None:
        seq = msg.seq
        request = self.pending.get(seq) if seq else None
        if request is None or request.done:
            if request is not None and msg.type in (c.NLMSG_DONE, c.NLMSG_ERROR):
                request.ended = True  # failed on our side first; the kernel has ended it now
            self._unsolicited(msg, request is not None)
            return
        msg_type = msg.type
        if msg_type == c.NLMSG_ERROR:
            # an ACK ends a "do"; a dump ends only at NLMSG_DONE (or an error)
            if (
                not msg.flags & c.NLM_F_ACK_TLVS
                and msg.end - msg.payload_start >= 4
                and _ERRNO(msg.data, msg.payload_start)[0] == 0
            ):
                if request.kind != "dump":  # a plain ACK: nothing more to read in it
                    request.done = True
                    finished.append(request)
                return
            self._answer(request, parse_error(msg), finished, ends=request.kind != "dump")
        elif msg_type == c.NLMSG_DONE:
            if request.kind == "dump":
                if msg.flags & c.NLM_F_DUMP_INTR:  # the kernel checks consistency on DONE too
                    request.interrupted = True
                self._answer(request, parse_done(msg), finished, ends=True)
        elif msg_type == c.NLMSG_OVERRUN:
            finished.extend(self._overrun())
        elif msg_type != c.NLMSG_NOOP:
            request.messages.append(msg)
            if msg.flags & c.NLM_F_DUMP_INTR:
                request.interrupted = True
            if request.kind == "reply":
                request.done = True
                finished.append(request)

    def _overrun(self) -> list[Request]:
        self._queue(Overrun())
        failed = []
        for request in self.pending.values():
            if request.kind != "dump" and not request.done:
                request._fail(Overrun("receive queue overflowed; the reply may have been lost"))
                failed.append(request)
        return failed

    def _answer(self, request: Request, ack: Ack, finished: list[Request], *, ends: bool) -> None:
        request.warnings.extend(ack.warnings)
        request.ended = ends or bool(ack.error)
        if ack.error:
            request._fail(ack.exception(operation=request.operation, seq=request.seq,
                                        request=request.data))  # fmt: skip
        elif ends:
            request.done = True
        if request.done:
            finished.append(request)

    def _unsolicited(self, msg: Message, ours: bool) -> None:
        seq = msg.seq
        running = self._recent.get(seq)
        if ours or running is not None:
            # A late answer to one of our requests (after its end, a timeout, a cancellation
            # or an overrun): never a notification.
            self.stale += 1
            if running and msg.type in (c.NLMSG_ERROR, c.NLMSG_DONE):
                self._recent[seq] = False
                self._open_dumps -= 1
            return
        if msg.type == c.NLMSG_NOOP:
            return
        self._queue(msg)

    def _queue(self, item: Notification) -> None:
        queue = self.notifications
        if len(queue) >= self.max_queued:
            self.queue_dropped += 1
            if not self._queue_overrun:
                self._queue_overrun = True
                queue.append(Overrun("notification queue full: the consumer fell behind"))
            return
        self._queue_overrun = False
        queue.append(item)

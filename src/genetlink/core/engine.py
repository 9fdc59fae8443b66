"""The protocol engine shared by `genetlink.socket` and `genetlink.aio`."""

from __future__ import annotations

import logging
import struct
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Literal

from ..wire import constants as c
from ..wire.ack import Ack, parse_done, parse_error
from ..wire.errors import (
    DecodeError,
    DumpInterrupted,
    GenetlinkError,
    NetlinkError,
    Overrun,
    Truncated,
)
from ..wire.message import NLMSGHDR, Message, parse_messages

log = logging.getLogger("genetlink.core")

Kind = Literal["do", "dump", "reply"]
#: Builds the datagram to send for a given sequence number (called again on a dump retry).
Builder = Callable[[int], bytes]

_SEQ_MAX = 0xFFFF_FFFF
_ERRNO = struct.Struct("=i").unpack_from
_ABANDONED_MAX = 1024


class Request:
    """One request in flight: what was sent, what came back, and whether it is finished.

    kind "do" ends at the ACK (NLMSG_ERROR with 0) or an error; "dump" ends at NLMSG_DONE or an
    error, never earlier (a reply without NLM_F_MULTI does not end a dump); "reply" ends at the
    first reply message (peers that do not ACK, such as user processes on NETLINK_USERSOCK).
    """

    __slots__ = (
        "attempts", "build", "data", "done", "error", "interrupted", "kind", "messages",
        "operation", "seq", "warnings",
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
        self.interrupted = False
        self.attempts = 1

    def _fail(self, error: GenetlinkError) -> None:
        self.error = error
        self.done = True

    def __repr__(self) -> str:
        state = "done" if self.done else "pending"
        return f"Request(seq={self.seq}, {self.kind}, {state}, {len(self.messages)} messages)"


class Engine:
    """Routes received messages to pending requests (by sequence number) or to notifications.

    kernel_peer: only messages from port id 0 are accepted (on every protocol but
        NETLINK_USERSOCK, another process could otherwise forge answers); others are counted in
        `dropped` and discarded.
    dump_retries: how many times a dump that came back with NLM_F_DUMP_INTR is repeated before
        DumpInterrupted is raised with the last partial result.
    max_queued: notifications kept for the consumer; past it, messages are dropped, counted in
        `queue_dropped`, and an Overrun event takes their place, so loss is never silent.
    """

    def __init__(
        self,
        *,
        kernel_peer: bool = True,
        dump_retries: int = 3,
        max_queued: int = 1 << 16,
        first_seq: int = 1,
    ) -> None:
        self.kernel_peer = kernel_peer
        self.dump_retries = dump_retries
        self.max_queued = max_queued
        self.pending: dict[int, Request] = {}
        self.notifications: deque[Message | Overrun] = deque()
        self.dropped = 0
        self.stale = 0
        self.queue_dropped = 0
        self._queue_overrun = False
        self._seq = (first_seq - 1) % _SEQ_MAX
        self._abandoned: OrderedDict[int, None] = OrderedDict()

    def next_seq(self) -> int:
        """The next sequence number: monotonic, wrapping from 2**32-1 to 1 (0 marks events)."""
        seq = self._seq
        while True:
            seq = seq % _SEQ_MAX + 1
            if seq not in self.pending and seq not in self._abandoned:
                self._seq = seq
                return seq

    def start(self, kind: Kind, build: Builder, operation: str | None = None) -> Request:
        """Register a request; its datagram to send is `request.data`."""
        request = Request(self.next_seq(), kind, build, operation)
        self.pending[request.seq] = request
        return request

    def abandon(self, request: Request) -> None:
        """Forget a request (finished, cancelled, timed out, or failed on our side).

        A request that did not end with the kernel's last word (an ACK, NLMSG_DONE or an error
        from the kernel) may still get answers: they are recognised by sequence number and
        discarded, instead of surfacing as notifications.
        """
        kernel_ended = request.done and (
            request.error is None or isinstance(request.error, NetlinkError)
        )
        unfinished = not kernel_ended
        if self.pending.pop(request.seq, None) is not None and unfinished:
            self._abandoned[request.seq] = None
            while len(self._abandoned) > _ABANDONED_MAX:
                self._abandoned.popitem(last=False)

    def retry(self, request: Request) -> bool:
        """After an interrupted dump: re-arm it under a new sequence number.

        Returns True when `request.data` is to be sent again; False when the retries are used up,
        in which case `request.error` is a DumpInterrupted carrying the partial result.
        """
        self.pending.pop(request.seq, None)
        if request.attempts > self.dump_retries:
            request.error = DumpInterrupted(request.attempts, request.messages)
            return False
        log.debug("dump seq %d interrupted, retrying (attempt %d)", request.seq, request.attempts)
        request.seq = self.next_seq()
        request.data = request.build(request.seq)
        request.messages = []
        request.warnings = []
        request.interrupted = False
        request.done = False
        request.attempts += 1
        self.pending[request.seq] = request
        return True

    def finish(self, request: Request) -> list[Message]:
        """The messages of a finished request, or its error raised."""
        self.pending.pop(request.seq, None)
        if request.error is not None:
            raise request.error
        return request.messages

    def overrun(self) -> list[Request]:
        """ENOBUFS: tell subscribers; fail "do" requests, whose replies may be lost.

        Dumps go on: the kernel pauses a dump while the queue is full rather than dropping it.
        """
        self._queue(Overrun())
        failed = []
        for request in list(self.pending.values()):
            if request.kind != "dump" and not request.done:
                request._fail(Overrun("receive queue overflowed; the reply may have been lost"))
                failed.append(request)
        return failed

    def feed(self, data: bytes, port: int = 0, groups: int = 0) -> list[Request]:
        """Consume one datagram from `port` (sent to `groups`, when multicast); return the
        requests it finished.

        A multicast datagram is always a notification, even when it carries the sequence
        number of one of our requests (the kernel's multicast copy of a change we asked for).
        A datagram that does not parse is dropped whole and counted; the request it answers,
        when its header still names one, fails with the DecodeError instead of waiting.
        """
        if self.kernel_peer and port != 0:
            self.dropped += 1
            log.warning("dropped a datagram from port %d: only the kernel (port 0) answers", port)
            return []
        finished: list[Request] = []
        try:
            messages = parse_messages(data)
        except DecodeError as exc:
            self.dropped += 1
            log.warning("dropped a malformed datagram: %s", exc)
            self._fail_by_header(data, exc, finished)
            return finished
        if groups:
            for msg in messages:
                if msg.type != c.NLMSG_NOOP:
                    self._queue(msg)
            return finished
        try:
            for msg in messages:
                self._route(msg, finished)
        except DecodeError as exc:
            self.dropped += 1
            log.warning("dropped a malformed message: %s", exc)
            self._fail_by_header(data, exc, finished)
        return finished

    def fail(self, seq: int, error: GenetlinkError) -> Request | None:
        """Fail the pending request `seq` (e.g. its answer was truncated); None if unknown."""
        request = self.pending.get(seq)
        if request is None or request.done:
            return None
        request._fail(error)
        return request

    def truncated(self, error: Truncated) -> list[Request]:
        """A datagram was cut off: fail the request it answered, or tell subscribers."""
        finished: list[Request] = []
        self._fail_by_header(error.header, error, finished)
        if not finished:
            self._queue(Overrun(str(error)))
        return finished

    def _fail_by_header(self, data: bytes, error: GenetlinkError, finished: list[Request]) -> None:
        if len(data) >= NLMSGHDR.size:
            request = self.fail(NLMSGHDR.unpack_from(data)[3], error)
            if request is not None:
                finished.append(request)

    def _route(self, msg: Message, finished: list[Request]) -> None:
        request = self.pending.get(msg.seq) if msg.seq else None
        if request is None or request.done:
            self._unsolicited(msg)
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
            finished.extend(self.overrun())
        elif msg_type != c.NLMSG_NOOP:
            request.messages.append(msg)
            if msg.flags & c.NLM_F_DUMP_INTR:
                request.interrupted = True
            if request.kind == "reply":
                request.done = True
                finished.append(request)

    def _answer(self, request: Request, ack: Ack, finished: list[Request], *, ends: bool) -> None:
        request.warnings.extend(ack.warnings)
        if ack.error:
            request._fail(self._error(request, ack))
        elif ends:
            request.done = True
        if request.done:
            finished.append(request)

    def _error(self, request: Request, ack: Ack) -> NetlinkError:
        err = ack.exception(operation=request.operation, seq=request.seq)
        err.request = request.data  # kept so upper layers can name the bad attribute's path
        return err

    def _unsolicited(self, msg: Message) -> None:
        seq = msg.seq
        if seq in self._abandoned:
            self.stale += 1
            if msg.type in (c.NLMSG_ERROR, c.NLMSG_DONE):
                del self._abandoned[seq]
            return
        if msg.type == c.NLMSG_NOOP:
            return
        self._queue(msg)

    def _queue(self, item: Message | Overrun) -> None:
        queue = self.notifications
        if len(queue) >= self.max_queued:
            self.queue_dropped += 1
            if not self._queue_overrun:
                self._queue_overrun = True
                queue.append(Overrun("notification queue full: the consumer fell behind"))
            return
        self._queue_overrun = False
        queue.append(item)

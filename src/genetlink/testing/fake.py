"""A fake kernel at the message boundary: test Netlink code without root and without a module.

`FakeKernel` plays the kernel side. Each request message a socket sends is parsed and handed
to a handler you register; the datagrams it returns are queued for the socket, with the
kernel's port id 0 as their sender. `FakeTransport` is the socket-like object that
`NetlinkSocket(..., transport=...)` and `AsyncNetlinkSocket(..., transport=...)` drive: it has
a real file descriptor that is readable while replies are queued, so asyncio's `add_reader`
works. Faults are armed on the kernel and hit the next answers: ENOBUFS, NLM_F_DUMP_INTR,
an oversized (truncated) datagram, malformed lengths, a spoofed sender port, dumps that
stall after their first datagram until released, answers that come late.

    kernel = FakeKernel(lambda req: [replies.ack(req)])
    with kernel.socket() as sock:
        sock.request(RTM_NEWLINK, payload)
    assert kernel.received[0].type == RTM_NEWLINK

Like the kernel, the fake runs one dump per socket: a dump request that arrives before the
socket has received the end of its previous dump is answered with EBUSY.

Sockets bound to the same kernel also reach each other by port id and by multicast group,
as user processes do over NETLINK_USERSOCK.
"""

from __future__ import annotations

import errno
import logging
import os
import socket as _socket
import struct
import threading
from collections import deque
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from ..wire import constants as c
from ..wire.message import Message, build_message, parse_messages
from . import replies

if TYPE_CHECKING:
    from ..socket import NetlinkSocket

log = logging.getLogger("genetlink.testing")

#: A handler gets one request message and returns the datagrams to send back (or None).
Handler = Callable[[Message], Iterable[bytes] | None]

_MSG_PEEK = int(_socket.MSG_PEEK)  # plain ints: IntFlag arithmetic is Python code
_MSG_TRUNC = int(_socket.MSG_TRUNC)
_MSG_DONTWAIT = int(_socket.MSG_DONTWAIT)


class Datagram(NamedTuple):
    """A queued datagram and its sender's address (port id, group mask)."""

    data: bytes
    port: int = 0
    groups: int = 0
    ends_dump: bool = False  # receiving it ends the socket's running dump


def default_handler(request: Message) -> list[bytes]:
    """Answer like a kernel family with nothing to say: DONE for dumps, else ACK if asked."""
    if request.flags & c.NLM_F_DUMP == c.NLM_F_DUMP:
        return [replies.done(request)]
    if request.flags & c.NLM_F_ACK:
        return [replies.ack(request)]
    return []


class FakeTransport:
    """The socket-like object a front drives; its counterpart is a `FakeKernel`.

    Implements what the fronts call on an AF_NETLINK socket: bind, getsockname, setsockopt,
    getsockopt, settimeout, gettimeout, setblocking, sendto, send, recvmsg_into
    (MSG_DONTWAIT, MSG_PEEK and MSG_TRUNC semantics), fileno, close. `max_queued` mimics a
    full receive buffer: datagrams beyond it are dropped and the next receive fails with
    ENOBUFS, as on a real socket.
    """

    def __init__(self, kernel: FakeKernel, *, max_queued: int | None = None) -> None:
        self.kernel = kernel
        self.port = 0
        self.groups = 0
        self.memberships: set[int] = set()
        self.options: dict[tuple[int, int], int] = {}
        self.max_queued = max_queued
        self.timeout: float | None = None
        self.closed = False
        self.dump_running = False
        self._queue: deque[Datagram | OSError] = deque()
        self._cond = threading.Condition()
        # one byte sits in the pipe exactly while the queue is non-empty: select/poll/asyncio
        # see the fake as readable when a real socket would be
        self._reader, self._writer = _socket.socketpair()
        self._reader.setblocking(False)

    # -- the socket API the fronts use -------------------------------------------------------

    def bind(self, address: tuple[int, int]) -> None:
        """Bind to (port id, group mask); port 0 lets the fake kernel pick one."""
        self.kernel._bind(self, address[0])
        self.groups = address[1]

    def getsockname(self) -> tuple[int, int]:
        """(port id, group mask) as bound."""
        return self.port, self.groups

    def setsockopt(self, level: int, option: int, value: int | bytes) -> None:
        """Record an option; NETLINK_ADD/DROP_MEMBERSHIP change the group memberships."""
        number = value if isinstance(value, int) else int.from_bytes(value[:4], "little")
        if level == c.SOL_NETLINK and option == c.NETLINK_ADD_MEMBERSHIP:
            self.memberships.add(number)
        elif level == c.SOL_NETLINK and option == c.NETLINK_DROP_MEMBERSHIP:
            self.memberships.discard(number)
        self.options[(level, option)] = number

    def getsockopt(self, level: int, option: int, buflen: int = 0) -> int | bytes:
        """A recorded option; NETLINK_LIST_MEMBERSHIPS as the kernel's u32 bitmap."""
        if level == c.SOL_NETLINK and option == c.NETLINK_LIST_MEMBERSHIPS:
            groups = self.all_groups()
            top = max(groups, default=0)
            words = (top + 31) // 32
            mask = sum(1 << (g - 1) for g in groups)
            return mask.to_bytes(words * 4, "little")[: buflen or None]
        value = self.options.get((level, option), 0)
        return value.to_bytes(4, "little")[:buflen] if buflen else value

    def settimeout(self, timeout: float | None) -> None:
        """Blocking with a timeout (None: block forever, 0: non-blocking)."""
        self.timeout = timeout

    def gettimeout(self) -> float | None:
        """The current timeout."""
        return self.timeout

    def setblocking(self, flag: bool) -> None:
        """Blocking (timeout None) or non-blocking (timeout 0)."""
        self.timeout = None if flag else 0.0

    def sendto(self, data: bytes, address: tuple[int, int]) -> int:
        """Send one datagram to (port id, group mask); port 0 and no groups is the kernel."""
        if self.closed:
            raise OSError(errno.EBADF, "fake netlink socket is closed")
        self.kernel._from_socket(self, bytes(data), address[0], address[1])
        return len(data)

    def send(self, data: bytes) -> int:
        """Send one datagram to the kernel."""
        return self.sendto(data, (0, 0))

    def recvmsg_into(
        self, buffers: list[Any], ancbufsize: int = 0, flags: int = 0
    ) -> tuple[int, list[Any], int, tuple[int, int]]:
        """Receive one datagram into `buffers[0]`.

        Returns (size, [], msg_flags, (sender port, sender groups)); with MSG_TRUNC in `flags`
        the size is the datagram's full length even when it did not fit, as Linux does.
        """
        item = self._take(peek=bool(flags & _MSG_PEEK), dontwait=bool(flags & _MSG_DONTWAIT))
        if isinstance(item, OSError):
            raise item
        view = memoryview(buffers[0]).cast("B")
        copied = min(len(item.data), len(view))
        view[:copied] = item.data[:copied]
        truncated = copied < len(item.data)
        size = len(item.data) if flags & _MSG_TRUNC else copied
        return size, [], _MSG_TRUNC if truncated else 0, (item.port, item.groups)

    def fileno(self) -> int:
        """A real descriptor, readable while datagrams (or an error) are queued."""
        return self._reader.fileno()

    def close(self) -> None:
        """Close; closing twice is harmless. Blocked receivers get EBADF."""
        with self._cond:
            if self.closed:
                return
            self.closed = True
            self._cond.notify_all()
        self.kernel._unbind(self)
        self._reader.close()
        self._writer.close()

    # -- what the fake kernel and tests use --------------------------------------------------

    def all_groups(self) -> set[int]:
        """Groups joined by setsockopt plus those of the bound legacy mask."""
        legacy = {bit + 1 for bit in range(32) if self.groups >> bit & 1}
        return self.memberships | legacy

    def queued(self) -> int:
        """How many datagrams (and errors) wait to be received."""
        with self._cond:
            return len(self._queue)

    def push(self, datagram: Datagram) -> None:
        """Queue a datagram for the socket (what the kernel's unicast does)."""
        with self._cond:
            if self.closed:
                return
            if self.max_queued is not None and len(self._queue) >= self.max_queued:
                self.kernel.overflowed += 1
                if not any(isinstance(i, OSError) for i in self._queue):
                    self._put(OSError(errno.ENOBUFS, "No buffer space available"), front=True)
                return
            self._put(datagram, front=False)

    def push_error(self, code: int = errno.ENOBUFS) -> None:
        """Make the next receive fail with `code` (the kernel reports sk_err before data)."""
        with self._cond:
            self._put(OSError(code, os.strerror(code)), front=True)

    def _put(self, item: Datagram | OSError, *, front: bool) -> None:
        if not self._queue:
            self._writer.send(b"\0")
        if front:
            self._queue.appendleft(item)
        else:
            self._queue.append(item)
        self._cond.notify_all()

    def _take(self, *, peek: bool, dontwait: bool = False) -> Datagram | OSError:
        with self._cond:
            timeout = 0.0 if dontwait else self.timeout
            if self.closed:
                raise OSError(errno.EBADF, "fake netlink socket is closed")
            if not self._queue and timeout == 0:
                raise BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")
            if not self._cond.wait_for(lambda: self._queue or self.closed, timeout):
                raise TimeoutError("timed out")
            if self.closed:
                raise OSError(errno.EBADF, "fake netlink socket is closed")
            if peek:
                return self._queue[0]
            item = self._queue.popleft()
            if isinstance(item, Datagram) and item.ends_dump:
                self.dump_running = False
            if not self._queue:
                self._reader.recv(1)
            return item

    def __repr__(self) -> str:
        return f"FakeTransport(port={self.port}, queued={len(self._queue)})"


class FakeKernel:
    """The kernel side of a conversation: requests in, replies out, faults on demand.

    handler: called with each request message (in datagram order); returns the datagrams to
        send back to the requesting socket, or None for no answer. A test answers later with
        `deliver`. Default: `default_handler` (ACK / empty dump).
    received: every message the kernel got, parsed, in order.
    """

    def __init__(self, handler: Handler | None = None) -> None:
        self.handler: Handler = handler or default_handler
        self.received: list[Message] = []
        self.transports: list[FakeTransport] = []
        self.overflowed = 0
        self._lock = threading.Lock()
        self._next_port = 0x1000
        self._dump_intr: int | None = 0
        self._faults: deque[Callable[[Datagram], Datagram]] = deque()
        self._stall: int | None = None  # datagrams of a dump sent before it stalls
        self._delay = 0.0  # seconds before answers are sent
        self._stalled: list[tuple[FakeTransport, Datagram]] = []

    # -- sockets -------------------------------------------------------------------------------

    def transport(self, *, max_queued: int | None = None) -> FakeTransport:
        """A new socket-like endpoint on this kernel, for `NetlinkSocket(transport=...)`."""
        transport = FakeTransport(self, max_queued=max_queued)
        with self._lock:
            self.transports.append(transport)
        return transport

    def socket(self, protocol: int = c.NETLINK_ROUTE, **options: Any) -> NetlinkSocket:
        """A `NetlinkSocket` over a new transport (options as for NetlinkSocket)."""
        from ..socket import NetlinkSocket

        return NetlinkSocket(protocol, transport=self.transport(), **options)

    def _bind(self, transport: FakeTransport, port: int) -> None:
        with self._lock:
            taken = {t.port for t in self.transports if t is not transport and t.port}
            if port == 0:
                while self._next_port in taken:
                    self._next_port += 1
                port = self._next_port
                self._next_port += 1
            elif port in taken:
                raise OSError(errno.EADDRINUSE, f"port id {port} is in use")
            transport.port = port

    def _unbind(self, transport: FakeTransport) -> None:
        with self._lock:
            if transport in self.transports:
                self.transports.remove(transport)

    def by_port(self, port: int) -> FakeTransport | None:
        """The open transport bound to `port`, if any."""
        with self._lock:
            return next((t for t in self.transports if t.port == port), None)

    # -- traffic -------------------------------------------------------------------------------

    def deliver(self, data: bytes, *, to: FakeTransport | None = None, port: int = 0,
                groups: int = 0) -> None:  # fmt: skip
        """Queue `data` for a socket (the only one when `to` is None) as sent from `port`.

        For notifications, late replies, replies with unknown sequence numbers, spoofed
        senders (`port` != 0). Armed faults do not apply here.
        """
        target = to if to is not None else self._only()
        target.push(Datagram(data, port, groups))

    def multicast(self, group: int, data: bytes, *, port: int = 0) -> int:
        """Deliver `data` to every socket in `group`; returns how many got it."""
        members = self.members(group)
        mask = 1 << (group - 1) if group <= 32 else 0
        for member in members:
            member.push(Datagram(data, port, mask))
        return len(members)

    def members(self, group: int) -> list[FakeTransport]:
        """The open sockets in multicast `group`."""
        with self._lock:
            return [t for t in self.transports if group in t.all_groups()]

    def clear_group(self, group: int) -> None:
        """Make every socket leave `group`, as the kernel does when the group goes away (a
        Generic Netlink family unregistered: netlink_clear_multicast_users)."""
        with self._lock:
            for transport in self.transports:
                transport.memberships.discard(group)
                if group <= 32:
                    transport.groups &= ~(1 << (group - 1))

    def _only(self) -> FakeTransport:
        with self._lock:
            if len(self.transports) != 1:
                raise ValueError(f"{len(self.transports)} sockets open: say which with to=")
            return self.transports[0]

    def _from_socket(self, sender: FakeTransport, data: bytes, port: int, groups: int) -> None:
        if port == 0 and groups == 0:
            self._serve(sender, data)
            return
        if groups:  # user multicast: every member but the sender, with the group as address
            for bit in range(32):
                if groups >> bit & 1:
                    for member in self.members(bit + 1):
                        if member is not sender:
                            member.push(Datagram(data, sender.port, 1 << bit))
        if port:
            target = self.by_port(port)
            if target is None:
                raise ConnectionRefusedError(errno.ECONNREFUSED, f"no socket at port id {port}")
            target.push(Datagram(data, sender.port, 0))

    def _serve(self, sender: FakeTransport, data: bytes) -> None:
        for msg in parse_messages(data):
            with self._lock:
                self.received.append(msg)
            is_dump = msg.flags & c.NLM_F_DUMP == c.NLM_F_DUMP
            if is_dump and sender.dump_running:
                # the kernel runs one dump per socket until its reader has taken the end
                sender.push(self._apply_faults(Datagram(replies.error(msg, errno.EBUSY))))
                continue
            answers = list(self.handler(msg) or [])
            if is_dump and self._take_dump_intr():
                answers = [replies.set_flags(d, c.NLM_F_DUMP_INTR) for d in answers]
            if is_dump and answers:
                sender.dump_running = True
            datagrams = [Datagram(answer, ends_dump=is_dump and index == len(answers) - 1)
                         for index, answer in enumerate(answers)]  # fmt: skip
            if is_dump and self._stall is not None:
                with self._lock:
                    self._stalled += [(sender, d) for d in datagrams[self._stall :]]
                datagrams = datagrams[: self._stall]
            if self._delay:
                self._later(sender, datagrams, self._delay)
                continue
            for datagram in datagrams:
                sender.push(self._apply_faults(datagram))

    def _later(self, sender: FakeTransport, datagrams: list[Datagram], delay: float) -> None:
        def send() -> None:
            for datagram in datagrams:
                sender.push(self._apply_faults(datagram))

        timer = threading.Timer(delay, send)
        timer.daemon = True
        timer.start()

    # -- faults --------------------------------------------------------------------------------

    def inject_enobufs(self, to: FakeTransport | None = None) -> None:
        """The socket's next receive fails with ENOBUFS (its receive queue overflowed)."""
        (to if to is not None else self._only()).push_error(errno.ENOBUFS)

    def dump_intr(self, times: int | None = 1) -> None:
        """Mark the answers to the next `times` dumps NLM_F_DUMP_INTR (None: every dump)."""
        self._dump_intr = times

    def _take_dump_intr(self) -> bool:
        with self._lock:
            if self._dump_intr is None:
                return True
            if self._dump_intr > 0:
                self._dump_intr -= 1
                return True
            return False

    def delay_answers(self, seconds: float = 0.0) -> None:
        """Send the answers to the requests that follow `seconds` late, from a timer thread
        (a busy kernel); 0 answers at once again."""
        self._delay = seconds

    def stall_dumps(self, on: bool = True, *, after: int = 1) -> None:
        """Answer dumps with their first `after` datagrams only, the rest held back until
        `release_dumps()`: a kernel slow to fill the rest of a dump. The socket's dump runs
        until its reader takes the held-back end, as in the kernel."""
        self._stall = after if on else None

    @property
    def stalled(self) -> int:
        """How many datagrams of stalled dumps are held back."""
        with self._lock:
            return len(self._stalled)

    def release_dumps(self) -> int:
        """Send the held-back datagrams of stalled dumps (armed faults apply); returns how
        many were sent."""
        with self._lock:
            held, self._stalled = self._stalled, []
        for transport, datagram in held:
            transport.push(self._apply_faults(datagram))
        return len(held)

    def truncate_next(self, size: int = 1 << 17) -> None:
        """Grow the next answer datagram to `size` bytes (a NOOP message fills it), so it is
        larger than the receiver's buffer and arrives truncated."""

        def grow(d: Datagram) -> Datagram:
            fill = max(size - len(d.data), c.NLMSG_HDRLEN)
            noop = build_message(c.NLMSG_NOOP, 0, 0, 0, b"\0" * (fill - c.NLMSG_HDRLEN))
            return d._replace(data=d.data + noop)

        self._arm(grow)

    def malform_next(self, how: str = "long") -> None:
        """Corrupt the next answer datagram.

        how: "long" (first nlmsg_len runs past the datagram), "short" (first nlmsg_len below
        the header size), "cut" (datagram cut inside its first header).
        """

        def corrupt(d: Datagram) -> Datagram:
            data = bytearray(d.data)
            if how == "long":
                struct.pack_into("=I", data, 0, len(data) + 64)
            elif how == "short":
                struct.pack_into("=I", data, 0, 8)
            elif how == "cut":
                del data[10:]
            else:
                raise ValueError(f"unknown malformation {how!r}")
            return d._replace(data=bytes(data))

        self._arm(corrupt)

    def spoof_next(self, port: int = 4242) -> None:
        """Send the next answer datagram from port id `port` instead of the kernel's 0."""
        self._arm(lambda d: d._replace(port=port))

    def _arm(self, fault: Callable[[Datagram], Datagram]) -> None:
        with self._lock:
            self._faults.append(fault)

    def _apply_faults(self, datagram: Datagram) -> Datagram:
        with self._lock:
            fault = self._faults.popleft() if self._faults else None
        return fault(datagram) if fault is not None else datagram

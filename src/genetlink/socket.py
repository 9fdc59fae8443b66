"""The blocking front: the one module that makes Netlink system calls (with `genetlink.aio`).

`NetlinkSocket` opens an AF_NETLINK socket on any protocol, applies the safe defaults of the
kernel's netlink introduction (ACK requests, extended ACK, capped ACK, strict checking on
rtnetlink), and drives exchanges (`genetlink.core.exchange`) over the shared protocol engine.
`NetlinkSocketBase` is the part both fronts share: opening, options, memberships, sending,
reading one datagram, and handing what was read to the engine.
"""

from __future__ import annotations

import array
import errno
import logging
import os
import select
import socket as _socket
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar, Unpack

from .core import exchange as ex
from .core.engine import Engine, Notification
from .core.exchange import (
    Deliver,
    Drain,
    DumpOptions,
    Exchange,
    Finished,
    Instruction,
    RequestOptions,
    Response,
    Send,
    Wait,
)
from .pcap import PACKET_HOST, PACKET_MULTICAST, PACKET_OUTGOING, Capture
from .wire import constants as c
from .wire.errors import (
    DecodeError,
    GenetlinkError,
    NetlinkError,
    NetlinkPermissionError,
    NetlinkWarning,
    Overrun,
    Truncated,
)
from .wire.message import Message, build_header, parse_messages

log = logging.getLogger("genetlink.socket")
trace_log = logging.getLogger("genetlink.trace")
T = TypeVar("T")

CLONE_NEWNET = 0x40000000
# Plain ints: the socket module's flags are IntFlags, whose `|` is Python code.
_MSG_TRUNC = int(_socket.MSG_TRUNC)
_MSG_DONTWAIT = int(_socket.MSG_DONTWAIT)
_RECV_BUFFER = 1 << 16
_SO_RCVBUFFORCE = 33
_SO_SNDBUFFORCE = 32
#: The receive queue a socket gets when it joins its first group (unless `rcvbuf` was given):
#: room for a burst of ~40,000 small notifications (the kernel doubles the size and charges
#: ~830 bytes of skb truesize for each), taken only while they wait. As root it is forced past
#: net.core.rmem_max (SO_RCVBUFFORCE). systemd-networkd asks 128 MiB for its rtnetlink socket.
SUBSCRIBER_RCVBUF = 16 << 20


#: Names a message for the trace ("netdev dev-get {'ifindex': 1}"), by its nlmsg_type (None:
#: any type); family handles register theirs on the sockets they use.
Namer = Callable[[Message], str]


def _name_message(msg: Message, namers: Mapping[int | None, Namer]) -> str:
    """What a codec says the message is ("" when none can: no namer, a control message)."""
    namer = namers.get(msg.type, namers.get(None))
    if namer is None or msg.type < c.NLMSG_MIN_TYPE:
        return ""
    try:
        return namer(msg)
    except GenetlinkError as exc:  # what cannot be named stays bytes, said so
        return f"(not decoded: {exc})"


def _name_datagram(data: bytes, namers: Mapping[int | None, Namer]) -> str:
    """The names of a datagram's messages, a line each (a capture's packet comment)."""
    try:
        messages = parse_messages(data)
    except DecodeError:
        return ""
    return "\n".join(name for msg in messages if (name := _name_message(msg, namers)))


def trace_datagram(direction: str, data: bytes, port: int, groups: int,
                   namers: Mapping[int | None, Namer] | None = None) -> None:  # fmt: skip
    """Log one datagram's messages (the GENETLINK_DEBUG trace): headers, what the message is
    when a codec can say, then the payload bytes."""
    where = f"port {port}" + (f" groups {groups:#x}" if groups else "")
    try:
        messages = parse_messages(data)
    except DecodeError as exc:
        trace_log.debug("%s %s: malformed datagram (%s): %s", direction, where, exc, data.hex())
        return
    for msg in messages:
        named = f" {name}:" if namers and (name := _name_message(msg, namers)) else ""
        trace_log.debug("%s %s: type %d flags %#x seq %d pid %d len %d:%s %s", direction, where,
                        msg.type, msg.flags, msg.seq, msg.port, msg.length, named,
                        msg.payload.hex(" ", 4))  # fmt: skip


def _trace_to_stderr() -> None:
    """GENETLINK_DEBUG in a program that configured no logging: the trace still shows, on
    stderr (a program that did configure logging gets it through its own handlers)."""
    if not trace_log.hasHandlers():
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        trace_log.addHandler(handler)
    if trace_log.getEffectiveLevel() > logging.DEBUG:
        trace_log.setLevel(logging.DEBUG)


def _received(address: tuple[int, int]) -> int:
    """The packet type of a datagram received from `address` (port, groups)."""
    return PACKET_MULTICAST if address[1] else PACKET_HOST


def _open_capture(capture: Capture | str | os.PathLike[str] | None) -> tuple[Capture | None, bool]:
    """The socket's capture, and whether the socket opened it (and so closes it)."""
    if isinstance(capture, Capture):
        return capture, False
    opened = Capture.from_env() if capture is None else Capture(capture, append=True)
    return opened, opened is not None


def netns_path(netns: str) -> str:
    """A namespace name means /run/netns/NAME (as `ip netns` creates it); a path is used as is."""
    return netns if "/" in netns else os.path.join("/run/netns", netns)


def _setns(fd: int) -> None:
    setns = getattr(os, "setns", None)
    if setns is not None:  # Python 3.12+
        setns(fd, CLONE_NEWNET)
        return
    import ctypes  # only needed on 3.11, and only when a namespace is asked for

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))


def in_netns(netns: str, opener: Callable[[], T]) -> T:
    """Run `opener` in a short-lived thread that has entered network namespace `netns`.

    Sockets keep the namespace they were created in, so the socket works from any thread
    afterwards; the calling thread's namespace never changes and nothing forks.
    """
    result: list[T] = []
    failure: list[BaseException] = []

    path = netns_path(netns)

    def run() -> None:
        try:
            try:
                fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
                try:
                    _setns(fd)
                finally:
                    os.close(fd)
            except OSError as exc:  # say which namespace, and why it is refused
                why = " (entering one needs CAP_SYS_ADMIN)" if exc.errno == errno.EPERM else ""
                raise type(exc)(exc.errno, f"network namespace {netns!r} ({path}): "
                                           f"{exc.strerror}{why}") from None  # fmt: skip
            result.append(opener())
        except BaseException as exc:  # handed to the caller's thread below
            failure.append(exc)

    thread = threading.Thread(target=run, name=f"genetlink-netns-{netns}")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return result[0]


def open_netlink(protocol: int, netns: str | None = None) -> _socket.socket:
    """A bare AF_NETLINK raw socket, in `netns` when given."""

    def opener() -> _socket.socket:
        return _socket.socket(_socket.AF_NETLINK, _socket.SOCK_RAW | _socket.SOCK_CLOEXEC, protocol)

    return in_netns(netns, opener) if netns else opener()


class NetlinkSocketBase:
    """What both fronts share: the socket, its options and memberships, sending, and reading.

    protocol:   NETLINK_ROUTE, NETLINK_GENERIC, NETLINK_USERSOCK, a module's own number, ...
    port:       port id to bind (0: the kernel assigns one; see `.port`)
    groups:     legacy 32-bit group mask to bind; `join()` takes any group number
    netns:      name (/run/netns/NAME) or path of a network namespace to open the socket in
    ext_ack, cap_ack: NETLINK_EXT_ACK / NETLINK_CAP_ACK (on by default)
    strict:     NETLINK_GET_STRICT_CHK (default: on for NETLINK_ROUTE)
    no_enobufs: NETLINK_NO_ENOBUFS (off: overruns are reported, not hidden)
    listen_all_nsid: NETLINK_LISTEN_ALL_NSID
    kernel_peer: accept answers from port 0 only (default: every protocol but NETLINK_USERSOCK)
    rcvbuf:     SO_RCVBUF in bytes (SO_RCVBUFFORCE is tried first when running as root);
                without it, joining a first group grows the queue to SUBSCRIBER_RCVBUF
    dump_retries: how often a collected dump interrupted by NLM_F_DUMP_INTR is repeated
    max_in_flight: requests that may wait for their answers at once (None: no bound)
    transport:  an already open socket-like object to use instead of opening one (test doubles
                such as `genetlink.testing.FakeKernel` plug in here, at the message boundary)
    trace:      log every datagram sent and received (logger "genetlink.trace", DEBUG); the
                default comes from the GENETLINK_DEBUG environment variable
    capture:    write every datagram sent and received to a pcapng file for Wireshark: a
                `genetlink.pcap.Capture` (shared by any number of sockets, closed by its
                owner) or a path (appended to; closed with the socket); the default comes
                from GENETLINK_PCAP (see `Capture.from_env`)
    """

    def __init__(
        self,
        protocol: int = c.NETLINK_ROUTE,
        *,
        port: int = 0,
        groups: int = 0,
        netns: str | None = None,
        ext_ack: bool = True,
        cap_ack: bool = True,
        strict: bool | None = None,
        no_enobufs: bool = False,
        listen_all_nsid: bool = False,
        kernel_peer: bool | None = None,
        rcvbuf: int | None = None,
        dump_retries: int = 3,
        max_in_flight: int | None = None,
        transport: Any = None,
        trace: bool | None = None,
        capture: Capture | str | os.PathLike[str] | None = None,
    ) -> None:
        self.protocol = protocol
        if trace is None:
            trace = bool(os.environ.get("GENETLINK_DEBUG"))
            if trace:
                _trace_to_stderr()
        self.trace = trace
        #: what names messages in the trace (see `Namer`)
        self.namers: dict[int | None, Namer] = {}
        self._sock = transport if transport is not None else open_netlink(protocol, netns)
        try:
            if strict is None:
                strict = protocol == c.NETLINK_ROUTE
            options = {
                c.NETLINK_EXT_ACK: ext_ack,
                c.NETLINK_CAP_ACK: cap_ack,
                c.NETLINK_GET_STRICT_CHK: strict,
                c.NETLINK_NO_ENOBUFS: no_enobufs,
                c.NETLINK_LISTEN_ALL_NSID: listen_all_nsid,
            }
            for option, on in options.items():
                if on:
                    self.setsockopt(option, 1)
            if rcvbuf:
                self.set_rcvbuf(rcvbuf)
            self._sock.bind((port, groups))
            #: where datagrams are recorded (None: nowhere)
            self.capture, self._owns_capture = _open_capture(capture)
        except BaseException:
            self._sock.close()
            raise
        self.port: int = self._sock.getsockname()[0]
        if kernel_peer is None:
            kernel_peer = protocol != c.NETLINK_USERSOCK
        self.engine = Engine(port=self.port, kernel_peer=kernel_peer, dump_retries=dump_retries,
                             max_in_flight=max_in_flight)  # fmt: skip
        self._buffer = bytearray(_RECV_BUFFER)
        self._closed = False
        self._rcvbuf_set = bool(rcvbuf)  # the caller chose the size: join() leaves it alone
        # recvfrom_into() costs less than half of recvmsg_into() (no ancillary data to build);
        # a transport that has only the latter (a test double) is read through it.
        self._recvfrom_into = getattr(self._sock, "recvfrom_into", None) or self._recvmsg_from

    # -- options and membership -------------------------------------------------------------

    def setsockopt(self, option: int, value: int) -> None:
        """Set a SOL_NETLINK option (NETLINK_*)."""
        self._sock.setsockopt(c.SOL_NETLINK, option, value)

    def set_rcvbuf(self, size: int) -> int:
        """Size the receive queue; as root, beyond net.core.rmem_max (SO_RCVBUFFORCE).

        Returns the size the kernel set. Without the privilege the kernel caps it at
        rmem_max silently: that is reported as a NetlinkWarning (and logged).
        """
        try:
            self._sock.setsockopt(_socket.SOL_SOCKET, _SO_RCVBUFFORCE, size)
        except PermissionError:
            self._sock.setsockopt(_socket.SOL_SOCKET, _socket.SO_RCVBUF, size)
        got = self._sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_RCVBUF)
        got = got // 2 if isinstance(got, int) else size  # the kernel reports twice the size
        if got < size:
            text = (f"receive buffer of {size} bytes asked, {got} granted: net.core.rmem_max "
                    "caps it without CAP_NET_ADMIN")  # fmt: skip
            log.info("%s", text)
            warnings.warn(NetlinkWarning(text), stacklevel=2)
        return got

    def fit_buffers(self, send: int, receive: int) -> None:
        """Grow the send buffer to take a datagram of `send` bytes (a larger one is refused
        with EMSGSIZE) and the receive queue to hold `receive` bytes of answers at once (else
        ENOBUFS), as an nfnetlink batch needs; never shrinks them. As root, beyond
        net.core.wmem_max/rmem_max (SO_SNDBUFFORCE/SO_RCVBUFFORCE). A socket that reports no
        sizes (a test double) is left alone."""
        level = _socket.SOL_SOCKET
        sndbuf = self._sock.getsockopt(level, _socket.SO_SNDBUF)
        if isinstance(sndbuf, int) and 0 < sndbuf < send + 32:  # netlink_sendmsg keeps 32
            try:
                self._sock.setsockopt(level, _SO_SNDBUFFORCE, send + 64)
            except PermissionError:
                self._sock.setsockopt(level, _socket.SO_SNDBUF, send + 64)
        rcvbuf = self._sock.getsockopt(level, _socket.SO_RCVBUF)
        if isinstance(rcvbuf, int) and 0 < rcvbuf < receive:
            self.set_rcvbuf(receive)

    def join(self, group: int) -> None:
        """Subscribe to multicast group `group` (any number, not only the first 32).

        NetlinkPermissionError when the group needs a privilege the caller lacks (Generic
        Netlink groups flagged for CAP_NET_ADMIN or CAP_SYS_ADMIN, in the socket's user
        namespace).
        """
        try:
            self.setsockopt(c.NETLINK_ADD_MEMBERSHIP, group)
        except PermissionError as exc:
            raise NetlinkPermissionError(
                exc.errno or errno.EPERM, operation=f"join multicast group {group}",
                message="the group needs CAP_NET_ADMIN or CAP_SYS_ADMIN",
            ) from None  # fmt: skip
        if not self._rcvbuf_set:
            self._rcvbuf_set = True
            self._grow_rcvbuf(SUBSCRIBER_RCVBUF)

    def _grow_rcvbuf(self, size: int) -> None:
        """A subscriber's receive queue to `size` bytes, as far as the privileges allow, never
        smaller than it is (the kernel's default holds ~270 small notifications; a burst
        overruns it before a Python reader is scheduled). A socket without sizes (a test
        double) is left alone; unprivileged, net.core.rmem_max caps it, as logged."""
        level = _socket.SOL_SOCKET
        current = self._sock.getsockopt(level, _socket.SO_RCVBUF)
        if not isinstance(current, int) or current <= 0 or current // 2 >= size:
            return
        try:
            self._sock.setsockopt(level, _SO_RCVBUFFORCE, size)
        except PermissionError:
            self._sock.setsockopt(level, _socket.SO_RCVBUF, size)
        got = self._sock.getsockopt(level, _socket.SO_RCVBUF) // 2
        if got < size:
            log.debug("subscriber receive buffer: %d bytes of %d (net.core.rmem_max)", got, size)

    def leave(self, group: int) -> None:
        """Unsubscribe from multicast group `group`."""
        self.setsockopt(c.NETLINK_DROP_MEMBERSHIP, group)

    def memberships(self) -> list[int]:
        """The groups this socket is a member of (NETLINK_LIST_MEMBERSHIPS)."""
        raw = self._sock.getsockopt(c.SOL_NETLINK, c.NETLINK_LIST_MEMBERSHIPS, 128)
        words = array.array("I", raw[: len(raw) // 4 * 4])  # u32 words in host order
        return [i * 32 + bit + 1 for i, word in enumerate(words) for bit in range(32)
                if word >> bit & 1]  # fmt: skip

    def fileno(self) -> int:
        """The socket's file descriptor (for select/poll)."""
        return int(self._sock.fileno())

    # -- sending ------------------------------------------------------------------------------

    def send(
        self,
        msg_type: int,
        payload: bytes = b"",
        flags: int = 0,
        *,
        seq: int | None = None,
        port: int = 0,
        groups: int = 0,
    ) -> int:
        """Send one raw message to port id `port` and/or the group mask `groups`; return its seq.

        Nothing is added to `flags`: this is the plain datagram path (user-to-user, or requests
        whose answers the caller reads itself with `receive_from`).
        """
        if seq is None:
            seq = self.engine.next_seq()
        header = build_header(16 + len(payload), msg_type, flags, seq, self.port)
        self.send_raw(header + payload, port=port, groups=groups)
        return seq

    def send_raw(self, data: bytes, *, port: int = 0, groups: int = 0) -> None:
        """Send prepared bytes (one or more messages) as one datagram."""
        if self.trace:
            trace_datagram("send", data, port, groups, self.namers)
        if self.capture is not None:
            self._record(self.capture, data, PACKET_OUTGOING)
        try:
            self._sock.sendto(data, (port, groups))
        except ConnectionRefusedError:
            # netlink_sendmsg() delivers to the groups, then also unicasts to `port`; on a user
            # protocol nobody listens at port 0, which is no failure of the multicast itself.
            if port or not groups:
                raise

    # -- receiving ----------------------------------------------------------------------------

    def _read(self, flags: int) -> tuple[bytes, int, int]:
        """One recvfrom(): (bytes, sender port, sender group mask).

        MSG_TRUNC makes the kernel report the datagram's full length even when it did not fit:
        then the buffer grows for the next one and Truncated is raised for this one.
        """
        buffer = self._buffer
        size, address = self._recvfrom_into(buffer, 0, flags | _MSG_TRUNC)
        if size > len(buffer):
            self._buffer = bytearray((size + 4095) & ~4095)
            if self.capture is not None:  # what arrived of it, marked as cut (pcap's caplen)
                self._record(self.capture, bytes(buffer), _received(address), original=size)
            raise Truncated(size, len(buffer), bytes(buffer[:16]))
        data = bytes(memoryview(buffer)[:size])
        if self.trace:
            trace_datagram("recv", data, address[0], address[1], self.namers)
        if self.capture is not None:
            self._record(self.capture, data, _received(address))
        return data, address[0], address[1]

    def _read_batch(self, received: list[tuple[bytes, int, int]], limit: int) -> OSError | None:
        """Append to `received` the datagrams already queued, up to `limit` in all (the batch
        read: non-blocking reads until the queue is empty, as recvmmsg() would take them).
        Returns the error that ended it (Truncated, ENOBUFS, one set on the socket), if any."""
        if self.trace or self.capture is not None:  # the careful path, datagram by datagram
            read = self._read
            while len(received) < limit:
                try:
                    received.append(read(_MSG_DONTWAIT))
                except (BlockingIOError, InterruptedError):
                    return None
                except OSError as exc:
                    return exc
            return None
        buffer = self._buffer
        view = memoryview(buffer)
        recvfrom_into, append = self._recvfrom_into, received.append
        flags = _MSG_DONTWAIT | _MSG_TRUNC
        capacity = len(buffer)
        for _ in range(limit - len(received)):
            try:
                size, address = recvfrom_into(buffer, 0, flags)
            except (BlockingIOError, InterruptedError):
                return None
            except OSError as exc:
                return exc
            if size > capacity:
                self._buffer = bytearray((size + 4095) & ~4095)
                return Truncated(size, capacity, bytes(buffer[:16]))
            append((bytes(view[:size]), *address))
        return None

    def _recvmsg_from(self, buffer: bytearray, nbytes: int,
                      flags: int) -> tuple[int, tuple[int, int]]:  # fmt: skip
        """recvfrom_into() through recvmsg_into(), for transports that only have the latter."""
        size, _, _, address = self._sock.recvmsg_into([buffer], 0, flags)
        return size, address

    def _record(self, capture: Capture, data: bytes, pkttype: int,
                original: int | None = None) -> None:  # fmt: skip
        """One datagram to the capture; named in a comment only when a codec can (a decode)."""
        comment = None
        if capture.comments and self.namers:
            try:
                comment = _name_datagram(data, self.namers)
            except Exception:  # a side channel: what cannot be named still goes in, unnamed
                log.debug("capture: datagram not named", exc_info=True)
        capture.record(data, self.protocol, pkttype, comment, original)

    def _absorb(self, received: list[tuple[bytes, int, int]], problem: OSError | None) -> None:
        """Feed what a read brought to the engine; a read error becomes an engine event."""
        if received:
            self.engine.feed_many(received)
        if problem is None:
            return
        if isinstance(problem, Truncated):
            log.warning("%s", problem)
            self.engine.truncated(problem)
        elif problem.errno == errno.ENOBUFS:
            log.info("netlink socket overrun (ENOBUFS) on port %d", self.port)
            self.engine.overrun()
        else:
            # An error the kernel set on the socket: every request in flight may have lost its
            # answer to it. With none in flight, the reader gets it.
            error = NetlinkError(problem.errno or errno.EIO, operation="recvmsg",
                                 message=f"socket error: {problem}")  # fmt: skip
            failed = [seq for seq in list(self.engine.pending) if self.engine.fail(seq, error)]
            if not failed:
                raise problem

    # -- life cycle ---------------------------------------------------------------------------

    def close(self) -> None:
        """Close the socket; closing twice is harmless."""
        if not self._closed:
            self._closed = True
            self._sock.close()
            if self._owns_capture and self.capture is not None:
                self.capture.close()

    @property
    def closed(self) -> bool:
        """True once `close()` ran."""
        return self._closed

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"port {self.port}"
        return f"{type(self).__name__}(protocol={self.protocol}, {state})"


def _read_error(exc: OSError) -> OSError:
    """ENOBUFS as the typed event it is; any other error as it came."""
    if exc.errno == errno.ENOBUFS:
        return Overrun()
    return exc


class NetlinkSocket(NetlinkSocketBase):
    """A blocking Netlink socket on any protocol: requests, dumps, raw messages, notifications.

    The options are those of `NetlinkSocketBase`. Several threads can share the socket:
    answers are matched by sequence number whoever reads them, and only one thread reads at
    a time. A dump request is sent while no thread is inside recvmsg(): the kernel may run a
    dump from a reader's recvmsg(), and one racing with the dump's start ends in EINVAL.
    """

    def __init__(self, protocol: int = c.NETLINK_ROUTE, **options: Any) -> None:
        super().__init__(protocol, **options)
        # `with self._lock` is C-level (a Condition's own __enter__ is Python): the condition
        # shares the lock.
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._reading = False  # a thread is (about to be) inside recvmsg()
        self._claims = 0  # threads waiting to take the reader's place (dump sends, raw reads)
        self._waiters = 0
        # Written to make a reader that waits in poll() give way (a claim, a close).
        self._kick = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        self._poll = select.poll()
        self._poll.register(self.fileno(), select.POLLIN)
        self._poll.register(self._kick, select.POLLIN)

    # -- driving exchanges ----------------------------------------------------------------------

    def run(self, exchange: Exchange[T]) -> T:
        """Drive `exchange` to its end; its result (or the exception it raises)."""
        send, throw, carry_out = exchange.send, exchange.throw, self._carry_out
        outcome: BaseException | None = None
        try:
            while True:
                outcome = carry_out(send(None) if outcome is None else throw(outcome))
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]

    def iterate(self, exchange: Exchange[Any]) -> Iterator[Any]:
        """Drive `exchange`, yielding what it delivers; closing the iterator ends it."""
        outcome: BaseException | None = None
        try:
            while not isinstance(instruction := ex.step(exchange, outcome), Finished):
                if isinstance(instruction, Drain):
                    yield from ex.drain(instruction)
                elif isinstance(instruction, Deliver):
                    yield from instruction.items
                outcome = self._carry_out(instruction)
        finally:
            exchange.close()

    def _carry_out(self, instruction: Instruction) -> BaseException | None:
        """Do what the exchange asked; the exception to throw into it, if any."""
        try:
            if isinstance(instruction, Wait):
                if self._pump(instruction.ready, instruction.timeout, instruction.batch):
                    return None
                return ex.timed_out(instruction)
            if isinstance(instruction, Send):
                if instruction.exclusive:
                    with self._reader_role():
                        self.send_raw(instruction.data, port=instruction.port)
                else:
                    self.send_raw(instruction.data, port=instruction.port)
                return None
            return None  # Deliver, Drain: iterate() has handed the items out
        except BaseException as exc:  # the exchange cleans up, then raises it
            return exc

    # -- reading ------------------------------------------------------------------------------

    def _recv(self, timeout: float | None) -> tuple[bytes, int, int] | None:
        """One datagram, or None when none came in `timeout` (or a claim asked to give way).

        The socket stays in blocking mode: a non-blocking try comes first (the kernel usually
        has the answer queued before sendto() returns) and poll() only when nothing is there.
        """
        try:
            return self._read(_MSG_DONTWAIT)
        except BlockingIOError:
            pass
        if timeout is not None and timeout <= 0:
            return None
        for fd, _ in self._poll.poll(None if timeout is None else timeout * 1000):
            if fd == self._kick:
                os.eventfd_read(self._kick)
                return None
        try:
            return self._read(_MSG_DONTWAIT)
        except BlockingIOError:
            return None

    def _recv_batch(self, timeout: float | None,
                    limit: int) -> tuple[list[tuple[bytes, int, int]], OSError | None]:  # fmt: skip
        """Up to `limit` datagrams: the first waits up to `timeout`, the others only if queued.

        Returns them with the error that ended the batch, if any (Truncated, ENOBUFS, or one
        the kernel set on the socket): those are the engine's to report, not the reader's.
        """
        received: list[tuple[bytes, int, int]] = []
        try:
            datagram = self._recv(timeout)
        except OSError as exc:
            return received, exc
        if datagram is None:
            return received, None
        received.append(datagram)
        if limit <= 1:
            return received, None
        return received, self._read_batch(received, limit)

    def _pump(self, ready: Callable[[], bool], timeout: float | None, batch: int = 1) -> bool:
        """Read datagrams into the engine until `ready()`; False on timeout.

        Only one thread reads at a time (the lock is released while it waits); the others
        sleep on the condition and are woken after each batch. With `batch` > 1 the reader also
        takes up to that many datagrams that are already queued (dumps, notifications).
        """
        cond = self._cond
        deadline = None if timeout is None else time.monotonic() + timeout
        remaining = timeout
        tried = False
        with self._lock:
            while not ready():
                if deadline is not None:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 and tried:
                        return False
                tried = True
                if self._reading or self._claims:
                    self._waiters += 1
                    try:
                        cond.wait(None if remaining is None else max(0.0, remaining))
                    finally:
                        self._waiters -= 1
                    continue
                self._reading = True
                cond.release()
                try:
                    received, problem = self._recv_batch(remaining, batch)
                finally:
                    cond.acquire()
                    self._reading = False
                    if self._waiters or self._claims:
                        cond.notify_all()
                    if self._closed:
                        self._close_kick()
                self._absorb(received, problem)
        return True

    @contextmanager
    def _reader_role(self) -> Iterator[None]:
        """Be the only thread that may call recvmsg() for the duration (a reader waiting in
        poll() is asked to give way)."""
        cond = self._cond
        with self._lock:
            self._claims += 1
            try:
                while self._reading:
                    if self._kick >= 0:
                        os.eventfd_write(self._kick, 1)
                    cond.wait()
                self._reading = True
            finally:
                self._claims -= 1
        try:
            yield
        finally:
            with self._lock:
                self._reading = False
                cond.notify_all()
                if self._closed:
                    self._close_kick()

    # -- requests -----------------------------------------------------------------------------

    def request(self, msg_type: int, payload: bytes = b"", flags: int = 0,
                **options: Unpack[RequestOptions]) -> Response:  # fmt: skip
        """Send one request of `msg_type` with `payload` (NLM_F_REQUEST|NLM_F_ACK, plus
        `flags`) and return its replies once the ACK came: a `Response`, a sequence of
        `Message`s (empty after a plain ACK). An error answer raises `NetlinkError` with the
        extended ACK's message and offset. Options (`RequestOptions`): `operation` (a name
        for errors), `timeout`, `port` (the peer: 0, the kernel), `ack` (False for a peer
        that never ACKs). See `genetlink.core.exchange.request`."""
        return self.run(ex.request(self.engine, msg_type, payload, flags, **options))

    def dump(self, msg_type: int, payload: bytes = b"", flags: int = 0,
             **options: Unpack[DumpOptions]) -> Response:  # fmt: skip
        """A dump of `msg_type` (NLM_F_DUMP plus `flags`), collected up to NLMSG_DONE: every
        message in a `Response`. A dump the kernel marks NLM_F_DUMP_INTR (its table changed
        meanwhile) is run again, a bounded number of times, then `DumpInterrupted` carries
        the last partial result. Options as for `iter_dump`; see
        `genetlink.core.exchange.dump`."""
        return self.run(ex.dump(self.engine, msg_type, payload, flags, **options))

    def iter_dump(self, msg_type: int, payload: bytes = b"", flags: int = 0,
                  **options: Unpack[DumpOptions]) -> Iterator[Message]:  # fmt: skip
        """A dump of `msg_type`, streamed: an iterator of the `Message`s as their datagrams
        arrive, up to NLMSG_DONE, holding no more than the caller keeps. Not repeated on
        NLM_F_DUMP_INTR: `DumpInterrupted` is raised at the end instead. Options
        (`DumpOptions`): `operation`, `timeout` (per datagram), `port`. See
        `genetlink.core.exchange.stream`."""
        return self.iterate(ex.stream(self.engine, msg_type, payload, flags, **options))

    def receive_from(self, timeout: float | None = None) -> tuple[list[Message], int, int]:
        """The next datagram's messages with the sender's port id and group mask.

        Bypasses request matching: for user-to-user protocols and hand-rolled exchanges.
        Raises TimeoutError when nothing arrives in `timeout` seconds, Overrun after ENOBUFS.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._reader_role():
            while True:
                remaining = None if deadline is None else deadline - time.monotonic()
                try:
                    datagram = self._recv(remaining)
                except OSError as exc:
                    raise _read_error(exc) from None
                if datagram is not None:
                    data, port, groups = datagram
                    return parse_messages(data), port, groups
                if remaining is not None and remaining <= 0:
                    raise TimeoutError(f"nothing received in {timeout} s")

    def receive(self, timeout: float | None = None) -> list[Message]:
        """The next datagram's messages (see `receive_from`)."""
        return self.receive_from(timeout)[0]

    # -- notifications ------------------------------------------------------------------------

    def next_notification(self, timeout: float | None = None) -> Notification | None:
        """The next notification or Overrun event; None when `timeout` passes first."""
        return self.run(ex.next_notification(self.engine, timeout))

    def poll_notification(self) -> Notification | None:
        """The next notification that has already arrived, without waiting."""
        return self.run(ex.next_notification(self.engine, 0))

    def notifications(self, timeout: float | None = None) -> Iterator[Notification]:
        """Notifications as they arrive; stops after `timeout` seconds without one.

        An `Overrun` item means messages were lost (ENOBUFS): resynchronise state, then go on.
        """
        return self.iterate(ex.notifications(self.engine, timeout))

    # -- life cycle ---------------------------------------------------------------------------

    def close(self) -> None:
        """Close the socket; closing twice is harmless. A thread reading is woken."""
        if self._closed:
            return
        super().close()
        with self._lock:
            os.eventfd_write(self._kick, 1)  # a reader waiting in poll() wakes and sees it
            if not self._reading:
                self._close_kick()

    def _close_kick(self) -> None:
        """Close the wake-up descriptor once no reader can be waiting on it (under the lock)."""
        if self._kick >= 0:
            os.close(self._kick)
            self._kick = -1

    def __enter__(self) -> NetlinkSocket:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["SUBSCRIBER_RCVBUF", "NetlinkSocket", "NetlinkSocketBase", "Response", "in_netns",
           "netns_path", "open_netlink"]  # fmt: skip

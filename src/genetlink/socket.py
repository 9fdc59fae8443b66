"""The blocking front: the one module that makes Netlink system calls.

`NetlinkSocket` opens an AF_NETLINK socket on any protocol, applies the safe defaults of the
kernel's netlink introduction (ACK requests, extended ACK, capped ACK, strict checking on
rtnetlink), and drives the shared protocol engine (`genetlink.core`).
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
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from .core.engine import Engine, Kind, Request
from .wire import constants as c
from .wire.errors import DecodeError, Overrun, Truncated
from .wire.message import Message, build_header, parse_messages

log = logging.getLogger("genetlink.socket")
trace_log = logging.getLogger("genetlink.trace")
T = TypeVar("T")

CLONE_NEWNET = 0x40000000
_RECV_BUFFER = 1 << 16
_BATCH = 64  # datagrams a reader takes at once when more are already queued


class Response(list[Message]):
    """The reply messages of a request, plus any ext-ACK warnings the kernel attached."""

    warnings: list[str]

    def __init__(self, messages: list[Message], warnings: list[str]) -> None:
        super().__init__(messages)
        self.warnings = warnings


def trace_datagram(direction: str, data: bytes, port: int, groups: int) -> None:
    """Log one datagram's messages (the GENETLINK_DEBUG trace): headers, then payload bytes."""
    where = f"port {port}" + (f" groups {groups:#x}" if groups else "")
    try:
        messages = parse_messages(data)
    except DecodeError as exc:
        trace_log.debug("%s %s: malformed datagram (%s): %s", direction, where, exc, data.hex())
        return
    for msg in messages:
        trace_log.debug("%s %s: type %d flags %#x seq %d pid %d len %d: %s", direction, where,
                        msg.type, msg.flags, msg.seq, msg.port, msg.length,
                        msg.payload.hex(" ", 4))  # fmt: skip


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

    def run() -> None:
        try:
            fd = os.open(netns_path(netns), os.O_RDONLY | os.O_CLOEXEC)
            try:
                _setns(fd)
            finally:
                os.close(fd)
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


class NetlinkSocket:
    """A Netlink socket on any protocol, for requests, dumps, raw messages and notifications.

    protocol:   NETLINK_ROUTE, NETLINK_GENERIC, NETLINK_USERSOCK, a module's own number, ...
    port:       port id to bind (0: the kernel assigns one; see `.port`)
    groups:     legacy 32-bit group mask to bind; `join()` takes any group number
    netns:      name (/run/netns/NAME) or path of a network namespace to open the socket in
    ext_ack, cap_ack: NETLINK_EXT_ACK / NETLINK_CAP_ACK (on by default)
    strict:     NETLINK_GET_STRICT_CHK (default: on for NETLINK_ROUTE)
    no_enobufs: NETLINK_NO_ENOBUFS (off: overruns are reported, not hidden)
    kernel_peer: accept answers from port 0 only (default: every protocol but NETLINK_USERSOCK)
    rcvbuf:     SO_RCVBUF in bytes (SO_RCVBUFFORCE is tried first when running as root)
    transport:  an already open socket-like object to use instead of opening one (test doubles
                such as `genetlink.testing.FakeKernel` plug in here, at the message boundary)
    trace:      log every datagram sent and received (logger "genetlink.trace", DEBUG); the
                default comes from the GENETLINK_DEBUG environment variable

    One request runs at a time per calling thread; several threads can share the socket, since
    answers are matched by sequence number whoever reads them.
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
        transport: Any = None,
        trace: bool | None = None,
    ) -> None:
        self.protocol = protocol
        self.trace = bool(os.environ.get("GENETLINK_DEBUG")) if trace is None else trace
        self._sock = transport if transport is not None else open_netlink(protocol, netns)
        try:
            self._configure(ext_ack, cap_ack, strict, no_enobufs, listen_all_nsid, rcvbuf)
            self._sock.bind((port, groups))
        except BaseException:
            self._sock.close()
            raise
        self.port: int = self._sock.getsockname()[0]
        if kernel_peer is None:
            kernel_peer = protocol != c.NETLINK_USERSOCK
        self.engine = Engine(kernel_peer=kernel_peer, dump_retries=dump_retries)
        self._buffer = bytearray(_RECV_BUFFER)
        self._lock = threading.Lock()  # `with self._lock` is C-level; the condition shares it
        self._dump_lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._reading = False
        self._waiters = 0
        self._poll = select.poll()
        self._poll.register(self._sock.fileno(), select.POLLIN)
        self._closed = False

    def _configure(
        self,
        ext_ack: bool,
        cap_ack: bool,
        strict: bool | None,
        no_enobufs: bool,
        listen_all_nsid: bool,
        rcvbuf: int | None,
    ) -> None:
        if strict is None:
            strict = self.protocol == c.NETLINK_ROUTE
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

    # -- options and membership -------------------------------------------------------------

    def setsockopt(self, option: int, value: int) -> None:
        """Set a SOL_NETLINK option (NETLINK_*)."""
        self._sock.setsockopt(c.SOL_NETLINK, option, value)

    def set_rcvbuf(self, size: int) -> None:
        """Size the receive queue; as root, beyond net.core.rmem_max (SO_RCVBUFFORCE)."""
        try:
            self._sock.setsockopt(_socket.SOL_SOCKET, 33, size)  # SO_RCVBUFFORCE
        except PermissionError:
            self._sock.setsockopt(_socket.SOL_SOCKET, _socket.SO_RCVBUF, size)

    def join(self, group: int) -> None:
        """Subscribe to multicast group `group` (any number, not only the first 32)."""
        self.setsockopt(c.NETLINK_ADD_MEMBERSHIP, group)

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
        return self._sock.fileno()

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
        whose answers the caller reads itself with `receive`).
        """
        if seq is None:
            with self._lock:
                seq = self.engine.next_seq()
        header = build_header(16 + len(payload), msg_type, flags, seq, self.port)
        self.send_raw(header + payload, port=port, groups=groups)
        return seq

    def send_raw(self, data: bytes, *, port: int = 0, groups: int = 0) -> None:
        """Send prepared bytes (one or more messages) as one datagram."""
        if self.trace:
            trace_datagram("send", data, port, groups)
        try:
            self._sock.sendto(data, (port, groups))
        except ConnectionRefusedError:
            # netlink_sendmsg() delivers to the groups, then also unicasts to `port`; on a user
            # protocol nobody listens at port 0, which is no failure of the multicast itself.
            if port or not groups:
                raise

    # -- receiving ----------------------------------------------------------------------------

    def _recv(self, timeout: float | None) -> tuple[bytes, int, int]:
        """One datagram: (bytes, sender port, sender group mask). Truncation raises Truncated.

        The socket stays in blocking mode: a timeout is a non-blocking try first (the kernel
        usually has the answer queued before sendto() returns) and a poll only when nothing is
        there, which spares the poll-around-every-call of Python's socket timeouts.
        """
        buffer = self._buffer
        recv = self._sock.recvmsg_into
        # MSG_TRUNC makes the kernel return the datagram's full length even when it did not fit.
        if timeout is None:
            size, _, _, address = recv([buffer], 0, _socket.MSG_TRUNC)
        else:
            try:
                size, _, _, address = recv([buffer], 0, _socket.MSG_TRUNC | _socket.MSG_DONTWAIT)
            except BlockingIOError:
                if not self._poll.poll(max(0.0, timeout) * 1000):
                    raise TimeoutError(f"nothing received in {timeout} s") from None
                size, _, _, address = recv([buffer], 0, _socket.MSG_TRUNC | _socket.MSG_DONTWAIT)
        if size > len(buffer):
            self._buffer = bytearray((size + 4095) & ~4095)
            raise Truncated(size, len(buffer), bytes(buffer[:16]))
        data = bytes(memoryview(buffer)[:size])
        if self.trace:
            trace_datagram("recv", data, address[0], address[1])
        return data, address[0], address[1]

    def receive_from(self, timeout: float | None = None) -> tuple[list[Message], int, int]:
        """One raw datagram's messages with the sender's port id and group mask.

        Bypasses request matching: for user-to-user protocols and hand-rolled exchanges.
        Raises TimeoutError when nothing arrives in `timeout` seconds.
        """
        data, port, groups = self._recv(timeout)
        return parse_messages(data), port, groups

    def receive(self, timeout: float | None = None) -> list[Message]:
        """One raw datagram's messages (see `receive_from`)."""
        return self.receive_from(timeout)[0]

    def _pump(self, ready: Callable[[], bool], timeout: float | None, batch: int = 1) -> bool:
        """Read datagrams into the engine until `ready()`; False on timeout.

        Only one thread reads at a time (the lock is released while it waits in recv); the
        others sleep on the condition and are woken after each batch, since answers are routed
        by sequence number whoever reads them. With `batch` > 1 the reader also takes up to
        that many datagrams that are already queued, for one lock round trip (notifications,
        dumps).
        """
        cond = self._cond
        deadline = None if timeout is None else time.monotonic() + timeout
        remaining = timeout
        with self._lock:
            while not ready():
                if deadline is not None:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return False
                if self._reading:
                    self._waiters += 1
                    try:
                        cond.wait(remaining)
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
                    if self._waiters:
                        cond.notify_all()
                feed = self.engine.feed
                for datagram in received:
                    feed(*datagram)
                if isinstance(problem, Truncated):
                    log.warning("%s", problem)
                    self.engine.truncated(problem)
                elif problem is not None:
                    log.info("netlink socket overrun (ENOBUFS) on port %d", self.port)
                    self.engine.overrun()
        return True

    def _recv_batch(
        self, timeout: float | None, limit: int
    ) -> tuple[list[tuple[bytes, int, int]], Exception | None]:
        """Up to `limit` datagrams: the first waits up to `timeout`, the others only if queued.

        Returns them with the Truncated or ENOBUFS error that ended the batch, if any; those
        are events for the engine, not failures of whoever happens to be reading. Any other
        error is raised, unless datagrams were read first (it comes back on the next call).
        """
        received: list[tuple[bytes, int, int]] = []
        wait = timeout
        while len(received) < limit:
            try:
                received.append(self._recv(wait))
            except (TimeoutError, BlockingIOError):
                break  # nothing (more) queued; the caller's deadline check decides
            except Truncated as exc:
                return received, exc
            except OSError as exc:
                if exc.errno == errno.ENOBUFS:
                    return received, exc
                if received:
                    break
                raise
            wait = 0.0
        return received, None

    # -- requests -----------------------------------------------------------------------------

    def _run(self, kind: Kind, msg_type: int, payload: bytes, flags: int,
             operation: str | None, timeout: float | None, port: int = 0) -> Request:  # fmt: skip
        if kind == "dump":
            # The kernel runs one dump per socket at a time (EBUSY otherwise): queue them.
            with self._dump_lock:
                return self._exchange(kind, msg_type, payload, flags, operation, timeout, port)
        return self._exchange(kind, msg_type, payload, flags, operation, timeout, port)

    def _exchange(self, kind: Kind, msg_type: int, payload: bytes, flags: int,
                  operation: str | None, timeout: float | None, port: int) -> Request:  # fmt: skip
        my_port = self.port

        def build(seq: int) -> bytes:
            return build_header(16 + len(payload), msg_type, flags, seq, my_port) + payload

        with self._lock:
            request = self.engine.start(kind, build, operation)
        try:
            while True:
                self.send_raw(request.data, port=port)
                batch = _BATCH if kind == "dump" else 1
                if not self._pump(lambda: request.done, timeout, batch):
                    raise TimeoutError(
                        f"no answer to {operation or msg_type} (seq {request.seq}) in {timeout} s"
                    )
                if not (request.kind == "dump" and request.interrupted and request.error is None):
                    return request
                with self._lock:
                    if not self.engine.retry(request):
                        return request
        finally:
            with self._lock:
                self.engine.abandon(request)

    def request(
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
        """A "do" request: send, wait for the replies and the ACK; raise NetlinkError on error.

        NLM_F_REQUEST and NLM_F_ACK are added. With ack=False (peers that never ACK, such as a
        user process at port id `port`) the first reply ends the request.
        """
        flags |= c.NLM_F_REQUEST | (c.NLM_F_ACK if ack else 0)
        kind: Kind = "do" if ack else "reply"
        request = self._run(kind, msg_type, payload, flags, operation, timeout, port)
        return Response(self.engine.finish(request), request.warnings)

    def dump(
        self,
        msg_type: int,
        payload: bytes = b"",
        flags: int = 0,
        *,
        operation: str | None = None,
        timeout: float | None = None,
        port: int = 0,
    ) -> Response:
        """A dump: every reply message up to NLMSG_DONE (NLM_F_REQUEST|NLM_F_DUMP|NLM_F_ACK added).

        A dump that comes back with NLM_F_DUMP_INTR is repeated (dump_retries times), then
        DumpInterrupted is raised with the last partial result. Dumps on one socket run one
        after the other, as the kernel requires.
        """
        flags |= c.NLM_F_REQUEST | c.NLM_F_DUMP | c.NLM_F_ACK
        request = self._run("dump", msg_type, payload, flags, operation, timeout, port)
        return Response(self.engine.finish(request), request.warnings)

    # -- notifications ------------------------------------------------------------------------

    def next_notification(self, timeout: float | None = None) -> Message | Overrun | None:
        """The next notification or Overrun event; None when `timeout` passes first."""
        queue = self.engine.notifications
        with self._lock:
            if queue:  # already read with an earlier batch
                return queue.popleft()
        if not self._pump(lambda: bool(queue), timeout, _BATCH):
            return None
        with self._lock:
            return queue.popleft()

    def notifications(self, timeout: float | None = None) -> Iterator[Message | Overrun]:
        """Notifications as they arrive; stops after `timeout` seconds without one.

        An `Overrun` item means messages were lost (ENOBUFS): resynchronise state, then go on.
        """
        while True:
            item = self.next_notification(timeout)
            if item is None:
                return
            yield item

    # -- life cycle ---------------------------------------------------------------------------

    def close(self) -> None:
        """Close the socket; closing twice is harmless."""
        if not self._closed:
            self._closed = True
            self._sock.close()

    @property
    def closed(self) -> bool:
        """True once `close()` ran."""
        return self._closed

    def __enter__(self) -> NetlinkSocket:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"port {self.port}"
        return f"NetlinkSocket(protocol={self.protocol}, {state})"

"""The blocking front (`NetlinkSocket`) through the fake kernel: every error path, no root."""

from __future__ import annotations

import errno
import os
import threading
from collections.abc import Iterator

import pytest

from genetlink.socket import NetlinkSocket
from genetlink.testing import FakeKernel, replies
from genetlink.wire import constants as c
from genetlink.wire.errors import DecodeError, DumpInterrupted, NetlinkError, Overrun, Truncated
from genetlink.wire.message import Message, build_message

T = 100
WAIT = 5.0  # upper bound on every wait that should succeed


def echo(req: Message) -> list[bytes]:
    """Answer a "do" with its payload echoed then an ACK; a dump with three parts."""
    if req.flags & c.NLM_F_DUMP == c.NLM_F_DUMP:
        return replies.dump(req, T, [b"a", b"b", b"c"])
    return [replies.reply(req, T, req.payload) + replies.ack(req)]


@pytest.fixture
def kernel() -> FakeKernel:
    return FakeKernel(echo)


@pytest.fixture
def sock(kernel: FakeKernel) -> Iterator[NetlinkSocket]:
    with kernel.socket() as s:
        yield s


def test_safe_default_options() -> None:
    kernel = FakeKernel()
    route = kernel.socket(c.NETLINK_ROUTE)
    genl = kernel.socket(c.NETLINK_GENERIC, no_enobufs=True)
    with route, genl:
        ropts = kernel.transports[0].options
        gopts = kernel.transports[1].options
        for opts in (ropts, gopts):
            assert opts[(c.SOL_NETLINK, c.NETLINK_EXT_ACK)] == 1
            assert opts[(c.SOL_NETLINK, c.NETLINK_CAP_ACK)] == 1
        assert ropts[(c.SOL_NETLINK, c.NETLINK_GET_STRICT_CHK)] == 1
        assert (c.SOL_NETLINK, c.NETLINK_GET_STRICT_CHK) not in gopts
        assert (c.SOL_NETLINK, c.NETLINK_NO_ENOBUFS) not in ropts
        assert gopts[(c.SOL_NETLINK, c.NETLINK_NO_ENOBUFS)] == 1
        assert route.port != genl.port


def test_request_adds_request_and_ack(kernel: FakeKernel, sock: NetlinkSocket) -> None:
    (reply,) = sock.request(T, b"hello", timeout=WAIT)
    assert reply.payload == b"hello"
    sent = kernel.received[0]
    assert sent.flags & (c.NLM_F_REQUEST | c.NLM_F_ACK) == c.NLM_F_REQUEST | c.NLM_F_ACK
    assert sent.port == sock.port


def test_sequence_numbers_increase(kernel: FakeKernel, sock: NetlinkSocket) -> None:
    for _ in range(5):
        sock.request(T, timeout=WAIT)
    seqs = [m.seq for m in kernel.received]
    assert seqs == sorted(seqs) and len(set(seqs)) == 5 and 0 not in seqs


def test_netlink_error_fields() -> None:
    policy = replies.policy_attrs(c.AttrType.U8, max_value_u=10)
    kernel = FakeKernel(lambda r: [replies.error(r, errno.ERANGE, message="too big",
                                                 bad_offset=20, cookie=b"ck", policy=policy,
                                                 missing_type=3, missing_nest=16)])  # fmt: skip
    with kernel.socket() as s, pytest.raises(NetlinkError) as info:
        s.request(T, b"\0" * 8, operation="set-thing", timeout=WAIT)
    err = info.value
    assert isinstance(err, OSError) and err.errno == errno.ERANGE
    assert err.message == "too big" and err.bad_offset == 20 and err.cookie == b"ck"
    assert err.policy == {"type": "u8", "max-value": 10}
    assert (err.missing_type, err.missing_nest) == (3, 16)
    assert err.operation == "set-thing" and err.seq == kernel.received[0].seq
    assert err.request is not None and err.request[:4] == (24).to_bytes(4, "little")


@pytest.mark.parametrize(
    ("code", "base"),
    [(errno.EPERM, PermissionError), (errno.EACCES, PermissionError),
     (errno.ENOENT, FileNotFoundError), (errno.EEXIST, FileExistsError)],
)  # fmt: skip
def test_errno_maps_to_builtin_os_errors(code: int, base: type[OSError]) -> None:
    kernel = FakeKernel(lambda r: [replies.error(r, code)])
    with kernel.socket() as s, pytest.raises(base) as info:
        s.request(T, timeout=WAIT)
    assert isinstance(info.value, NetlinkError) and info.value.errno == code


def test_uncapped_error_echo() -> None:
    kernel = FakeKernel(lambda r: [replies.error(r, errno.EINVAL, capped=False, message="m")])
    with kernel.socket(cap_ack=False) as s, pytest.raises(NetlinkError) as info:
        s.request(T, b"x" * 13, timeout=WAIT)
    assert info.value.message == "m"


def test_warnings_on_success() -> None:
    kernel = FakeKernel(lambda r: [replies.ack(r, message="deprecated")])
    with kernel.socket() as s:
        assert s.request(T, timeout=WAIT).warnings == ["deprecated"]


def test_dump_ends_at_done_not_at_missing_multi() -> None:
    def handler(req: Message) -> list[bytes]:
        return replies.dump(req, T, [i.to_bytes(4, "little") for i in range(600)],
                            per_datagram=50, flags=0)  # fmt: skip

    with FakeKernel(handler).socket() as s:
        assert len(s.dump(T, timeout=WAIT)) == 600


def test_error_mid_dump() -> None:
    def handler(req: Message) -> list[bytes]:
        return [replies.reply(req, T, b"a", c.NLM_F_MULTI), replies.error(req, errno.EBUSY)]

    with FakeKernel(handler).socket() as s, pytest.raises(NetlinkError) as info:
        s.dump(T, timeout=WAIT)
    assert info.value.errno == errno.EBUSY


def test_dump_intr_once_is_retried(kernel: FakeKernel, sock: NetlinkSocket) -> None:
    kernel.dump_intr(1)
    assert [m.payload for m in sock.dump(T, timeout=WAIT)] == [b"a", b"b", b"c"]
    assert len(kernel.received) == 2
    assert kernel.received[0].seq != kernel.received[1].seq


def test_dump_intr_always_raises_with_partial(kernel: FakeKernel, sock: NetlinkSocket) -> None:
    kernel.dump_intr(None)
    with pytest.raises(DumpInterrupted) as info:
        sock.dump(T, timeout=WAIT)
    assert info.value.attempts == 4 and len(kernel.received) == 4
    assert [m.payload for m in info.value.partial] == [b"a", b"b", b"c"]
    kernel.dump_intr(0)
    assert len(sock.dump(T, timeout=WAIT)) == 3  # usable afterwards


def test_dump_retries_option() -> None:
    kernel = FakeKernel(echo)
    kernel.dump_intr(None)
    with kernel.socket(dump_retries=0) as s, pytest.raises(DumpInterrupted):
        s.dump(T, timeout=WAIT)
    assert len(kernel.received) == 1


def test_enobufs_is_an_overrun_event(kernel: FakeKernel, sock: NetlinkSocket) -> None:
    kernel.deliver(build_message(T, 0, 0, 0, b"before"))
    kernel.inject_enobufs()
    first = sock.next_notification(timeout=WAIT)
    assert isinstance(first, Overrun) and first.errno == errno.ENOBUFS
    second = sock.next_notification(timeout=WAIT)
    assert isinstance(second, Message) and second.payload == b"before"
    assert sock.request(T, b"ok", timeout=WAIT)[0].payload == b"ok"


def test_enobufs_during_request(kernel: FakeKernel) -> None:
    kernel.handler = lambda r: None  # the reply is "lost"
    with kernel.socket() as s:
        kernel.inject_enobufs()
        with pytest.raises(Overrun):
            s.request(T, timeout=WAIT)
        assert isinstance(s.next_notification(timeout=WAIT), Overrun)
        kernel.handler = echo
        assert s.request(T, b"again", timeout=WAIT)[0].payload == b"again"


def test_real_queue_overflow_reported() -> None:
    kernel = FakeKernel(echo)
    transport = kernel.transport(max_queued=4)
    with NetlinkSocket(transport=transport) as s:
        for i in range(10):
            kernel.deliver(build_message(T, 0, 0, 0, bytes([i])))
        items = list(s.notifications(timeout=0.2))
        assert isinstance(items[0], Overrun)
        assert [m.payload for m in items[1:]] == [bytes([i]) for i in range(4)]  # type: ignore[union-attr]
        assert kernel.overflowed == 6


def test_truncated_raises_and_socket_recovers(kernel: FakeKernel, sock: NetlinkSocket) -> None:
    kernel.truncate_next(size=1 << 17)
    with pytest.raises(Truncated) as info:
        sock.request(T, b"big", timeout=WAIT)
    assert info.value.size >= 1 << 17 and info.value.buffer_size == 1 << 16
    assert sock.request(T, b"next", timeout=WAIT)[0].payload == b"next"
    kernel.truncate_next(size=1 << 17)  # the buffer has grown: the same size now fits
    assert sock.request(T, b"fits", timeout=WAIT)[0].payload == b"fits"


@pytest.mark.parametrize("how", ["long", "short"])
def test_malformed_reply_fails_request_socket_recovers(kernel: FakeKernel, how: str) -> None:
    kernel.handler = lambda r: [replies.ack(r), replies.ack(r)]  # second copy is intact
    with kernel.socket() as s:
        kernel.malform_next(how)
        with pytest.raises(DecodeError):
            s.request(T, timeout=WAIT)
        assert s.engine.dropped == 1
        kernel.handler = lambda r: [replies.ack(r)]
        assert s.request(T, timeout=WAIT) == []
        assert list(s.notifications(timeout=0.1)) == []  # the late intact copy was discarded


def test_malformed_reply_without_header_fails_the_request(kernel: FakeKernel) -> None:
    kernel.handler = lambda r: [replies.ack(r), replies.ack(r)]
    with kernel.socket() as s:
        kernel.malform_next("cut")  # too short to name a request: the ones in flight fail
        with pytest.raises(DecodeError):
            s.request(T, timeout=WAIT)
        assert s.engine.dropped == 1
        assert s.request(T, timeout=WAIT) == []  # the socket goes on


def test_malformed_only_reply_fails_fast(kernel: FakeKernel, sock: NetlinkSocket) -> None:
    kernel.malform_next("long")
    with pytest.raises(DecodeError):
        sock.request(T, timeout=5)
    assert sock.engine.dropped == 1


def test_spoofed_reply_dropped(kernel: FakeKernel) -> None:
    kernel.handler = lambda r: [replies.error(r, errno.EPERM), replies.ack(r)]
    with kernel.socket() as s:
        kernel.spoof_next(port=4242)  # the forged EPERM comes from a user process
        assert s.request(T, timeout=WAIT) == []
        assert s.engine.dropped == 1


def test_unknown_seq_goes_to_notifications(kernel: FakeKernel, sock: NetlinkSocket) -> None:
    kernel.deliver(build_message(T, 0, 999_999, sock.port, b"stray"))
    kernel.deliver(build_message(T, 0, 0, 0, b"event"))
    got = list(sock.notifications(timeout=0.2))
    assert [m.payload for m in got] == [b"stray", b"event"]  # type: ignore[union-attr]


def test_timeout_then_late_reply_discarded(kernel: FakeKernel) -> None:
    held: list[Message] = []
    kernel.handler = lambda r: held.append(r)
    with kernel.socket() as s:
        with pytest.raises(TimeoutError):
            s.request(T, timeout=0.2)
        kernel.deliver(replies.reply(held[0], T, b"late") + replies.ack(held[0]))
        kernel.handler = echo
        assert s.request(T, b"fresh", timeout=WAIT)[0].payload == b"fresh"
        assert s.next_notification(timeout=0.1) is None
        assert s.engine.stale == 2


def test_notifications_iterator_stops_on_timeout(sock: NetlinkSocket) -> None:
    assert list(sock.notifications(timeout=0.05)) == []


def test_join_leave_memberships(sock: NetlinkSocket) -> None:
    sock.join(3)
    sock.join(40)
    assert sock.memberships() == [3, 40]
    sock.leave(3)
    assert sock.memberships() == [40]


def test_user_to_user_unicast_and_multicast() -> None:
    kernel = FakeKernel()
    with kernel.socket(c.NETLINK_USERSOCK) as a, kernel.socket(c.NETLINK_USERSOCK) as b, \
            kernel.socket(c.NETLINK_USERSOCK, groups=1 << 4) as listener:  # fmt: skip
        seq = a.send(T, b"hi", port=b.port)
        (msg,), sender, groups = b.receive_from(timeout=WAIT)
        assert (msg.payload, msg.seq, sender, groups) == (b"hi", seq, a.port, 0)
        b.join(5)
        a.send(T, b"all", groups=1 << 4)
        for s in (b, listener):
            (msg,), sender, groups = s.receive_from(timeout=WAIT)
            assert (msg.payload, sender, groups) == (b"all", a.port, 1 << 4)


def test_user_peer_reply_request() -> None:
    """request(ack=False) matches a user process's reply by seq, from any port."""
    kernel = FakeKernel()
    with kernel.socket(c.NETLINK_USERSOCK) as server, kernel.socket(c.NETLINK_USERSOCK) as client:

        def serve() -> None:
            try:
                (msg,), sender, _ = server.receive_from(timeout=1.0)
            except (TimeoutError, OSError):
                return
            server.send(T, msg.payload.upper(), seq=msg.seq, port=sender)

        thread = threading.Thread(target=serve)
        thread.start()
        try:
            request = client.request
            (reply,) = request(T, b"ping", ack=False, timeout=WAIT, port=server.port)  # type: ignore[call-arg]
        finally:
            thread.join(WAIT)
        assert reply.payload == b"PING"


def test_close_is_idempotent_and_context_manager(kernel: FakeKernel) -> None:
    with kernel.socket() as s:
        transport = kernel.transports[0]
    assert s.closed and transport.closed
    s.close()
    s.close()
    assert "closed" in repr(s)


def test_bind_failure_closes_transport() -> None:
    kernel = FakeKernel()
    with kernel.socket(port=5000):
        transport = kernel.transport()
        with pytest.raises(OSError) as info:
            NetlinkSocket(transport=transport, port=5000)
        assert info.value.errno == errno.EADDRINUSE
        assert transport.closed


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_no_fd_leak(kernel: FakeKernel) -> None:
    kernel.handler = echo
    before = _fds()
    for _ in range(200):
        with kernel.socket() as s:
            s.request(T, timeout=WAIT)
    assert _fds() == before


def test_two_threads_get_their_own_answers() -> None:
    """Both requests are in flight at once; the kernel answers them in reverse order."""
    lock = threading.Lock()
    held: list[Message] = []

    def handler(req: Message) -> list[bytes]:
        with lock:
            held.append(req)
            if len(held) < 2:
                return []
            pair = held[::-1]
            held.clear()
        return [replies.reply(r, T, r.payload) + replies.ack(r) for r in pair]

    kernel = FakeKernel(handler)
    results: dict[str, list[bytes]] = {"a": [], "b": []}
    errors: list[BaseException] = []

    with kernel.socket() as s:

        def worker(name: str) -> None:
            try:
                for i in range(50):
                    payload = f"{name}{i}".encode()
                    (reply,) = s.request(T, payload, timeout=WAIT)
                    results[name].append(reply.payload)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(n,)) for n in results]
        for t in threads:
            t.start()
        for t in threads:
            t.join(4 * WAIT)
        assert not any(t.is_alive() for t in threads)
    assert errors == []
    for name, got in results.items():
        assert got == [f"{name}{i}".encode() for i in range(50)]


def test_many_threads_share_one_socket(kernel: FakeKernel, sock: NetlinkSocket) -> None:
    failures: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(40):
                payload = f"{n}:{i}".encode()
                assert sock.request(T, payload, timeout=WAIT)[0].payload == payload
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(6 * WAIT)
    assert not any(t.is_alive() for t in threads) and failures == []
    assert len(kernel.received) == 8 * 40

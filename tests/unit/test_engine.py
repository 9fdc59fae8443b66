"""The sans-I/O engine fed with plain bytes: sequence numbers, do/ack, dumps, faults, routing."""

from __future__ import annotations

import errno

import pytest

from genetlink.core.engine import Engine, Request
from genetlink.testing import replies
from genetlink.wire import constants as c
from genetlink.wire.errors import DecodeError, DumpInterrupted, NetlinkError, Overrun
from genetlink.wire.message import Message, build_message, parse_messages

PORT = 777
T = 100  # a family message type


def _builder(flags: int) -> object:
    return lambda seq: build_message(T, flags, seq, PORT, b"")


def start(engine: Engine, kind: str = "do") -> tuple[Request, Message]:
    flags = c.NLM_F_REQUEST | c.NLM_F_ACK | (c.NLM_F_DUMP if kind == "dump" else 0)
    request = engine.start(kind, _builder(flags), "op")  # type: ignore[arg-type]
    (msg,) = parse_messages(request.data)
    return request, msg


def test_seq_monotonic_from_one() -> None:
    engine = Engine()
    assert [engine.next_seq() for _ in range(5)] == [1, 2, 3, 4, 5]


def test_seq_wraps_and_skips_zero() -> None:
    engine = Engine(first_seq=0xFFFF_FFFE)
    assert [engine.next_seq() for _ in range(4)] == [0xFFFF_FFFE, 0xFFFF_FFFF, 1, 2]


def test_seq_skips_pending_and_abandoned() -> None:
    engine = Engine(first_seq=0xFFFF_FFFF)
    first, _ = start(engine)
    assert first.seq == 0xFFFF_FFFF
    second, _ = start(engine)
    engine.abandon(second)  # unanswered: its seq stays reserved for late replies
    assert second.seq == 1
    engine._seq = 0xFFFF_FFFE  # wrap right onto both again
    assert engine.next_seq() == 2


def test_do_ack() -> None:
    engine = Engine()
    request, msg = start(engine)
    assert msg.flags & c.NLM_F_ACK and msg.seq == request.seq and msg.port == PORT
    assert engine.feed(replies.reply(msg, T, b"data")) == []
    assert not request.done
    assert engine.feed(replies.ack(msg)) == [request]
    (reply,) = engine.finish(request)
    assert reply.payload == b"data"
    assert engine.pending == {}


def test_do_error_carries_ext_ack() -> None:
    engine = Engine()
    request, msg = start(engine)
    engine.feed(replies.error(msg, errno.EINVAL, message="nope", bad_offset=20))
    with pytest.raises(NetlinkError) as info:
        engine.finish(request)
    err = info.value
    assert (err.errno, err.message, err.bad_offset, err.seq, err.operation) == (
        errno.EINVAL, "nope", 20, request.seq, "op")  # fmt: skip
    assert err.request == request.data


def test_warnings_on_success() -> None:
    engine = Engine()
    request, msg = start(engine)
    engine.feed(replies.ack(msg, message="deprecated"))
    assert request.done and request.warnings == ["deprecated"]


def test_dump_ends_only_at_done() -> None:
    engine = Engine()
    request, msg = start(engine, "dump")
    # parts without NLM_F_MULTI (netdev on 6.18 does that) must not end the dump
    *parts, _done = replies.dump(msg, T, [b"a", b"b", b"c"], flags=0)
    for part in parts:
        assert engine.feed(part) == []
    # an ACK (error 0) in the middle does not end it either
    assert engine.feed(replies.ack(msg)) == []
    assert engine.feed(replies.done(msg)) == [request]
    assert [m.payload for m in engine.finish(request)] == [b"a", b"b", b"c"]


def test_dump_many_parts_in_one_datagram() -> None:
    engine = Engine()
    request, msg = start(engine, "dump")
    datagrams = replies.dump(msg, T, [bytes([i]) for i in range(50)], per_datagram=7)
    for d in datagrams:
        engine.feed(d)
    assert len(engine.finish(request)) == 50


def test_error_mid_dump() -> None:
    engine = Engine()
    request, msg = start(engine, "dump")
    engine.feed(replies.reply(msg, T, b"a", c.NLM_F_MULTI))
    assert engine.feed(replies.error(msg, errno.EBUSY)) == [request]
    with pytest.raises(NetlinkError) as info:
        engine.finish(request)
    assert info.value.errno == errno.EBUSY


def test_done_with_error_fails_dump() -> None:
    engine = Engine()
    request, msg = start(engine, "dump")
    engine.feed(replies.done(msg, -errno.EMSGSIZE, message="too big"))
    with pytest.raises(NetlinkError) as info:
        engine.finish(request)
    assert info.value.errno == errno.EMSGSIZE and info.value.message == "too big"


def _interrupted_dump(engine: Engine, request: Request) -> None:
    (msg,) = parse_messages(request.data)
    for d in replies.dump(msg, T, [b"x", b"y"], flags=c.NLM_F_MULTI | c.NLM_F_DUMP_INTR):
        engine.feed(d)
    assert request.done and request.interrupted


def test_dump_intr_retry_then_success() -> None:
    engine = Engine()
    request, _ = start(engine, "dump")
    _interrupted_dump(engine, request)
    old_seq = request.seq
    assert engine.retry(request)
    assert request.seq != old_seq and request.attempts == 2 and request.messages == []
    (msg,) = parse_messages(request.data)
    assert msg.seq == request.seq  # rebuilt for the new seq
    for d in replies.dump(msg, T, [b"z"]):
        engine.feed(d)
    assert [m.payload for m in engine.finish(request)] == [b"z"]


def test_dump_intr_default_three_retries_then_partial() -> None:
    engine = Engine()
    request, _ = start(engine, "dump")
    for _ in range(3):
        _interrupted_dump(engine, request)
        assert engine.retry(request)
    _interrupted_dump(engine, request)
    assert not engine.retry(request)
    assert request.attempts == 4
    with pytest.raises(DumpInterrupted) as info:
        engine.finish(request)
    assert info.value.attempts == 4
    assert [m.payload for m in info.value.partial] == [b"x", b"y"]


def test_dump_intr_on_done_only() -> None:
    engine = Engine()
    request, msg = start(engine, "dump")
    engine.feed(replies.reply(msg, T, b"a", c.NLM_F_MULTI))
    engine.feed(replies.done(msg, flags=c.NLM_F_MULTI | c.NLM_F_DUMP_INTR))
    assert request.done
    assert request.interrupted


def test_enobufs_overrun_event_and_failed_do() -> None:
    engine = Engine()
    do, _ = start(engine)
    dump, dump_msg = start(engine, "dump")
    failed = engine.overrun()
    assert failed == [do]
    assert isinstance(engine.notifications.popleft(), Overrun)
    with pytest.raises(Overrun):
        engine.finish(do)
    engine.abandon(do)
    assert not dump.done  # the kernel pauses a dump instead of dropping it
    for d in replies.dump(dump_msg, T, [b"a"]):
        engine.feed(d)
    assert len(engine.finish(dump)) == 1
    # still usable
    again, msg = start(engine)
    engine.feed(replies.ack(msg))
    assert engine.finish(again) == []


def test_late_reply_after_overrun_is_discarded() -> None:
    engine = Engine()
    do, msg = start(engine)
    engine.overrun()
    engine.notifications.clear()
    engine.abandon(do)
    engine.feed(replies.ack(msg))
    assert not engine.notifications and engine.stale == 1


def test_nlmsg_overrun_message() -> None:
    engine = Engine()
    do, msg = start(engine)
    assert engine.feed(replies.reply(msg, c.NLMSG_OVERRUN)) == [do]
    assert isinstance(do.error, Overrun)


def test_spoofed_port_dropped_and_counted() -> None:
    engine = Engine()
    request, msg = start(engine)
    assert engine.feed(replies.ack(msg), port=4242) == []
    assert engine.dropped == 1 and not request.done
    engine.feed(replies.ack(msg), port=0)
    assert request.done


def test_user_peer_accepts_any_port() -> None:
    engine = Engine(kernel_peer=False)
    request = engine.start("reply", _builder(c.NLM_F_REQUEST))  # type: ignore[arg-type]
    (msg,) = parse_messages(request.data)
    assert engine.feed(replies.reply(msg, T, b"echo"), port=4242) == [request]


def test_notifications_seq_zero_and_unknown_seq() -> None:
    engine = Engine()
    request, _ = start(engine)
    engine.feed(build_message(T, 0, 0, 0, b"event"))
    engine.feed(build_message(T, 0, request.seq + 1000, 0, b"other"))
    engine.feed(build_message(c.NLMSG_NOOP, 0, 0, 0))  # NOOPs are not events
    assert [m.payload for m in engine.notifications] == [b"event", b"other"]  # type: ignore[union-attr]
    assert not request.done


def test_abandoned_request_late_replies_discarded() -> None:
    engine = Engine()
    request, msg = start(engine, "dump")
    engine.abandon(request)  # e.g. timed out
    for d in replies.dump(msg, T, [b"a", b"b"]):
        engine.feed(d)
    assert not engine.notifications
    assert engine.stale == 3
    assert not engine.dump_busy()  # its DONE came: the kernel's dump has ended
    # replies to our own sequence numbers are never notifications, even later
    engine.feed(build_message(T, 0, msg.seq, 0, b"n"))
    assert not engine.notifications and engine.stale == 4


def test_abandoned_dump_keeps_the_slot_until_its_end() -> None:
    engine = Engine()
    request, msg = start(engine, "dump")
    engine.abandon(request)
    assert engine.dump_busy() and engine.start_dump(lambda seq: b"") is None
    engine.feed(replies.done(msg))
    assert not engine.dump_busy()
    assert engine.start_dump(lambda seq: b"") is not None


def test_finished_request_not_abandoned() -> None:
    engine = Engine()
    request, msg = start(engine)
    engine.feed(replies.ack(msg))
    engine.finish(request)
    engine.abandon(request)  # twice is harmless
    assert not engine.pending and not engine.dump_busy()
    engine.feed(replies.ack(msg))  # a stray copy of the answer
    assert not engine.notifications and engine.stale == 1


def test_notification_queue_overflow_is_overrun() -> None:
    engine = Engine(max_queued=3)
    for i in range(10):
        engine.feed(build_message(T, 0, 0, 0, bytes([i])))
    items = list(engine.notifications)
    assert len(items) == 4
    assert isinstance(items[3], Overrun)
    assert engine.queue_dropped == 7
    engine.notifications.clear()
    engine.feed(build_message(T, 0, 0, 0, b"after"))
    assert [m.payload for m in engine.notifications] == [b"after"]  # type: ignore[union-attr]


def test_malformed_answer_fails_its_request() -> None:
    """A malformed datagram whose header still names our request ends it with DecodeError
    (instead of leaving it to wait for an answer that will not come)."""
    engine = Engine()
    request, msg = start(engine)
    bad = bytearray(replies.ack(msg))
    bad[0] += 64  # nlmsg_len past the datagram
    assert engine.feed(bytes(bad)) == [request]
    assert engine.dropped == 1
    with pytest.raises(DecodeError):
        engine.finish(request)


def test_datagram_with_malformed_tail_dropped_whole() -> None:
    engine = Engine()
    request, msg = start(engine)
    datagram = replies.ack(msg) + b"\x01\x02"
    assert engine.feed(datagram) == [request]  # nothing of it is used, not even the ACK
    assert engine.dropped == 1 and isinstance(request.error, DecodeError)


def test_malformed_datagram_without_header_fails_requests_in_flight() -> None:
    """It may have been the answer of any of them: none may end as if nothing was lost."""
    engine = Engine()
    request, _msg = start(engine)
    dump, _ = start(engine, "dump")
    assert engine.feed(b"\x01\x02\x03") == [request, dump]
    assert engine.dropped == 1
    assert isinstance(request.error, DecodeError) and isinstance(dump.error, DecodeError)


def test_malformed_multicast_datagram_is_an_overrun_event() -> None:
    engine = Engine()
    request, _msg = start(engine)
    assert engine.feed(b"\x01\x02\x03", groups=1) == []
    assert not request.done
    (event,) = engine.notifications
    assert isinstance(event, Overrun)


def test_reply_kind_ends_at_first_reply() -> None:
    engine = Engine(kernel_peer=False)
    request = engine.start("reply", _builder(c.NLM_F_REQUEST))  # type: ignore[arg-type]
    (msg,) = parse_messages(request.data)
    engine.feed(replies.reply(msg, T, b"1") + replies.reply(msg, T, b"2"))
    assert [m.payload for m in engine.finish(request)] == [b"1"]

"""The batch receive path without a kernel: `Engine.feed_many` gives what `feed` one datagram at a
time gives, and the notification exchange's `Drain` takes an item only when the caller does."""

from __future__ import annotations

from collections import deque

import pytest

from genetlink.core import exchange as ex
from genetlink.core.engine import Engine
from genetlink.socket import NetlinkSocket
from genetlink.testing import FakeKernel
from genetlink.wire import constants as c
from genetlink.wire.errors import Overrun
from genetlink.wire.message import Message, build_message

T = 100


def event(n: int, msg_type: int = T) -> bytes:
    return build_message(msg_type, 0, 0, 0, n.to_bytes(4, "little"))


def shape(engine: Engine) -> list[object]:
    """The queue as comparable values: payloads, Overrun events by name."""
    return [m.payload if isinstance(m, Message) else type(m).__name__
            for m in engine.notifications]  # fmt: skip


BATCHES = {
    "multicast": [(event(i), 0, 1) for i in range(6)],
    "two per datagram and NOOPs": [(event(i) + event(9, c.NLMSG_NOOP) + event(i + 100), 0, 1)
                                   for i in range(4)],
    "malformed among them": [(event(1), 0, 1), (b"\x30\0\0\0junk", 0, 1), (event(2), 0, 1)],
    "a forged sender": [(event(1), 0, 1), (event(2), 4242, 1), (event(3), 0, 1)],
    "unicast": [(event(1), 0, 0), (event(2), 0, 0)],
    "past the queue's bound": [(event(i), 0, 1) for i in range(12)],
}


@pytest.mark.parametrize("batch", BATCHES.values(), ids=BATCHES.keys())
def test_feed_many_is_feed_in_order(batch: list[tuple[bytes, int, int]]) -> None:
    one, many = Engine(max_queued=5), Engine(max_queued=5)
    for datagram in batch:
        one.feed(*datagram)
    many.feed_many(batch)
    assert shape(many) == shape(one)
    assert (many.dropped, many.queue_dropped) == (one.dropped, one.queue_dropped)


def test_feed_many_bound_then_room_again() -> None:
    """Past max_queued: one Overrun for the lot; once the consumer took them, room again."""
    engine = Engine(max_queued=3)
    engine.feed_many([(event(i), 0, 1) for i in range(10)])
    assert shape(engine)[3:] == ["Overrun"] and engine.queue_dropped == 7
    engine.notifications.clear()
    engine.feed_many([(event(7), 0, 1)])
    assert shape(engine) == [event(7)[16:]]


def test_drain_pops_only_what_is_taken() -> None:
    queue: deque[int] = deque(range(5))
    taken = ex.drain(ex.Drain(queue, lambda n: None if n == 1 else n * 10))
    assert [next(taken), next(taken)] == [0, 20]  # 1 skipped by accept
    assert list(queue) == [3, 4]
    assert list(taken) == [30, 40] and not queue


def test_breaking_out_of_notifications_loses_none() -> None:
    """The caller takes two of five and stops: the other three come next, in order."""
    kernel = FakeKernel()
    with NetlinkSocket(c.NETLINK_GENERIC, transport=kernel.transport()) as sock:
        for i in range(5):
            sock.engine.feed(event(i), 0, 1)
        first = []
        for item in sock.notifications(timeout=0):
            first.append(item)
            if len(first) == 2:
                break
        rest = list(sock.notifications(timeout=0))
    payloads = [m.payload for m in first + rest if isinstance(m, Message)]
    assert payloads == [i.to_bytes(4, "little") for i in range(5)]


def test_overrun_is_delivered_through_drain() -> None:
    engine = Engine()
    engine.feed(event(1), 0, 1)
    engine.overrun()
    engine.feed(event(2), 0, 1)
    items = list(ex.drain(ex.Drain(engine.notifications)))
    assert isinstance(items[1], Overrun) and len(items) == 3

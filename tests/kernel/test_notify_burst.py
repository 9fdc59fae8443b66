"""A notification consumer against a real kernel's NETLINK_USERSOCK multicast: a sender in another
process bursts numbered events at the subscriber (the bench's notification workload, smaller).

Losing events is allowed only when it is reported: every gap in the numbers must be preceded by an
Overrun event of its own. At a paced 100k events/s nothing may be lost at all (the default
subscriber receive queue and the batch reads keep up, even on a loaded 2-vCPU machine).
"""

from __future__ import annotations

import asyncio
import struct
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass

import pytest

from genetlink.aio import AsyncNetlinkSocket
from genetlink.core.engine import Notification
from genetlink.socket import NetlinkSocket
from genetlink.wire import constants as c
from genetlink.wire.attrs import Attrs
from genetlink.wire.errors import Overrun

pytestmark = pytest.mark.root

GROUP = 3
EVENT, END = 0x10, 0x11

#: The sender: COUNT events (attribute 1: u32 number, 2: u64, 3: a string, as the bench's C
#: sender builds them) to GROUP, RATE per second in 1 ms steps (0: as fast as it can), after
#: "go" on stdin; then END (number COUNT) ten times, 50 ms apart, in case the queue was full.
SENDER = r"""
import struct, sys, time
from genetlink.socket import open_netlink
netns, group, count, rate = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
sock = open_netlink(2, netns)
sock.bind((0, 0))
text = b"link eth0 changed state to up\0"
def event(kind, n):
    attrs = (struct.pack("=HHI", 8, 1, n) + struct.pack("=HHQ", 12, 2, time.monotonic_ns())
             + struct.pack("=HH", 4 + len(text), 3) + text + b"\0" * (-len(text) % 4))
    return struct.pack("=IHHII", 16 + len(attrs), kind, 0, n, 0) + attrs
def send(data):
    try:
        sock.sendto(data, (0, 1 << (group - 1)))
    except ConnectionRefusedError:  # the unicast leg to port 0 (nobody there); the copy went out
        pass
sys.stdin.readline()
start = time.monotonic()
step = max(1, rate // 1000) if rate else count
for first in range(0, count, step):
    for n in range(first, min(first + step, count)):
        send(event(0x10, n))
    if rate:
        due = start + (first + step) / rate
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
took = time.monotonic() - start
for _ in range(10):
    send(event(0x11, count))
    time.sleep(0.05)
print(f"{count / took:.0f}", flush=True)
"""


@dataclass
class Tally:
    """What a consumer saw: events, Overrun events, gaps, and whether a gap went unreported."""

    received: int = 0
    overruns: int = 0
    gaps: int = 0
    silent: int = 0  # gaps seen with no Overrun of their own before them
    end: bool = False

    def see(self, items: Iterable[Notification], expected: int = 0) -> Tally:
        """Count the stream up to END. The kernel reports ENOBUFS ahead of what it had queued
        before the drop, and each congestion episode makes one contiguous gap: so by each
        gap, at least as many Overrun events as gaps must have come."""
        for item in items:
            if isinstance(item, Overrun):
                self.overruns += 1
                continue
            number = Attrs(item.data, item.payload_start, item.end).u32(1)
            assert number is not None
            if number != expected:
                assert number > expected, f"event {number} after {expected - 1}: reordered"
                self.gaps += 1
                self.silent += self.overruns < self.gaps
            expected = number + 1
            if item.type == END:
                self.end = True
                break
            self.received += 1
        return self


def start_sender(netns: str, count: int, rate: int) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", SENDER, netns, str(GROUP), str(count),
                             str(rate)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip


def sender_rate(sender: subprocess.Popen[str]) -> float:
    out, err = sender.communicate(timeout=120)
    assert sender.returncode == 0, err
    return float(out.strip())


def go(sender: subprocess.Popen[str]) -> None:
    assert sender.stdin is not None
    sender.stdin.write("go\n")
    sender.stdin.flush()


def test_burst_loss_is_always_reported(netns: str) -> None:
    """A queue of 64 KiB (~80 events) and a consumer that starts 0.3 s late: events are lost,
    and every loss comes as an Overrun before the gap it leaves."""
    count = 20_000
    with NetlinkSocket(c.NETLINK_USERSOCK, netns=netns, rcvbuf=64 << 10) as sock:
        sock.join(GROUP)
        sender = start_sender(netns, count, 0)
        try:
            go(sender)
            time.sleep(0.3)
            tally = Tally().see(sock.notifications(timeout=10))
        finally:
            rate = sender_rate(sender)
    assert tally.end, f"END never came ({tally})"
    assert tally.gaps >= 1 and tally.overruns >= 1, f"nothing was lost: {tally}, {rate:.0f}/s"
    assert tally.silent == 0, f"{tally.silent} gap(s) without an Overrun: {tally}"
    assert tally.received < count


@pytest.mark.parametrize("front", ["blocking", "asyncio"])
def test_paced_100k_per_second_loses_nothing(netns: str, front: str) -> None:
    """100,000 events at 100k/s (1 s) with the default subscriber queue: none lost. The queue
    (SUBSCRIBER_RCVBUF) holds ~40% of them; the rest the consumer has to keep up with."""
    count, rate = 100_000, 100_000

    def blocking() -> Tally:
        with NetlinkSocket(c.NETLINK_USERSOCK, netns=netns) as sock:
            sock.join(GROUP)
            go(sender)
            return Tally().see(sock.notifications(timeout=10))

    async def asyncio_front() -> Tally:
        async with AsyncNetlinkSocket(c.NETLINK_USERSOCK, netns=netns) as sock:
            sock.join(GROUP)
            go(sender)
            tally = Tally()
            items = []
            async for item in sock.notifications(timeout=10):
                items.append(item)
                if not isinstance(item, Overrun) and item.type == END:
                    break
            return tally.see(items)

    sender = start_sender(netns, count, rate)
    try:
        tally = blocking() if front == "blocking" else asyncio.run(asyncio_front())
    finally:
        sent_rate = sender_rate(sender)
    assert tally.end, f"END never came ({tally})"
    assert (tally.received, tally.overruns, tally.gaps) == (count, 0, 0), \
        f"{tally} at {sent_rate:.0f} events/s"


def test_breaking_out_keeps_the_rest_queued(netns: str) -> None:
    """The consumer takes 10 of a burst and stops: the others are still there for the next."""
    with NetlinkSocket(c.NETLINK_USERSOCK, netns=netns) as sock:
        sock.join(GROUP)
        sender = start_sender(netns, 500, 0)
        go(sender)
        sender_rate(sender)
        first = []
        for item in sock.notifications(timeout=5):
            first.append(item)
            if len(first) == 10:
                break
        rest = Tally().see(sock.notifications(timeout=5), expected=10)
    numbers = [struct.unpack_from("=I", m.data, m.start + 8)[0] for m in first
               if not isinstance(m, Overrun)]  # fmt: skip
    assert numbers == list(range(10))
    assert (rest.end, rest.received, rest.gaps, rest.overruns) == (True, 490, 0, 0)

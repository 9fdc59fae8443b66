"""Issue 11's protocol defects, each reproduced over the fake kernel (no root).

Hostile or broken answers must end in the library's typed errors, reach the request they
belong to, and never leave a request waiting or a result short.
"""

from __future__ import annotations

import asyncio
import errno
import struct

import pytest

from genetlink import AsyncNetlinkSocket, GenlClient, NetlinkError, Overrun
from genetlink.genl.nlctrl import AttrPolicy, getpolicy
from genetlink.testing import FakeKernel, replies
from genetlink.wire import constants as c
from genetlink.wire.attrs import AttrBuilder, Attrs
from genetlink.wire.errors import DecodeError
from genetlink.wire.genl import genl_payload
from genetlink.wire.message import Message, build_message

T = 100
WAIT = 5.0
INT_MIN = -(1 << 31)


def _error_int_min(req: Message) -> bytes:
    """NLMSG_ERROR whose error is INT_MIN: os.strerror() cannot name it (any local process can
    send this on NETLINK_USERSOCK)."""
    header = req.data[req.start : req.payload_start]
    return build_message(c.NLMSG_ERROR, c.NLM_F_CAPPED, req.seq, req.port,
                         struct.pack("=i", INT_MIN) + header)  # fmt: skip


# -- 1: a GETPOLICY answer whose attribute policy lacks its type -----------------------------


def _policy_without_type(req: Message) -> list[bytes]:
    if req.flags & c.NLM_F_DUMP != c.NLM_F_DUMP:
        return [replies.ack(req)]
    b = AttrBuilder().put_u16(c.CTRL_ATTR_FAMILY_ID, 30)
    sets = b.nest_start(c.CTRL_ATTR_POLICY)
    index = b.nest_start(0)
    attr = b.nest_start(1)
    b.put_u32(c.NL_POLICY_TYPE_ATTR_MAX_LENGTH, 16)  # limits, but no NL_POLICY_TYPE_ATTR_TYPE
    b.nest_end(attr)
    b.nest_end(index)
    b.nest_end(sets)
    payload = genl_payload(c.CTRL_CMD_GETPOLICY, 2, b.bytes())
    return replies.dump(req, c.GENL_ID_CTRL, [payload])


def test_attr_policy_without_type_is_a_decode_error() -> None:
    nest = AttrBuilder().put_u32(c.NL_POLICY_TYPE_ATTR_MAX_LENGTH, 16).bytes()
    with pytest.raises(DecodeError, match="without NL_POLICY_TYPE_ATTR_TYPE"):
        AttrPolicy.from_attrs(Attrs(nest))


def test_getpolicy_reply_without_type_is_a_decode_error() -> None:
    kernel = FakeKernel(_policy_without_type)
    with kernel.socket(c.NETLINK_GENERIC) as sock, pytest.raises(DecodeError):
        sock.run(getpolicy(sock.engine, "demo"))
    with (GenlClient(transport_factory=kernel.transport, watch_families=False) as genl,
          pytest.raises(DecodeError)):  # fmt: skip
        genl.policy("demo")


# -- 2: NLMSG_ERROR with error = INT_MIN -----------------------------------------------------


def test_int_min_error_is_a_netlink_error_on_the_blocking_front() -> None:
    kernel = FakeKernel(lambda req: [_error_int_min(req)])
    with kernel.socket() as sock, pytest.raises(NetlinkError) as info:
        sock.request(T, timeout=WAIT)
    assert info.value.errno == 1 << 31
    assert "Unknown error" in str(info.value)


def test_int_min_error_wakes_every_request_of_the_read_on_asyncio() -> None:
    """The reader must not die: the request with the odd error fails, and the requests whose
    answers came in the same read are woken too."""
    held: list[Message] = []

    def handler(req: Message) -> list[bytes]:
        held.append(req)
        if len(held) < 3:
            return []
        ok = [replies.reply(r, T, b"ok") + replies.ack(r) for r in held[:2]]
        return [*ok, _error_int_min(held[2])]

    kernel = FakeKernel(handler)

    async def body() -> list[object]:
        async with AsyncNetlinkSocket(transport=kernel.transport()) as sock:
            async with asyncio.timeout(WAIT):
                return await asyncio.gather(*(sock.request(T, timeout=None) for _ in range(3)),
                                            return_exceptions=True)  # fmt: skip

    first, second, third = asyncio.run(body())
    assert [m.payload for m in first] == [b"ok"]  # type: ignore[attr-defined]
    assert [m.payload for m in second] == [b"ok"]  # type: ignore[attr-defined]
    assert isinstance(third, NetlinkError) and third.errno == 1 << 31


# -- 4: a dump datagram too short to hold a header -------------------------------------------


def test_dump_with_a_cut_datagram_fails_instead_of_returning_short() -> None:
    kernel = FakeKernel(lambda req: replies.dump(req, 16, [b"a" * 16, b"b" * 16]))
    with kernel.socket() as sock:
        kernel.malform_next("cut")
        with pytest.raises(DecodeError):
            sock.dump(T, timeout=WAIT)
        kernel.malform_next("cut")
        with pytest.raises(DecodeError):
            list(sock.iter_dump(T, timeout=WAIT))
        assert len(sock.dump(T, timeout=WAIT)) == 2  # the socket goes on


# -- 6: late replies after ENOBUFS failed their requests -------------------------------------


def test_late_replies_after_an_overrun_are_never_notifications() -> None:
    held: list[Message] = []
    kernel = FakeKernel(lambda req: held.append(req))  # type: ignore[func-returns-value]
    count = 1000

    async def body() -> tuple[list[object], int, int]:
        async with AsyncNetlinkSocket(transport=kernel.transport()) as sock:
            tasks = [asyncio.ensure_future(sock.request(T, timeout=WAIT)) for _ in range(count)]
            while len(held) < count:
                await asyncio.sleep(0)
            kernel.inject_enobufs()
            await asyncio.sleep(0.05)  # the overrun is read: every request in flight fails
            for req in held:  # then the kernel's answers come after all
                kernel.deliver(replies.reply(req, T, b"late") + replies.ack(req))
            results = await asyncio.gather(*tasks, return_exceptions=True)
            await asyncio.sleep(0.05)
            queued = [n for n in sock.engine.notifications if not isinstance(n, Overrun)]
            return results, len(queued), sock.engine.stale

    results, queued, stale = asyncio.run(body())
    assert all(isinstance(r, Overrun) for r in results)
    assert queued == 0
    assert stale == 2 * count  # every late reply and ACK recognised as ours


def test_errno_of_a_socket_error_reaches_the_requests_in_flight() -> None:
    """An error the kernel sets on the socket (not ENOBUFS) fails the requests waiting on it,
    typed, instead of surfacing as a raw OSError on whichever thread read."""
    kernel = FakeKernel(lambda req: None)
    with kernel.socket() as sock:
        sock.send(T)  # nothing answers; the next read gets the socket's error
        kernel.transports[0].push_error(errno.EINVAL)
        with pytest.raises(NetlinkError) as info:
            sock.request(T, timeout=WAIT)
    assert info.value.errno == errno.EINVAL and info.value.operation == "recvmsg"

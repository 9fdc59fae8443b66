"""The classic netlink protocol NETLINK_GENLTEST: unicast echo, two-listener multicast."""

from __future__ import annotations

import errno
import uuid
from pathlib import Path

import pytest
from vmnl import NLM_F_ACK, NLM_F_REQUEST, NLMSG_ERROR, AckError, Sock, dmesg, error_of, u

PROTO = u("NETLINK_GENLTEST")
GROUP = u("GENLTEST_CLASSIC_GROUP")
ECHO = u("GENLTEST_CLASSIC_ECHO")
TRIGGER = u("GENLTEST_CLASSIC_TRIGGER")
NOTIFY = u("GENLTEST_CLASSIC_NOTIFY")
CLASSIC_PING = Path("/sys/kernel/genltest/classic_ping")


def test_unicast_echo() -> None:
    payload = f"classic {uuid.uuid4().hex}".encode()
    with Sock(PROTO) as sk:
        replies = sk.request(ECHO, payload)
        assert len(replies) == 1
        (reply,) = replies
        assert sk.last_sender == 0
        assert (reply.type, reply.seq, reply.pid) == (ECHO, sk.seq, sk.port)
        assert reply.payload == payload
        assert f"genltest: classic echo to port {sk.port} ({len(payload)} bytes)" in dmesg()


def test_unicast_echo_without_ack_flag() -> None:
    with Sock(PROTO) as sk:
        seq = sk.send(ECHO, NLM_F_REQUEST, b"no ack")
        (reply,) = sk.recv()
        assert (reply.type, reply.seq, reply.payload) == (ECHO, seq, b"no ack")


def test_unknown_type_is_rejected_with_ext_ack() -> None:
    with Sock(PROTO) as sk, pytest.raises(AckError) as info:
        sk.request(0x30, b"")
    assert info.value.errno == errno.EOPNOTSUPP
    assert info.value.ext_msg == "genltest: unknown message type"


def _two_listeners_receive(trigger: object) -> None:
    payload = f"multicast {uuid.uuid4().hex}!".encode()  # odd length: no padding
    bitmask = 1 << (GROUP - 1)
    with Sock(PROTO, groups=bitmask) as first, Sock(PROTO) as second:
        second.join(GROUP)  # one binds the group, the other joins it: both must work
        assert callable(trigger)
        trigger(payload)
        for listener in (first, second):
            (msg,) = listener.recv()
            assert listener.last_sender == 0
            assert (msg.type, msg.seq, msg.pid, msg.payload) == (NOTIFY, 0, 0, payload)


def test_two_listeners_sysfs_trigger() -> None:
    _two_listeners_receive(CLASSIC_PING.write_bytes)


def test_two_listeners_message_trigger() -> None:
    def send(payload: bytes) -> None:
        with Sock(PROTO) as sender:
            seq = sender.send(TRIGGER, NLM_F_REQUEST | NLM_F_ACK, payload)
            (ack,) = sender.recv()
            assert (ack.type, ack.seq) == (NLMSG_ERROR, seq)
            assert error_of(ack) is None

    _two_listeners_receive(send)

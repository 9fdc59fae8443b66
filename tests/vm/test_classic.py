"""The classic netlink protocol NETLINK_GENLTEST through NetlinkSocket: unicast echo,
unknown types refused, and one multicast received by two listeners."""

from __future__ import annotations

import errno
import uuid
from collections.abc import Callable

import pytest
from conftest import SYSFS
from vmnl import u, wait_for_log

from genetlink.socket import NetlinkSocket
from genetlink.wire.errors import NetlinkError
from genetlink.wire.message import Message

PROTO = u("NETLINK_GENLTEST")
GROUP = u("GENLTEST_CLASSIC_GROUP")
ECHO = u("GENLTEST_CLASSIC_ECHO")
TRIGGER = u("GENLTEST_CLASSIC_TRIGGER")
NOTIFY = u("GENLTEST_CLASSIC_NOTIFY")


def test_unicast_echo() -> None:
    payload = f"classic {uuid.uuid4().hex}".encode()
    with NetlinkSocket(PROTO) as sock:
        replies = sock.request(ECHO, payload)  # the reply, then the ACK asked for
        (reply,) = replies
        assert (reply.type, reply.port) == (ECHO, sock.port)
        assert reply.payload == payload
        assert wait_for_log(f"genltest: classic echo to port {sock.port} ({len(payload)} bytes)")


def test_unicast_echo_without_ack() -> None:
    with NetlinkSocket(PROTO) as sock:
        (reply,) = sock.request(ECHO, b"no ack", ack=False)
        assert (reply.type, reply.payload) == (ECHO, b"no ack")


def test_unknown_type_is_rejected_with_ext_ack() -> None:
    with NetlinkSocket(PROTO) as sock, pytest.raises(NetlinkError) as info:
        sock.request(0x30, b"")
    assert info.value.errno == errno.EOPNOTSUPP
    assert info.value.message == "genltest: unknown message type"


def _two_listeners_receive(trigger: Callable[[bytes], None]) -> None:
    payload = f"multicast {uuid.uuid4().hex}!".encode()  # odd length: no padding
    with NetlinkSocket(PROTO, groups=1 << (GROUP - 1)) as first, NetlinkSocket(PROTO) as second:
        second.join(GROUP)  # one binds the group, the other joins it: both must work
        assert GROUP in first.memberships() and GROUP in second.memberships()
        trigger(payload)
        for listener in (first, second):
            msg = listener.next_notification(timeout=5.0)
            assert isinstance(msg, Message), f"listener {listener.port} got {msg!r}"
            assert (msg.type, msg.seq, msg.port, msg.payload) == (NOTIFY, 0, 0, payload)


def test_two_listeners_sysfs_trigger() -> None:
    def write(payload: bytes) -> None:
        (SYSFS / "classic_ping").write_bytes(payload)

    _two_listeners_receive(write)


def test_two_listeners_message_trigger() -> None:
    def send(payload: bytes) -> None:
        with NetlinkSocket(PROTO) as sender:
            assert sender.request(TRIGGER, payload) == []  # just the ACK

    _two_listeners_receive(send)


def test_trigger_without_listeners_is_logged() -> None:
    with NetlinkSocket(PROTO) as sender:
        sender.request(TRIGGER, b"nobody")
    assert wait_for_log(f"genltest: classic multicast: no listeners on group {GROUP}")

"""The genltest Generic Netlink family: resolve, echo, multicast, dump, policy."""

from __future__ import annotations

import errno
import struct
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from vmnl import (
    NETLINK_GENERIC,
    NL_POLICY_TYPE_ATTR_MAX_VALUE_U,
    NL_POLICY_TYPE_ATTR_MIN_VALUE_U,
    NLM_F_DUMP,
    NLM_F_MULTI,
    NLM_F_REQUEST,
    NLMSG_DONE,
    NLMSG_ERROR,
    NLMSGERR_ATTR_OFFS,
    NLMSGERR_ATTR_POLICY,
    AckError,
    Family,
    Msg,
    Sock,
    attr,
    attr_str,
    attr_u32,
    cstr,
    dmesg,
    genl_payload,
    parse_attrs,
    resolve,
    s,
    u,
)

PING = Path("/sys/kernel/genltest/ping")
A_MSG = u("GENLTEST_A_MSG")
A_COUNT = u("GENLTEST_A_COUNT")
A_INDEX = u("GENLTEST_A_INDEX")
CMD_ECHO = u("GENLTEST_CMD_ECHO")
CMD_DUMP = u("GENLTEST_CMD_DUMP")
CMD_NOTIFY = u("GENLTEST_CMD_NOTIFY")


@pytest.fixture
def genl() -> Iterator[Sock]:
    with Sock(NETLINK_GENERIC) as sk:
        yield sk


@pytest.fixture
def fam(genl: Sock) -> Family:
    return resolve(genl, s("GENLTEST_FAMILY_NAME"))


def echo(sk: Sock, fam: Family, text: str | None) -> list[Msg]:
    attrs = attr_str(A_MSG, text) if text is not None else b""
    return sk.request(fam.id, genl_payload(CMD_ECHO, attrs))


def test_load_line_in_dmesg() -> None:
    assert f"genltest: loaded: family {s('GENLTEST_FAMILY_NAME')} id" in dmesg()


def test_resolve(fam: Family) -> None:
    assert fam.id > 0x10  # nlctrl is 0x10; dynamic ids come after
    assert fam.version == u("GENLTEST_FAMILY_VERSION")
    assert fam.maxattr == u("GENLTEST_A_MAX")
    assert fam.ops == [CMD_ECHO, CMD_DUMP]
    assert set(fam.groups) == {s("GENLTEST_MCGRP_NAME")}


def test_echo_reply(genl: Sock, fam: Family) -> None:
    text = f"hello {uuid.uuid4().hex}"
    (reply,) = echo(genl, fam, text)
    assert reply.type == fam.id
    assert reply.seq == genl.seq
    assert reply.pid == genl.port
    assert genl.last_sender == 0  # from the kernel
    assert reply.genl_cmd == CMD_ECHO
    assert cstr(reply.genl_attrs[A_MSG][0]) == s("GENLTEST_ECHO_REPLY")
    assert f"genltest: echo from port {genl.port}: {text}" in dmesg()


def test_echo_without_message(genl: Sock, fam: Family) -> None:
    (reply,) = echo(genl, fam, None)
    assert cstr(reply.genl_attrs[A_MSG][0]) == s("GENLTEST_ECHO_REPLY")


def test_ping_multicast(fam: Family) -> None:
    text = f"ping {uuid.uuid4().hex}"
    with Sock(NETLINK_GENERIC) as listener:
        listener.join(fam.groups[s("GENLTEST_MCGRP_NAME")])
        PING.write_text(text + "\n")
        (msg,) = listener.recv()
    assert listener.last_sender == 0
    assert (msg.type, msg.seq, msg.pid) == (fam.id, 0, 0)
    assert msg.genl_cmd == CMD_NOTIFY
    assert cstr(msg.genl_attrs[A_MSG][0]) == text
    assert f"genltest: ping: multicast to mcgrp: {text}" in dmesg()


def test_ping_without_listeners_is_logged(fam: Family) -> None:
    text = f"nobody {uuid.uuid4().hex}"
    PING.write_text(text)
    assert f"no listeners on mcgrp, message dropped: {text}" in dmesg()


def test_dump_spans_many_datagrams(genl: Sock, fam: Family) -> None:
    count = 3000
    before = genl.datagrams
    msgs = list(genl.dump(fam.id, genl_payload(CMD_DUMP, attr_u32(A_COUNT, count))))
    datagrams = genl.datagrams - before
    assert datagrams > 2, "expected the dump to need several datagrams"
    assert all(m.flags & NLM_F_MULTI and m.genl_cmd == CMD_DUMP for m in msgs)
    indexes = [struct.unpack("=I", m.genl_attrs[A_INDEX][0])[0] for m in msgs]
    assert indexes == list(range(len(msgs)))
    texts = [cstr(m.genl_attrs[A_MSG][0]) for m in msgs]
    history = len(msgs) - count
    assert 0 <= history <= u("GENLTEST_HISTORY_LEN")
    assert texts[history:] == [f"entry {i}" for i in range(count)]


def test_dump_ends_with_done(genl: Sock, fam: Family) -> None:
    # Read raw datagrams: the last message of the dump must be NLMSG_DONE.
    seq = genl.send(
        fam.id, NLM_F_REQUEST | NLM_F_DUMP, genl_payload(CMD_DUMP, attr_u32(A_COUNT, 500))
    )
    types: list[int] = []
    while not types or types[-1] not in (NLMSG_DONE, NLMSG_ERROR):
        types += [m.type for m in genl.recv() if m.seq == seq]
    assert types[-1] == NLMSG_DONE
    assert types.count(fam.id) >= 500


def test_dump_returns_echo_history(genl: Sock, fam: Family) -> None:
    texts = [f"history {i} {uuid.uuid4().hex}" for i in range(3)]
    for t in texts:
        echo(genl, fam, t)
    msgs = list(genl.dump(fam.id, genl_payload(CMD_DUMP)))
    got = [cstr(m.genl_attrs[A_MSG][0]) for m in msgs]
    assert got[-3:] == texts
    assert len(got) <= u("GENLTEST_HISTORY_LEN")


def test_count_wrong_length_is_rejected(genl: Sock, fam: Family) -> None:
    bad = attr(A_COUNT, b"\x05")  # u32 sent as one byte
    with pytest.raises(AckError) as info:
        genl.request(fam.id, genl_payload(CMD_ECHO, bad))
    err = info.value
    assert err.errno == errno.EINVAL
    assert "length" in err.ext_msg
    # The offset points at the bad attribute: nlmsghdr + genlmsghdr = 20 bytes in.
    assert struct.unpack("=I", err.ext[NLMSGERR_ATTR_OFFS][0])[0] == 20


def test_count_out_of_range_is_rejected(genl: Sock, fam: Family) -> None:
    lo, hi = u("GENLTEST_COUNT_MIN"), u("GENLTEST_COUNT_MAX")
    for value in (lo - 1, hi + 1):
        with pytest.raises(AckError) as info:
            list(genl.dump(fam.id, genl_payload(CMD_DUMP, attr_u32(A_COUNT, value))))
        err = info.value
        assert err.errno == errno.ERANGE  # the kernel's range check answers ERANGE
        assert err.ext_msg == "integer out of range"
        # The kernel also reports the violated policy: a u32 with its bounds.
        policy = parse_attrs(err.ext[NLMSGERR_ATTR_POLICY][0])
        assert struct.unpack("=Q", policy[NL_POLICY_TYPE_ATTR_MIN_VALUE_U][0]) == (lo,)
        assert struct.unpack("=Q", policy[NL_POLICY_TYPE_ATTR_MAX_VALUE_U][0]) == (hi,)


def test_message_too_long_is_rejected(genl: Sock, fam: Family) -> None:
    with pytest.raises(AckError) as info:
        echo(genl, fam, "x" * (u("GENLTEST_MSG_MAX_LEN") + 1))
    assert info.value.errno == errno.EINVAL
    assert info.value.ext_msg


def test_message_at_max_length_is_accepted(genl: Sock, fam: Family) -> None:
    (reply,) = echo(genl, fam, "y" * u("GENLTEST_MSG_MAX_LEN"))
    assert cstr(reply.genl_attrs[A_MSG][0]) == s("GENLTEST_ECHO_REPLY")


def test_unsupported_command(genl: Sock, fam: Family) -> None:
    with pytest.raises(AckError) as info:
        genl.request(fam.id, genl_payload(CMD_NOTIFY))
    assert info.value.errno == errno.EOPNOTSUPP

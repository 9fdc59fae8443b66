"""The one check of ECHO on plain stdlib sockets, independent of the genetlink library.

Every other test drives the module through the library; this one makes sure that a library bug
cannot hide a module bug (or the other way round).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from vmnl import GENL_HDR, RawGenl, attr, parse_attrs, s, u, wait_for_log


@pytest.fixture
def raw() -> Iterator[RawGenl]:
    sock = RawGenl()
    try:
        yield sock
    finally:
        sock.close()


def test_echo_on_raw_sockets(raw: RawGenl) -> None:
    family = raw.family_id(s("GENLTEST_FAMILY_NAME"))
    assert family > 0x10  # nlctrl is 0x10; dynamic ids come after
    text = f"raw {uuid.uuid4().hex}"
    msg = u("GENLTEST_A_MSG")
    (reply,) = raw.request(family, u("GENLTEST_CMD_ECHO"), attr(msg, text.encode() + b"\0"))
    mtype, seq, port, body = reply
    assert (mtype, seq, port) == (family, raw.seq, raw.port)
    cmd, version, _ = GENL_HDR.unpack_from(body)
    assert (cmd, version) == (u("GENLTEST_CMD_ECHO"), u("GENLTEST_FAMILY_VERSION"))
    value = parse_attrs(body[GENL_HDR.size :])[msg]
    assert value == s("GENLTEST_ECHO_REPLY").encode() + b"\0"
    assert wait_for_log(f"genltest: echo from port {raw.port}: {text}")

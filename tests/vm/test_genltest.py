"""The genltest family through the library: the shipped spec and a Python declaration.

Resolve, ECHO, subscribe + ping, the module's log lines, and dumps over many datagrams.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

from vmnl import SYSFS, s, u, wait_for_log

from genetlink import Decoded, FamilyHandle, GenlClient
from genetlink.wire import constants as c
from genetlink.wire.genl import GENLMSGHDR

PING = SYSFS / "ping"
NAME = s("GENLTEST_FAMILY_NAME")
GROUP = s("GENLTEST_MCGRP_NAME")
REPLY = s("GENLTEST_ECHO_REPLY")


def _ping(text: str) -> None:
    PING.write_text(text + "\n")  # the module strips the newline echo(1) would add


# ---------------------------------------------------------------- resolve
def test_load_line_in_dmesg() -> None:
    assert wait_for_log(f"genltest: loaded: family {NAME} id")


def test_resolve_through_the_shipped_spec(spec_client: FamilyHandle[Decoded]) -> None:
    family = spec_client.codec.family
    assert family is not None and family.source.endswith("genetlink/specs/genltest.yaml")
    assert spec_client.id is not None and spec_client.id > c.GENL_ID_CTRL
    assert set(spec_client.groups) == {GROUP}
    assert wait_for_log(f"genltest: loaded: family {NAME} id {spec_client.id} ")


def test_resolve_through_genl_client(genl: GenlClient, declared: FamilyHandle[Decoded]) -> None:
    info = genl.resolve(NAME)
    assert declared.id == info.id > c.GENL_ID_CTRL
    assert info.version == u("GENLTEST_FAMILY_VERSION")
    assert info.maxattr == u("GENLTEST_A_MAX")
    ops = {op.id: op for op in info.ops}
    assert sorted(ops) == [u("GENLTEST_CMD_ECHO"), u("GENLTEST_CMD_DUMP")]
    assert ops[u("GENLTEST_CMD_ECHO")].has("do")
    assert ops[u("GENLTEST_CMD_DUMP")].has("dump")
    assert [g.name for g in info.groups] == [GROUP]
    assert any(f.name == NAME and f.id == info.id for f in genl.families())


# ---------------------------------------------------------------- echo
def test_echo_through_the_shipped_spec(spec_client: FamilyHandle[Decoded]) -> None:
    text = f"spec {uuid.uuid4().hex}"
    reply = spec_client.do("echo", {"msg": text})
    assert reply is not None and not isinstance(reply, list)
    assert reply.op == "echo"
    assert reply["msg"] == REPLY
    assert wait_for_log(f"genltest: echo from port {spec_client.sock.port}: {text}")


def test_echo_through_genl_client(genl: GenlClient, declared: FamilyHandle[Decoded]) -> None:
    text = f"declared {uuid.uuid4().hex}"
    reply = declared.do("echo", {"msg": text})
    assert reply is not None and reply["msg"] == REPLY
    assert wait_for_log(f"genltest: echo from port {genl.sock.port}: {text}")
    # Without a message the module still answers (and says so in its log).
    bare = declared.do("echo")
    assert bare is not None and bare["msg"] == REPLY
    assert wait_for_log(f"genltest: echo from port {genl.sock.port} without a message")


def test_echo_without_a_codec(genl: GenlClient) -> None:
    raw = genl.family(NAME)  # numbers and bytes only
    msg = u("GENLTEST_A_MSG")
    reply = raw.do(u("GENLTEST_CMD_ECHO"), b"")
    assert reply is not None
    assert reply.cmd == u("GENLTEST_CMD_ECHO")
    assert reply.attrs.string(msg) == REPLY


def test_message_at_max_length_is_accepted(spec_client: FamilyHandle[Decoded]) -> None:
    reply = spec_client.do("echo", {"msg": "y" * u("GENLTEST_MSG_MAX_LEN")})
    assert reply is not None and not isinstance(reply, list)
    assert reply["msg"] == REPLY


# ---------------------------------------------------------------- multicast
def test_ping_reaches_the_spec_client(spec_client: FamilyHandle[Decoded]) -> None:
    text = f"ping {uuid.uuid4().hex}"
    spec_client.subscribe(GROUP)
    _ping(text)
    events: list[Any] = list(_take(spec_client.notifications(timeout=5.0), 1))
    assert len(events) == 1
    (event,) = events
    assert event.op == "notify"
    assert event["msg"] == text
    assert wait_for_log(f"genltest: ping: multicast to {GROUP}: {text}")


def test_ping_reaches_the_genl_client(declared: FamilyHandle[Decoded]) -> None:
    text = f"ping declared {uuid.uuid4().hex}"
    group = declared.subscribe(GROUP)
    assert declared.info is not None and group == declared.info.group(GROUP).id
    _ping(text)
    (event,) = list(_take(declared.notifications(timeout=5.0), 1))
    assert isinstance(event, Decoded), event  # not an Overrun
    assert event.op == "notify"
    assert event["msg"] == text


def test_ping_without_listeners_is_logged() -> None:
    text = f"nobody {uuid.uuid4().hex}"
    PING.write_text(text)
    assert wait_for_log(f"genltest: ping: no listeners on {GROUP}, message dropped: {text}")


T = TypeVar("T")


def _take(items: Iterator[T], n: int) -> Iterator[T]:
    """The first `n` items (fewer when the iterator stops first)."""
    for i, item in enumerate(items):
        yield item
        if i + 1 >= n:
            return


# ---------------------------------------------------------------- dumps
def test_dump_spans_many_datagrams_in_order(spec_client: FamilyHandle[Decoded]) -> None:
    count = 3000
    entries = list(spec_client.dump("dump", {"count": count}))
    datagrams = len({id(entry.data) for entry in entries})
    assert datagrams > 2, "expected the dump to need several datagrams"
    assert [e["index"] for e in entries] == list(range(len(entries)))
    history = len(entries) - count
    assert 0 <= history <= u("GENLTEST_HISTORY_LEN")
    assert [e["msg"] for e in entries[history:]] == [f"entry {i}" for i in range(count)]
    assert all(e.op == "dump" for e in entries)


def test_dump_through_genl_client(declared: FamilyHandle[Decoded]) -> None:
    entries = list(declared.dump("dump", {"count": 500}))
    assert [e["msg"] for e in entries][-500:] == [f"entry {i}" for i in range(500)]


def test_dump_returns_echo_history(declared: FamilyHandle[Decoded]) -> None:
    texts = [f"history {i} {uuid.uuid4().hex}" for i in range(3)]
    for text in texts:
        declared.do("echo", {"msg": text})
    entries = list(declared.dump("dump"))
    got = [e["msg"] for e in entries]
    assert got[-3:] == texts
    assert len(got) <= u("GENLTEST_HISTORY_LEN")


def test_dump_ends_with_nlmsg_done(spec_client: FamilyHandle[Decoded]) -> None:
    # Read the datagrams ourselves: the dump's last message must be NLMSG_DONE.
    sock = spec_client.sock
    family_id = spec_client.id
    assert family_id is not None
    encoded = spec_client.codec.encode("dump", {"count": 700}, "dump")
    assert encoded.number == u("GENLTEST_CMD_DUMP")
    header = GENLMSGHDR.pack(u("GENLTEST_CMD_DUMP"), u("GENLTEST_FAMILY_VERSION"), 0)
    seq = sock.send(family_id, header + encoded.body, c.NLM_F_REQUEST | c.NLM_F_DUMP)
    types: list[int] = []
    datagrams = 0
    while not types or types[-1] not in (c.NLMSG_DONE, c.NLMSG_ERROR):
        messages, sender, _ = sock.receive_from(timeout=5.0)
        assert sender == 0
        datagrams += 1
        types += [m.type for m in messages if m.seq == seq]
    assert types[-1] == c.NLMSG_DONE
    assert types.count(family_id) >= 700 and datagrams > 1
    assert set(types[:-1]) == {family_id}


def test_sysfs_file_exists() -> None:
    assert Path(PING).exists() and (SYSFS / "classic_ping").exists()

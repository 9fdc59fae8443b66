"""The GENETLINK_DEBUG trace: every datagram sent and received is logged, never printed."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from genetlink.socket import NetlinkSocket
from genetlink.testing import FakeKernel, replies
from genetlink.wire import constants as c
from genetlink.wire.message import Message

T = 0x20  # a family message type


def _ack(request: Message) -> list[bytes]:
    return [replies.ack(request)]


def _socket(kernel: FakeKernel, **options: object) -> NetlinkSocket:
    return NetlinkSocket(transport=kernel.transport(), **options)  # type: ignore[arg-type]


def test_trace_logs_both_directions(caplog: pytest.LogCaptureFixture) -> None:
    kernel = FakeKernel(_ack)
    with caplog.at_level(logging.DEBUG, logger="genetlink.trace"), \
            _socket(kernel, trace=True) as sock:  # fmt: skip
        sock.request(T, b"\x01\x02\x03\x04", timeout=5)
    lines = [r.getMessage() for r in caplog.records if r.name == "genetlink.trace"]
    assert len(lines) == 2
    assert lines[0].startswith("send port 0: type 32 flags 0x5 seq 1")
    assert lines[0].endswith("01020304")
    assert lines[1].startswith("recv port 0: type 2 ")  # the ACK


def test_trace_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    kernel = FakeKernel(_ack)
    monkeypatch.delenv("GENETLINK_DEBUG", raising=False)
    with _socket(kernel) as quiet:
        assert not quiet.trace
    monkeypatch.setenv("GENETLINK_DEBUG", "1")
    with _socket(kernel) as loud:
        assert loud.trace


def test_no_trace_by_default(caplog: pytest.LogCaptureFixture,
                             monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.delenv("GENETLINK_DEBUG", raising=False)
    kernel = FakeKernel(_ack)
    with caplog.at_level(logging.DEBUG, logger="genetlink.trace"), _socket(kernel) as sock:
        sock.request(T, timeout=5)
    assert not [r for r in caplog.records if r.name == "genetlink.trace"]


def test_cli_debug_traces_on_stderr() -> None:
    done = subprocess.run([sys.executable, "-m", "genetlink.cli.main", "--debug", "family",
                           "nlctrl"], capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "nlctrl: id 16" in done.stdout
    assert "genetlink.trace: send port 0: type 16" in done.stderr
    assert "genetlink.trace: recv port 0: type 16" in done.stderr


PLAIN = """
import logging
from genetlink import NetlinkSocket
from genetlink.testing import FakeKernel, replies
from genetlink.wire import constants as c
kernel = FakeKernel(lambda req: [replies.ack(req)])
with NetlinkSocket(transport=kernel.transport()) as sock:
    sock.request(0x20, b"\\x01\\x02", timeout=5)
print(len(logging.getLogger("genetlink.trace").handlers))
"""


@pytest.mark.parametrize("debug", ["1", ""])
def test_genetlink_debug_in_a_plain_script(debug: str) -> None:
    """Set, the trace reaches stderr with no logging configured; unset, no handler is added."""
    env = {"PATH": "/usr/bin:/bin", "GENETLINK_DEBUG": debug}
    done = subprocess.run([sys.executable, "-c", PLAIN], capture_output=True, text=True,
                          timeout=60, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    if debug:
        assert done.stdout.strip() == "1"
        assert "genetlink.trace: send port 0: type 32 flags 0x5 seq 1" in done.stderr
        assert "genetlink.trace: recv port 0: type 2 " in done.stderr
    else:
        assert done.stdout.strip() == "0" and "genetlink.trace" not in done.stderr


def test_trace_names_operations_and_attributes_when_a_codec_is_known(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from genetlink import declare_family, open_family
    from genetlink.wire import constants as c

    demo = declare_family("demo", protocol="netlink-raw", protonum=c.NETLINK_USERSOCK,
                          attributes={"msg": (1, "string")},
                          operations={"echo": (T, ["msg"])})  # fmt: skip

    def echo(req: Message) -> list[bytes]:
        return [replies.reply(req, T, req.payload), replies.ack(req)]

    kernel = FakeKernel(echo)
    with (caplog.at_level(logging.DEBUG, logger="genetlink.trace"),
          open_family(demo, transport_factory=kernel.transport, trace=True) as handle):
        reply = handle.do("echo", {"msg": "hi"})
    assert reply is not None and reply["msg"] == "hi"
    lines = [r.getMessage() for r in caplog.records if r.name == "genetlink.trace"]
    assert any("demo echo {'msg': 'hi'}" in line for line in lines), lines


def test_trace_names_requests_by_their_to_kernel_id(
    caplog: pytest.LogCaptureFixture, kernel_specs: Path
) -> None:
    # nftables is directional: 0xa00 is the request newtable and the reply of gettable.
    from genetlink import open_family

    kernel = FakeKernel(_ack)
    with (caplog.at_level(logging.DEBUG, logger="genetlink.trace"),
          open_family(kernel_specs / "nftables.yaml", transport_factory=kernel.transport,
                      trace=True) as nft):  # fmt: skip
        nft.do("newtable", {"nfgen-family": 1, "name": "t"})
    sent = [r.getMessage() for r in caplog.records
            if r.name == "genetlink.trace" and r.getMessage().startswith("send")]  # fmt: skip
    assert len(sent) == 1 and "type 2560 " in sent[0], sent
    assert "nftables newtable {" in sent[0] and "gettable" not in sent[0], sent


def test_trace_names_an_answer_by_its_request_not_a_notification_of_its_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # mptcp_pm: the get-limits reply and the "announced" event are both command 6
    from genetlink import declare_family, open_family

    demo = declare_family(
        "demo", protocol="netlink-raw", protonum=c.NETLINK_USERSOCK,
        attribute_sets={"main": {"limit": (1, "u32")}, "event": {"family": (1, "u16")}},
        operations={
            "get-limits": {"value": T, "attribute-set": "main",
                           "do": {"request": {"attributes": []},
                                  "reply": {"attributes": ["limit"]}}},
            "announced": {"value": T, "attribute-set": "event", "event": {"attributes": ["family"]},
                          "mcgrp": "events"},
        },
        mcast_groups=["events"],
    )  # fmt: skip

    def answer(req: Message) -> list[bytes]:
        return [replies.reply(req, T, bytes.fromhex("0800010002000000")), replies.ack(req)]

    kernel = FakeKernel(answer)
    with (caplog.at_level(logging.DEBUG, logger="genetlink.trace"),
          open_family(demo, transport_factory=kernel.transport, trace=True) as handle):
        reply = handle.do("get-limits")
    assert reply is not None and reply["limit"] == 2
    lines = [r.getMessage() for r in caplog.records if r.name == "genetlink.trace"]
    assert any("recv" in line and "demo get-limits {'limit': 2}" in line for line in lines), lines

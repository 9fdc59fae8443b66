"""NETLINK_USERSOCK on the real kernel: the Kernel Korner programs (examples/) as real processes.

Root, inside a namespace the test creates (`netns` fixture), so port ids never collide with the
host's sockets.
"""

from __future__ import annotations

import contextlib
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from genetlink.socket import NetlinkSocket
from genetlink.wire import constants as c

pytestmark = pytest.mark.root

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
WAIT = 15.0


def example(name: str, *args: str) -> list[str]:
    return [sys.executable, str(EXAMPLES / name), *args]


def read_line(proc: subprocess.Popen[str], timeout: float = WAIT) -> str:
    """The next stdout line of `proc`, or fail after `timeout` seconds (never hangs)."""
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    if not ready:
        proc.kill()
        pytest.fail(f"{proc.args!r} printed nothing in {timeout} s")
    return proc.stdout.readline().strip()


@pytest.fixture
def procs() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes started by a test; killed if still running at the end."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(WAIT)
        if proc.stdout:
            proc.stdout.close()


def spawn(procs: list[subprocess.Popen[str]], cmd: list[str]) -> subprocess.Popen[str]:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    procs.append(proc)
    return proc


@pytest.mark.parametrize("mode", ["pid", "thread", "kernel"])
def test_unicast_echo(netns: str, procs: list[subprocess.Popen[str]], mode: str) -> None:
    server = spawn(procs, example("usersock_unicast.py", "--netns", netns, "--timeout", str(WAIT),
                                  "server", "--port", "31337"))  # fmt: skip
    assert read_line(server) == "ready 31337"
    done = subprocess.run(
        example("usersock_unicast.py", "--netns", netns, "--timeout", str(WAIT), "client",
                "--server", "31337", "--pid-mode", mode, "--message", f"hi {mode}"),
        capture_output=True, text=True, timeout=WAIT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    bound, echo = done.stdout.splitlines()
    _, port, _, pid, _, tid = bound.split()
    if mode == "pid":
        assert int(port) == int(pid)
    elif mode == "thread":
        assert int(port) == (int(tid) << 16 | int(pid)) & 0xFFFF_FFFF
    else:
        assert int(port) != 0
    assert echo == f"echo 'hi {mode}' from 31337"
    assert read_line(server) == f"got 'hi {mode}' from {port} seq 1"
    assert server.wait(WAIT) == 0


def test_multicast_two_listeners(netns: str, procs: list[subprocess.Popen[str]]) -> None:
    listeners = [
        spawn(
            procs,
            example(
                "usersock_multicast.py",
                "--netns",
                netns,
                "--timeout",
                str(WAIT),
                "listen",
                "--group",
                "5",
            ),
        )
        for _ in range(2)
    ]
    for proc in listeners:
        assert read_line(proc).startswith("ready ")
    sender = subprocess.run(
        example("usersock_multicast.py", "--netns", netns, "send", "--group", "5",
                "--message", "to all"),
        capture_output=True, text=True, timeout=WAIT,
    )  # fmt: skip
    assert sender.returncode == 0, sender.stderr
    sender_port = sender.stdout.split()[-1]
    for proc in listeners:
        assert read_line(proc) == f"got 'to all' from {sender_port} groups 0x10"
        assert proc.wait(WAIT) == 0


def test_in_process_unicast_between_threads(netns: str) -> None:
    """Two sockets of one process, bound tid<<16|pid style, talk through the kernel."""
    pid = os.getpid()
    with NetlinkSocket(c.NETLINK_USERSOCK, netns=netns, port=(1 << 16) | pid) as a, \
            NetlinkSocket(c.NETLINK_USERSOCK, netns=netns, port=(2 << 16) | pid) as b:  # fmt: skip
        seq = a.send(c.NLMSG_MIN_TYPE, b"ping", port=b.port)
        (msg,), sender, groups = b.receive_from(timeout=WAIT)
        assert (msg.payload, msg.seq, sender, groups) == (b"ping", seq, a.port, 0)
        b.send(c.NLMSG_MIN_TYPE, b"pong", seq=msg.seq, port=sender)
        (msg,), sender, _ = a.receive_from(timeout=WAIT)
        assert (msg.payload, msg.seq, sender) == (b"pong", seq, b.port)


def test_receive_timeout(netns: str) -> None:
    with NetlinkSocket(c.NETLINK_USERSOCK, netns=netns) as s:
        start = time.monotonic()
        with pytest.raises(TimeoutError):
            s.receive(timeout=0.2)
        assert time.monotonic() - start < WAIT


def test_send_to_missing_port_is_refused(netns: str) -> None:
    with NetlinkSocket(c.NETLINK_USERSOCK, netns=netns) as s, \
            pytest.raises(ConnectionRefusedError):  # fmt: skip
        s.send(c.NLMSG_MIN_TYPE, b"x", port=0x7EAD_BEEF)


def test_multicast_in_process(netns: str) -> None:
    """Group delivery by `join` and by the bind-time mask; the sender itself is skipped."""
    with NetlinkSocket(c.NETLINK_USERSOCK, netns=netns) as joined, \
            NetlinkSocket(c.NETLINK_USERSOCK, netns=netns, groups=1 << 6) as masked, \
            NetlinkSocket(c.NETLINK_USERSOCK, netns=netns) as sender:  # fmt: skip
        joined.join(7)
        assert joined.memberships() == [7]
        with contextlib.suppress(ConnectionRefusedError):  # see test_multicast_send_not_refused
            sender.send(c.NLMSG_MIN_TYPE, b"grp", groups=1 << 6)
        for s in (joined, masked):
            (msg,), port, groups = s.receive_from(timeout=WAIT)
            assert (msg.payload, port, groups) == (b"grp", sender.port, 1 << 6)


def test_multicast_send_not_refused(netns: str) -> None:
    with NetlinkSocket(c.NETLINK_USERSOCK, netns=netns) as listener, \
            NetlinkSocket(c.NETLINK_USERSOCK, netns=netns) as sender:  # fmt: skip
        listener.join(3)
        sender.send(c.NLMSG_MIN_TYPE, b"x", groups=1 << 2)
        assert listener.receive(timeout=WAIT)[0].payload == b"x"


def test_threads_share_a_usersock_socket(netns: str) -> None:
    """A server thread echoes 20 messages; every echo comes back with its own seq."""
    with NetlinkSocket(c.NETLINK_USERSOCK, netns=netns) as server, \
            NetlinkSocket(c.NETLINK_USERSOCK, netns=netns) as client:  # fmt: skip
        stop = threading.Event()

        def serve() -> None:
            while not stop.is_set():
                try:
                    msgs, sender, _ = server.receive_from(timeout=0.2)
                except TimeoutError:
                    continue
                for m in msgs:
                    server.send(m.type, m.payload, seq=m.seq, port=sender)

        thread = threading.Thread(target=serve)
        thread.start()
        try:
            seqs = [client.send(c.NLMSG_MIN_TYPE, b"%d" % i, port=server.port) for i in range(20)]
            got: dict[int, bytes] = {}
            while len(got) < 20:
                msgs, _, _ = client.receive_from(timeout=WAIT)
                for m in msgs:
                    got[m.seq] = m.payload
            assert [got[s] for s in seqs] == [b"%d" % i for i in range(20)]
        finally:
            stop.set()
            thread.join(WAIT)

"""Captures of real kernel traffic, read back by Debian's tshark: it must count the messages
the engine saw and decode nlctrl, ethtool (by the family name nlctrl gave it, and by our
packet comments: tshark 4.0 has no ethtool dissector) and rtnetlink by name."""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import shutil
import struct
import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from conftest import ip

from genetlink import NetlinkWarning, load_spec, open_family
from genetlink.aio import AsyncNetlinkSocket
from genetlink.core.engine import Engine
from genetlink.genl import nlctrl
from genetlink.pcap import Capture
from genetlink.socket import NetlinkSocket, NetlinkSocketBase
from genetlink.wire import constants as c
from genetlink.wire.message import Message, parse_messages

pytestmark = pytest.mark.root

RTM_NEWLINK, RTM_GETLINK, RTM_NEWADDR, RTM_GETADDR = 16, 18, 20, 22
IFINFOMSG = struct.Struct("=BxHiII")
IFADDRMSG = struct.Struct("=BBBBi")


@pytest.fixture(autouse=True)
def tshark_installed() -> None:
    if shutil.which("tshark") is None:
        pytest.skip("needs tshark to read the captures back (apt-get install tshark)")


class Frame:
    """One packet as tshark dissected it (from its PDML output)."""

    def __init__(self, packet: ET.Element) -> None:
        self.fields = [(f.get("name", ""), f.get("show", ""), f.get("showname", ""))
                       for f in packet.iter("field")]  # fmt: skip

    def show(self, name: str) -> list[str]:
        return [show for field, show, _ in self.fields if field == name]

    def shownames(self, name: str) -> list[str]:
        return [showname for field, _, showname in self.fields if field == name]

    @property
    def messages(self) -> int:
        """Netlink messages in the datagram: every header, but those an error quotes."""
        return len(self.show("netlink.hdr_len")) - len(self.show("netlink.error"))

    @property
    def outbound(self) -> bool:
        return [int(v, 0) for v in self.show("frame.packet_flags_direction")] == [2]


def tshark(*paths: Path) -> list[Frame]:
    frames = []
    for path in paths:
        done = subprocess.run(["tshark", "-n", "-r", str(path), "-T", "pdml"],
                              capture_output=True, text=True, timeout=120)  # fmt: skip
        assert done.returncode == 0, done.stderr
        frames += [Frame(p) for p in ET.fromstring(done.stdout).iter("packet")]
    return frames


class Seen:
    """The messages every socket sent, and every engine was fed, while it watches."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sent: list[Message] = []
        self.received: list[Message] = []
        send_raw, feed, feed_many = NetlinkSocketBase.send_raw, Engine.feed, Engine.feed_many

        def sending(sock: NetlinkSocketBase, data: bytes, **address: int) -> None:
            self.sent += parse_messages(data)
            send_raw(sock, data, **address)

        def feeding(engine: Engine, data: bytes, port: int = 0, groups: int = 0) -> Any:
            self.received += parse_messages(data)
            return feed(engine, data, port, groups)

        def feeding_many(engine: Engine, datagrams: list[tuple[bytes, int, int]]) -> Any:
            for datagram in datagrams:
                self.received += parse_messages(datagram[0])
            return feed_many(engine, datagrams)

        monkeypatch.setattr(NetlinkSocketBase, "send_raw", sending)
        monkeypatch.setattr(Engine, "feed", feeding)
        monkeypatch.setattr(Engine, "feed_many", feeding_many)

    def matches(self, frames: list[Frame]) -> None:
        """tshark counts, each way, the messages the engine saw."""
        sent = sum(f.messages for f in frames if f.outbound)
        received = sum(f.messages for f in frames if not f.outbound)
        assert (sent, received) == (len(self.sent), len(self.received))
        assert received > 1


def test_nlctrl_getfamily_dump(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "nlctrl.pcapng"
    seen = Seen(monkeypatch)
    with NetlinkSocket(c.NETLINK_GENERIC, capture=path) as sock:
        families = sock.run(nlctrl.families(sock.engine))
    frames = tshark(path)
    seen.matches(frames)
    request = frames[0]
    assert request.outbound
    assert request.shownames("genl.ctrl.cmd") == ["Command: CTRL_CMD_GETFAMILY (3)"]
    assert request.show("netlink.family") == ["0x0010"]  # the cooked header's protocol
    answers = [f for f in frames[1:] if f.show("genl.ctrl.cmd")]
    assert {n for f in answers for n in f.shownames("genl.ctrl.cmd")} == {
        "Command: CTRL_CMD_NEWFAMILY (1)"}  # fmt: skip
    names = [n for f in answers for n in f.show("genl.ctrl.family_name")]
    assert sorted(names) == sorted(f.name for f in families)
    assert "Family ID: 0x10 (nlctrl)" in frames[1].shownames("genl.family_id")


def test_ethtool_dump_through_a_handle(kernel_specs: Path, netns: str, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    ip("link", "add", "pc0", "type", "veth", "peer", "name", "pc1", netns=netns)
    spec = kernel_specs / "ethtool.yaml"
    op = load_spec(spec).operations["linkinfo-get"]
    path = tmp_path / "ethtool.pcapng"
    seen = Seen(monkeypatch)
    with Capture(path) as capture, open_family(spec, netns=netns, capture=capture) as ethtool:
        with warnings.catch_warnings():  # lo has no link settings: the kernel's ext-ACK says so
            warnings.simplefilter("ignore", NetlinkWarning)
            links = list(ethtool.dump("linkinfo-get", {"header": {}}))
        family_id = ethtool.id
    assert {link["header"]["dev-name"] for link in links} == {"pc0", "pc1"}
    frames = tshark(path)
    seen.matches(frames)
    # the family's id came from nlctrl in the same capture: tshark names the family by it
    ours = [f for f in frames if f"{family_id:#x}" in f.show("genl.family_id")]
    assert len(ours) == 2  # the dump request, and the datagram of both replies
    for frame in ours:
        assert set(frame.shownames("genl.family_id")) == {f"Family ID: {family_id:#x} (ethtool)"}
    request, replies = ours
    assert request.outbound and request.show("genl.cmd") == [str(op.request_value)]
    assert replies.show("genl.cmd") == [str(op.reply_value)] * 2
    # tshark 4.0 has no ethtool dissector: the packet comments name the op and the values
    assert request.show("frame.comment") == ["ethtool linkinfo-get {'header': {}}"]
    (comment,) = replies.show("frame.comment")  # a line a message (XML makes it a space)
    assert comment.startswith("ethtool linkinfo-get {")
    assert comment.count("ethtool linkinfo-get {") == 2
    assert "'dev-name': 'pc0'" in comment and "'dev-name': 'pc1'" in comment


def rtnetlink_dumps(netns: str, path: Path, front: str) -> tuple[int, int]:
    """getlink and getaddr dumps on the front named, captured to `path`."""
    link = IFINFOMSG.pack(0, 0, 0, 0, 0)
    addr = IFADDRMSG.pack(0, 0, 0, 0, 0)
    if front == "blocking":
        with NetlinkSocket(c.NETLINK_ROUTE, netns=netns, capture=path) as sock:
            links, addrs = sock.dump(RTM_GETLINK, link), sock.dump(RTM_GETADDR, addr)
        return len(links), len(addrs)

    async def run() -> tuple[int, int]:
        async with AsyncNetlinkSocket(c.NETLINK_ROUTE, netns=netns, capture=path) as sock:
            links = await sock.dump(RTM_GETLINK, link)
            addrs = [m async for m in sock.iter_dump(RTM_GETADDR, addr)]
        return len(links), len(addrs)

    return asyncio.run(run())


@pytest.mark.parametrize("front", ["blocking", "asyncio"])
def test_rtnetlink_getlink_and_getaddr_dumps(netns: str, tmp_path: Path, front: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    ip("link", "add", "pc0", "type", "veth", "peer", "name", "pc1", netns=netns)
    ip("addr", "add", "192.0.2.1/24", "dev", "pc0", netns=netns)
    ip("addr", "add", "2001:db8::1/64", "dev", "pc0", netns=netns)
    path = tmp_path / "rtnl.pcapng"
    seen = Seen(monkeypatch)
    links, addrs = rtnetlink_dumps(netns, path, front)
    frames = tshark(path)
    seen.matches(frames)
    types = [n for f in frames for n in f.shownames("netlink-route.nltype")]
    assert types.count("Message type: Get network interface info (18)") == 1
    assert types.count("Message type: Create network interface (16)") == links
    assert types.count("Message type: Get IP address (22)") == 1
    assert types.count("Message type: Add IP address (20)") == addrs
    names = {n for f in frames for n in f.show("netlink-route.ifla_ifname")}
    assert names == {e["ifname"] for e in json.loads(ip("-j", "link", netns=netns))}
    assert {f.show("netlink.family")[0] for f in frames} == {"0x0000"}  # NETLINK_ROUTE


def genetlink(*args: str) -> subprocess.CompletedProcess[str]:
    code = "import sys; from genetlink.cli.main import main; sys.exit(main())"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=60)  # fmt: skip


def test_cli_pcap_families(tmp_path: Path) -> None:
    path = tmp_path / "cli.pcapng"
    done = genetlink("--pcap", str(path), "families")
    assert done.returncode == 0, done.stderr
    listed = {line.split()[0] for line in done.stdout.splitlines()[1:]}
    frames = tshark(path)
    assert [f.outbound for f in frames] == [True, *[False] * (len(frames) - 1)]
    captured = {n for f in frames for n in f.show("genl.ctrl.family_name")}
    assert captured == listed
    fields = subprocess.run(["tshark", "-n", "-r", str(path), "-T", "fields", "-e",
                             "genl.ctrl.cmd", "-e", "genl.ctrl.family_name"],
                            capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    rows = [line.split("\t") for line in fields.stdout.splitlines()]
    assert rows[0] == ["3", ""]  # CTRL_CMD_GETFAMILY, a dump: no name asked for
    names = [name for cmds, names in rows[1:] if cmds for name in names.split(",")]
    assert sorted(names) == sorted(listed)


def test_cli_pcap_rotates_and_stops(tmp_path: Path) -> None:
    """The families reply alone is past 1 KiB: the request and it fill the first file."""
    path = tmp_path / "cli.pcapng"
    done = genetlink("--pcap", str(path), "--pcap-size", "1k", "--pcap-rotate", "3", "families")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cli.pcapng", "cli.pcapng.1"]
    first, last = tshark(tmp_path / "cli.pcapng.1"), tshark(path)
    assert [f.outbound for f in first] == [True, False] and len(last) == 1
    assert last[0].shownames("netlink.hdr_type") == ["Message type: End of a dump (0x0003)"]

    stop = tmp_path / "stop.pcapng"
    done = genetlink("--pcap", str(stop), "--pcap-size", "1k", "families")
    assert done.returncode == 0, done.stderr
    assert f"capture {stop} reached 1024 bytes" in done.stderr
    assert len(tshark(stop)) == 2 and not (tmp_path / "stop.pcapng.1").exists()


def test_cli_do_and_dump_name_ops_in_trace_and_capture(kernel_specs: Path, netns: str,
                                                       tmp_path: Path) -> None:  # fmt: skip
    """--debug names the resolution (nlctrl) and the family's ops and values; --pcap of the
    same commands holds what the trace showed, the family named by tshark from nlctrl."""
    ip("link", "add", "pc0", "type", "veth", "peer", "name", "pc1", netns=netns)
    spec = str(kernel_specs / "ethtool.yaml")
    path = tmp_path / "do.pcapng"
    done = genetlink("--netns", netns, "--debug", "--pcap", str(path), "do", "--spec", spec,
                     "--input", '{"header": {"dev-name": "pc0"}}', "ethtool", "linkinfo-get")
    assert done.returncode == 0, done.stderr
    trace = done.stderr
    assert "send port 0: type 16 flags 0x5 seq 1" in trace
    assert "nlctrl getfamily {'family-name': 'ethtool'}" in trace
    assert "nlctrl newfamily {'family-name': 'ethtool', 'family-id': " in trace
    assert "ethtool linkinfo-get {'header': {'dev-name': 'pc0'}}" in trace
    assert "ethtool linkinfo-get {'header': {'dev-index': " in trace  # the reply
    frames = tshark(path)
    assert len(frames) == trace.count("genetlink.trace: ")  # a datagram a trace line or more
    assert "ethtool" in {n for f in frames for n in f.show("genl.ctrl.family_name")}
    comments = [c for f in frames for c in f.show("frame.comment")]
    assert "nlctrl getfamily {'family-name': 'ethtool'}" in comments
    assert "ethtool linkinfo-get {'header': {'dev-name': 'pc0'}}" in comments

    done = genetlink("--netns", netns, "--debug", "dump", "--spec", spec, "ethtool",
                     "linkinfo-get")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "ethtool linkinfo-get {}:" in done.stderr  # the request
    for name in ("pc0", "pc1"):
        assert f"'dev-name': '{name}'" in done.stderr


def test_cli_monitor_names_notifications_in_trace_and_capture(kernel_specs: Path, netns: str,
                                                              tmp_path: Path) -> None:  # fmt: skip
    """monitor rt-link: the trace names each notification; the capture marks it multicast
    and tshark decodes it as rtnetlink by name."""
    path = tmp_path / "monitor.pcapng"
    code = "import sys; from genetlink.cli.main import main; sys.exit(main())"
    cmd = [sys.executable, "-c", code, "--netns", netns, "--debug", "--pcap", str(path),
           "monitor", "--spec", str(kernel_specs / "rt-link.yaml"), "--group", "rtnlgrp-link",
           "--count", "1", "--timeout", "20", "rt-link"]  # fmt: skip
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as proc:  # fmt: skip
        for n in range(40):  # until the monitor, once it has joined, sees one
            ip("link", "add", f"m{n}", "type", "veth", "peer", "name", f"m{n}p", netns=netns)
            try:
                out, err = proc.communicate(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                continue
        else:
            proc.kill()
            raise AssertionError("the monitor saw no notification")
    assert proc.returncode == 0, err
    assert "newlink-ntf" in out
    assert "groups 0x1: type 16 " in err and "rt-link newlink-ntf {'ifi-family': " in err
    frames = tshark(path)
    notes = [f for f in frames if "Message type: Create network interface (16)"
             in f.shownames("netlink-route.nltype")]  # fmt: skip
    assert notes and not any(f.outbound for f in notes)
    assert notes[0].show("netlink-route.ifla_ifname")[0].startswith("m")
    assert notes[0].show("frame.comment")[0].startswith("rt-link newlink-ntf {")


@pytest.fixture
def small_disk(tmp_path: Path) -> Any:
    """A 64 KiB tmpfs: a disk that fills up."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {done.stderr.strip()}")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_a_full_disk_ends_the_capture_not_the_dump(
    small_disk: Path, netns: str, caplog: pytest.LogCaptureFixture
) -> None:
    """ENOSPC on a real filesystem: the capture stops with a warning, the traffic goes on,
    and what was written is a readable capture of whole packets."""
    for n in range(40):  # getlink replies of about 1.5 KiB each: more than the disk holds
        ip("link", "add", f"d{n}", "type", "veth", "peer", "name", f"d{n}p", netns=netns)
    path = small_disk / "full.pcapng"
    link = IFINFOMSG.pack(0, 0, 0, 0, 0)
    with caplog.at_level(logging.WARNING, logger="genetlink.pcap"), \
            Capture(path, comments=False) as capture, \
            NetlinkSocket(c.NETLINK_ROUTE, netns=netns, capture=capture) as sock:  # fmt: skip
        for _ in range(3):
            assert len(sock.dump(RTM_GETLINK, link)) == 81  # lo and 80 veths, every time
    assert isinstance(capture.error, OSError) and capture.error.errno == errno.ENOSPC
    assert capture.written > 0 and capture.dropped > 0
    assert [r.getMessage() for r in caplog.records] == [
        f"capture {path} stopped: [Errno 28] No space left on device"]  # fmt: skip
    frames = tshark(path)
    assert len(frames) == capture.written

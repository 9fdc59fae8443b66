"""The pcapng writer (genetlink.pcap) and the sockets' capture option, without a kernel: the
blocks byte for byte, rotation, stopping at a size, writers on both fronts at once, a closed
file, and the CLI's options."""

from __future__ import annotations

import asyncio
import logging
import os
import struct
import threading
from pathlib import Path
from typing import NamedTuple

import pytest

from genetlink import __version__, declare_family, open_family
from genetlink.aio import AsyncNetlinkSocket
from genetlink.cli import main as cli
from genetlink.pcap import (
    PACKET_HOST,
    PACKET_MULTICAST,
    PACKET_OUTGOING,
    Capture,
    CaptureError,
    cooked_header,
    file_header,
    packet_block,
    parse_size,
)
from genetlink.socket import NetlinkSocket
from genetlink.testing import FakeKernel, replies
from genetlink.wire import constants as c
from genetlink.wire.errors import Truncated
from genetlink.wire.message import Message, build_message, parse_messages

T = 0x20  # a family message type


def u32(value: int) -> bytes:
    return struct.pack("<I", value)


# -- reading back what was written -----------------------------------------------------------


class Packet(NamedTuple):
    timestamp: int
    pkttype: int
    protocol: int
    data: bytes
    flags: int
    comment: str | None
    length: int = 0  # the datagram's, when longer than `data` (one cut short)


def blocks(path: Path) -> list[tuple[int, bytes]]:
    """Every block's type and body; fails on a block that is not whole."""
    raw, at, found = path.read_bytes(), 0, []
    while at < len(raw):
        kind, length = struct.unpack_from("<II", raw, at)
        assert length % 4 == 0 and at + length <= len(raw), f"broken block at {at}"
        assert struct.unpack_from("<I", raw, at + length - 4) == (length,)
        found.append((kind, raw[at + 8 : at + length - 4]))
        at += length
    return found


def options(raw: bytes) -> dict[int, bytes]:
    found, at = {}, 0
    while at < len(raw):
        code, length = struct.unpack_from("<HH", raw, at)
        if code == 0:
            break
        found[code] = raw[at + 4 : at + 4 + length]
        at += 4 + length + (-length % 4)
    return found


def packets(path: Path) -> list[Packet]:
    found = []
    for kind, body in blocks(path):
        if kind != 6:
            continue
        interface, high, low, caplen, length = struct.unpack_from("<IIIII", body)
        assert interface == 0 and caplen <= length
        frame = body[20 : 20 + caplen]
        pkttype, hatype, halen, _, protocol = struct.unpack(">HHH8sH", frame[:16])
        assert (hatype, halen) == (824, 0)
        opts = options(body[20 + caplen + (-caplen % 4) :])
        comment = opts[1].decode() if 1 in opts else None
        found.append(Packet(high << 32 | low, pkttype, protocol, frame[16:],
                            struct.unpack("<I", opts[2])[0], comment,
                            length - 16 if length > caplen else 0))  # fmt: skip
    return found


def datagram(n: int, size: int = 20) -> bytes:
    return build_message(T, 0, n, 0, bytes(size - 16))


# -- the blocks, byte for byte -----------------------------------------------------------------


def test_file_header_byte_for_byte() -> None:
    appl = f"genetlink {__version__}".encode()
    appl_option = struct.pack("<HH", 4, len(appl)) + appl + bytes(-len(appl) % 4)
    shb_body = (bytes.fromhex("4d3c2b1a" "0100" "0000" "ffffffffffffffff") + appl_option
                + bytes(4))  # fmt: skip
    shb = bytes.fromhex("0a0d0d0a") + u32(12 + len(shb_body)) + shb_body + u32(12 + len(shb_body))
    idb = bytes.fromhex(
        "01000000" "2c000000"  # Interface Description Block, 44 bytes
        "fd00" "0000" "00000000"  # LINKTYPE_NETLINK (253), reserved, snaplen 0 (no limit)
        "0200" "0700" "6e65746c696e6b00"  # if_name "netlink"
        "0900" "0100" "09000000"  # if_tsresol 9: nanoseconds
        "00000000"  # opt_endofopt
        "2c000000"
    )  # fmt: skip
    assert file_header() == shb + idb


def test_cooked_header_is_the_one_nlmon_gives() -> None:
    # pkttype, ARPHRD_NETLINK (824), halen 0, 8 address bytes, protocol: network order
    assert cooked_header(c.NETLINK_GENERIC, PACKET_OUTGOING) == bytes.fromhex(
        "0004" "0338" "0000" "0000000000000000" "0010")  # fmt: skip
    assert cooked_header(c.NETLINK_ROUTE, PACKET_HOST) == bytes.fromhex(
        "0000" "0338" "0000" "0000000000000000" "0000")  # fmt: skip
    assert cooked_header(c.NETLINK_ROUTE, PACKET_MULTICAST)[:2] == b"\x00\x02"


def test_packet_block_byte_for_byte() -> None:
    data = build_message(0x10, 0x301, 7, 0, bytes([3, 1, 0, 0]))  # 20 bytes
    block = packet_block(data, c.NETLINK_GENERIC, PACKET_OUTGOING, 0x1_2345_6789, "nl x")
    frame = cooked_header(c.NETLINK_GENERIC, PACKET_OUTGOING) + data  # 36 bytes
    expected = (
        bytes.fromhex("06000000" "58000000"  # Enhanced Packet Block, 88 bytes
                      "00000000"  # interface 0
                      "01000000" "89674523"  # timestamp: high, low words (ns)
                      "24000000" "24000000")  # captured and original length: 36
        + frame  # a multiple of 4 already: no padding
        + bytes.fromhex("0200" "0400" "02000000")  # epb_flags: outbound
        + bytes.fromhex("0100" "0400") + b"nl x"  # opt_comment
        + bytes(4)  # opt_endofopt
        + bytes.fromhex("58000000")
    )  # fmt: skip
    assert block == expected


def test_packet_block_pads_and_flags_received_datagrams() -> None:
    data = datagram(1, 22)
    block = packet_block(data, c.NETLINK_ROUTE, PACKET_MULTICAST, 5)
    assert len(block) % 4 == 0
    kind, length = struct.unpack_from("<II", block)
    assert (kind, length) == (6, len(block))
    assert block[28 + 38 : 28 + 40] == b"\0\0"  # 38 bytes of frame, padded to 40
    assert options(block[28 + 40 : -4]) == {2: u32(1 | 2 << 2)}  # inbound, multicast


def test_long_comments_are_cut_to_an_option() -> None:
    block = packet_block(datagram(1), 0, PACKET_HOST, 0, "é" * 40000)
    comment = options(block[28 + 36 : -4])[1]
    assert len(comment) <= 0xFFFF and comment.endswith(b"...")
    comment.decode()  # still UTF-8: no character cut in half


@pytest.mark.parametrize(("text", "size"), [("100", 100), ("4k", 4096), ("10M", 10 << 20),
                                            ("1g", 1 << 30), (" 2K ", 2048)])  # fmt: skip
def test_parse_size(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "0", "-1", "1.5M", "10MB", "k", "ten"])
def test_parse_size_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="not a size"):
        parse_size(text)


# -- the file ------------------------------------------------------------------------------


def test_records_with_their_timestamps(tmp_path: Path) -> None:
    path = tmp_path / "nl.pcapng"
    clock = iter([1_700_000_000_123_456_789, 1_700_000_000_123_456_999])
    with Capture(path, clock=lambda: next(clock)) as capture:
        assert capture.record(datagram(1), c.NETLINK_GENERIC, PACKET_OUTGOING, "a\nb")
        assert capture.record(datagram(2), c.NETLINK_GENERIC, PACKET_HOST)
        assert (capture.written, capture.dropped) == (2, 0)
    assert path.read_bytes().startswith(file_header())
    assert packets(path) == [
        Packet(1_700_000_000_123_456_789, PACKET_OUTGOING, 16, datagram(1), 2, "a\nb"),
        Packet(1_700_000_000_123_456_999, PACKET_HOST, 16, datagram(2), 1 | 1 << 2, None),
    ]


def test_a_new_capture_starts_afresh_and_append_adds(tmp_path: Path) -> None:
    path = tmp_path / "nl.pcapng"
    for n in range(2):
        with Capture(path) as capture:
            capture.record(datagram(n), 0, PACKET_HOST)
    assert [p.data for p in packets(path)] == [datagram(1)]
    with Capture(path, append=True) as capture:
        capture.record(datagram(2), 0, PACKET_HOST)
    assert [p.data for p in packets(path)] == [datagram(1), datagram(2)]
    assert [kind for kind, _ in blocks(path)].count(0x0A0D0D0A) == 1  # one section


def test_appending_to_another_writers_capture_starts_a_section(tmp_path: Path) -> None:
    path = tmp_path / "other.pcapng"
    other = file_header().replace(b"netlink", b"eth0\0\0\0")  # its interface 0: not ours
    path.write_bytes(other)
    with Capture(path, append=True) as capture:
        capture.record(datagram(1), 0, PACKET_HOST)
    kinds = [kind for kind, _ in blocks(path)]
    assert kinds == [0x0A0D0D0A, 1, 0x0A0D0D0A, 1, 6]
    assert path.read_bytes().startswith(other)


def test_appending_to_what_is_not_pcapng_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not a capture\n")
    with pytest.raises(CaptureError, match=f"{path} exists and is not a pcapng capture"):
        Capture(path, append=True)
    assert path.read_text() == "not a capture\n"


@pytest.mark.parametrize("cut", [4, 12, 40, -8, -1])
def test_appending_to_a_capture_cut_short_is_refused(tmp_path: Path, cut: int) -> None:
    # a file that starts as pcapng but does not end where a block ends: what came after
    # it would be unreadable
    whole = tmp_path / "whole.pcapng"
    with Capture(whole) as capture:
        capture.record(b"\x10\x00\x00\x00" * 4, c.NETLINK_ROUTE, PACKET_OUTGOING)
    path = tmp_path / "cut.pcapng"
    path.write_bytes(whole.read_bytes()[:cut])
    with pytest.raises(CaptureError, match="is not a pcapng capture"):
        Capture(path, append=True)
    (tmp_path / "classic.pcap").write_bytes(bytes.fromhex("d4c3b2a1020004000000000000000000"))
    with pytest.raises(CaptureError, match="is not a pcapng capture"):
        Capture(tmp_path / "classic.pcap", append=True)
    with Capture(whole, append=True) as again:  # the whole one takes more
        assert again.record(b"\x10\x00\x00\x00" * 4, c.NETLINK_ROUTE, PACKET_OUTGOING)
    assert len(packets(whole)) == 2


def test_appending_to_a_big_endian_section_adds_one_of_ours(tmp_path: Path) -> None:
    path = tmp_path / "be.pcapng"
    body = struct.pack(">IHHq", 0x1A2B3C4D, 1, 0, -1)
    length = struct.pack(">I", 12 + len(body))
    theirs = struct.pack(">I", 0x0A0D0D0A) + length + body + length
    path.write_bytes(theirs)
    with Capture(path, append=True) as capture:
        assert capture.record(b"\x10\x00\x00\x00" * 4, c.NETLINK_ROUTE, PACKET_OUTGOING)
    ours = tmp_path / "ours.pcapng"
    ours.write_bytes(path.read_bytes()[len(theirs) :])
    assert ours.read_bytes().startswith(file_header()) and len(packets(ours)) == 1


def test_options_are_checked() -> None:
    with pytest.raises(ValueError, match="rotate needs max_bytes"):
        Capture("/nonexistent/x", rotate=2)
    with pytest.raises(ValueError, match="max_bytes"):
        Capture("/nonexistent/x", max_bytes=0)


def test_stops_at_the_size(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "nl.pcapng"
    header, record = len(file_header()), len(packet_block(datagram(0), 0, PACKET_HOST, 0))
    limit = header + 3 * record - 10  # the third record crosses it
    with caplog.at_level(logging.WARNING, logger="genetlink.pcap"), \
            Capture(path, max_bytes=limit) as capture:  # fmt: skip
        written = [capture.record(datagram(n), 0, PACKET_HOST) for n in range(6)]
        assert written == [True, True, True, False, False, False]
        assert (capture.written, capture.dropped) == (3, 3)
    assert path.stat().st_size == header + 3 * record  # at most one record past the size
    assert [p.data for p in packets(path)] == [datagram(n) for n in range(3)]
    assert [r.getMessage() for r in caplog.records] == [
        f"capture {path} reached {limit} bytes: nothing more is written to it"]  # once
    assert not (tmp_path / "nl.pcapng.1").exists()


def test_rotates_keeping_the_newest_files(tmp_path: Path) -> None:
    path = tmp_path / "nl.pcapng"
    record = len(packet_block(datagram(0), 0, PACKET_HOST, 0))
    with Capture(path, max_bytes=len(file_header()) + 2 * record, rotate=2) as capture:
        for n in range(11):
            assert capture.record(datagram(n), 0, PACKET_HOST)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["nl.pcapng", "nl.pcapng.1", "nl.pcapng.2"]  # nl.pcapng.3 is gone
    files = [tmp_path / "nl.pcapng.2", tmp_path / "nl.pcapng.1", path]  # oldest first
    for file in files:
        assert file.read_bytes().startswith(file_header())  # each one readable on its own
    kept = [p.data for file in files for p in packets(file)]
    assert kept == [datagram(n) for n in range(6, 11)]  # two a file: the newest, no gaps


def test_a_datagram_larger_than_the_size_still_goes_in_whole(tmp_path: Path) -> None:
    path = tmp_path / "nl.pcapng"
    big = datagram(1, 4096)
    with Capture(path, max_bytes=200, rotate=1) as capture:
        assert capture.record(big, 0, PACKET_HOST)
        assert capture.record(datagram(2), 0, PACKET_HOST)
    assert [p.data for p in packets(tmp_path / "nl.pcapng.1")] == [big]
    assert [p.data for p in packets(path)] == [datagram(2)]


def test_writers_sharing_a_path_rotate_together(tmp_path: Path) -> None:
    """Captures opened on one path (as sockets reading GENETLINK_PCAP open theirs) in
    several threads: each record lands whole in exactly one file, each file has one header,
    and a writer follows the file another one rotated."""
    path = tmp_path / "nl.pcapng"
    Capture(path).close()
    writers = [Capture(path, max_bytes=2000, rotate=1000, append=True) for _ in range(4)]

    def write(k: int) -> None:
        for n in range(100):
            writers[k].record(datagram(k * 1000 + n, 16 + 4 * (n % 7)), 0, PACKET_HOST)

    threads = [threading.Thread(target=write, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for writer in writers:
        writer.close()
    files = [path, *tmp_path.glob("nl.pcapng.*")]
    assert len(files) > 10
    seen = []
    for file in files:
        kinds = [kind for kind, _ in blocks(file)]
        assert kinds[:2] == [0x0A0D0D0A, 1] and kinds.count(0x0A0D0D0A) == 1
        seen += [p.data for p in packets(file)]
    assert sorted(seen) == sorted(datagram(k * 1000 + n, 16 + 4 * (n % 7))
                                  for k in range(4) for n in range(100))  # fmt: skip
    assert sum(w.written for w in writers) == 400


def test_a_closed_capture_drops_and_never_raises(tmp_path: Path) -> None:
    path = tmp_path / "nl.pcapng"
    capture = Capture(path)
    capture.record(datagram(1), 0, PACKET_HOST)
    capture.close()
    capture.close()  # twice is harmless
    assert capture.closed
    assert not capture.record(datagram(2), 0, PACKET_HOST)
    assert (capture.written, capture.dropped, capture.error) == (1, 1, None)
    assert [p.data for p in packets(path)] == [datagram(1)]


def test_a_write_error_ends_the_capture_not_the_traffic(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    kernel = FakeKernel(lambda req: [replies.ack(req)])
    capture = Capture(tmp_path / "nl.pcapng")

    def full(fd: int, data: bytes) -> int:
        raise OSError(28, os.strerror(28))  # ENOSPC

    monkeypatch.setattr(os, "write", full)
    with caplog.at_level(logging.WARNING, logger="genetlink.pcap"), \
            NetlinkSocket(transport=kernel.transport(), capture=capture) as sock:  # fmt: skip
        sock.request(T, timeout=5)  # the request still works
        sock.request(T, timeout=5)
    monkeypatch.undo()
    assert isinstance(capture.error, OSError) and capture.closed
    assert capture.written == 0 and capture.dropped == 3  # the first failed, then dropped
    assert len([r for r in caplog.records if "stopped" in r.getMessage()]) == 1


def test_a_short_write_leaves_no_half_block(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    path = tmp_path / "nl.pcapng"
    capture = Capture(path)
    capture.record(datagram(1), 0, PACKET_HOST)
    real_write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real_write(fd, data[:10]))
    assert not capture.record(datagram(2), 0, PACKET_HOST)
    monkeypatch.undo()
    assert capture.error is not None and capture.error.strerror == os.strerror(28)  # ENOSPC
    assert [p.data for p in packets(path)] == [datagram(1)]


# -- sockets ---------------------------------------------------------------------------------


def _ack(request: Message) -> list[bytes]:
    return [replies.ack(request)]


def test_socket_captures_both_directions(tmp_path: Path) -> None:
    path = tmp_path / "nl.pcapng"
    kernel = FakeKernel(_ack)
    with Capture(path) as capture:
        with NetlinkSocket(c.NETLINK_GENERIC, transport=kernel.transport(),
                           capture=capture) as sock:  # fmt: skip
            sock.request(T, b"\x01\x02\x03\x04", timeout=5)
        assert not capture.closed  # the socket did not open it: it does not close it
    sent, ack = packets(path)
    assert (sent.pkttype, sent.protocol, sent.flags) == (PACKET_OUTGOING, 16, 2)
    assert parse_messages(sent.data)[0].payload == b"\x01\x02\x03\x04"
    assert (ack.pkttype, ack.flags) == (PACKET_HOST, 1 | 1 << 2)
    assert parse_messages(ack.data)[0].type == c.NLMSG_ERROR
    assert sent.timestamp <= ack.timestamp


def test_socket_marks_multicast_datagrams(tmp_path: Path) -> None:
    kernel = FakeKernel(_ack)
    with NetlinkSocket(transport=kernel.transport(), capture=tmp_path / "nl.pcapng") as sock:
        sock.join(3)
        kernel.multicast(3, build_message(T, 0, 0, 0, b""))
        assert sock.next_notification(timeout=5) is not None
    (note,) = packets(tmp_path / "nl.pcapng")
    assert (note.pkttype, note.flags) == (PACKET_MULTICAST, 1 | 2 << 2)


def test_socket_given_a_path_appends_and_closes_it(tmp_path: Path) -> None:
    path = tmp_path / "nl.pcapng"
    kernel = FakeKernel(_ack)
    for _ in range(2):  # two sockets, one after the other, on one path
        with NetlinkSocket(transport=kernel.transport(), capture=str(path)) as sock:
            capture = sock.capture
            sock.request(T, timeout=5)
        assert capture is not None and capture.closed
    assert len(packets(path)) == 4


def test_a_truncated_datagram_is_recorded_as_cut(tmp_path: Path) -> None:
    """What arrived of a datagram larger than the buffer goes in, its full length said (the
    pcap's caplen and len), so the capture shows what the Truncated error was about."""
    path = tmp_path / "nl.pcapng"
    kernel = FakeKernel(_ack)
    with NetlinkSocket(transport=kernel.transport(), capture=path) as sock:
        kernel.truncate_next(1 << 17)
        with pytest.raises(Truncated):
            sock.request(T, b"big", timeout=5)
        sock.request(T, b"next", timeout=5)
    _, cut, *rest = packets(path)  # the request, then what arrived of the answer
    assert len(cut.data) == 1 << 16 and cut.length == 1 << 17  # 64 KiB: the receive buffer
    assert parse_messages(cut.data[:36])[0].type == c.NLMSG_ERROR  # the ACK it starts with
    assert [p.length for p in rest] == [0, 0]  # the next request and its ACK, whole


def test_a_namer_that_fails_does_not_fail_the_socket(tmp_path: Path) -> None:
    path = tmp_path / "nl.pcapng"
    kernel = FakeKernel(_ack)

    def broken(msg: Message) -> str:
        raise KeyError("a bug in a codec")

    with NetlinkSocket(transport=kernel.transport(), capture=path) as sock:
        sock.namers[T] = broken
        sock.request(T, timeout=5)
    assert [p.comment for p in packets(path)] == [None, None]


def test_a_socket_given_a_path_it_cannot_write_says_so(tmp_path: Path) -> None:
    kernel = FakeKernel(_ack)
    with pytest.raises(CaptureError, match=f"cannot write the capture {tmp_path}: Is a dir"):
        NetlinkSocket(transport=kernel.transport(), capture=tmp_path)


def test_async_handles_capture_too(tmp_path: Path) -> None:
    from genetlink import open_family_async

    demo = declare_family("demo", protocol="netlink-raw", protonum=c.NETLINK_USERSOCK,
                          attributes={"msg": (1, "string")},
                          operations={"echo": (T, ["msg"])})  # fmt: skip
    kernel = FakeKernel(lambda req: [replies.reply(req, T, req.payload), replies.ack(req)])
    path = tmp_path / "aio.pcapng"

    async def main() -> None:
        with Capture(path) as capture:
            async with await open_family_async(demo, transport_factory=kernel.transport,
                                               capture=capture) as handle:  # fmt: skip
                assert (await handle.do("echo", {"msg": "hi"}))["msg"] == "hi"

    asyncio.run(main())
    sent, reply, ack = packets(path)
    assert (sent.pkttype, reply.pkttype, ack.pkttype) == (PACKET_OUTGOING, PACKET_HOST,
                                                          PACKET_HOST)  # fmt: skip
    assert sent.comment == reply.comment == "demo echo {'msg': 'hi'}"


def test_no_capture_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GENETLINK_PCAP", raising=False)
    with NetlinkSocket(transport=FakeKernel(_ack).transport()) as sock:
        assert sock.capture is None


def test_sockets_follow_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "env.pcapng"
    monkeypatch.setenv("GENETLINK_PCAP", str(path))
    monkeypatch.setenv("GENETLINK_PCAP_SIZE", "1k")
    monkeypatch.setenv("GENETLINK_PCAP_ROTATE", "3")
    kernel = FakeKernel(_ack)
    with NetlinkSocket(transport=kernel.transport()) as one, \
            NetlinkSocket(transport=kernel.transport()) as two:  # fmt: skip
        assert one.capture is not None and two.capture is not None
        assert (one.capture.max_bytes, one.capture.rotate) == (1024, 3)
        one.request(T, timeout=5)
        two.request(T, timeout=5)
    assert {p.protocol for p in packets(path)} == {c.NETLINK_ROUTE} and len(packets(path)) == 4
    monkeypatch.setenv("GENETLINK_PCAP_SIZE", "lots")
    with pytest.raises(ValueError, match=r"GENETLINK_PCAP=.*not a size"):
        NetlinkSocket(transport=kernel.transport())
    monkeypatch.setenv("GENETLINK_PCAP_SIZE", "1k")
    monkeypatch.setenv("GENETLINK_PCAP_ROTATE", "three")
    with pytest.raises(ValueError, match=r"GENETLINK_PCAP_ROTATE: not a number of files: 'three'"):
        NetlinkSocket(transport=kernel.transport())


def test_environment_round_trip(tmp_path: Path) -> None:
    with Capture(tmp_path / "a", max_bytes=4096, rotate=2) as capture:
        env = capture.environment()
    assert env == {"GENETLINK_PCAP": str(tmp_path / "a"), "GENETLINK_PCAP_SIZE": "4096",
                   "GENETLINK_PCAP_ROTATE": "2"}  # fmt: skip
    again = Capture.from_env(env)
    assert again is not None and (again.max_bytes, again.rotate) == (4096, 2)
    again.close()
    assert Capture.from_env({"GENETLINK_PCAP": ""}) is None


def test_comments_name_the_messages_when_a_codec_is_known(tmp_path: Path) -> None:
    demo = declare_family("demo", protocol="netlink-raw", protonum=c.NETLINK_USERSOCK,
                          attributes={"msg": (1, "string")},
                          operations={"echo": (T, ["msg"])})  # fmt: skip

    def echo(req: Message) -> list[bytes]:  # two replies and the ACK in one datagram
        reply = replies.reply(req, T, req.payload)
        return [reply + reply + replies.ack(req)]

    kernel = FakeKernel(echo)
    for comments in (True, False):
        path = tmp_path / f"{comments}.pcapng"
        with Capture(path, comments=comments) as capture, \
                open_family(demo, transport_factory=kernel.transport, capture=capture) as handle:
            handle.do_all("echo", {"msg": "hi"})  # fmt: skip
        sent, answer = packets(path)
        if comments:
            assert sent.comment == "demo echo {'msg': 'hi'}"
            assert answer.comment == "demo echo {'msg': 'hi'}\ndemo echo {'msg': 'hi'}"
        else:
            assert sent.comment is None and answer.comment is None


def test_writers_on_both_fronts_at_once(tmp_path: Path) -> None:
    """Blocking sockets in threads and an asyncio socket in its loop, through one Capture
    and a second one on the same path: every datagram is in the file, whole."""
    path = tmp_path / "nl.pcapng"
    kernel = FakeKernel(_ack)
    shared = Capture(path)
    other = Capture(path, append=True)
    sync_sock = NetlinkSocket(transport=kernel.transport(), capture=shared)

    def requests() -> None:
        for _ in range(50):
            sync_sock.request(T, b"sync", timeout=5)

    async def many() -> None:
        async with AsyncNetlinkSocket(transport=kernel.transport(), capture=other) as sock:
            await asyncio.gather(*(sock.request(T, b"aio!", timeout=5) for _ in range(100)))

    threads = [threading.Thread(target=requests) for _ in range(4)]
    threads.append(threading.Thread(target=asyncio.run, args=(many(),)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sync_sock.close()
    shared.close()
    other.close()
    found = packets(path)
    assert len(found) == 2 * (4 * 50 + 100) == shared.written + other.written
    sent = [parse_messages(p.data)[0].payload for p in found if p.pkttype == PACKET_OUTGOING]
    assert sorted(sent) == sorted([b"aio!"] * 100 + [b"sync"] * 200)
    acks = [p for p in found if p.pkttype == PACKET_HOST]
    assert len(acks) == 300 and all(parse_messages(p.data)[0].type == 2 for p in acks)
    times = [p.timestamp for p in found]
    assert times == sorted(times)  # stamped under the lock: the file's order is time's


# -- the CLI ---------------------------------------------------------------------------------


def test_command_name_skips_the_capture_options() -> None:
    argv = ["--pcap", "x.pcapng", "--pcap-size", "1M", "--pcap-rotate", "2", "families"]
    assert cli._command_name(argv) == "families"


@pytest.mark.parametrize(("argv", "message"), [
    (["--pcap-size", "1M", "families"], "need --pcap FILE"),
    (["--pcap", "x", "--pcap-rotate", "2", "families"], "--pcap-rotate N needs --pcap-size"),
    (["--pcap", "x", "--pcap-size", "1M", "--pcap-rotate", "0", "families"], "N of 1 or more"),
    (["--pcap", "x", "--pcap-size", "lots", "families"], "not a size"),
])  # fmt: skip
def test_cli_capture_usage_errors(argv: list[str], message: str,
                                  capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_cli_sets_up_the_capture_for_every_socket(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--pcap starts FILE afresh and hands it, through the environment, to every socket the
    command opens; the command itself knows nothing of it."""
    from genetlink.cli import families

    path = tmp_path / "cli.pcapng"
    path.write_bytes(b"old")
    for name in ("GENETLINK_PCAP", "GENETLINK_PCAP_SIZE", "GENETLINK_PCAP_ROTATE"):
        monkeypatch.setenv(name, "")  # restored after the test: main() sets them
    kernel = FakeKernel(_ack)
    seen: list[Capture | None] = []

    def command(args: object) -> int:
        for _ in range(2):
            with NetlinkSocket(transport=kernel.transport()) as sock:
                seen.append(sock.capture)
                sock.request(T, timeout=5)
        return 0

    monkeypatch.setattr(families, "run_families", command)
    argv = ["--pcap", str(path), "--pcap-size", "64k", "--pcap-rotate", "2", "families"]
    assert cli.main(argv) == 0
    assert os.environ["GENETLINK_PCAP"] == ""  # as it was: later sockets capture nothing
    assert [(s.max_bytes, s.rotate) for s in seen if s is not None] == [(65536, 2)] * 2
    assert len(packets(path)) == 4


def test_cli_reports_a_capture_it_cannot_open(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--pcap", "/nonexistent/dir/x.pcapng", "families"]) == 1
    assert capsys.readouterr().err == ("genetlink: cannot write the capture "
                                       "/nonexistent/dir/x.pcapng: No such file or directory\n")
    (tmp_path / "dir").mkdir()
    assert cli.main(["--pcap", str(tmp_path / "dir"), "families"]) == 1
    assert "Is a directory" in capsys.readouterr().err


def test_cli_checks_a_capture_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GENETLINK_PCAP", str(tmp_path / "x.pcapng"))
    monkeypatch.setenv("GENETLINK_PCAP_SIZE", "huge")
    with pytest.raises(SystemExit) as info:
        cli.main(["families"])
    assert info.value.code == 2
    assert "GENETLINK_PCAP=" in capsys.readouterr().err

"""Netlink traffic as a pcapng capture that Wireshark and tshark decode.

`Capture` writes each datagram it is handed as one Enhanced Packet Block on an interface of
link type LINKTYPE_NETLINK (253): the 16-byte Linux "cooked" header an nlmon device gives
(ARPHRD_NETLINK as hatype, the Netlink protocol number as protocol, both in network order),
then the datagram as sent or received. Wireshark's netlink dissector reads that header and
hands the messages to its rtnetlink, Generic Netlink (nlctrl, nl80211, ...), netfilter and
sock_diag dissectors. Timestamps are in nanoseconds (if_tsresol 9); the direction is in the
cooked header's packet type and in the block's epb_flags; a comment can name the messages
(what the GENETLINK_DEBUG trace says), for the families Wireshark has no dissector for.

Sockets take `capture=` (a `Capture`, or a path) or, without it, read GENETLINK_PCAP when
they open (see `Capture.from_env`). Any number of `Capture` objects, in threads or processes,
may write to one path: each record is one append under an flock() on the file, so records
never interleave, and a file rotated by one writer is followed by the others.

pcapng rather than classic pcap: per-packet comments and direction flags, and a file that is
several concatenated sections is still one valid capture (appending stays safe).
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import struct
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from typing import Self

from . import __version__
from .wire.errors import GenetlinkError

log = logging.getLogger("genetlink.pcap")

LINKTYPE_NETLINK = 253
ARPHRD_NETLINK = 824
# sll_pkttype values (linux/if_packet.h), in the cooked header's first two bytes. A capture on
# nlmon shows PACKET_OUTGOING for every frame (dev_queue_xmit_nit() sets it on the clone a packet
# socket sees) and Wireshark skips the field as unused (it guesses the direction from nlmsg_pid);
# ours says which way the datagram went.
PACKET_HOST = 0
PACKET_MULTICAST = 2
PACKET_OUTGOING = 4

#: Environment variables a socket reads when it opens without `capture=` (see `from_env`).
ENV_PATH = "GENETLINK_PCAP"
ENV_SIZE = "GENETLINK_PCAP_SIZE"
ENV_ROTATE = "GENETLINK_PCAP_ROTATE"

_SHB, _IDB, _EPB = 0x0A0D0D0A, 0x00000001, 0x00000006
_BYTE_ORDER_MAGIC = 0x1A2B3C4D
_OPT_COMMENT, _OPT_SHB_USERAPPL = 1, 4
_OPT_IF_NAME, _OPT_IF_TSRESOL, _OPT_EPB_FLAGS = 2, 9, 2
_MAX_OPTION = 0xFFFF
# epb_flags: direction in bits 0-1 (1 inbound, 2 outbound), reception type in bits 2-4
_EPB_FLAGS = {PACKET_HOST: 1 | 1 << 2, PACKET_MULTICAST: 1 | 2 << 2, PACKET_OUTGOING: 2}

_SLL = struct.Struct(">HHH8sH")  # pkttype, hatype, halen, address, protocol
_EPB_HEAD = struct.Struct("<IIIII")  # interface, timestamp high and low words, caplen, len
_U32 = struct.Struct("<I")
_SUFFIXES = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


class CaptureError(GenetlinkError):
    """A capture file that cannot be opened or is not a pcapng capture (the path named)."""


def _option(code: int, value: bytes) -> bytes:
    return struct.pack("<HH", code, len(value)) + value + bytes(-len(value) % 4)


def _block(kind: int, body: bytes) -> bytes:
    length = _U32.pack(12 + len(body))
    return _U32.pack(kind) + length + body + length


def file_header() -> bytes:
    """The Section Header and Interface Description blocks every capture file starts with."""
    end = _option(0, b"")
    shb = struct.pack("<IHHq", _BYTE_ORDER_MAGIC, 1, 0, -1)  # section length: not known
    shb += _option(_OPT_SHB_USERAPPL, f"genetlink {__version__}".encode()) + end
    idb = struct.pack("<HHI", LINKTYPE_NETLINK, 0, 0)  # snaplen 0: no limit
    idb += _option(_OPT_IF_NAME, b"netlink") + _option(_OPT_IF_TSRESOL, b"\x09") + end
    return _block(_SHB, shb) + _block(_IDB, idb)


_HEADER = file_header()


def cooked_header(protocol: int, pkttype: int) -> bytes:
    """The 16-byte LINKTYPE_NETLINK header nlmon produces (no hardware address)."""
    return _SLL.pack(pkttype, ARPHRD_NETLINK, 0, b"", protocol)


def packet_block(data: bytes, protocol: int, pkttype: int, timestamp_ns: int,
                 comment: str | None = None, original: int | None = None) -> bytes:  # fmt: skip
    """One Enhanced Packet Block: the cooked header and `data`, on interface 0. `original`:
    the datagram's length when `data` is only its start (one that did not fit the buffer)."""
    frame = cooked_header(protocol, pkttype) + data
    length = len(frame) if original is None else 16 + max(original, len(data))
    options = _option(_OPT_EPB_FLAGS, _U32.pack(_EPB_FLAGS.get(pkttype, 0)))
    if comment:
        text = comment.encode("utf-8", "backslashreplace")
        if len(text) > _MAX_OPTION:  # an option's length is 16 bits
            text = text[: _MAX_OPTION - 3].decode("utf-8", "ignore").encode() + b"..."
        options += _option(_OPT_COMMENT, text)
    options += _option(0, b"")
    head = _EPB_HEAD.pack(0, timestamp_ns >> 32, timestamp_ns & 0xFFFFFFFF, len(frame),
                          length)  # fmt: skip
    return _block(_EPB, head + frame + bytes(-len(frame) % 4) + options)


def parse_size(text: str) -> int:
    """A size in bytes: "1048576", "512k", "10M", "1G" (binary multiples)."""
    digits = text.strip()
    unit = digits[-1:].lower() if digits[-1:].isalpha() else ""
    try:
        size = int(digits[: len(digits) - len(unit)]) * _SUFFIXES[unit]
    except (ValueError, KeyError):
        raise ValueError(f"not a size: {text!r} (bytes, or a number with k, M or G)") from None
    if size <= 0:
        raise ValueError(f"not a size: {text!r} (must be more than 0)")
    return size


def _ends_whole(fd: int, size: int) -> bool:
    """Whether the file of `size` bytes starts with a Section Header Block and ends where a
    block ends (each block repeats its length last): what is appended then stays readable.
    A file cut short, or another format, would make the capture unreadable after it."""
    head = os.pread(fd, 12, 0)
    if len(head) < 12 or head[:4] != _U32.pack(_SHB):
        return False
    order = {b"\x4d\x3c\x2b\x1a": "<", b"\x1a\x2b\x3c\x4d": ">"}.get(head[8:12])
    if order is None:
        return False
    first = struct.unpack(order + "I", head[4:8])[0]
    if first < 28 or first % 4 or first > size:
        return False
    tail = os.pread(fd, 4, size - 4)
    for end in "<>":  # the last section may have the other byte order
        last = struct.unpack(end + "I", tail)[0]
        if 12 <= last <= size and not last % 4:
            start = os.pread(fd, 4, size - last + 4)
            if struct.unpack(end + "I", start)[0] == last:
                return True
    return False


class Capture:
    """A pcapng file that datagrams are appended to (see the module's documentation).

    path:      the capture file
    max_bytes: the size at which the file is full (None: no limit). A file is full once it
               has reached the size: the record that crosses it is written whole, so files
               end at most one datagram past it and a capture never has gaps.
    rotate:    when full, FILE becomes FILE.1 (FILE.1 becomes FILE.2, ...), keeping this many
               older files, and FILE starts again; 0: stop writing (later datagrams are
               counted in `dropped`)
    append:    add to an existing capture instead of starting the file afresh (how sockets
               that share a path open it)
    comments:  name the messages in a comment per packet, when the socket has a codec
    clock:     nanoseconds since the epoch (for tests)

    Writing never raises: the capture is a side channel and must not fail the traffic it
    records. A write error is logged once and ends the capture (see `error`); records handed
    to a closed capture are dropped.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        max_bytes: int | None = None,
        rotate: int = 0,
        append: bool = False,
        comments: bool = True,
        clock: Callable[[], int] = time.time_ns,
    ) -> None:
        if max_bytes is not None and max_bytes <= 0:
            raise ValueError(f"max_bytes must be more than 0, not {max_bytes}")
        if rotate < 0 or (rotate and max_bytes is None):
            raise ValueError("rotate needs max_bytes, and cannot be negative")
        self.path = os.fspath(path)
        self.max_bytes = max_bytes
        self.rotate = rotate
        self.comments = comments
        self._clock = clock
        #: records written, and records not written (the file was full, or closed)
        self.written = 0
        self.dropped = 0
        #: the error that ended the capture, if one did
        self.error: OSError | CaptureError | None = None
        self._full_logged = False
        self._lock = threading.Lock()  # flock() does not exclude threads sharing one descriptor
        try:
            self._fd = self._open()
        except OSError as exc:
            raise self._cannot(exc) from None
        try:
            with self._locked():
                self._follow()
                if not append:
                    os.ftruncate(self._fd, 0)
                self._start_section()
        except OSError as exc:
            os.close(self._fd)
            raise self._cannot(exc) from None
        except BaseException:
            os.close(self._fd)
            raise

    #: the variables `from_env` reads and `environment` gives
    ENVIRONMENT = (ENV_PATH, ENV_SIZE, ENV_ROTATE)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Capture | None:
        """The capture GENETLINK_PCAP names (appended to), sized by GENETLINK_PCAP_SIZE and
        GENETLINK_PCAP_ROTATE as `max_bytes` and `rotate`; None when it is unset or empty."""
        env = os.environ if environ is None else environ
        path = env.get(ENV_PATH)
        if not path:
            return None
        size, rotate = env.get(ENV_SIZE), env.get(ENV_ROTATE)
        try:
            max_bytes = parse_size(size) if size else None
            if rotate and not rotate.strip().isdigit():
                raise ValueError(f"{ENV_ROTATE}: not a number of files: {rotate!r}")
            return cls(path, max_bytes=max_bytes, rotate=int(rotate or 0), append=True)
        except ValueError as exc:
            raise ValueError(f"{ENV_PATH}={path}: {exc}") from None

    def environment(self) -> dict[str, str]:
        """The variables that make sockets opened from now on (in this process or a child)
        append to this capture, sized alike."""
        return {ENV_PATH: self.path, ENV_SIZE: str(self.max_bytes or ""),
                ENV_ROTATE: str(self.rotate or "")}  # fmt: skip

    # -- writing ----------------------------------------------------------------------------

    def record(self, data: bytes, protocol: int, pkttype: int, comment: str | None = None,
               original: int | None = None) -> bool:  # fmt: skip
        """Append one datagram of Netlink protocol `protocol`; `pkttype` is PACKET_OUTGOING
        for one sent, PACKET_HOST or PACKET_MULTICAST for one received; `original` its length
        when `data` is only its start. False when it was not written."""
        with self._lock:
            if self._fd < 0:
                self.dropped += 1
                return False
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX)
                try:
                    if not self._has_room():
                        self.dropped += 1
                        return False
                    # stamped under the lock: the file's order is the order in time
                    block = packet_block(data, protocol, pkttype, self._clock(), comment,
                                         original)  # fmt: skip
                    written = os.write(self._fd, block)
                    if written != len(block):  # no half block stays behind
                        os.ftruncate(self._fd, os.fstat(self._fd).st_size - written)
                        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                finally:
                    if self._fd >= 0:  # the one held now (rotation changes it)
                        fcntl.flock(self._fd, fcntl.LOCK_UN)
            except (OSError, CaptureError) as exc:
                self._fail(exc)
                return False
            self.written += 1
            return True

    def _has_room(self) -> bool:
        """Under the lock: follow the name to the current file and rotate it if it is full
        (only rotation renames files: without it, no stat is needed); False when it is full
        and does not rotate."""
        if self.rotate:
            size = self._follow()
        elif self.max_bytes is not None:
            size = os.fstat(self._fd).st_size
        else:
            return True
        if self.max_bytes is not None and size >= self.max_bytes:
            if not self.rotate:
                if not self._full_logged:
                    self._full_logged = True
                    log.warning("capture %s reached %d bytes: nothing more is written to it",
                                self.path, self.max_bytes)  # fmt: skip
                return False
            for n in range(self.rotate - 1, 0, -1):
                with suppress(FileNotFoundError):
                    os.replace(f"{self.path}.{n}", f"{self.path}.{n + 1}")
            os.replace(self.path, f"{self.path}.1")
            size = self._follow()  # not 0 when another writer opened the new file first
        if size == 0:
            self._start_section()
        return True

    def _follow(self) -> int:
        """Hold the lock of the file the path names now (another writer may have rotated it,
        or someone removed it), so that only the holder of the current file writes or rotates.
        Its size."""
        while True:
            try:
                current: os.stat_result | None = os.stat(self.path)
            except FileNotFoundError:
                current = None
            mine = os.fstat(self._fd)
            if current is not None and (current.st_ino, current.st_dev) == (mine.st_ino,
                                                                           mine.st_dev):
                return mine.st_size  # fmt: skip
            self._switch(self._open())

    def _open(self) -> int:
        return os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)

    def _cannot(self, exc: OSError) -> CaptureError:
        return CaptureError(f"cannot write the capture {self.path}: {exc.strerror or exc}")

    def _switch(self, fd: int) -> None:
        """Take file `fd`'s lock, then let the old file go (its lock with it)."""
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.close(self._fd)  # closing releases the old flock
        self._fd = fd

    @contextmanager
    def _locked(self) -> Iterator[None]:
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            if self._fd >= 0:  # the file may have changed inside (rotation): the one held now
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def _start_section(self) -> int:
        """An empty file gets the header; an existing capture of another writer (interface 0
        may not be Netlink there) a section of its own after what it holds. The size then."""
        size = os.fstat(self._fd).st_size
        if size and not _ends_whole(self._fd, size):
            raise CaptureError(f"{self.path} exists and is not a pcapng capture: remove it or "
                               "choose another file")  # fmt: skip
        if size and os.pread(self._fd, len(_HEADER), 0) == _HEADER:
            return size
        os.write(self._fd, _HEADER)
        return size + len(_HEADER)

    def _fail(self, exc: OSError | CaptureError) -> None:
        log.warning("capture %s stopped: %s", self.path, exc)
        self.error = exc
        self._close_fd()

    # -- life cycle -------------------------------------------------------------------------

    def close(self) -> None:
        """Close the file; closing twice is harmless, and later records are dropped."""
        with self._lock:
            self._close_fd()

    def _close_fd(self) -> None:
        if self._fd >= 0:
            fd, self._fd = self._fd, -1
            with suppress(OSError):  # already closed underneath us: nothing left to release
                os.close(fd)

    @property
    def closed(self) -> bool:
        """True once closed (or ended by a write error)."""
        return self._fd < 0

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else f"{self.written} written"
        return f"Capture({self.path!r}, {state})"


__all__ = ["ARPHRD_NETLINK", "ENV_PATH", "ENV_ROTATE", "ENV_SIZE", "LINKTYPE_NETLINK",
           "PACKET_HOST", "PACKET_MULTICAST", "PACKET_OUTGOING", "Capture", "CaptureError",
           "cooked_header", "file_header", "packet_block", "parse_size"]  # fmt: skip

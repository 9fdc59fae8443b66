"""Helpers for the VM tests: the module's header constants, the kernel log, and one raw socket.

Most tests drive the module through the genetlink library. `RawGenl` is the exception, kept on
stdlib sockets only, for the one independent check of ECHO (test_raw_echo.py): a bug in the
library must not hide (or fake) a bug in the module. Wire facts come from the kernel's
include/uapi/linux/{netlink,genetlink}.h; the module's names and numbers are read from its
shared header kernel/genltest/genltest_uapi.h.
"""

from __future__ import annotations

import errno
import os
import re
import socket
import struct
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
UAPI_HEADER = REPO / "kernel" / "genltest" / "genltest_uapi.h"
KERNEL_SPECS = REPO.parent / "shared" / "kernel-specs" / "specs"
SYSFS = Path("/sys/kernel/genltest")


def read_uapi(path: Path = UAPI_HEADER) -> dict[str, int | str]:
    """Names and values of genltest_uapi.h: `#define`s and explicit enum members."""
    text = path.read_text()
    values: dict[str, int | str] = {}
    for name, value in re.findall(r"^#define\s+(\w+)\s+(\S.*?)\s*$", text, re.M):
        if value.startswith('"'):
            values[name] = value.strip('"')
        elif re.fullmatch(r"0x[0-9a-fA-F]+|\d+", value):
            values[name] = int(value, 0)
    for name, value in re.findall(r"^\s+(\w+)\s*=\s*(0x[0-9a-fA-F]+|\d+),", text, re.M):
        values[name] = int(value, 0)
    return values


UAPI = read_uapi()


def u(name: str) -> int:
    """An integer constant from genltest_uapi.h."""
    value = UAPI[name]
    assert isinstance(value, int), name
    return value


def s(name: str) -> str:
    """A string constant from genltest_uapi.h."""
    value = UAPI[name]
    assert isinstance(value, str), name
    return value


def dmesg() -> str:
    """The kernel log, message text only (reads /dev/kmsg; needs root)."""
    fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK)
    lines = []
    try:
        while True:
            try:
                rec = os.read(fd, 8192)  # one record per read
            except BlockingIOError:
                break
            except OSError as e:
                if e.errno == errno.EPIPE:  # a record was overwritten meanwhile
                    continue
                raise
            if not rec:
                break
            lines.append(rec.decode(errors="replace").split(";", 1)[-1].split("\n", 1)[0])
    finally:
        os.close(fd)
    return "\n".join(lines)


def wait_for_log(text: str, timeout: float = 5.0) -> bool:
    """True once `text` appears in the kernel log (printk is synchronous, but be patient)."""
    deadline = time.monotonic() + timeout
    while True:
        if text in dmesg():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


# ---------------------------------------------------------------- the raw socket
# include/uapi/linux/netlink.h, genetlink.h
NLMSG_HDR = struct.Struct("=IHHII")  # len, type, flags, seq, pid
NLA_HDR = struct.Struct("=HH")
GENL_HDR = struct.Struct("=BBH")  # cmd, version, reserved
NETLINK_GENERIC = 16
NLMSG_ERROR = 2
NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLA_TYPE_MASK = 0x3FFF
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2


def attr(atype: int, payload: bytes) -> bytes:
    """One attribute, padded to 4 bytes."""
    raw = NLA_HDR.pack(NLA_HDR.size + len(payload), atype) + payload
    return raw + b"\0" * (-len(raw) % 4)


def parse_attrs(buf: bytes) -> dict[int, bytes]:
    """Attribute type (flag bits masked) -> payload (the last one of a type wins)."""
    out: dict[int, bytes] = {}
    off = 0
    while off + NLA_HDR.size <= len(buf):
        length, atype = NLA_HDR.unpack_from(buf, off)
        if length < NLA_HDR.size or off + length > len(buf):
            raise ValueError(f"bad attribute at {off}: len {length}")
        out[atype & NLA_TYPE_MASK] = buf[off + NLA_HDR.size : off + length]
        off += (length + 3) & ~3
    return out


class RawGenl:
    """A blocking NETLINK_GENERIC socket that sends one request and collects its answers."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        self.sock.settimeout(5.0)
        self.sock.bind((0, 0))
        self.port: int = self.sock.getsockname()[0]
        self.seq = 4242

    def close(self) -> None:
        """Close the socket."""
        self.sock.close()

    def request(self, family: int, cmd: int, attrs: bytes) -> list[tuple[int, int, int, bytes]]:
        """Send a request with NLM_F_ACK; (type, seq, port, payload) of each reply up to the
        ACK, all from port 0. OSError with the errno when the kernel refuses."""
        self.seq += 1
        payload = GENL_HDR.pack(cmd, 1, 0) + attrs
        header = NLMSG_HDR.pack(NLMSG_HDR.size + len(payload), family,
                                NLM_F_REQUEST | NLM_F_ACK, self.seq, 0)  # fmt: skip
        self.sock.sendto(header + payload, (0, 0))
        replies: list[tuple[int, int, int, bytes]] = []
        while True:
            data, (sender, _) = self.sock.recvfrom(1 << 16)
            assert sender == 0, f"a message from port {sender}, not the kernel"
            off = 0
            while off + NLMSG_HDR.size <= len(data):
                length, mtype, _, seq, port = NLMSG_HDR.unpack_from(data, off)
                body = data[off + NLMSG_HDR.size : off + length]
                off += (length + 3) & ~3
                if seq != self.seq:
                    continue
                if mtype == NLMSG_ERROR:
                    (code,) = struct.unpack_from("=i", body)
                    if code:
                        raise OSError(-code, os.strerror(-code))
                    return replies
                replies.append((mtype, seq, port, body))

    def family_id(self, name: str) -> int:
        """CTRL_CMD_GETFAMILY by name."""
        (reply,) = self.request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                                attr(CTRL_ATTR_FAMILY_NAME, name.encode() + b"\0"))  # fmt: skip
        attrs = parse_attrs(reply[3][GENL_HDR.size :])
        (family_id,) = struct.unpack("=H", attrs[CTRL_ATTR_FAMILY_ID])
        return int(family_id)

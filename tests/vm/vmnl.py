"""Minimal netlink helpers for the VM tests, on stdlib sockets only.

The tests in this folder check the genltest kernel module, so they are kept
independent of the library under development: a bug in genetlink must not
hide (or fake) a bug in the module. Wire facts come from the kernel's
include/uapi/linux/{netlink,genetlink}.h; the module's names and numbers are
read from its shared header kernel/genltest/genltest_uapi.h.
"""

from __future__ import annotations

import errno
import os
import re
import socket
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
UAPI_HEADER = REPO / "kernel" / "genltest" / "genltest_uapi.h"

# include/uapi/linux/netlink.h
NLMSG_HDR = struct.Struct("=IHHII")  # len, type, flags, seq, pid
NLA_HDR = struct.Struct("=HH")
GENL_HDR = struct.Struct("=BBH")  # cmd, version, reserved
NLMSG_ERROR = 2
NLMSG_DONE = 3
NLM_F_REQUEST = 0x1
NLM_F_MULTI = 0x2
NLM_F_ACK = 0x4
NLM_F_DUMP = 0x300
NLM_F_DUMP_INTR = 0x10
NLM_F_CAPPED = 0x100
NLM_F_ACK_TLVS = 0x200
SOL_NETLINK = 270
NETLINK_ADD_MEMBERSHIP = 1
NETLINK_EXT_ACK = 11
NLMSGERR_ATTR_MSG = 1
NLMSGERR_ATTR_OFFS = 2
NLMSGERR_ATTR_POLICY = 4
NL_POLICY_TYPE_ATTR_MIN_VALUE_U = 4
NL_POLICY_TYPE_ATTR_MAX_VALUE_U = 5
NLA_TYPE_MASK = 0x3FFF
NETLINK_GENERIC = 16
# include/uapi/linux/genetlink.h
GENL_ID_CTRL = 0x10
CTRL_CMD_NEWFAMILY = 1
CTRL_CMD_DELFAMILY = 2
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
CTRL_ATTR_VERSION = 3
CTRL_ATTR_MAXATTR = 5
CTRL_ATTR_OPS = 6
CTRL_ATTR_MCAST_GROUPS = 7
CTRL_ATTR_OP_ID = 1
CTRL_ATTR_MCAST_GRP_NAME = 1
CTRL_ATTR_MCAST_GRP_ID = 2


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


# ---------------------------------------------------------------- encoding
def attr(atype: int, payload: bytes) -> bytes:
    """One attribute, padded to 4 bytes."""
    raw = NLA_HDR.pack(NLA_HDR.size + len(payload), atype) + payload
    return raw + b"\0" * (-len(raw) % 4)


def attr_str(atype: int, text: str) -> bytes:
    """A NUL-terminated string attribute."""
    return attr(atype, text.encode() + b"\0")


def attr_u32(atype: int, value: int) -> bytes:
    """A native-endian u32 attribute."""
    return attr(atype, struct.pack("=I", value))


def parse_attrs(buf: bytes) -> dict[int, list[bytes]]:
    """Attribute type (flag bits masked) -> payloads in wire order."""
    out: dict[int, list[bytes]] = {}
    off = 0
    while off + NLA_HDR.size <= len(buf):
        length, atype = NLA_HDR.unpack_from(buf, off)
        if length < NLA_HDR.size or off + length > len(buf):
            raise ValueError(f"bad attribute at {off}: len {length}")
        out.setdefault(atype & NLA_TYPE_MASK, []).append(buf[off + NLA_HDR.size : off + length])
        off += (length + 3) & ~3
    return out


def cstr(payload: bytes) -> str:
    """Decode a NUL-terminated string payload."""
    return payload.split(b"\0", 1)[0].decode()


# ---------------------------------------------------------------- messages
@dataclass
class Msg:
    """One received netlink message."""

    type: int
    flags: int
    seq: int
    pid: int
    payload: bytes
    datagram: int = 0  # which recv() it came from

    @property
    def genl_cmd(self) -> int:
        """The genlmsghdr command."""
        return self.payload[0]

    @property
    def genl_attrs(self) -> dict[int, list[bytes]]:
        """The attributes after the genlmsghdr."""
        return parse_attrs(self.payload[GENL_HDR.size :])


@dataclass
class AckError(Exception):
    """An NLMSG_ERROR with a non-zero errno, with its extended ACK."""

    errno: int
    ext: dict[int, list[bytes]] = field(default_factory=dict)

    @property
    def ext_msg(self) -> str:
        """The kernel's extended-ACK message text ("" when none)."""
        return cstr(self.ext[NLMSGERR_ATTR_MSG][0]) if NLMSGERR_ATTR_MSG in self.ext else ""


def parse_datagram(data: bytes, index: int = 0) -> list[Msg]:
    """Split one datagram into messages."""
    msgs = []
    off = 0
    while off + NLMSG_HDR.size <= len(data):
        length, mtype, flags, seq, pid = NLMSG_HDR.unpack_from(data, off)
        if length < NLMSG_HDR.size or off + length > len(data):
            raise ValueError(f"bad message at {off}: len {length}")
        msgs.append(Msg(mtype, flags, seq, pid, data[off + NLMSG_HDR.size : off + length], index))
        off += (length + 3) & ~3
    return msgs


def error_of(msg: Msg) -> AckError | None:
    """None for an ACK (errno 0), else the error with its extended ACK attributes."""
    (err,) = struct.unpack_from("=i", msg.payload)
    if err == 0:
        return None
    ext: dict[int, list[bytes]] = {}
    if msg.flags & NLM_F_ACK_TLVS:
        # Capped: the original header only; else the whole request follows.
        inner = NLMSG_HDR.unpack_from(msg.payload, 4)[0]
        skip = 4 + (NLMSG_HDR.size if msg.flags & NLM_F_CAPPED else (inner + 3) & ~3)
        ext = parse_attrs(msg.payload[skip:])
    return AckError(-err, ext)


class Sock:
    """A blocking netlink socket with just what the tests need."""

    def __init__(self, proto: int, groups: int = 0, ext_ack: bool = True) -> None:
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, proto)
        self.sock.settimeout(5.0)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        if ext_ack:
            self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sock.bind((0, groups))
        self.port: int = self.sock.getsockname()[0]
        self.seq = 1000
        self.datagrams = 0
        self.last_sender: int | None = None

    def __enter__(self) -> Sock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the socket."""
        self.sock.close()

    def join(self, group: int) -> None:
        """Subscribe to a multicast group by number."""
        self.sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group)

    def send(self, mtype: int, flags: int, payload: bytes) -> int:
        """Send one message to the kernel; returns its sequence number."""
        self.seq += 1
        hdr = NLMSG_HDR.pack(NLMSG_HDR.size + len(payload), mtype, flags, self.seq, 0)
        self.sock.sendto(hdr + payload, (0, 0))
        return self.seq

    def recv(self, timeout: float = 5.0) -> list[Msg]:
        """One datagram's messages; records the sender's port id."""
        self.sock.settimeout(timeout)
        data, addr = self.sock.recvfrom(1 << 17)
        self.last_sender = addr[0]
        self.datagrams += 1
        return parse_datagram(data, self.datagrams)

    def request(self, mtype: int, payload: bytes, flags: int = 0) -> list[Msg]:
        """Send with NLM_F_REQUEST|NLM_F_ACK; replies until the ACK, raises AckError."""
        seq = self.send(mtype, NLM_F_REQUEST | NLM_F_ACK | flags, payload)
        replies: list[Msg] = []
        while True:
            for m in self.recv():
                if m.seq != seq:
                    continue
                if m.type == NLMSG_ERROR:
                    err = error_of(m)
                    if err is not None:
                        raise err
                    return replies
                replies.append(m)

    def dump(self, mtype: int, payload: bytes) -> Iterator[Msg]:
        """Messages of a dump, up to (not including) NLMSG_DONE; raises AckError."""
        seq = self.send(mtype, NLM_F_REQUEST | NLM_F_DUMP, payload)
        while True:
            for m in self.recv():
                if m.seq != seq:
                    continue
                if m.type == NLMSG_DONE:
                    return
                if m.type == NLMSG_ERROR:
                    err = error_of(m)
                    if err is not None:
                        raise err
                    return
                yield m


def genl_payload(cmd: int, attrs: bytes = b"", version: int = 1) -> bytes:
    """A genlmsghdr followed by attributes."""
    return GENL_HDR.pack(cmd, version, 0) + attrs


@dataclass
class Family:
    """What nlctrl says about a family."""

    id: int
    version: int
    maxattr: int
    ops: list[int]
    groups: dict[str, int]


def resolve(sock: Sock, name: str) -> Family:
    """CTRL_CMD_GETFAMILY by name (raises AckError ENOENT when absent)."""
    (reply,) = sock.request(
        GENL_ID_CTRL, genl_payload(CTRL_CMD_GETFAMILY, attr_str(CTRL_ATTR_FAMILY_NAME, name))
    )
    a = reply.genl_attrs
    ops = []
    for op in parse_attrs(a.get(CTRL_ATTR_OPS, [b""])[0]).values():
        ops += [struct.unpack("=I", parse_attrs(o)[CTRL_ATTR_OP_ID][0])[0] for o in op]
    groups = {}
    for grp_list in parse_attrs(a.get(CTRL_ATTR_MCAST_GROUPS, [b""])[0]).values():
        for g in grp_list:
            ga = parse_attrs(g)
            groups[cstr(ga[CTRL_ATTR_MCAST_GRP_NAME][0])] = struct.unpack(
                "=I", ga[CTRL_ATTR_MCAST_GRP_ID][0]
            )[0]
    return Family(
        id=struct.unpack("=H", a[CTRL_ATTR_FAMILY_ID][0])[0],
        version=struct.unpack("=I", a[CTRL_ATTR_VERSION][0])[0],
        maxattr=struct.unpack("=I", a[CTRL_ATTR_MAXATTR][0])[0],
        ops=sorted(ops),
        groups=groups,
    )


def family_exists(name: str) -> bool:
    """True when nlctrl knows the family."""
    with Sock(NETLINK_GENERIC) as sk:
        try:
            resolve(sk, name)
        except AckError as e:
            if e.errno == errno.ENOENT:
                return False
            raise
    return True


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

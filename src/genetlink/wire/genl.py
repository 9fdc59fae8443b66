"""The Generic Netlink header (struct genlmsghdr) and message building."""

from __future__ import annotations

import struct

from .constants import GENL_HDRLEN, NLMSG_HDRLEN
from .errors import DecodeError
from .message import Message, build_header

#: struct genlmsghdr: cmd, version, reserved
GENLMSGHDR = struct.Struct("=BBH")
_pack_genl = GENLMSGHDR.pack


def genl_payload(cmd: int, version: int, attrs: bytes = b"") -> bytes:
    """genlmsghdr + attributes: the payload of a Generic Netlink message."""
    return _pack_genl(cmd, version, 0) + attrs


def build_genl_message(
    family_id: int, cmd: int, version: int, flags: int, seq: int, port: int, attrs: bytes = b""
) -> bytes:
    """nlmsghdr + genlmsghdr + attributes (already 4-byte aligned by the builder)."""
    length = NLMSG_HDRLEN + GENL_HDRLEN + len(attrs)
    pad = -length & 3
    return (
        build_header(length, family_id, flags, seq, port)
        + genl_payload(cmd, version, attrs)
        + (b"\0" * pad if pad else b"")
    )


def genl_command(msg: Message) -> tuple[int, int]:
    """(cmd, version) of a Generic Netlink message; DecodeError if it is too short."""
    if msg.end - msg.payload_start < GENL_HDRLEN:
        raise DecodeError("message too short for a genlmsghdr", msg.payload_start)
    cmd, version, _ = GENLMSGHDR.unpack_from(msg.data, msg.payload_start)
    return cmd, version


def genl_attrs_start(msg: Message) -> int:
    """Offset of the first attribute of a Generic Netlink message (after the genlmsghdr)."""
    return msg.payload_start + GENL_HDRLEN

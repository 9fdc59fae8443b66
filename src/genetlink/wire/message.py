"""Netlink messages: the nlmsghdr, and several messages packed in one datagram."""

from __future__ import annotations

import struct

from .constants import NLMSG_HDRLEN
from .errors import DecodeError

#: struct nlmsghdr: length, type, flags, seq, pid (host byte order)
NLMSGHDR = struct.Struct("=IHHII")
_unpack_header = NLMSGHDR.unpack_from
_pack_header = NLMSGHDR.pack


def align(length: int) -> int:
    """Round `length` up to Netlink's 4-byte alignment."""
    return (length + 3) & ~3


class Message:
    """One Netlink message: its header fields and where its payload sits in the datagram.

    The datagram stays one `bytes` object; a message only records offsets into it, so
    attribute parsing works on the received buffer without copies.
    """

    __slots__ = ("data", "end", "flags", "payload_start", "port", "seq", "start", "type")

    def __init__(
        self, data: bytes, start: int, end: int, msg_type: int, flags: int, seq: int, port: int
    ) -> None:
        self.data = data
        self.start = start
        self.end = end
        self.payload_start = start + NLMSG_HDRLEN
        self.type = msg_type
        self.flags = flags
        self.seq = seq
        self.port = port

    @property
    def payload(self) -> bytes:
        """The payload (everything after the 16-byte header) as a copy."""
        return self.data[self.payload_start : self.end]

    @property
    def length(self) -> int:
        """nlmsg_len: header plus payload, unaligned."""
        return self.end - self.start

    def raw(self) -> bytes:
        """The whole message, header included, as a copy."""
        return self.data[self.start : self.end]

    def __repr__(self) -> str:
        return (
            f"Message(type={self.type}, flags={self.flags:#x}, seq={self.seq}, "
            f"port={self.port}, len={self.length})"
        )


def parse_messages(data: bytes) -> list[Message]:
    """All messages of one datagram, in order; DecodeError on a malformed header."""
    messages = []
    offset = 0
    size = len(data)
    while offset < size:
        if size - offset < NLMSG_HDRLEN:
            raise DecodeError(f"truncated nlmsghdr: {size - offset} bytes left", offset)
        length, msg_type, flags, seq, port = _unpack_header(data, offset)
        if length < NLMSG_HDRLEN:
            raise DecodeError(f"nlmsg_len {length} shorter than the header", offset)
        end = offset + length
        if end > size:
            raise DecodeError(f"nlmsg_len {length} runs past the datagram ({size} bytes)", offset)
        messages.append(Message(data, offset, end, msg_type, flags, seq, port))
        offset = (end + 3) & ~3
    return messages


def build_message(msg_type: int, flags: int, seq: int, port: int, payload: bytes = b"") -> bytes:
    """One message: header plus payload, padded to 4 bytes."""
    length = NLMSG_HDRLEN + len(payload)
    pad = b"\0" * (align(length) - length)
    return _pack_header(length, msg_type, flags, seq, port) + payload + pad


def build_header(length: int, msg_type: int, flags: int, seq: int, port: int) -> bytes:
    """Only the 16-byte header, for callers that assemble the payload themselves."""
    return _pack_header(length, msg_type, flags, seq, port)

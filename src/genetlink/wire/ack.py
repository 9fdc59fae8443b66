"""NLMSG_ERROR and NLMSG_DONE: the error code and the extended ACK (NLMSGERR_ATTR_*)."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

from . import constants as c
from .attrs import Attrs
from .errors import DecodeError, NetlinkError, netlink_error
from .message import NLMSGHDR, Message, align
from .policy import decode_policy

_S32 = struct.Struct("=i")


@dataclass(slots=True)
class Ack:
    """What an NLMSG_ERROR (or a dump's NLMSG_DONE) said.

    `error` is 0 for a plain ACK, else a negative errno. `request` is the header of the request
    the kernel answers (len, type, flags, seq, pid), when present.
    """

    error: int
    request: tuple[int, int, int, int, int] | None = None
    message: str | None = None
    bad_offset: int | None = None
    cookie: bytes | None = None
    policy: dict[str, Any] | None = None
    missing_type: int | None = None
    missing_nest: int | None = None
    warnings: list[str] = field(default_factory=list)

    def exception(self, **details: Any) -> NetlinkError:
        """The NetlinkError for this answer; `details` adds operation names and paths."""
        return netlink_error(
            -self.error,
            message=self.message,
            bad_offset=self.bad_offset,
            cookie=self.cookie,
            policy=self.policy,
            missing_type=self.missing_type,
            missing_nest=self.missing_nest,
            **details,
        )


def _read_tlvs(ack: Ack, data: bytes, start: int, end: int) -> None:
    attrs = Attrs(data, start, end)
    text = attrs.string(c.NLMSGERR_ATTR_MSG)
    if text is not None:
        if ack.error == 0:
            ack.warnings.append(text)  # ext-ACK text on success is a warning
        else:
            ack.message = text
    ack.bad_offset = attrs.u32(c.NLMSGERR_ATTR_OFFS)
    ack.cookie = attrs.get(c.NLMSGERR_ATTR_COOKIE)
    policy = attrs.nested(c.NLMSGERR_ATTR_POLICY)
    ack.policy = decode_policy(policy) if policy is not None else None
    ack.missing_type = attrs.u32(c.NLMSGERR_ATTR_MISS_TYPE)
    ack.missing_nest = attrs.u32(c.NLMSGERR_ATTR_MISS_NEST)


def parse_error(msg: Message) -> Ack:
    """Decode an NLMSG_ERROR: errno, the echoed request header, and the ext-ACK TLVs.

    Without NLM_F_CAPPED the kernel echoes the whole request after the header, so the TLVs start
    after the request's (aligned) length; with it, right after the 16-byte header.
    """
    data, start, end = msg.data, msg.payload_start, msg.end
    if end - start < 4:
        raise DecodeError("NLMSG_ERROR without an error code", start)
    ack = Ack(_S32.unpack_from(data, start)[0])
    if ack.error > 0:
        raise DecodeError(f"NLMSG_ERROR with positive error {ack.error}", start)
    inner = start + 4
    if end - inner < c.NLMSG_HDRLEN:
        return ack  # very old kernels / user peers may send the bare error code
    ack.request = NLMSGHDR.unpack_from(data, inner)
    if not msg.flags & c.NLM_F_ACK_TLVS:
        return ack
    echoed = c.NLMSG_HDRLEN if msg.flags & c.NLM_F_CAPPED else align(ack.request[0])
    tlv_start = inner + echoed
    if tlv_start > end:
        raise DecodeError("extended ACK attributes start past the message", inner)
    _read_tlvs(ack, data, tlv_start, end)
    return ack


def parse_done(msg: Message) -> Ack:
    """Decode a dump's NLMSG_DONE: an optional int error and, with NLM_F_ACK_TLVS, ext-ACK TLVs."""
    data, start, end = msg.data, msg.payload_start, msg.end
    if end - start < 4:
        return Ack(0)  # some families end dumps with an empty DONE
    ack = Ack(_S32.unpack_from(data, start)[0])
    if ack.error > 0:
        ack.error = 0  # the kernel's dump_done_errno can be a positive length; not an error
    if msg.flags & c.NLM_F_ACK_TLVS:
        _read_tlvs(ack, data, start + 4, end)
    return ack

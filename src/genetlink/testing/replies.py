"""Builders for the datagrams a kernel sends back: replies, ACKs, errors with ext-ACK, dumps.

Every builder takes the request it answers (a parsed `Message`) and copies its sequence number
and port id, as the kernel does, so a handler reads like the conversation it fakes: its body
is `return [reply(req, RTM_NEWLINK, payload), ack(req)]` (the cookbook's "Testing without
root" has whole handlers, run as tests).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from typing import Any

from ..wire import constants as c
from ..wire.attrs import AttrBuilder
from ..wire.message import Message, build_message

_S32 = struct.Struct("=i")


def reply(request: Message, msg_type: int, payload: bytes = b"", flags: int = 0) -> bytes:
    """One message answering `request` (same seq and port id), padded to 4 bytes."""
    return build_message(msg_type, flags, request.seq, request.port, payload)


def ext_ack_attrs(
    *,
    message: str | None = None,
    bad_offset: int | None = None,
    cookie: bytes | None = None,
    policy: bytes | None = None,
    missing_type: int | None = None,
    missing_nest: int | None = None,
) -> bytes:
    """The NLMSGERR_ATTR_* TLVs of an extended ACK (empty when nothing is given).

    `policy` is the content of the NLMSGERR_ATTR_POLICY nest (NL_POLICY_TYPE_ATTR_* attributes),
    e.g. built with `policy_attrs`.
    """
    b = AttrBuilder()
    if message is not None:
        b.put_string(c.NLMSGERR_ATTR_MSG, message)
    if bad_offset is not None:
        b.put_u32(c.NLMSGERR_ATTR_OFFS, bad_offset)
    if cookie is not None:
        b.put(c.NLMSGERR_ATTR_COOKIE, cookie)
    if policy is not None:
        b.put(c.NLMSGERR_ATTR_POLICY | c.NLA_F_NESTED, policy)
    if missing_type is not None:
        b.put_u32(c.NLMSGERR_ATTR_MISS_TYPE, missing_type)
    if missing_nest is not None:
        b.put_u32(c.NLMSGERR_ATTR_MISS_NEST, missing_nest)
    return b.bytes()


def policy_attrs(type_number: int, **limits: int) -> bytes:
    """An attribute policy nest body: NL_POLICY_TYPE_ATTR_TYPE plus limits by keyword.

    Keywords: min_value_s, max_value_s (s64), min_value_u, max_value_u (u64), min_length,
    max_length, policy_idx, policy_maxtype, bitfield32_mask (u32), mask (u64).
    """
    wide = {"min_value_s", "max_value_s", "min_value_u", "max_value_u", "mask"}
    b = AttrBuilder().put_u32(c.NL_POLICY_TYPE_ATTR_TYPE, type_number)
    for key, value in limits.items():
        number = getattr(c, "NL_POLICY_TYPE_ATTR_" + key.upper())
        if key.endswith("_s"):
            b.put_s64(number, value)
        elif key in wide:
            b.put_u64(number, value)
        else:
            b.put_u32(number, value)
    return b.bytes()


def ack(request: Message, error: int = 0, *, capped: bool = True, **ext_ack: Any) -> bytes:
    """NLMSG_ERROR for `request`: error 0 is an ACK, a negative errno an error.

    Laid out as the kernel's netlink_ack(): the error code, then the request's header only
    (NLM_F_CAPPED) or the whole request (`capped=False`, honoured only for errors: the kernel
    caps every success), then the ext-ACK TLVs with NLM_F_ACK_TLVS when any are given;
    `ext_ack` takes the keywords of `ext_ack_attrs` (message, bad_offset, cookie, policy,
    missing_type, missing_nest). A message on error 0 is an ext-ACK warning.
    """
    flags = 0
    if error and not capped:
        echoed = request.raw()
    else:
        echoed = request.data[request.start : request.payload_start]
        flags |= c.NLM_F_CAPPED
    payload = _S32.pack(error) + echoed + b"\0" * (-len(echoed) & 3)
    tlvs = ext_ack_attrs(**ext_ack)
    if tlvs:
        flags |= c.NLM_F_ACK_TLVS
    return build_message(c.NLMSG_ERROR, flags, request.seq, request.port, payload + tlvs)


def error(request: Message, errno_value: int, **details: Any) -> bytes:
    """NLMSG_ERROR carrying `-errno_value` (pass a positive errno such as errno.EINVAL);
    `details` are the keyword arguments of `ack` (capped, message, bad_offset, ...)."""
    return ack(request, -abs(errno_value), **details)


def done(
    request: Message, error: int = 0, *, flags: int = c.NLM_F_MULTI, message: str | None = None
) -> bytes:
    """NLMSG_DONE ending a dump: an int error (0 or a negative errno), optional ext-ACK text."""
    tlvs = ext_ack_attrs(message=message)
    if tlvs:
        flags |= c.NLM_F_ACK_TLVS
    return build_message(c.NLMSG_DONE, flags, request.seq, request.port, _S32.pack(error) + tlvs)


#: The size of the kernel's first dump skb, SKB_WITH_OVERHEAD(4096) on x86-64 (NLMSG_GOODSIZE):
#: how many bytes of a dump the first datagram holds.
NLMSG_GOODSIZE = 3776


def dump(
    request: Message,
    msg_type: int,
    payloads: Iterable[bytes],
    *,
    per_datagram: int | None = 1,
    max_size: int | None = None,
    flags: int = c.NLM_F_MULTI,
    error: int = 0,
    message: str | None = None,
) -> list[bytes]:
    """A whole dump answer: datagrams of `per_datagram` parts each, NLMSG_DONE in the last.

    `max_size` packs the parts into datagrams of at most that many bytes instead, as the
    kernel fills each skb (`per_datagram=None, max_size=NLMSG_GOODSIZE`); with both, both
    limits hold. `flags` is applied to every part (drop NLM_F_MULTI to mimic families that
    forget it; add NLM_F_DUMP_INTR to mimic an interrupted dump); a negative `error` ends the
    dump with it, `message` is the ext-ACK text of the NLMSG_DONE.
    """
    per = None if per_datagram is None else max(per_datagram, 1)
    datagrams: list[bytes] = []
    count = 0  # parts in the last datagram

    def add(part: bytes) -> None:
        nonlocal count
        fits = datagrams and (per is None or count < per)
        if fits and (max_size is None or len(datagrams[-1]) + len(part) <= max_size):
            datagrams[-1] += part
            count += 1
        else:
            datagrams.append(part)
            count = 1

    for payload in payloads:
        add(reply(request, msg_type, payload, flags))
    # DONE shares the last datagram when there is room, as in the kernel
    add(done(request, error, flags=c.NLM_F_MULTI | (flags & c.NLM_F_DUMP_INTR), message=message))
    return datagrams


def set_flags(datagram: bytes, flags: int, types: Sequence[int] | None = None) -> bytes:
    """A copy of `datagram` with `flags` OR-ed into every message (or those of `types`)."""
    out = bytearray(datagram)
    offset = 0
    while offset + c.NLMSG_HDRLEN <= len(out):
        length, msg_type, old = struct.unpack_from("=IHH", out, offset)
        if types is None or msg_type in types:
            struct.pack_into("=H", out, offset + 6, old | flags)
        if length < c.NLMSG_HDRLEN:
            break
        offset += (length + 3) & ~3
    return bytes(out)

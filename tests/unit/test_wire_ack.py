"""NLMSG_ERROR / NLMSG_DONE and the extended ACK, laid out byte for byte as netlink_ack() does.

Layout (net/netlink/af_netlink.c, netlink_ack / netlink_dump_done):
  NLMSG_ERROR payload = s32 error, then the request's nlmsghdr, then (unless NLM_F_CAPPED) the
  request's payload padded to 4, then the NLMSGERR_ATTR_* TLVs when NLM_F_ACK_TLVS is set.
  Success ACKs are always capped. NLMSG_DONE payload = s32 error, then TLVs (NLM_F_ACK_TLVS).
"""

from __future__ import annotations

import errno
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genetlink.testing import replies
from genetlink.wire import constants as c
from genetlink.wire.ack import parse_done, parse_error
from genetlink.wire.attrs import AttrBuilder
from genetlink.wire.errors import DecodeError, NetlinkError
from genetlink.wire.message import Message, build_message, parse_messages

REQUEST_ATTRS = AttrBuilder().put_u32(1, 7).put_string(2, "eth0").bytes()
REQUEST = build_message(30, c.NLM_F_REQUEST | c.NLM_F_ACK, 42, 1234, b"\0" * 4 + REQUEST_ATTRS)


def _one(data: bytes) -> Message:
    (msg,) = parse_messages(data)
    return msg


def _tlvs(**kw: object) -> bytes:
    b = AttrBuilder()
    if "msg" in kw:
        b.put_string(c.NLMSGERR_ATTR_MSG, str(kw["msg"]))
    if "offs" in kw:
        b.put_u32(c.NLMSGERR_ATTR_OFFS, int(kw["offs"]))  # type: ignore[call-overload]
    if "cookie" in kw:
        b.put(c.NLMSGERR_ATTR_COOKIE, bytes(kw["cookie"]))  # type: ignore[call-overload]
    if "policy" in kw:
        token = b.nest_start(c.NLMSGERR_ATTR_POLICY)
        b.put_u32(c.NL_POLICY_TYPE_ATTR_TYPE, c.AttrType.U32)
        b.put_u64(c.NL_POLICY_TYPE_ATTR_MIN_VALUE_U, 1)
        b.put_u64(c.NL_POLICY_TYPE_ATTR_MAX_VALUE_U, 2**64 - 1)
        b.nest_end(token)
    if "miss_type" in kw:
        b.put_u32(c.NLMSGERR_ATTR_MISS_TYPE, int(kw["miss_type"]))  # type: ignore[call-overload]
    if "miss_nest" in kw:
        b.put_u32(c.NLMSGERR_ATTR_MISS_NEST, int(kw["miss_nest"]))  # type: ignore[call-overload]
    return b.bytes()


def _kernel_error(error: int, capped: bool, tlvs: bytes) -> bytes:
    """NLMSG_ERROR built by hand, independent of genetlink.testing.replies."""
    echoed = REQUEST[:16] if capped else REQUEST
    echoed += b"\0" * (-len(echoed) & 3)
    flags = (c.NLM_F_CAPPED if capped else 0) | (c.NLM_F_ACK_TLVS if tlvs else 0)
    payload = struct.pack("=i", error) + echoed + tlvs
    return struct.pack("=IHHII", 16 + len(payload), c.NLMSG_ERROR, flags, 42, 1234) + payload


ALL = {"msg": "bad value", "offs": 20, "cookie": b"\x01\x02\x03", "miss_type": 9,
       "miss_nest": 16, "policy": True}  # fmt: skip


@pytest.mark.parametrize("capped", [True, False])
def test_error_with_every_ext_ack_attribute(capped: bool) -> None:
    ack = parse_error(_one(_kernel_error(-errno.ERANGE, capped, _tlvs(**ALL))))
    assert ack.error == -errno.ERANGE
    assert ack.request == (len(REQUEST), 30, c.NLM_F_REQUEST | c.NLM_F_ACK, 42, 1234)
    assert ack.message == "bad value"
    assert ack.bad_offset == 20
    assert ack.cookie == b"\x01\x02\x03"
    assert ack.missing_type == 9
    assert ack.missing_nest == 16
    assert ack.policy == {"type": "u32", "min-value": 1, "max-value": 2**64 - 1}
    assert ack.warnings == []
    err = ack.exception(operation="newlink", seq=42)
    assert isinstance(err, NetlinkError)
    assert (err.errno, err.message, err.bad_offset, err.missing_type) == (
        errno.ERANGE, "bad value", 20, 9)  # fmt: skip
    assert err.cookie == b"\x01\x02\x03"
    assert "bad value" in str(err) and "newlink" in str(err)


@pytest.mark.parametrize("capped", [True, False])
def test_testing_builder_matches_kernel_layout(capped: bool) -> None:
    request = _one(REQUEST)
    built = replies.error(request, errno.ERANGE, capped=capped, message="bad value",
                          bad_offset=20, cookie=b"\x01\x02\x03", missing_type=9, missing_nest=16,
                          policy=replies.policy_attrs(c.AttrType.U32, min_value_u=1,
                                                      max_value_u=2**64 - 1))  # fmt: skip
    assert built == _kernel_error(-errno.ERANGE, capped, _tlvs(**ALL))


@pytest.mark.parametrize("capped", [True, False])
def test_error_without_tlvs(capped: bool) -> None:
    ack = parse_error(_one(_kernel_error(-errno.EINVAL, capped, b"")))
    assert ack.error == -errno.EINVAL
    assert ack.message is None and ack.bad_offset is None and ack.policy is None


def test_uncapped_echo_of_unaligned_request() -> None:
    request = build_message(30, c.NLM_F_REQUEST, 42, 1234, b"abcde")  # 21 bytes, padded to 24
    echoed = request[:21] + b"\0" * 3
    tlvs = _tlvs(msg="x", offs=16)
    payload = struct.pack("=i", -1) + echoed + tlvs
    data = struct.pack("=IHHII", 16 + len(payload), c.NLMSG_ERROR, c.NLM_F_ACK_TLVS, 42, 0)
    ack = parse_error(_one(data + payload))
    assert (ack.message, ack.bad_offset) == ("x", 16)


def test_success_with_warning() -> None:
    ack = parse_error(_one(_kernel_error(0, True, _tlvs(msg="deprecated attribute"))))
    assert ack.error == 0
    assert ack.message is None
    assert ack.warnings == ["deprecated attribute"]


def test_bare_error_code_from_a_user_peer() -> None:
    ack = parse_error(_one(build_message(c.NLMSG_ERROR, 0, 1, 0, struct.pack("=i", -5))))
    assert ack.error == -5 and ack.request is None


@pytest.mark.parametrize(
    "payload",
    [b"", b"\0\0", struct.pack("=i", 3) + b"\0" * 16],  # no code; short; positive errno
)
def test_broken_error_messages(payload: bytes) -> None:
    with pytest.raises(DecodeError):
        parse_error(_one(build_message(c.NLMSG_ERROR, 0, 1, 0, payload)))


def test_tlvs_claimed_past_the_message() -> None:
    # not capped, but the echoed request claims 200 bytes that are not there
    inner = struct.pack("=IHHII", 200, 30, 0, 1, 0)
    data = build_message(c.NLMSG_ERROR, c.NLM_F_ACK_TLVS, 1, 0, struct.pack("=i", -1) + inner)
    with pytest.raises(DecodeError):
        parse_error(_one(data))


def test_done_plain_and_empty() -> None:
    assert parse_done(_one(build_message(c.NLMSG_DONE, c.NLM_F_MULTI, 1, 0, b"\0" * 4))).error == 0
    assert parse_done(_one(build_message(c.NLMSG_DONE, c.NLM_F_MULTI, 1, 0))).error == 0


def test_done_with_error_and_ext_ack() -> None:
    payload = struct.pack("=i", -errno.EMSGSIZE) + _tlvs(msg="dump too big")
    done = _one(build_message(c.NLMSG_DONE, c.NLM_F_MULTI | c.NLM_F_ACK_TLVS, 1, 0, payload))
    ack = parse_done(done)
    assert ack.error == -errno.EMSGSIZE and ack.message == "dump too big"


def test_done_success_with_ext_ack_is_a_warning() -> None:
    payload = struct.pack("=i", 0) + _tlvs(msg="filtered")
    ack = parse_done(_one(build_message(c.NLMSG_DONE, c.NLM_F_MULTI | c.NLM_F_ACK_TLVS, 1, 0,
                                        payload)))  # fmt: skip
    assert ack.error == 0 and ack.warnings == ["filtered"]


def test_done_tlvs_ignored_without_flag() -> None:
    payload = struct.pack("=i", 0) + _tlvs(msg="filtered")
    ack = parse_done(_one(build_message(c.NLMSG_DONE, c.NLM_F_MULTI, 1, 0, payload)))
    assert ack.warnings == [] and ack.message is None


@settings(max_examples=200, deadline=None)
@given(
    error=st.integers(-4095, -1),
    capped=st.booleans(),
    text=st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\0"),
                 max_size=40),
    offset=st.integers(0, 2**32 - 1),
    extra=st.binary(max_size=30),
)  # fmt: skip
def test_ext_ack_round_trip(error: int, capped: bool, text: str, offset: int, extra: bytes) -> None:
    request = _one(build_message(40, c.NLM_F_REQUEST, 9, 77, extra))
    ack = parse_error(_one(replies.ack(request, error, capped=capped, message=text,
                                       bad_offset=offset)))  # fmt: skip
    assert (ack.error, ack.message, ack.bad_offset) == (error, text, offset)
    assert ack.request is not None and ack.request[3] == 9

"""genltest's policy: the kernel's errors (ext-ACK message, attribute path, policy) through the
library, and policy introspection compared with the module and the shipped spec."""

from __future__ import annotations

import errno
from collections.abc import Mapping

import pytest
from vmnl import s, u

from genetlink import Decoded, FamilyHandle, GenlClient
from genetlink.genl import AttrPolicy, getpolicy
from genetlink.wire.attrs import AttrBuilder
from genetlink.wire.errors import EncodeError, NetlinkError

NAME = s("GENLTEST_FAMILY_NAME")
A_MSG, A_COUNT, A_INDEX = u("GENLTEST_A_MSG"), u("GENLTEST_A_COUNT"), u("GENLTEST_A_INDEX")
COUNT_MIN, COUNT_MAX = u("GENLTEST_COUNT_MIN"), u("GENLTEST_COUNT_MAX")
MSG_MAX_LEN = u("GENLTEST_MSG_MAX_LEN")
U32_MAX = 2**32 - 1


def test_wrong_attribute_type_is_rejected(declared: FamilyHandle[Decoded]) -> None:
    bad = AttrBuilder()
    bad.put(A_COUNT, b"\x05")  # a u32 sent as one byte
    with pytest.raises(NetlinkError) as info:
        declared.do("echo", bad)
    err = info.value
    assert err.errno == errno.EINVAL
    assert err.message is not None and "length" in err.message  # the kernel's own words
    assert err.attr_path == ".count"
    assert err.operation == "echo"
    assert err.policy is not None and err.policy["type"] == "u32"
    assert ".count" in str(err) and err.message in str(err)


def test_wrong_attribute_type_without_a_codec(genl: GenlClient) -> None:
    bad = AttrBuilder()
    bad.put_u8(A_COUNT, 5)
    with pytest.raises(NetlinkError) as info:
        genl.family(NAME).do(u("GENLTEST_CMD_ECHO"), bad)
    assert info.value.errno == errno.EINVAL
    assert info.value.attr_path == f".{A_COUNT}"  # numbers when nothing names the attribute


@pytest.mark.parametrize("value", [COUNT_MIN - 1, COUNT_MAX + 1])
def test_count_out_of_range(declared: FamilyHandle[Decoded], spec_client: FamilyHandle[Decoded],
                            value: int) -> None:  # fmt: skip
    raw = AttrBuilder()
    raw.put_u32(A_COUNT, value)  # raw bytes: past the codec's own range check
    with pytest.raises(NetlinkError) as info:
        list(declared.dump("dump", raw))  # a dump is sent when iterated
    err = info.value
    assert err.errno == errno.ERANGE
    assert err.message == "integer out of range"
    assert err.attr_path == ".count"
    assert err.policy is not None
    assert (err.policy["min-value"], err.policy["max-value"]) == (COUNT_MIN, COUNT_MAX)
    # The shipped spec carries the same limits, so the library refuses before sending.
    with pytest.raises(EncodeError, match="count"):
        list(spec_client.dump("dump", {"count": value}))


def test_message_too_long(declared: FamilyHandle[Decoded],
                          spec_client: FamilyHandle[Decoded]) -> None:  # fmt: skip
    raw = AttrBuilder()
    raw.put_string(A_MSG, "x" * (MSG_MAX_LEN + 1))
    with pytest.raises(NetlinkError) as info:
        declared.do("echo", raw)
    assert info.value.errno == errno.EINVAL
    assert info.value.message
    assert info.value.attr_path == ".msg"
    with pytest.raises(EncodeError, match="msg"):
        spec_client.do("echo", {"msg": "x" * (MSG_MAX_LEN + 1)})


def test_unsupported_command(declared: FamilyHandle[Decoded]) -> None:
    # NOTIFY is multicast only: the family has no handler for it.
    with pytest.raises(NetlinkError) as info:
        declared.do(u("GENLTEST_CMD_NOTIFY"), b"")
    assert info.value.errno == errno.EOPNOTSUPP


def _check_policy(attrs: Mapping[int, AttrPolicy]) -> None:
    """The module's policy table (genltest.c), as the kernel reports it."""
    msg, count, index = attrs[A_MSG], attrs[A_COUNT], attrs[A_INDEX]
    assert (msg.type, msg.max_length) == ("nul-string", MSG_MAX_LEN)
    assert (count.type, count.min_value, count.max_value) == ("u32", COUNT_MIN, COUNT_MAX)
    # No range in the table: the kernel reports the type's own range.
    assert (index.type, index.min_value, index.max_value) == ("u32", 0, U32_MAX)


def test_policy_introspection(genl: GenlClient, spec_client: FamilyHandle[Decoded]) -> None:
    policy = genl.policy(NAME)
    assert policy.family_id == genl.resolve(NAME).id
    # One family-wide policy: every operation points at the same set.
    echo = policy.op(u("GENLTEST_CMD_ECHO"))
    assert echo is not None
    _check_policy(echo)
    dump = policy.op(u("GENLTEST_CMD_DUMP"), "dump")
    assert dump is not None and dump == echo
    # The same through nlctrl directly, by family id, on the spec client's socket.
    sock = spec_client.sock
    assert sock.run(getpolicy(sock.engine, spec_client.id or 0)).sets == policy.sets


def test_policy_matches_the_shipped_spec(genl: GenlClient,
                                         spec_client: FamilyHandle[Decoded]) -> None:  # fmt: skip
    kernel = genl.policy(NAME).op(u("GENLTEST_CMD_ECHO"))
    assert kernel is not None
    family = spec_client.codec.family
    assert family is not None
    aset = family.attribute_sets[NAME]
    spec_types = {"string": "nul-string", "u32": "u32"}
    for attr in aset.attributes.values():
        if attr.type == "unused":
            continue
        have = kernel[attr.value]
        assert have.type == spec_types[attr.type], attr.name
        assert have.max_length == attr.checks.max_len, attr.name
        if attr.type == "u32":  # unchecked: the kernel reports the whole u32 range
            low, high = attr.checks.min, attr.checks.max
            assert (have.min_value, have.max_value) == (
                0 if low is None else low,
                U32_MAX if high is None else high,
            ), attr.name
    assert set(kernel) == {a.value for a in aset.attributes.values() if a.type != "unused"}

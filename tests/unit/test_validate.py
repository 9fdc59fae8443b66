"""Requests checked against hand-built kernel policies before sending."""

from __future__ import annotations

import struct
from typing import Any

import pytest

from genetlink.codec.family import FamilyCodec
from genetlink.genl.nlctrl import AttrPolicy, OpPolicy, Policy
from genetlink.genl.validate import PolicyValidator, validate_request
from genetlink.loader.declare import declare_family
from genetlink.wire.attrs import AttrBuilder
from genetlink.wire.errors import EncodeError

POLICY = Policy(
    7,
    {
        0: {
            1: AttrPolicy("u32", 1, 0xFFFFFFFF),
            2: AttrPolicy("nul-string", max_length=4),
            3: AttrPolicy("nested", policy_idx=2, policy_maxtype=3),
            4: AttrPolicy("binary", min_length=2, max_length=4),
            5: AttrPolicy("uint", mask=0x3),
            6: AttrPolicy("flag"),
            7: AttrPolicy("bitfield32", bitfield32_mask=0x5),
            8: AttrPolicy("s8", -3, 3),
        },
        1: {},
        2: {1: AttrPolicy("u8", 0, 9), 3: AttrPolicy("string", max_length=2)},
    },
    {1: OpPolicy(0, 1)},
)

FAMILY = declare_family(
    "fam",
    attribute_sets={
        "main": {
            "ifindex": (1, "u32"),
            "nest": {"value": 3, "type": "nest", "nested-attributes": "inner"},
        },
        "inner": {"level": (1, "u8")},
    },
    operations={"get": {"value": 1, "do": {"request": {"attributes": ["ifindex", "nest"]}}}},
)


def body(*puts: tuple[str, int, Any]) -> bytes:
    build = AttrBuilder()
    for method, number, value in puts:
        getattr(build, method)(number, value)
    return build.bytes()


def reject(data: bytes, match: str, mode: str = "do") -> None:
    with pytest.raises(EncodeError, match=match):
        validate_request(POLICY, 1, mode, data)


def test_valid_request_passes() -> None:
    data = body(("put_u32", 1, 5), ("put_string", 2, "abcd"), ("put", 4, b"xyz"),
                ("put_uint", 5, 3), ("put_s8", 8, -3))  # fmt: skip
    validate_request(POLICY, 1, "do", data)


def test_unknown_numbers() -> None:
    reject(body(("put_u32", 9, 1)), r"\.9: .*maxtype 8")
    with pytest.raises(EncodeError, match="not in it"):
        validate_request(
            Policy(1, {0: {1: POLICY.sets[0][1], 3: POLICY.sets[0][1]}}, {1: OpPolicy(0, None)}),
            1,
            "do",
            body(("put_u32", 2, 1)),
        )


def test_lenient_ops_let_unknown_numbers_below_maxtype_pass() -> None:
    policy = Policy(1, {0: {1: POLICY.sets[0][1], 3: POLICY.sets[0][1]}}, {1: OpPolicy(0, None)})
    validate_request(policy, 1, "do", body(("put_u32", 2, 1)), strict=False)


def test_integer_range_size_and_mask() -> None:
    reject(body(("put_u32", 1, 0)), r"\.1: 0 is below the kernel's minimum 1")
    reject(body(("put_u16", 1, 5)), "u32 needs 4 bytes, got 2")
    reject(body(("put_uint", 5, 4)), "outside the kernel's mask 0x3")
    reject(body(("put_s8", 8, 4)), "above the kernel's maximum 3")


def test_lengths_strings_flags_bitfields() -> None:
    reject(body(("put_string", 2, "abcde")), "longer than the kernel's maximum 4")
    reject(body(("put", 2, b"ab")), "NUL-terminated")
    reject(body(("put", 4, b"x")), "fewer than the kernel's minimum 2")
    reject(body(("put", 4, b"xxxxx")), "more than the kernel's maximum 4")
    reject(body(("put", 6, b"x")), "no payload")
    reject(body(("put", 7, struct.pack("=II", 2, 2))), "mask 0x5")
    reject(body(("put", 7, struct.pack("=II", 1, 4))), "outside the selector")


def test_nested_attributes_by_path() -> None:
    build = AttrBuilder()
    token = build.nest_start(3)
    build.put_u8(1, 10)
    build.nest_end(token)
    reject(build.bytes(), r"\.3\.1: 10 is above")
    build = AttrBuilder()
    token = build.nest_start(3)
    build.put_string(3, "abc")
    build.nest_end(token)
    reject(build.bytes(), r"\.3\.3: string of 3 bytes")
    build = AttrBuilder()
    token = build.nest_start(3)
    build.put_u8(4, 1)
    build.nest_end(token)
    reject(build.bytes(), "maxtype 3")


def test_empty_or_absent_policy_passes() -> None:
    validate_request(POLICY, 1, "dump", body(("put_u32", 9, 1)))  # maxattr 0: not parsed
    validate_request(POLICY, 2, "do", body(("put_u32", 9, 1)))


def test_names_from_codec() -> None:
    codec = FamilyCodec(FAMILY)
    _, data = codec.encode("get", {"nest": {"level": 12}})
    with pytest.raises(EncodeError, match=r"get do: \.nest\.level \(\.3\.1\): 12 is above"):
        validate_request(POLICY, 1, "do", data, codec=codec, op_name="get")


class FakeClient:
    def __init__(self) -> None:
        self.calls = 0

    def policy(self, family: str | int, op: int | None = None) -> Policy:
        self.calls += 1
        return POLICY


def test_policy_validator_encodes_caches_and_checks() -> None:
    client = FakeClient()
    validator = PolicyValidator(client, "fam", FamilyCodec(FAMILY))  # type: ignore[arg-type]
    assert validator.check("get", {"ifindex": 3}) == body(("put_u32", 1, 3))
    with pytest.raises(EncodeError, match=r"\.ifindex \(\.1\): 0 is below"):
        validator.check("get", {"ifindex": 0})
    with pytest.raises(EncodeError, match=r"\.ifindex"):
        validator.check(1, body(("put_u32", 1, 0)))
    assert client.calls == 1
    validator.refresh()
    validator.check("get", {})
    assert client.calls == 2


def test_policy_validator_without_codec() -> None:
    validator = PolicyValidator(FakeClient(), "fam")  # type: ignore[arg-type]
    assert validator.check(1) == b""
    with pytest.raises(EncodeError, match=r"cmd 1 do: \.1: 0 is below"):
        validator.check(1, body(("put_u32", 1, 0)))
    with pytest.raises(EncodeError, match="without a codec"):
        validator.check("get", {"ifindex": 1})

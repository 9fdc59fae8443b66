"""Requests checked against hand-built kernel policies before sending: `validate_request`
directly, and `validate=True` on family handles over genetlink.testing's GenlKernel, whose
nlctrl reports the same policies (CTRL_CMD_GETPOLICY)."""

from __future__ import annotations

import asyncio
import struct
from typing import Any

import pytest

from genetlink.client.aio import AsyncGenlClient
from genetlink.client.sync import GenlClient
from genetlink.codec.family import FamilyCodec
from genetlink.genl.nlctrl import AttrPolicy, OpPolicy, Policy
from genetlink.genl.validate import validate_request
from genetlink.loader.declare import declare_family
from genetlink.testing import GenlKernel
from genetlink.wire import constants as c
from genetlink.wire.attrs import AttrBuilder
from genetlink.wire.errors import EncodeError
from genetlink.wire.message import Message

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


def test_lenient_ops_let_unknown_numbers_pass() -> None:
    # GENL_DONT_VALIDATE_STRICT: the kernel skips numbers it has no policy for, above its
    # maxtype too (NL_VALIDATE_LIBERAL has no NL_VALIDATE_MAXTYPE)
    policy = Policy(1, {0: {1: POLICY.sets[0][1], 3: POLICY.sets[0][1]}}, {1: OpPolicy(0, None)})
    validate_request(policy, 1, "do", body(("put_u32", 2, 1)), strict=False)
    validate_request(policy, 1, "do", body(("put_u32", 9, 1)), strict=False)
    with pytest.raises(EncodeError, match=r"\.9: .*maxtype 3"):
        validate_request(policy, 1, "do", body(("put_u32", 9, 1)), strict=True)


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
    attribute_set = codec.operation("get").attribute_set
    _, data = codec.encode("get", {"nest": {"level": 12}})
    with pytest.raises(EncodeError, match=r"get do: \.nest\.level \(\.3\.1\): 12 is above"):
        validate_request(POLICY, 1, "do", data, label="get",
                         namer=lambda numbers: codec.name_path(attribute_set, numbers))  # fmt: skip


def test_fixed_header_is_skipped() -> None:
    """`header_size`: the family's fixed header comes first (padded to 4 bytes)."""
    data = b"\xff\xff\0\0" + body(("put_u32", 1, 0))
    with pytest.raises(EncodeError, match=r"cmd 1 do: \.1: 0 is below"):
        validate_request(POLICY, 1, "do", data, header_size=2)
    validate_request(POLICY, 1, "do", b"\0\0\0\0" + body(("put_u32", 1, 5)), header_size=4)


# -- validate=True on family handles (PolicyValidator's successor) ------------------------------


class PolicyKernel:
    """nlctrl knows family "fam" (id 7, which a module reload changes) and reports POLICY for
    it; the family ACKs every request without checking anything."""

    def __init__(self) -> None:
        self.genl = GenlKernel()
        self.fam = self.genl.serve(FAMILY, family_id=7, policy=POLICY, validate=False)
        self.fam.do("get")(lambda request: None)
        self.transport = self.genl.transport

    @property
    def requests(self) -> list[Message]:
        return [r.message for r in self.fam.requests]

    @property
    def getpolicy(self) -> int:
        """How many CTRL_CMD_GETPOLICY dumps nlctrl answered."""
        return sum(r.op == "getpolicy" for r in self.genl.nlctrl.requests)

    def sent(self) -> list[bytes]:
        """The bodies (after the genlmsghdr) of the family requests that reached the kernel."""
        return [r.data[r.payload_start + c.GENL_HDRLEN : r.end] for r in self.requests]


def test_the_fake_kernel_reports_the_policy() -> None:
    kernel = PolicyKernel()
    with GenlClient(transport_factory=kernel.transport, timeout=5) as genl:
        assert genl.policy("fam") == POLICY


def test_validate_true_encodes_caches_and_checks() -> None:
    kernel = PolicyKernel()
    with GenlClient(transport_factory=kernel.transport, timeout=5) as genl:
        fam = genl.family("fam", FAMILY)
        assert fam.do("get", {"ifindex": 3}, validate=True) is None  # a plain ACK
        assert kernel.sent() == [body(("put_u32", 1, 3))]
        with pytest.raises(EncodeError, match=r"\.ifindex \(\.1\): 0 is below"):
            fam.do("get", {"ifindex": 0}, validate=True)
        with pytest.raises(EncodeError, match=r"\.ifindex"):
            fam.do(1, body(("put_u32", 1, 0)), validate=True)  # by number, already encoded
        assert len(kernel.requests) == 1  # nothing sent for the rejected requests
        assert kernel.getpolicy == 1  # the kernel's policy is fetched once
        fam.do("get", {"ifindex": 0})  # validate=False (the default): sent as is
        assert len(kernel.requests) == 2 and kernel.getpolicy == 1
        kernel.fam.reregister(8)  # the module was reloaded: its policy may have changed too
        fam.do("get", {}, validate=True)
        assert fam.id == 8 and len(kernel.requests) == 3
        fam.do("get", {}, validate=True)
        assert kernel.getpolicy == 2


def test_validate_true_without_codec() -> None:
    kernel = PolicyKernel()
    with GenlClient(transport_factory=kernel.transport, timeout=5) as genl:
        fam = genl.family("fam")
        assert fam.do(1, validate=True) is None
        assert kernel.sent() == [b""]
        with pytest.raises(EncodeError, match=r"cmd 1 do: \.1: 0 is below"):
            fam.do(1, body(("put_u32", 1, 0)), validate=True)
        with pytest.raises(EncodeError, match="has no spec"):  # names need a codec
            fam.do("get", {"ifindex": 1}, validate=True)
        assert len(kernel.requests) == 1


def test_validate_true_on_the_async_front() -> None:
    kernel = PolicyKernel()

    async def body_() -> None:
        async with AsyncGenlClient(transport_factory=kernel.transport, timeout=5) as genl:
            fam = await genl.family("fam", FAMILY)
            assert await fam.do("get", {"ifindex": 3}, validate=True) is None
            with pytest.raises(EncodeError, match=r"get do: \.ifindex \(\.1\): 0 is below"):
                await fam.do("get", {"ifindex": 0}, validate=True)
            raw = await genl.family("fam")
            with pytest.raises(EncodeError, match=r"cmd 1 do: \.1: 0 is below"):
                await raw.do(1, body(("put_u32", 1, 0)), validate=True)
            assert await genl.policy("fam") == POLICY

    asyncio.run(asyncio.wait_for(body_(), 30))
    assert kernel.sent() == [body(("put_u32", 1, 3))]

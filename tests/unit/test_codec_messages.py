"""Codec details on the kernel's specs: fixed headers, sub-messages, byte order, hints,
unknown numbers, malformed bytes and the wording of encode errors (no kernel needed)."""

from __future__ import annotations

import contextlib
import struct
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genetlink.codec.family import FamilyCodec
from genetlink.loader import load_spec
from genetlink.wire.errors import DecodeError, EncodeError
from genetlink.wire.message import build_message, parse_messages

SPEC_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "kernel-specs" / "specs"
pytestmark = pytest.mark.skipif(not SPEC_DIR.is_dir(), reason=f"no kernel specs at {SPEC_DIR}")


@cache
def codec(name: str) -> FamilyCodec:
    return FamilyCodec(load_spec(SPEC_DIR / f"{name}.yaml"))


def as_message(msg_type: int, body: bytes, genl_cmd: int | None = None):  # type: ignore[no-untyped-def]
    payload = body if genl_cmd is None else struct.pack("=BBH", genl_cmd, 1, 0) + body
    return parse_messages(build_message(msg_type, 0, 1, 0, payload))[0]


def test_rt_link_fixed_header_and_flags_roundtrip() -> None:
    rt = codec("rt-link")
    values = {"ifi-index": 7, "ifi-flags": ["up", "running"], "ifi-change": 1, "ifname": "d0",
              "mtu": 1400, "address": "02:00:00:00:00:01"}  # fmt: skip
    msg_type, body = rt.encode("newlink", values)
    assert msg_type == 16
    assert len(body) >= 16 and struct.unpack_from("=i", body, 4)[0] == 7
    decoded = rt.decode(as_message(16, body), "newlink")
    assert decoded.header["ifi-index"] == 7
    assert decoded["ifi-flags"] == ["up", "running"]
    assert decoded["ifname"] == "d0" and decoded["mtu"] == 1400
    assert decoded["address"] == "02:00:00:00:00:01"


def test_rt_addr_ifaddrmsg_and_addresses() -> None:
    ra = codec("rt-addr")
    values = {"ifa-family": 2, "ifa-prefixlen": 24, "ifa-index": 3,
              "address": "192.0.2.5", "local": "192.0.2.5"}  # fmt: skip
    msg_type, body = ra.encode("newaddr", values)
    decoded = ra.decode(as_message(msg_type, body), "newaddr").to_dict()
    assert decoded["ifa-prefixlen"] == 24 and decoded["ifa-index"] == 3
    assert decoded["address"] == "192.0.2.5"
    _, body6 = ra.encode("newaddr", {"ifa-family": 10, "address": "2001:db8::5"})
    assert ra.decode(as_message(20, body6), "newaddr")["address"] == "2001:db8::5"


def test_sub_message_selected_by_kind() -> None:
    rt = codec("rt-link")
    values = {"linkinfo": {"kind": "vlan", "data": {"id": 42, "protocol": 0x8100}}}
    raw = rt.encode_attrs("link-attrs", values)
    decoded = rt.decode_attrs("link-attrs", raw)
    assert decoded["linkinfo"]["kind"] == "vlan"
    assert decoded["linkinfo"]["data"]["id"] == 42
    # an unknown kind keeps the data as bytes, both ways
    raw = rt.encode_attrs("link-attrs", {"linkinfo": {"kind": "veth", "data": b"\x04\x00\x01\x00"}})
    assert rt.decode_attrs("link-attrs", raw)["linkinfo"]["data"] == b"\x04\x00\x01\x00"


def test_big_endian_attribute_bytes() -> None:
    rt = codec("rt-link")
    raw = rt.encode_attrs("linkinfo-geneve-attrs", {"port": 4789})
    assert raw[4:6] == (4789).to_bytes(2, "big")
    assert rt.decode_attrs("linkinfo-geneve-attrs", raw) == {"port": 4789}


def test_ipv4_hint_on_big_endian_array_is_network_order() -> None:
    rt = codec("rt-link")
    raw = rt.encode_attrs("linkinfo-bond-attrs", {"arp-ip-target": ["192.0.2.1", "10.0.0.2"]})
    assert bytes([192, 0, 2, 1]) in raw
    decoded = rt.decode_attrs("linkinfo-bond-attrs", raw)["arp-ip-target"]
    assert [str(a) for a in decoded] == ["192.0.2.1", "10.0.0.2"]


def test_unknown_attribute_and_enum_values_kept_by_number() -> None:
    nd = codec("netdev")
    raw = nd.encode_attrs("dev", {"ifindex": 1, 200: b"\x01\x02\x03\x04"})
    assert nd.decode_attrs("dev", raw) == {"ifindex": 1, 200: b"\x01\x02\x03\x04"}
    # a flags value with a bit the spec does not name: names plus the leftover number
    raw = nd.encode_attrs("dev", {"xdp-features": 1 | 1 << 30})
    assert nd.decode_attrs("dev", raw)["xdp-features"] == ["basic", 1 << 30]


def test_genl_message_decodes_op_from_cmd() -> None:
    nd = codec("netdev")
    _, body = nd.encode("dev-get", {"ifindex": 3})
    decoded = nd.decode(as_message(20, body, genl_cmd=2))
    assert decoded.op == "dev-add-ntf" and decoded["ifindex"] == 3


@pytest.mark.parametrize(
    ("spec", "set_name", "values", "words"),
    [
        ("rt-link", "link-attrs", {"linkinfo": {"kind": 5}}, [".linkinfo.kind", "string"]),
        ("rt-link", "link-attrs", {"nosuch": 1}, [".nosuch", "unknown attribute"]),
        ("rt-link", "link-attrs", {"mtu": 1 << 40}, [".mtu", "out of range"]),
        ("rt-link", "link-attrs", {"mtu": "big"}, [".mtu", "integer"]),
        ("netdev", "dev", {"ifindex": 0}, [".ifindex", "minimum"]),
        ("ethtool", "linkinfo", {"header": {"dev-index": -1}}, [".header.dev-index"]),
        ("rt-link", "link-attrs", {"address": "zz:00"}, [".address"]),
        ("netdev", "dev", {"xdp-features": ["nosuch"]}, [".xdp-features", "nosuch"]),
    ],
)
def test_encode_errors_name_the_path(spec: str, set_name: str, values: dict[str, object],
                                     words: list[str]) -> None:  # fmt: skip
    with pytest.raises(EncodeError) as info:
        codec(spec).encode_attrs(set_name, values)
    for word in words:
        assert word in str(info.value)


def test_unknown_operation_is_an_encode_error() -> None:
    with pytest.raises(EncodeError, match="no operation"):
        codec("netdev").encode("dev-steal", {})


FUZZ_SETS = [("rt-link", "link-attrs"), ("ethtool", "linkmodes"), ("netdev", "dev"),
             ("rt-route", "route-attrs"), ("nlctrl", "ctrl-attrs"), ("tc", "attrs")]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=96), which=st.sampled_from(FUZZ_SETS))
def test_random_bytes_decode_or_raise_decode_error(data: bytes, which: tuple[str, str]) -> None:
    fam, set_name = which
    with contextlib.suppress(DecodeError):
        codec(fam).decode_attrs(set_name, data)


@settings(max_examples=200, deadline=None)
@given(
    value=st.integers(0, 0xFFFF_FFFF),
    mtu=st.integers(0, 0xFFFF_FFFF),
    name=st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=15),
)
def test_integers_and_strings_roundtrip(value: int, mtu: int, name: str) -> None:
    rt = codec("rt-link")
    values = {"ifname": name, "mtu": mtu, "group": value}
    assert rt.decode_attrs("link-attrs", rt.encode_attrs("link-attrs", values)) == values


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=1, max_size=64))
def test_truncated_valid_messages_raise_decode_error_only(tail: bytes) -> None:
    rt = codec("rt-link")
    raw = rt.encode_attrs("link-attrs", {"ifname": "x", "linkinfo": {"kind": "vlan",
                                         "data": {"id": 2}}, "mtu": 9000})  # fmt: skip
    for cut in range(1, len(raw)):
        with contextlib.suppress(DecodeError):
            rt.decode_attrs("link-attrs", raw[:cut] + tail[: cut % 5])


def test_name_path_shows_index_levels() -> None:
    from genetlink.loader import load_family

    nlctrl = FamilyCodec(load_family("nlctrl"))  # the package's own spec
    assert nlctrl.name_path("ctrl-attrs", [6, 2, 1]) == ".ops[2].id"
    assert nlctrl.name_path("ctrl-attrs", [8, 3, 5, 1]) == ".policy[3][5].type"
    assert nlctrl.name_path("ctrl-attrs", [99, 1]) == ".99.1"

"""The runtime codec on hostile or surprising input (issue 11, items 3, 7, 8 and 11).

Synthetic messages on the kernel's own specs: payloads of a width their type cannot have,
addresses of either family under an `ipv4` hint, fixed-header members and attributes of the
same name, strings with an embedded NUL. The last test runs the same cases against the kernel
(root, in a throw-away namespace).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import socket
import struct
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from genetlink.cli.ops import plain
from genetlink.codec import jsonable
from genetlink.codec.decode import Mismatched
from genetlink.codec.family import Decoded, FamilyCodec
from genetlink.loader import load_spec, load_spec_text
from genetlink.wire.attrs import AttrBuilder
from genetlink.wire.errors import EncodeError
from genetlink.wire.message import Message, build_message, parse_messages

SPEC_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "kernel-specs" / "specs"
pytestmark = pytest.mark.skipif(not SPEC_DIR.is_dir(), reason=f"no kernel specs at {SPEC_DIR}")

IPV6 = ipaddress.IPv6Address("2001:db8::1")
MAC = bytes.fromhex("aabbccddeeff")


def codec(name: str) -> FamilyCodec:
    """A fresh codec: the mismatch warnings are remembered per codec."""
    return FamilyCodec(load_spec(SPEC_DIR / f"{name}.yaml"))


@cache
def shared(name: str) -> FamilyCodec:
    return codec(name)


def attrs(*items: tuple[int, bytes]) -> bytes:
    builder = AttrBuilder()
    for number, payload in items:
        builder.put(number, payload)
    return bytes(builder.buffer)


def message(msg_type: int, body: bytes) -> Message:
    return parse_messages(build_message(msg_type, 0, 1, 0, body))[0]


def number(fc: FamilyCodec, set_name: str, attr: str) -> int:
    return fc.family.attribute_sets[set_name].attributes[attr].value


# -- item 3: a payload wider (or narrower) than its type ---------------------------------------


def rule(fc: FamilyCodec, *items: tuple[int, bytes], family: int = socket.AF_INET6,
         table: int = 0) -> Decoded:  # fmt: skip
    """An RTM_NEWRULE message: fib_rule_hdr, then the attributes."""
    header = struct.pack("=BBBBBBBBI", family, 64, 64, 0, table, 0, 0, 1, 0)
    return fc.decode(message(32, header + attrs(*items)))


def test_ipv6_rule_src_is_kept_as_marked_bytes() -> None:
    """rt-rule types `src` as u32; an IPv6 rule carries 16 bytes: bytes, never a 128-bit int."""
    fc = codec("rt-rule")
    src = number(fc, "fib-rule-attrs", "src")
    lazy = rule(fc, (src, IPV6.packed))["src"]  # read alone, before any full decode
    decoded = rule(fc, (src, IPV6.packed))
    full = decoded.to_dict()["src"]
    for value in (lazy, full):
        assert isinstance(value, Mismatched) and value == IPV6.packed
        assert repr(value) == f"Mismatched(u32, 16 bytes: {IPV6.packed.hex()})"
    assert jsonable(decoded.to_dict())["src"] == IPV6.packed.hex()
    assert json.loads(json.dumps(plain(decoded)))["src"] == IPV6.packed.hex()  # the CLI's form
    # the right width is still a number
    assert rule(fc, (src, struct.pack("=I", 7)), family=socket.AF_INET)["src"] == 7


def test_a_2000_byte_u32_does_not_become_a_huge_int() -> None:
    fc = codec("rt-link")
    mtu = number(fc, "link-attrs", "mtu")
    body = struct.pack("=BxHiII", 0, 1, 1, 0, 0) + attrs((mtu, b"\x01" * 2000))
    decoded = fc.decode(message(16, body))
    value = decoded["mtu"]
    assert isinstance(value, Mismatched) and len(value) == 2000
    assert decoded.to_dict()["mtu"] == value
    assert repr(value).startswith("Mismatched(u32, 2000 bytes: 0101") and len(repr(value)) < 200
    assert jsonable(decoded.to_dict())["mtu"] == "01" * 2000


@pytest.mark.parametrize(
    ("spec", "set_name", "attr", "payload", "expected"),
    [
        # fixed widths: exactly their size, or bytes
        ("rt-link", "link-attrs", "mtu", b"\x05\x00", None),
        ("rt-link", "link-attrs", "mtu", b"\x05\x00\x00\x00\x00\x00\x00\x00", None),
        ("rt-link", "link-attrs", "mtu", b"\x05\x00\x00\x00", 5),
        # uint / sint: 4 or 8 bytes (what the kernel sends), anything else bytes
        ("netdev", "qstats", "rx-packets", struct.pack("=I", 9), 9),
        ("netdev", "qstats", "rx-packets", struct.pack("=Q", 1 << 40), 1 << 40),
        ("netdev", "qstats", "rx-packets", b"\x01\x02\x03", None),
        ("netdev", "qstats", "rx-packets", b"\x01" * 16, None),
        # with an enum or flags: bytes too (no TypeError from the flag names)
        ("rt-addr", "addr-attrs", "flags", b"\x80\x00", None),
        ("rt-addr", "addr-attrs", "flags", struct.pack("=I", 0x80), ["permanent"]),
        ("netdev", "qstats", "scope", b"\x01", None),
        # a struct attribute shorter than its struct, a bitfield32 of another size
        ("rt-addr", "addr-attrs", "cacheinfo", b"\x01" * 8, None),
        ("tc", "act-attrs", "flags", b"\x01" * 4, None),
        # a packed array whose length is not a multiple of its item: bytes, nothing dropped
        ("rt-link", "ifla-attrs", "conf", b"\x01" * 6, None),
        ("rt-link", "ifla-attrs", "conf", struct.pack("=II", 1, 2), [1, 2]),
    ],
)
def test_widths_the_type_cannot_have(spec: str, set_name: str, attr: str, payload: bytes,
                                     expected: Any) -> None:  # fmt: skip
    """Full decode and the lazy reader agree; a mismatch is Mismatched bytes, not an error."""
    fc = shared(spec)
    raw = attrs((number(fc, set_name, attr), payload))
    full = fc.decode_attrs(set_name, raw)[attr]
    lazy = fc.tables.lazy_entries(set_name)[attr][2]
    assert lazy is not None
    assert lazy(raw, 4, 4 + len(payload)) == full
    if expected is None:
        assert isinstance(full, Mismatched) and full == payload
        assert repr(full).startswith(f"Mismatched({full.type_name}, {len(payload)} bytes: ")
    else:
        assert full == expected and not isinstance(full, bytes)


def test_indexed_array_item_of_another_width() -> None:
    fc = shared("rt-link")
    target = number(fc, "linkinfo-bond-attrs", "arp-ip-target")
    inner = attrs((0, bytes([192, 0, 2, 1])), (1, b"\x01\x02"))
    raw = AttrBuilder()
    token = raw.nest_start(target)
    raw.buffer += inner
    raw.nest_end(token)
    decoded = fc.decode_attrs("linkinfo-bond-attrs", bytes(raw.buffer))["arp-ip-target"]
    assert decoded[0] == "192.0.2.1"
    assert isinstance(decoded[1], Mismatched) and decoded[1] == b"\x01\x02"


def test_mismatch_warns_once_per_attribute_and_width(caplog: pytest.LogCaptureFixture) -> None:
    fc = codec("rt-rule")
    src = number(fc, "fib-rule-attrs", "src")
    dst = number(fc, "fib-rule-attrs", "dst")
    with caplog.at_level(logging.WARNING, logger="genetlink.codec"):
        for _ in range(500):  # a big dump: one line, not 500
            rule(fc, (src, IPV6.packed), (dst, IPV6.packed)).to_dict()
            rule(fc, (src, IPV6.packed))["src"]
        rule(fc, (src, b"\x00" * 8)).to_dict()
    records = [r for r in caplog.records if r.name == "genetlink.codec"]
    messages = sorted(r.getMessage() for r in records)
    assert len(messages) == 3, messages
    assert all(r.levelno == logging.WARNING for r in records)
    assert "fib-rule-attrs.dst" in messages[0] and "16 bytes" in messages[0]
    assert "fib-rule-attrs.src" in messages[1] and "16 bytes" in messages[1]
    assert "fib-rule-attrs.src" in messages[2] and "8 bytes" in messages[2]
    assert all("u32" in m and "rt-rule" in m for m in messages)


# -- item 7: addresses by length, text or hex on input -----------------------------------------


def route(fc: FamilyCodec, family: int, *items: tuple[int, bytes]) -> Decoded:
    header = struct.pack("=BBBBBBBBI", family, 128, 0, 0, 254, 3, 0, 1, 0)
    return fc.decode(message(24, header + attrs(*items)))


def test_ipv4_hint_renders_by_length() -> None:
    """rt-route hints `dst` as ipv4, and IPv6 routes carry 16 bytes there (as ynl shows)."""
    fc = shared("rt-route")
    dst = number(fc, "route-attrs", "dst")
    six = route(fc, socket.AF_INET6, (dst, IPV6.packed))
    assert six["dst"] == "2001:db8::1" and six.to_dict()["dst"] == "2001:db8::1"
    assert jsonable(six.to_dict())["dst"] == "2001:db8::1"
    four = route(fc, socket.AF_INET, (dst, bytes([192, 0, 2, 9])))
    assert four["dst"] == "192.0.2.9"
    odd = route(fc, socket.AF_INET, (dst, b"\x01\x02\x03"))  # neither: raw bytes, shown as hex
    assert odd["dst"] == b"\x01\x02\x03" and jsonable(odd.to_dict())["dst"] == "010203"
    # rt-neigh does the same with `dst`
    nb = shared("rt-neigh")
    raw = attrs((number(nb, "neighbour-attrs", "dst"), IPV6.packed))
    assert nb.decode_attrs("neighbour-attrs", raw)["dst"] == "2001:db8::1"


def test_ipv4_hint_on_an_integer_renders_by_length() -> None:
    fc = shared("rt-addr")
    broadcast = number(fc, "addr-attrs", "broadcast")
    four = fc.decode_attrs("addr-attrs", attrs((broadcast, bytes([192, 0, 2, 255]))))
    assert four["broadcast"] == "192.0.2.255"
    six = fc.decode_attrs("addr-attrs", attrs((broadcast, IPV6.packed)))
    assert six["broadcast"] == "2001:db8::1"


@pytest.mark.parametrize(
    ("spec", "set_name", "attr", "text", "payload"),
    [
        ("rt-route", "route-attrs", "dst", "10.0.0.1", bytes([10, 0, 0, 1])),
        ("rt-route", "route-attrs", "dst", "fe80::1", ipaddress.IPv6Address("fe80::1").packed),
        ("rt-route", "route-attrs", "dst", "0a000001", bytes([10, 0, 0, 1])),  # ynl's hex form
        ("rt-route", "route-attrs", "dst", "0a 00 00 01", bytes([10, 0, 0, 1])),
        ("rt-route", "route-attrs", "dst", IPV6.packed.hex(), IPV6.packed),
        ("rt-addr", "addr-attrs", "address", "2001:db8::1", IPV6.packed),
        ("rt-addr", "addr-attrs", "address", "c0000201", bytes([192, 0, 2, 1])),
        ("rt-neigh", "neighbour-attrs", "lladdr", "aa:bb:cc:dd:ee:ff", MAC),
        ("rt-neigh", "neighbour-attrs", "lladdr", "AA-BB-CC-DD-EE-FF", MAC),
        ("rt-neigh", "neighbour-attrs", "lladdr", "aabbccddeeff", MAC),
        ("rt-link", "link-attrs", "address", "02:00:00:00:00:01", bytes.fromhex("020000000001")),
        ("rt-addr", "addr-attrs", "anycast", "00ff10", b"\x00\xff\x10"),  # no hint: hex
    ],
)
def test_addresses_accept_text_and_hex(spec: str, set_name: str, attr: str, text: str,
                                       payload: bytes) -> None:  # fmt: skip
    fc = shared(spec)
    raw = fc.encode_attrs(set_name, {attr: text})
    assert raw == attrs((number(fc, set_name, attr), payload))
    # what the decoder gives back encodes to the same bytes
    assert fc.encode_attrs(set_name, fc.decode_attrs(set_name, raw)) == raw


def test_struct_members_with_hints_accept_text_and_hex() -> None:
    fc = shared("ovs_flow")
    for text in ("02:00:00:00:00:01", "020000000001"):
        raw = fc.encoder.struct("ovs-key-ethernet", {"eth-src": text}, ".key")
        assert raw[:6] == bytes.fromhex("020000000001")
    raw = fc.encoder.struct("ovs-key-ipv6", {"ipv6-src": "2001:db8::1"}, ".key")
    assert fc.tables.struct("ovs-key-ipv6")(raw, 0, len(raw))["ipv6-src"] == "2001:db8::1"


@pytest.mark.parametrize(
    ("set_name", "attr", "value", "words"),
    [
        ("route-attrs", "dst", "10.0.0.300", [".dst", "'10.0.0.300'", "address", "hex"]),
        ("route-attrs", "dst", "zz", [".dst", "'zz'"]),
        ("route-attrs", "dst", "0a0", [".dst", "'0a0'"]),
        ("route-attrs", "priority", "fe80::1", [".priority"]),
    ],
)
def test_bad_address_text_is_an_encode_error(set_name: str, attr: str, value: str,
                                             words: list[str]) -> None:  # fmt: skip
    with pytest.raises(EncodeError) as caught:
        shared("rt-route").encode_attrs(set_name, {attr: value})
    for word in words:
        assert word in str(caught.value)


def test_bad_mac_text_is_an_encode_error() -> None:
    for value in ("aa:bb:cc:dd:ee:fff", "aa::bb", "aa:+b", "aabbc", "aa:bb:cc:dd:ee:gg"):
        with pytest.raises(EncodeError, match=r"\.lladdr"):
            shared("rt-neigh").encode_attrs("neighbour-attrs", {"lladdr": value})


def test_an_ipv6_address_does_not_fit_an_integer_field() -> None:
    with pytest.raises(EncodeError, match=r"\.broadcast: .2001:db8::1. is 16 bytes; a u32 holds 4"):
        shared("rt-addr").encode_attrs("addr-attrs", {"broadcast": "2001:db8::1"})


# -- item 8: a fixed-header member and an attribute of the same name ---------------------------


def test_header_member_and_attribute_of_the_same_name_are_both_kept() -> None:
    """rt-rule: `table` is a u8 in fib_rule_hdr and a u32 attribute (tables above 255)."""
    fc = shared("rt-rule")
    table = number(fc, "fib-rule-attrs", "table")
    decoded = rule(fc, (table, struct.pack("=I", 1000)), family=socket.AF_INET, table=252)
    assert decoded["table"] == 1000 and decoded["header.table"] == 252
    assert decoded.header["table"] == 252 and "header.table" not in decoded.header
    assert decoded.get("table") == 1000 and "header.table" in decoded
    full = decoded.to_dict()
    assert full["table"] == 1000 and full["header.table"] == 252
    assert list(decoded) == list(full) and len(decoded) == len(full)
    assert list(full).count("table") == 1 and "header.table" in list(decoded)
    assert plain(decoded)["table"] == 1000 and plain(decoded)["header.table"] == 252
    assert "'header.table': 252" in repr(decoded)
    # the key does not depend on whether the attribute came: the same in every message
    alone = rule(fc, family=socket.AF_INET, table=254)
    assert alone["header.table"] == 254 and "table" not in alone and alone.get("table") is None
    assert alone.to_dict()["header.table"] == 254


def test_encode_takes_header_dot_name_for_the_member() -> None:
    fc = shared("rt-rule")
    _, body = fc.encode("newrule", {"family": 2, "header.table": 252, "table": 1000})
    assert body[4] == 252  # fib_rule_hdr.table
    decoded = fc.decode(message(32, body))
    assert decoded["table"] == 1000 and decoded["header.table"] == 252
    # the plain name is the attribute; the header member stays zero
    _, body = fc.encode("newrule", {"family": 2, "table": 1000})
    assert body[4] == 0 and fc.decode(message(32, body))["table"] == 1000
    # what a decode gives back encodes to the same message
    with pytest.raises(EncodeError, match=r"header\.nosuch"):
        fc.encode("newrule", {"header.nosuch": 1})


def test_encode_round_trip_keeps_both_values() -> None:
    fc = shared("rt-rule")
    values = {"family": 2, "header.table": 100, "table": 1000, "priority": 5}
    _, body = fc.encode("newrule", values)
    decoded = fc.decode(message(32, body)).to_dict()
    assert {k: decoded[k] for k in values} == values
    assert fc.encode("newrule", decoded)[1] == body


def test_rt_addr_header_flags_and_flags_attribute() -> None:
    """rt-addr: ifaddrmsg.ifa-flags (u8) and IFA_FLAGS (u32, the attribute named `flags`)."""
    fc = shared("rt-addr")
    values = {"ifa-family": 10, "ifa-prefixlen": 64, "ifa-flags": ["permanent"], "ifa-index": 1,
              "address": "2001:db8::1", "flags": ["permanent", "noprefixroute"]}  # fmt: skip
    msg_type, body = fc.encode("newaddr", values)
    decoded = fc.decode(message(msg_type, body))
    assert decoded["ifa-flags"] == ["permanent"] and decoded.header["ifa-flags"] == ["permanent"]
    assert decoded["flags"] == ["permanent", "noprefixroute"]
    assert decoded["address"] == "2001:db8::1"
    full = decoded.to_dict()
    assert {k: full[k] for k in values} == values
    assert jsonable(full)["ifa-flags"] == ["permanent"]


def test_sub_message_header_member_and_attribute_of_the_same_name() -> None:
    """tc netem: tc_netem_qopt.loss (a u32) and TCA_NETEM_LOSS (a nest) in one options."""
    fc = shared("tc")
    options = {"header.loss": 7, "latency": 1, "loss": {"gi": {"p13": 3}}}
    raw = fc.encode_attrs("attrs", {"kind": "netem", "options": options})
    decoded = fc.decode_attrs("attrs", raw)["options"]
    assert decoded["header.loss"] == 7 and decoded["latency"] == 1
    assert decoded["loss"]["gi"]["p13"] == 3
    assert fc.encode_attrs("attrs", fc.decode_attrs("attrs", raw)) == raw


# -- item 11: strings with an embedded NUL -----------------------------------------------------


def test_string_with_a_nul_is_an_encode_error() -> None:
    fc = shared("rt-link")
    with pytest.raises(EncodeError, match=r"\.ifname: .*NUL"):
        fc.encode("getlink", {"ifname": "lo\0junk"})
    with pytest.raises(EncodeError, match=r"\.linkinfo\.kind: .*NUL"):
        fc.encode_attrs("link-attrs", {"linkinfo": {"kind": "vlan\0"}})
    with pytest.raises(EncodeError, match=r"\.ifname"):
        fc.encode("getlink", {"ifname": "lo\ud800"})  # not encodable: no UnicodeEncodeError
    # binary attributes may hold NULs; surrogate escapes of undecodable bytes stay valid
    assert fc.encode_attrs("link-attrs", {"address": b"\0" * 6})
    raw = fc.encode_attrs("link-attrs", {"ifname": "x\udcff"})
    assert b"x\xff\0" in raw


def test_string_struct_member_with_a_nul_is_an_encode_error() -> None:
    family = load_spec_text(
        """
name: strs
protocol: genetlink-legacy
definitions:
  - name: hdr
    type: struct
    members:
      - {name: label, type: string, len: 8}
attribute-sets:
  - name: main
    attributes:
      - {name: x, type: u32}
operations:
  fixed-header: hdr
  list:
    - name: get
      value: 1
      attribute-set: main
      do: {request: {attributes: [x]}}
"""
    )
    fc = FamilyCodec(family)
    assert fc.encode("get", {"label": "abc"})[1][:8] == b"abc" + b"\0" * 5
    with pytest.raises(EncodeError, match=r"\.header\.label: .*NUL"):
        fc.encode("get", {"label": "a\0b"})


# -- values of the wrong kind: EncodeError naming the path, never a bare TypeError -------------


VLAN_LIST = {"kind": "vlan", "data": [1]}


@pytest.mark.parametrize(
    ("spec", "set_name", "values", "words"),
    [
        ("rt-link", "link-attrs", {200: 5}, [".200", "bytes"]),  # was 5 zero bytes, sent
        ("rt-link", "link-attrs", {1.5: b""}, ["1.5", "strings"]),
        ("rt-link", "link-attrs", {"af-spec": 3}, [".af-spec", "dict"]),
        ("rt-link", "link-attrs", {"linkinfo": VLAN_LIST}, [".linkinfo.data", "dict"]),
        ("rt-link", "ifla-attrs", {"conf": [1, -1]}, [".conf", "out of range"]),
        ("rt-addr", "addr-attrs", {"cacheinfo": [1, 2]}, [".cacheinfo", "bytes"]),
        ("rt-addr", "addr-attrs", {"flags": 2.5}, [".flags", "ifa-flags"]),
        ("rt-addr", "addr-attrs", {"flags": [{}]}, [".flags", "ifa-flags"]),
        ("rt-addr", "addr-attrs", {"broadcast": "c00002"}, [".broadcast", "3 bytes", "u32"]),
        ("tc", "act-attrs", {"flags": {"value": 1}}, [".flags", "selector"]),
        ("tc", "act-attrs", {"flags": 7}, [".flags", "bitfield32"]),
        ("tc", "act-attrs", {"flags": (1, "x")}, [".flags", "integer"]),
        ("nlctrl", "ctrl-attrs", {"policy": {"x": {}}}, [".policy[x]", "numbers"]),
        ("rt-link", "link-attrs", {"mtu": "x" * 10_000}, [".mtu", "..."]),
    ],
)
def test_values_of_the_wrong_kind(spec: str, set_name: str, values: dict[Any, Any],
                                  words: list[str]) -> None:  # fmt: skip
    with pytest.raises(EncodeError) as caught:
        shared(spec).encode_attrs(set_name, values)
    message = str(caught.value)
    for word in words:
        assert word in message
    assert len(message) < 400  # a huge value is not repeated in full


def test_request_values_that_are_not_a_mapping() -> None:
    with pytest.raises(EncodeError, match=r"getlink.*mapping.*list"):
        shared("rt-link").encode("getlink", [1, 2])  # type: ignore[arg-type]


def test_integer_address_takes_hex_too() -> None:
    fc = shared("rt-addr")
    raw = fc.encode_attrs("addr-attrs", {"broadcast": "c00002ff"})
    assert fc.decode_attrs("addr-attrs", raw)["broadcast"] == "192.0.2.255"


def test_mismatched_copies_and_pickles() -> None:
    import copy
    import pickle

    value = Mismatched(IPV6.packed, "u32")
    for again in (copy.copy(value), copy.deepcopy(value), pickle.loads(pickle.dumps(value))):
        assert isinstance(again, Mismatched) and again == value and repr(again) == repr(value)
    assert str(value) == repr(value)


# -- against the kernel ------------------------------------------------------------------------


def ip(netns: str, *args: str) -> None:
    subprocess.run(["ip", "-n", netns, *args], check=True, capture_output=True)


@pytest.mark.root
def test_kernel_rules_routes_and_addresses(netns: str, kernel_specs: Path) -> None:
    """An IPv6 rule to table 1000, an IPv6 address and its routes, dumped through the specs."""
    from genetlink import open_family

    ip(netns, "-6", "rule", "add", "from", "2001:db8::/64", "table", "1000", "prio", "100")
    ip(netns, "-6", "addr", "add", "2001:db8::1/64", "dev", "lo")
    with open_family(kernel_specs / "rt-rule.yaml", netns=netns) as rules:
        ours = [r for r in rules.dump("getrule", {"family": socket.AF_INET6})
                if r.get("priority") == 100]  # fmt: skip
    assert len(ours) == 1
    found = ours[0]
    assert isinstance(found["src"], Mismatched)
    assert found["src"] == ipaddress.IPv6Address("2001:db8::").packed
    assert found["table"] == 1000 and found["header.table"] == 252  # RT_TABLE_COMPAT
    assert json.loads(json.dumps(plain(found)))["src"] == "20010db8" + "0" * 24
    with open_family(kernel_specs / "rt-route.yaml", netns=netns) as routes:
        dsts = {r.get("dst") for r in routes.dump("getroute", {"rtm-family": socket.AF_INET6})}
    assert "2001:db8::" in dsts and "2001:db8::1" in dsts
    with open_family(kernel_specs / "rt-addr.yaml", netns=netns) as addrs:
        mine = [a for a in addrs.dump("getaddr", {"ifa-family": socket.AF_INET6})
                if a.get("address") == "2001:db8::1"]  # fmt: skip
    assert len(mine) == 1 and "permanent" in mine[0]["flags"]
    assert mine[0]["ifa-prefixlen"] == 64


def test_sets_that_contain_themselves_nest_only_as_deep_as_can_be_decoded() -> None:
    """ovs_flow's key-attrs.encap holds key-attrs: a datagram can nest it thousands deep."""
    import struct as _struct

    from genetlink.codec import FamilyCodec
    from genetlink.loader import load_spec
    from genetlink.wire.errors import DecodeError, EncodeError

    spec = Path(__file__).resolve().parents[3] / "shared" / "kernel-specs" / "specs"
    if not (spec / "ovs_flow.yaml").is_file():
        pytest.skip(f"kernel spec fixtures not found at {spec}")
    codec = FamilyCodec(load_spec(spec / "ovs_flow.yaml"))
    data = b""
    for _ in range(5000):
        data = _struct.pack("=HH", 4 + len(data), 1 | 0x8000) + data  # encap in encap ...
    with pytest.raises(DecodeError, match="nested deeper"):
        codec.decode_attrs("key-attrs", data)
    values: dict[str, Any] = {}
    inner = values
    for _ in range(3000):
        inner["encap"] = {}
        inner = inner["encap"]
    with pytest.raises(EncodeError, match="nested deeper"):
        codec.encode_attrs("key-attrs", values)

"""Family models from a kernel's description (FamilyInfo + Policy) and a header's names, on
hand-built kernels: names where the header links them, numbers everywhere else."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

import pytest

from genetlink.cli.draft import add_draft
from genetlink.codec.family import FamilyCodec
from genetlink.genl.introspect import (
    UNKNOWN_NEST,
    DraftError,
    KernelFamily,
    build_schema,
    build_spec,
    introspect,
    kernel_family,
)
from genetlink.genl.nlctrl import AttrPolicy, FamilyInfo, GroupInfo, OpInfo, OpPolicy, Policy
from genetlink.genl.oracle import compare_names
from genetlink.genl.uapi import FamilyHeader, header_for, parse_header
from genetlink.loader import load_spec
from genetlink.loader.draft import spec_text
from genetlink.loader.spec import build_family, load_spec_text
from genetlink.schema.model import Family
from genetlink.testing import GenlKernel
from genetlink.wire import constants as c
from genetlink.wire.attrs import AttrBuilder, Attrs
from genetlink.wire.genl import genl_payload
from genetlink.wire.message import build_message, parse_messages

REPO = Path(__file__).resolve().parents[2]
DO = c.GENL_CMD_CAP_DO | c.GENL_CMD_CAP_HASPOL
DUMP = c.GENL_CMD_CAP_DUMP | c.GENL_CMD_CAP_HASPOL
U32 = AttrPolicy("u32", 0, 0xFFFFFFFF)
U16 = AttrPolicy("u16", 0, 0xFFFF)


def names(text: str, prefix: str, path: str = "/tmp/demo.h") -> FamilyHeader:
    return FamilyHeader(parse_header(text, path=path), prefix, None)


def attrs_of(family: Family, set_name: str) -> dict[int, tuple[str, str]]:
    return {a.value: (a.name, a.type) for a in family.attribute_sets[set_name].attributes.values()}


def roundtrip(kernel: KernelFamily, found: FamilyHeader | None) -> Family:
    """The model, checked to come back the same through the YAML text `spec draft` prints."""
    family = build_schema(kernel, found, date="2025-01-01")
    again = load_spec_text(spec_text(build_spec(kernel, found, date="2025-01-01")))
    assert dataclasses.replace(again, source="") == dataclasses.replace(family, source="")
    FamilyCodec(family)
    return family


# -- a family with one attribute enum and per-op policies (mptcp_pm's shape) ------------------

DEMO_H = """
#define DEMO_GENL_NAME "demo"
#define DEMO_EVENTS_GRP_NAME "events"
enum demo_attrs {
	DEMO_A_UNSPEC,
	DEMO_A_IFINDEX,
	DEMO_A_NAME,
	DEMO_A_ADDR,		/* nest */
	DEMO_A_STATS,		/* u64 */
	DEMO_A_PAD,
	DEMO_A_BLOB,
	DEMO_A_PORT,		/* be16 */
	__DEMO_A_MAX
};
enum demo_addr_attrs {
	DEMO_ADDR_ATTR_UNSPEC,
	DEMO_ADDR_ATTR_FAMILY,
	DEMO_ADDR_ATTR_PORT,
	__DEMO_ADDR_ATTR_MAX
};
enum {
	DEMO_CMD_UNSPEC,
	DEMO_CMD_GET,
	DEMO_CMD_SET,
	__DEMO_CMD_MAX
};
enum {
	DEMO_EVENT_UNSPEC,
	DEMO_EVENT_CREATED,
	DEMO_EVENT_GONE,
};
"""

DEMO = KernelFamily(
    FamilyInfo(30, "demo", 1, 0, 0,
               (OpInfo(1, DO | DUMP), OpInfo(2, DO | c.GENL_ADMIN_PERM), OpInfo(5, DO)),
               (GroupInfo("events", 7),)),
    Policy(30, {
        0: {1: AttrPolicy("u32", 1, 0xFFFFFFFF), 2: AttrPolicy("nul-string", max_length=15)},
        1: {1: U32, 3: AttrPolicy("nested", policy_idx=2, policy_maxtype=2),
            9: AttrPolicy("u8", 0, 255)},
        2: {1: U16, 2: U16},
    }, {1: OpPolicy(0, 0), 2: OpPolicy(1, None)}),
)  # fmt: skip


def test_names_from_the_header_numbers_from_the_kernel() -> None:
    family = roundtrip(DEMO, names(DEMO_H, "DEMO_"))
    assert family.name == "demo" and family.protocol == "genetlink"
    assert [op.name for op in family.operations.values() if not op.is_notification] == [
        "get", "set", "cmd-5"]  # fmt: skip
    assert family.operations["get"].value == 1 and family.operations["cmd-5"].value == 5
    assert family.operations["set"].flags == {"admin-perm"}
    assert family.operations["cmd-5"].attribute_set is None  # an op the header does not name
    assert attrs_of(family, "demo") == {
        0: ("unspec", "unused"), 1: ("ifindex", "u32"), 2: ("name", "string"),
        3: ("addr", "nest"), 4: ("stats", "u64"), 5: ("pad", "pad"), 6: ("blob", "binary"),
        7: ("port", "u16"), 9: ("9", "u8"),
    }  # fmt: skip
    demo = family.attribute_sets["demo"]
    # get's policy says min 1, set's says nothing: where two policies differ, no limit is claimed
    assert demo["ifindex"].checks.min is None
    assert demo["name"].checks.max_len == 15 and not demo["name"].checks.unterminated_ok
    assert demo["port"].byte_order == "big-endian"  # the header's "be16"
    assert demo["addr"].nested_attributes == "addr"
    assert attrs_of(family, "addr") == {0: ("unspec", "unused"), 1: ("family", "u16"),
                                        2: ("port", "u16")}  # fmt: skip
    get = family.operations["get"]
    assert get.do is not None and get.do.request is not None
    assert get.do.request.attributes == ("ifindex", "name")
    assert family.operations["set"].do.request.attributes == ("ifindex", "addr", "9")  # type: ignore[union-attr]


def test_events_become_notifications_of_the_event_group() -> None:
    family = roundtrip(DEMO, names(DEMO_H, "DEMO_"))
    created = family.operations["created"]
    assert created.is_notification and created.value == 1 and created.mcgrp == "events"
    assert created.attribute_set == "demo"
    assert family.operations["gone"].value == 2
    assert family.op_by_reply(1) is family.operations["get"]  # replies stay the command's


def test_the_draft_encodes_and_decodes() -> None:
    family = roundtrip(DEMO, names(DEMO_H, "DEMO_"))
    codec = FamilyCodec(family)
    cmd, body = codec.encode("set", {"ifindex": 3, "addr": {"family": 2, "port": 80}, "9": 4})
    assert cmd == 2
    assert Attrs(body).u32(1) == 3
    b = AttrBuilder().put_u32(1, 3).put_u64(4, 123).put_u16(7, 0x1234)
    nest = b.nest_start(3)
    b.put_u16(1, 10).put_u16(2, 443)
    b.nest_end(nest)
    b.put(6, b"\x01\x02").put_u8(9, 5).put(12, b"new")
    (msg,) = parse_messages(build_message(30, 0, 1, 0, genl_payload(1, 1, b.bytes())))
    got = codec.decode(msg).to_dict()
    assert got == {"ifindex": 3, "stats": 123, "port": 0x3412, "addr": {"family": 10, "port": 443},
                   "blob": b"\x01\x02", "9": 5, 12: b"new"}  # fmt: skip


def test_an_op_without_policy_takes_the_family_enum() -> None:
    kernel = dataclasses.replace(DEMO, policy=Policy(30, DEMO.policy.sets, {1: OpPolicy(0, 0)}))
    family = roundtrip(kernel, names(DEMO_H, "DEMO_"))
    assert family.operations["set"].attribute_set == "demo"


def test_an_op_the_kernel_lists_twice_is_drafted_once() -> None:
    kernel = dataclasses.replace(DEMO, info=dataclasses.replace(
        DEMO.info, ops=(*DEMO.info.ops, OpInfo(2, c.GENL_CMD_CAP_DUMP))))  # fmt: skip
    family = roundtrip(kernel, names(DEMO_H, "DEMO_"))
    assert family.operations["set"].dump is None


def test_no_header_means_numbers_only() -> None:
    family = roundtrip(DEMO, None)
    assert [op.name for op in family.operations.values()] == ["cmd-1", "cmd-2", "cmd-5"]
    assert "unspec" not in str(family.attribute_sets)
    for aset in family.attribute_sets.values():
        for attr in aset.attributes.values():
            assert attr.name == str(attr.value)
    assert family.operations["cmd-1"].attribute_set == "policy-0"
    inner = family.attribute_sets["policy-1"]["3"]
    assert inner.type == "nest" and inner.nested_attributes == "policy-2"
    assert family.doc.endswith("header (none)")


def test_do_and_dump_policies_of_one_op_share_a_set() -> None:
    kernel = KernelFamily(
        FamilyInfo(31, "nohdr", 1, 0, 0, (OpInfo(1, DO | DUMP),)),
        Policy(31, {0: {1: U32}, 1: {2: U16}}, {1: OpPolicy(0, 1)}),
    )  # fmt: skip
    family = roundtrip(kernel, None)
    op = family.operations["cmd-1"]
    assert op.attribute_set == "policy-0-1"
    assert attrs_of(family, "policy-0-1") == {1: ("1", "u32"), 2: ("2", "u16")}
    assert op.dump is not None and op.dump.request is not None
    assert op.dump.request.attributes == ("2",)


# -- ambiguity: numbers, never a guess -------------------------------------------------------


def test_two_enums_with_one_prefix_leave_the_nest_unnamed() -> None:
    header = DEMO_H.replace("enum {\n\tDEMO_CMD_UNSPEC", """enum {
	DEMO_ADDR_ATTR_INVALID = 0,
	DEMO_ADDR_ATTR_OTHER,
	DEMO_ADDR_ATTR_THING,
};
enum {
	DEMO_CMD_UNSPEC""")
    family = roundtrip(DEMO, names(header, "DEMO_"))
    addr = family.attribute_sets["demo"]["addr"]
    inner = family.attribute_sets[addr.nested_attributes or ""]
    assert all(a.name == str(a.value) for a in inner.attributes.values())


def test_a_policy_that_does_not_fit_the_enum_stays_numbered() -> None:
    # the kernel's nest has attribute 2 where the header's enum has a hole
    header = DEMO_H.replace("DEMO_ADDR_ATTR_PORT,", "DEMO_ADDR_ATTR_PORT = 3,")
    family = roundtrip(DEMO, names(header, "DEMO_"))
    inner = family.attribute_sets[family.attribute_sets["demo"]["addr"].nested_attributes or ""]
    assert attrs_of(family, inner.name) == {1: ("1", "u16"), 2: ("2", "u16")}


def test_one_policy_named_two_ways_stays_numbered() -> None:
    header = DEMO_H.replace("DEMO_A_BLOB,", "DEMO_A_PEER,\t/* nest - _A_OTHER_* */") + """
enum { DEMO_A_OTHER_UNSPEC, DEMO_A_OTHER_X, DEMO_A_OTHER_Y };
"""
    kernel = dataclasses.replace(DEMO, policy=Policy(30, {
        **DEMO.policy.sets, 1: {**DEMO.policy.sets[1], 6: AttrPolicy("nested", policy_idx=2,
                                                                     policy_maxtype=2)},
    }, DEMO.policy.ops))  # fmt: skip
    family = roundtrip(kernel, names(header, "DEMO_"))
    demo = family.attribute_sets["demo"]
    assert demo["addr"].nested_attributes == demo["peer"].nested_attributes == "policy-2"


def test_a_value_enum_is_no_attribute_set() -> None:
    header = DEMO_H.replace("enum demo_addr_attrs {\n\tDEMO_ADDR_ATTR_UNSPEC,",
                            "enum demo_addr_attrs {\n\tDEMO_ADDR_ATTR_ZERO,")
    family = roundtrip(DEMO, names(header, "DEMO_"))
    assert family.attribute_sets["demo"]["addr"].nested_attributes == "policy-2"


def test_a_nest_without_policy_or_name_holds_numbers() -> None:
    kernel = dataclasses.replace(DEMO, policy=Policy(30, {
        **DEMO.policy.sets, 1: {**DEMO.policy.sets[1], 6: AttrPolicy("nested")}}, DEMO.policy.ops))
    family = roundtrip(kernel, names(DEMO_H, "DEMO_"))
    blob = family.attribute_sets["demo"]["blob"]
    assert blob.type == "nest" and blob.nested_attributes == UNKNOWN_NEST
    assert not family.attribute_sets[UNKNOWN_NEST].attributes


def test_unnamed_ops_in_a_family_of_per_op_enums_get_numbers() -> None:
    family = roundtrip(THING, names(THING_H, "FOO_"))
    op = family.operations["cmd-9"]
    assert op.attribute_set == "policy-3"


# -- per-op enums and a reply enum (ethtool's shape) ----------------------------------------

THING_H = """
#define FOO_GENL_NAME "foo"
enum {
	FOO_MSG_USER_NONE,
	FOO_MSG_THING_GET,
	FOO_MSG_THING_SET,
	FOO_MSG_CABLE_ACT,
	__FOO_MSG_USER_CNT,
};
enum {
	FOO_MSG_KERNEL_NONE,
	FOO_MSG_THING_GET_REPLY,
	FOO_MSG_THING_NTF,
	FOO_MSG_CABLE_NTF,
	__FOO_MSG_KERNEL_CNT,
};
enum {
	FOO_A_HEADER_UNSPEC,
	FOO_A_HEADER_DEV_INDEX,		/* u32 */
	__FOO_A_HEADER_CNT,
};
enum {
	FOO_A_THING_UNSPEC,
	FOO_A_THING_HEADER,		/* nest - _A_HEADER_* */
	FOO_A_THING_SPEED,		/* u32 */
	FOO_A_THING_MODES,		/* bitset */
	__FOO_A_THING_CNT,
};
enum {
	FOO_A_BITSET_UNSPEC,
	FOO_A_BITSET_SIZE,		/* u32 */
	__FOO_A_BITSET_CNT,
};
enum {
	FOO_A_CABLE_UNSPEC,
	FOO_A_CABLE_HEADER,		/* nest - _A_HEADER_* */
};
enum {
	FOO_A_CABLE_NTF_UNSPEC,
	FOO_A_CABLE_NTF_HEADER,		/* nest - _A_HEADER_* */
	FOO_A_CABLE_NTF_STATUS,		/* u8 */
};
enum {
	FOO_A_PSE_HEADER = 1,
	FOO_A_PODL_STATE,
};
"""

HEADER_NEST = AttrPolicy("nested", policy_idx=1, policy_maxtype=1)
THING = KernelFamily(
    FamilyInfo(40, "foo", 1, 0, 0,
               (OpInfo(1, DO | DUMP), OpInfo(2, DO | c.GENL_UNS_ADMIN_PERM), OpInfo(3, DO),
                OpInfo(9, DO)),
               (GroupInfo("monitor", 8),)),
    Policy(40, {0: {1: HEADER_NEST}, 1: {1: U32, 2: AttrPolicy("nul-string")},
                2: {1: HEADER_NEST, 2: U32, 3: AttrPolicy("nested")}, 3: {1: HEADER_NEST},
                4: {1: HEADER_NEST}},
           {1: OpPolicy(0, 0), 2: OpPolicy(2, None), 3: OpPolicy(4, None),
            9: OpPolicy(3, None)}),
)  # fmt: skip


def test_per_op_enums_and_reply_ids() -> None:
    family = roundtrip(THING, names(THING_H, "FOO_"))
    assert family.msg_id_model == "directional" and family.protocol == "genetlink-legacy"
    get, put = family.operations["thing-get"], family.operations["thing-set"]
    assert (get.request_value, get.reply_value) == (1, 1)
    assert (put.request_value, put.reply_value) == (2, None)
    assert put.flags == {"uns-admin-perm"}
    assert get.attribute_set == put.attribute_set == "thing"
    assert attrs_of(family, "thing") == {0: ("unspec", "unused"), 1: ("header", "nest"),
                                         2: ("speed", "u32"), 3: ("modes", "nest")}  # fmt: skip
    assert family.attribute_sets["thing"]["header"].nested_attributes == "header"
    # the newer kernel's attribute 2 of the header nest has no name in the older header
    assert attrs_of(family, "header") == {0: ("unspec", "unused"), 1: ("dev-index", "u32"),
                                          2: ("2", "string")}  # fmt: skip
    # a policy-less nest whose comment names an enum of the family: the bitset
    assert family.attribute_sets["thing"]["modes"].nested_attributes == "bitset"


def test_notifications_of_a_reply_enum() -> None:
    family = roundtrip(THING, names(THING_H, "FOO_"))
    ntf = family.operations["thing-ntf"]
    assert ntf.is_notification and ntf.reply_value == 2 and ntf.notify == "thing-get"
    assert ntf.attribute_set == "thing" and ntf.mcgrp == "monitor"
    cable = family.operations["cable-ntf"]
    assert cable.attribute_set == "cable-ntf" and cable.reply_value == 3
    assert attrs_of(family, "cable-ntf")[2] == ("status", "u8")


def test_a_badly_prefixed_enum_is_no_ops_set() -> None:
    # FOO_A_PSE_HEADER/FOO_A_PODL_STATE share only FOO_A_: not the family's attribute enum
    family = roundtrip(THING, names(THING_H, "FOO_"))
    assert family.operations["cable-act"].attribute_set == "cable"
    assert family.operations["cmd-9"].attribute_set == "policy-3"


# -- a family-wide policy and WG-style enum names (wireguard's shape) -----------------------

WG_H = """
#define WG_GENL_NAME "wireguard"
enum wg_cmd { WG_CMD_GET_DEVICE, WG_CMD_SET_DEVICE, __WG_CMD_MAX };
enum wgdevice_attribute {
	WGDEVICE_A_UNSPEC, WGDEVICE_A_IFINDEX, WGDEVICE_A_PEERS, __WGDEVICE_A_LAST
};
enum wgpeer_attribute {
	WGPEER_A_UNSPEC, WGPEER_A_PUBLIC_KEY, WGPEER_A_ALLOWEDIPS, __WGPEER_A_LAST
};
enum wgallowedip_attribute {
	WGALLOWEDIP_A_UNSPEC, WGALLOWEDIP_A_FAMILY, __WGALLOWEDIP_A_LAST
};
"""

WG = KernelFamily(
    FamilyInfo(50, "wireguard", 1, 0, 2,
               (OpInfo(0, c.GENL_CMD_CAP_DUMP | c.GENL_CMD_CAP_HASPOL),
                OpInfo(1, DO | c.GENL_UNS_ADMIN_PERM))),
    Policy(50, {0: {1: U32, 2: AttrPolicy("nested-array", policy_idx=1, policy_maxtype=2)},
                1: {1: AttrPolicy("binary", min_length=32, max_length=32),
                    2: AttrPolicy("nested-array", policy_idx=2, policy_maxtype=1)},
                2: {1: U16}},
           {0: OpPolicy(None, 0), 1: OpPolicy(0, None)}),
)  # fmt: skip


def test_wireguard_shape() -> None:
    family = roundtrip(WG, names(WG_H, "WG_"))
    assert family.operations["get-device"].value == 0
    assert family.operations["get-device"].attribute_set == "device"
    assert family.kernel_policy == "global"
    assert family.operations["set-device"].do.request.attributes == ()  # type: ignore[union-attr]
    peers = family.attribute_sets["device"]["peers"]
    assert (peers.type, peers.sub_type, peers.nested_attributes) == ("indexed-array", "nest",
                                                                     "peer")  # fmt: skip
    key = family.attribute_sets["peer"]["public-key"]
    assert key.checks.exact_len == 32
    assert family.attribute_sets["peer"]["allowedips"].nested_attributes == "allowedip"


# -- genltest: the module's own header against the package's hand-written spec ---------------

GENLTEST = KernelFamily(
    FamilyInfo(60, "genltest", 1, 0, 3,
               (OpInfo(1, DO), OpInfo(2, DUMP)), (GroupInfo("mcgrp", 9),)),
    Policy(60, {0: {1: AttrPolicy("nul-string", max_length=256),
                    2: AttrPolicy("u32", 1, 10000)}},
           {1: OpPolicy(0, None), 2: OpPolicy(None, 0)}),
)  # fmt: skip


def test_genltest_from_its_header_matches_the_spec() -> None:
    found = header_for("genltest", REPO / "kernel" / "genltest" / "genltest_uapi.h")
    family = roundtrip(GENLTEST, found)
    spec = load_spec(REPO / "src" / "genetlink" / "specs" / "genltest.yaml")
    report = compare_names(family, spec)
    assert report.wrong == []
    assert (report.ops.right, report.ops.number) == (2, 0)
    assert report.attrs.right == 3 and report.attrs.number == 0
    # GENLTEST_CMD_NOTIFY has no handler in the kernel: a message the module only sends
    assert report.notifications.right == 1
    assert family.operations["notify"].mcgrp == "mcgrp"
    assert family.attribute_sets["genltest"]["count"].checks.max == 10000
    # types from the header's comments where the policy has none: index is NLA_U32
    assert family.attribute_sets["genltest"]["index"].type == "u32"


def test_the_oracle_counts_wrong_names() -> None:
    found = header_for("genltest", REPO / "kernel" / "genltest" / "genltest_uapi.h")
    spec_dict = build_spec(GENLTEST, found)
    spec_dict["attribute-sets"][0]["attributes"][1]["name"] = "message"
    spec_dict["operations"]["list"][0]["name"] = "ping"
    report = compare_names(build_family(spec_dict), build_schema(GENLTEST, found))
    assert report.ops.wrong == 1 and report.attrs.wrong == 1
    assert any("message" in w for w in report.wrong)
    numbered = compare_names(build_schema(GENLTEST, None), build_schema(GENLTEST, found))
    assert numbered.wrong == [] and numbered.attrs.number == 2 and numbered.ops.number == 2


def test_fixed_header_of_the_kernel_is_kept_as_bytes() -> None:
    kernel = dataclasses.replace(GENLTEST, info=dataclasses.replace(GENLTEST.info, hdrsize=4))
    family = roundtrip(kernel, None)
    assert family.operations["cmd-1"].fixed_header_size == 4
    assert family.protocol == "genetlink-legacy"


def test_deep_policy_chains_end_in_a_typed_error() -> None:
    sets = {i: {1: AttrPolicy("nested", policy_idx=i + 1, policy_maxtype=1)} for i in range(5000)}
    kernel = KernelFamily(FamilyInfo(70, "deep", 1, 0, 0, (OpInfo(1, DO),)),
                          Policy(70, sets, {1: OpPolicy(0, None)}))  # fmt: skip
    with pytest.raises(DraftError, match="nest too deep"):
        build_schema(kernel, None)


# -- the exchange, over a fake kernel ---------------------------------------------------------


def fake_nlctrl(kernel: KernelFamily) -> GenlKernel:
    """nlctrl of a kernel that has `kernel`'s family: served from the numbers-only model of
    it, reporting its policy."""
    fake = GenlKernel()
    groups = {g.name: g.id for g in kernel.info.groups}
    fake.serve(build_schema(kernel, None), family_id=kernel.info.id, groups=groups,
               policy=kernel.policy)  # fmt: skip
    return fake


def test_introspect_and_kernel_family_over_nlctrl(tmp_path: Path) -> None:
    fake = fake_nlctrl(DEMO)
    (tmp_path / "demo.h").write_text(DEMO_H)
    with fake.socket() as sock:
        got = sock.run(introspect(sock.engine, "demo"))
        assert got.info == fake.families["demo"].info  # what nlctrl said, decoded
        assert [op.id for op in got.info.ops] == [op.id for op in DEMO.info.ops]
        assert got.info.groups == DEMO.info.groups
        assert got.policy == dataclasses.replace(DEMO.policy, family_id=30)
        family = sock.run(kernel_family(sock.engine, "demo", include_dir=str(tmp_path)))
    assert family.operations["get"].value == 1
    assert family.attribute_sets["addr"]["port"].type == "u16"


def test_introspection_of_a_family_served_from_its_spec_gives_the_spec_back() -> None:
    """The genltest spec served: its policy as the module registers it (global, maxattr 3),
    which introspection with the module's header turns into the spec's names and checks."""
    fake = GenlKernel()
    fake.serve("genltest", family_id=60)
    found = header_for("genltest", REPO / "kernel" / "genltest" / "genltest_uapi.h")
    with fake.socket() as sock:
        got = sock.run(introspect(sock.engine, "genltest"))
    assert got.info.maxattr == 3 and [(o.id, o.flags) for o in got.info.ops] == [(1, DO), (2, DUMP)]
    assert got.policy.sets == {0: {1: AttrPolicy("nul-string", max_length=256),
                                   2: AttrPolicy("u32", 1, 10000), 3: U32}}  # fmt: skip
    family = roundtrip(got, found)
    spec = load_spec(REPO / "src" / "genetlink" / "specs" / "genltest.yaml")
    report = compare_names(family, spec)
    assert report.wrong == [] and (report.ops.right, report.attrs.right) == (2, 3)
    assert family.attribute_sets["genltest"]["msg"].checks.max_len == 256


# -- `genetlink spec draft` ------------------------------------------------------------------


def _run_draft(argv: list[str], fake: GenlKernel, monkeypatch: pytest.MonkeyPatch) -> int:
    import genetlink.socket

    real = genetlink.socket.NetlinkSocket
    monkeypatch.setattr(genetlink.socket, "NetlinkSocket",
                        lambda *a, **k: real(c.NETLINK_GENERIC, transport=fake.transport()))
    parser = argparse.ArgumentParser()
    add_draft(parser.add_subparsers())
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


def test_spec_draft_prints_a_spec_that_loads(monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str],
                                             tmp_path: Path) -> None:  # fmt: skip
    header = tmp_path / "demo.h"
    header.write_text(DEMO_H)
    assert _run_draft(["draft", "demo", "--header", str(header)], fake_nlctrl(DEMO),
                      monkeypatch) == 0  # fmt: skip
    out = capsys.readouterr().out
    family = load_spec_text(out)
    assert family.operations["get"].value == 1
    assert f"header {header}" in family.doc


def test_spec_draft_writes_a_file(monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str],
                                  tmp_path: Path) -> None:  # fmt: skip
    target = tmp_path / "out.yaml"
    argv = ["draft", "genltest", "--header", str(REPO / "kernel/genltest/genltest_uapi.h"),
            "-o", str(target)]  # fmt: skip
    assert _run_draft(argv, fake_nlctrl(GENLTEST), monkeypatch) == 0
    assert "wrote" in capsys.readouterr().err
    assert load_spec(target).operations["echo"].value == 1
    assert [p.name for p in tmp_path.iterdir()] == ["out.yaml"]  # no temporary left behind


def test_spec_draft_errors_are_one_line(monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str],
                                        tmp_path: Path) -> None:  # fmt: skip
    assert _run_draft(["draft", "nosuch"], fake_nlctrl(DEMO), monkeypatch) == 1
    assert "family nosuch not found" in capsys.readouterr().err
    argv = ["draft", "demo", "--header", str(tmp_path / "missing.h")]
    assert _run_draft(argv, fake_nlctrl(DEMO), monkeypatch) == 1
    assert "cannot read header" in capsys.readouterr().err


def _spec(**changes: Any) -> dict[str, Any]:
    return {**build_spec(DEMO, names(DEMO_H, "DEMO_")), **changes}


def test_spec_text_is_plain_yaml() -> None:
    text = spec_text(_spec())
    assert text.startswith("# A first draft") and "\n---\n" in text
    assert "&" not in text and "*" not in text.split("---", 1)[1]  # no anchors or aliases


def test_commands_without_a_handler_decode_what_the_kernel_sends() -> None:
    """nl80211 answers GET_WIPHY with NEW_WIPHY, a command it has no handler for."""
    from genetlink.client.codecs import SpecCodec

    header = """
#define RADIO_GENL_NAME "radio"
enum { RADIO_CMD_UNSPEC, RADIO_CMD_GET_THING, RADIO_CMD_SET_THING, RADIO_CMD_NEW_THING };
enum { RADIO_ATTR_UNSPEC, RADIO_ATTR_IFINDEX, RADIO_ATTR_NAME, /* string */ };
"""
    kernel = KernelFamily(FamilyInfo(80, "radio", 1, 0, 2, (OpInfo(1, DO | DUMP),)),
                          Policy(80, {0: {1: U32}}, {1: OpPolicy(0, 0)}))  # fmt: skip
    family = roundtrip(kernel, names(header, "RADIO_"))
    new = family.operations["new-thing"]
    assert new.is_notification and new.value == 3 and new.attribute_set == "radio"
    assert family.operations["set-thing"].is_notification  # unregistered: only ever received
    b = AttrBuilder().put_u32(1, 7)
    (msg,) = parse_messages(build_message(80, 0, 1, 0, genl_payload(3, 1, b.bytes())))
    codec = SpecCodec(family)
    reply = codec.reply_decoder(family.operations["get-thing"])(msg)
    assert reply.op == "new-thing" and dict(reply) == {"ifindex": 7}

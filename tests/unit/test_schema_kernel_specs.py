"""Every kernel spec in the fixtures loads, and resolved numbers match the kernel's uAPI."""

from __future__ import annotations

import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from genetlink.loader import load_spec
from genetlink.schema import Family
from genetlink.schema.definitions import EnumDefinition, Struct
from genetlink.schema.types import ATTRIBUTE_TYPES, SCALAR_SIZES

# The kernel's specs are fixtures in ../shared/kernel-specs next to the checkout.
REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_DIR = REPO_ROOT.parent / "shared" / "kernel-specs" / "specs"
SPEC_FILES = sorted(SPEC_DIR.glob("*.yaml")) if SPEC_DIR.is_dir() else []


def spec_path(name: str) -> Path:
    path = SPEC_DIR / f"{name}.yaml"
    if not path.is_file():
        pytest.skip(f"kernel spec fixture {path} not found (../shared/kernel-specs)")
    return path


pytestmark = pytest.mark.skipif(
    not SPEC_FILES, reason=f"kernel spec fixtures not found at {SPEC_DIR} (../shared/kernel-specs)"
)


@cache
def family(name: str) -> Family:
    return load_spec(spec_path(name))


def test_fixture_count() -> None:
    assert len(SPEC_FILES) == 28


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: p.stem)
def test_every_spec_loads_and_resolves(path: Path) -> None:
    fam = load_spec(path)
    assert fam.name
    assert fam.source == str(path)
    for aset in fam.attribute_sets.values():
        for attr in aset.attributes.values():
            where = f"{fam.name}:{aset.name}.{attr.name}"
            assert attr.type in ATTRIBUTE_TYPES, where
            assert aset.by_value[attr.value].value == attr.value, where
            if attr.sub_type is not None:
                assert attr.sub_type in ATTRIBUTE_TYPES, where
            if attr.nested_attributes is not None:
                assert attr.nested_attributes in fam.attribute_sets, where
            if attr.enum is not None:
                assert attr.enum in fam.enums, where
            if attr.struct is not None:
                assert attr.struct in fam.structs, where
            if attr.type == "sub-message":
                assert attr.sub_message in fam.sub_messages and attr.selector, where
            if attr.type in SCALAR_SIZES:
                assert attr.len == SCALAR_SIZES[attr.type], where
        if aset.subset_of is not None:
            parent = fam.attribute_sets[aset.subset_of]
            for attr in aset.attributes.values():
                assert attr.value == parent[attr.name].value
    for op in fam.operations.values():
        if op.attribute_set is not None:
            aset = fam.attribute_sets[op.attribute_set]
            for mode in (op.do, op.dump):
                for msg in (mode.request, mode.reply) if mode else ():
                    if msg is not None:
                        assert all(a in aset for a in msg.attributes), op.name
        if op.fixed_header is not None:
            assert op.fixed_header_size == fam.structs[op.fixed_header].size
        if op.notify is not None:
            assert op.notify in fam.operations
        if op.mcgrp is not None:
            assert op.mcgrp in fam.mcast_groups
    for value, op in fam.request_ops.items():
        assert op.request_value == value
    for sm in fam.sub_messages.values():
        for fmt in sm.formats.values():
            assert fmt.attribute_set is None or fmt.attribute_set in fam.attribute_sets
            assert fmt.fixed_header is None or fmt.fixed_header in fam.structs


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: p.stem)
def test_every_spec_uses_only_known_keys(path: Path) -> None:
    """strict mode knows every key of the four schemas; only nftables has a (real) bug."""
    if path.stem == "nftables":
        with pytest.raises(Exception, match=r"getrule|unknown attribute 'name'"):
            load_spec(path, strict=True)
    else:
        load_spec(path, strict=True)


def test_netdev() -> None:
    fam = family("netdev")
    assert fam.protocol == "genetlink" and fam.protonum == 16 and fam.version == 1
    assert fam.is_genetlink and fam.msg_id_model == "unified"
    dev = fam.attribute_sets["dev"]
    assert dev["ifindex"].value == 1  # NETDEV_A_DEV_IFINDEX
    assert dev["pad"].value == 2 and dev["xdp-features"].value == 3
    assert dev["ifindex"].checks.min == 1
    assert fam.attribute_sets["page-pool"]["id"].checks.max == 2**32 - 1  # u32-max
    get = fam.operations["dev-get"]
    assert get.value == get.request_value == get.reply_value == 1  # NETDEV_CMD_DEV_GET
    ntf = fam.operations["dev-add-ntf"]
    assert ntf.reply_value == 2 and ntf.request_value is None and ntf.is_notification
    assert ntf.attribute_set == "dev" and ntf.mcgrp == "mgmt"
    assert ntf.notification_attributes == get.do.reply.attributes  # type: ignore[union-attr]
    assert fam.op_by_request(1) is get
    assert fam.mcast_groups["mgmt"].value is None
    xdp_act = fam.enums["xdp-act"]
    assert xdp_act.is_flags
    assert xdp_act.values["basic"] == 1 and xdp_act.values["redirect"] == 2
    assert xdp_act.names[4] == "ndo-xmit"
    assert dev["xdp-features"].enum_as_flags  # a flags enum is always used as flags


def test_nlctrl() -> None:
    fam = family("nlctrl")
    ctrl = fam.attribute_sets["ctrl-attrs"]
    expected = {  # CTRL_ATTR_* from include/uapi/linux/genetlink.h
        "family-id": 1, "family-name": 2, "version": 3, "hdrsize": 4, "maxattr": 5,
        "ops": 6, "mcast-groups": 7, "policy": 8, "op-policy": 9, "op": 10,
    }  # fmt: skip
    assert {a.name: a.value for a in ctrl.attributes.values()} == expected
    assert ctrl["ops"].type == "indexed-array" and ctrl["ops"].sub_type == "nest"  # array-nest
    assert ctrl["policy"].type_value == ("policy-id", "attr-id")
    assert ctrl.name_prefix == "ctrl-attr-"
    getfamily = fam.operations["getfamily"]
    assert (getfamily.request_value, getfamily.reply_value) == (3, 1)  # CTRL_CMD_GETFAMILY/NEW
    assert getfamily.dump is not None and getfamily.dump.request is None
    assert getfamily.dump.reply is not None and getfamily.dump.reply.value == 1
    assert fam.operations["getpolicy"].request_value == 10
    op_flags = fam.enums["op-flags"]
    assert op_flags.values == {  # GENL_ADMIN_PERM .. GENL_UNS_ADMIN_PERM
        "admin-perm": 1, "cmd-cap-do": 2, "cmd-cap-dump": 4, "cmd-cap-haspol": 8,
        "uns-admin-perm": 16,
    }  # fmt: skip
    assert fam.enums["attr-type"].values["nul-string"] == 12  # NL_ATTR_TYPE_NUL_STRING
    assert fam.attribute_sets["policy-attrs"]["type"].value == 1
    assert fam.attribute_sets["op-attrs"]["flags"].enum_as_flags


def test_rt_link() -> None:
    fam = family("rt-link")
    assert fam.protocol == "netlink-raw" and fam.protonum == 0 and not fam.is_genetlink
    assert fam.msg_id_model == "directional"
    link = fam.attribute_sets["link-attrs"]
    assert link["address"].value == 1 and link["ifname"].value == 3  # IFLA_IFNAME
    assert link["mtu"].value == 4 and link["linkinfo"].value == 18  # IFLA_MTU, IFLA_LINKINFO
    newlink = fam.operations["newlink"]
    assert newlink.request_value == 16 and newlink.reply_value is None  # RTM_NEWLINK
    assert newlink.fixed_header == "ifinfomsg" and newlink.fixed_header_size == 16
    getlink = fam.operations["getlink"]
    assert (getlink.request_value, getlink.reply_value) == (18, 16)
    assert fam.op_by_request(18) is getlink
    assert [op.name for op in fam.reply_ops[16]][:2] == ["newlink-ntf", "getlink"]
    assert fam.structs["ifinfomsg"].size == 16
    assert fam.structs["rtgenmsg"].size == 1  # struct rtgenmsg is one byte
    ifi = fam.structs["ifinfomsg"]
    assert [(m.name, m.offset) for m in ifi.members][:3] == [("ifi-family", 0), ("pad", 1),
                                                            ("ifi-type", 2)]  # fmt: skip
    assert fam.mcast_groups["rtnlgrp-link"].value == 1
    data = fam.attribute_sets["linkinfo-attrs"]["data"]
    assert data.type == "sub-message" and data.selector == "kind"
    msg = fam.sub_messages[data.sub_message]  # type: ignore[index]
    assert msg.name == "linkinfo-data-msg"
    assert msg.formats["bond"].attribute_set == "linkinfo-bond-attrs"
    assert msg.formats["bridge"].attribute_set == "linkinfo-bridge-attrs"
    assert fam.enums["vlan-protocols"].values["8021q"] == 0x8100
    assert any(a.display_hint == "ipv4-or-v6" for s in fam.attribute_sets.values()
               for a in s.attributes.values())  # fmt: skip


def test_ethtool_directional_ids() -> None:
    """Counted per direction; matches enum ethtool_msg_{user,kernel}_type."""
    fam = family("ethtool")
    ops = fam.operations
    ids = {n: (ops[n].request_value, ops[n].reply_value) for n in ops}
    assert ids["strset-get"] == (1, 1)
    assert ids["linkinfo-set"] == (3, None)
    assert ids["linkinfo-ntf"] == (None, 3)
    assert ids["features-get"] == (11, 11)
    assert ids["features-set"] == (12, 12)  # ETHTOOL_MSG_FEATURES_SET_REPLY
    assert ids["features-ntf"] == (None, 13)
    assert ids["privflags-get"] == (13, 14)
    assert ids["cable-test-act"] == (26, None)
    assert ids["cable-test-ntf"] == (None, 27)
    assert ids["pse-get"] == (36, 37) and ids["pse-set"] == (37, None)
    assert ops["linkinfo-ntf"].attribute_set == "linkinfo"
    strings = fam.attribute_sets["strings"]  # lists `unspec` twice (value 0)
    assert strings["unspec"].value == 0 and strings["string"].value == 1


def test_subset_inherits_from_parent() -> None:
    fam = family("ethtool")
    subsets = [s for s in fam.attribute_sets.values() if s.subset_of]
    assert subsets
    for aset in subsets:
        parent = fam.attribute_sets[aset.subset_of]  # type: ignore[index]
        for attr in aset.attributes.values():
            assert attr.type == parent[attr.name].type or attr.type != "unused"
            assert attr.nested_attributes == parent[attr.name].nested_attributes or (
                attr.nested_attributes in fam.attribute_sets
            )


def test_structs_and_enums() -> None:
    ovs = family("ovs_datapath")
    assert ovs.version == 2 and ovs.fixed_header == "ovs-header"
    assert ovs.structs["ovs-header"].size == 4
    assert all(op.fixed_header_size == 4 for op in ovs.operations.values())
    drm = family("drm_ras")
    node_type = drm.enums["node-type"]
    assert node_type.value_start == 1 and node_type.values["error-counter"] == 1
    tc = family("tc")
    assert tc.structs["tcmsg"].size == 20
    assert tc.enums["dualpi2-ecn-mask"].values["l4s-ect"] == 1
    for struct in tc.structs.values():
        assert isinstance(struct, Struct)
        assert struct.size == sum(m.size for m in struct.members)
    wg = family("wireguard")
    key = wg.attribute_sets["wgdevice"]["private-key"]
    assert key.checks.exact_len == 32 and key.len == 32  # exact-len: wg-key-len
    nft = family("nftables")
    verdict = nft.enums["verdict-code"]
    assert isinstance(verdict, EnumDefinition)
    assert verdict.values["continue"] == 0xFFFFFFFF and "continue" not in verdict.flag_values


def test_selector_in_enclosing_nest() -> None:
    tc = family("tc")
    app = tc.attribute_sets["tca-stats-attrs"]["app"]
    assert app.selector == "kind" and "kind" not in tc.attribute_sets["tca-stats-attrs"]


def test_fou_placeholder_op() -> None:
    fam = family("fou")
    unspec = fam.operations["unspec"]
    assert unspec.value == 0 and unspec.request_value is None
    assert fam.operations["add"].request_value == 1


def test_netlink_raw_protonum() -> None:
    assert family("conntrack").protonum == 12  # NETLINK_NETFILTER
    assert family("rt-route").fixed_header == "rtmsg"


def test_import_does_not_load_yaml() -> None:
    code = "import genetlink.loader, genetlink.codec, sys; print('yaml' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

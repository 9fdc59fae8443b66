"""Spec drift against hand-built kernel policies: one test per kind of finding."""

from __future__ import annotations

from genetlink.genl.drift import compare
from genetlink.genl.nlctrl import AttrPolicy, FamilyInfo, OpInfo, OpPolicy, Policy
from genetlink.loader.declare import declare_family
from genetlink.wire import constants as c

DO = c.GENL_CMD_CAP_DO | c.GENL_CMD_CAP_HASPOL
DUMP = c.GENL_CMD_CAP_DUMP | c.GENL_CMD_CAP_HASPOL
U32 = AttrPolicy("u32", 0, 0xFFFFFFFF)

FAMILY = declare_family(
    "fam",
    attribute_sets={
        "main": {
            "ifindex": (1, "u32", {"checks": {"min": 1}}),
            "name": (2, "string", {"checks": {"max-len": 15}}),
            "nest": {"value": 3, "type": "nest", "nested-attributes": "inner"},
            "count": (4, "u32"),
            "new": (5, "u32"),
        },
        "inner": {"a": (1, "u8"), "b": (2, "u16")},
    },
    operations={
        "get": {
            "value": 1,
            "do": {"request": {"attributes": ["ifindex", "name", "nest"]}},
            "dump": {"request": {"attributes": []}},
        },
        "set": {"value": 2, "do": {"request": {"attributes": ["ifindex", "new"]}}},
        "gone": {"value": 3, "do": {"request": {"attributes": []}}},
    },
)


def kernel(sets: dict[int, dict[int, AttrPolicy]] | None = None,
           ops: tuple[OpInfo, ...] | None = None) -> tuple[Policy, FamilyInfo]:  # fmt: skip
    default = {
        0: {1: AttrPolicy("u32", 1, 0xFFFFFFFF), 2: AttrPolicy("nul-string", max_length=15),
            3: AttrPolicy("nested", policy_idx=2, policy_maxtype=2)},
        1: {},
        2: {1: AttrPolicy("u8", 0, 255), 2: AttrPolicy("u16", 0, 0xFFFF)},
        3: {1: AttrPolicy("u32", 1, 0xFFFFFFFF), 5: U32},
    }  # fmt: skip
    policy = Policy(7, sets if sets is not None else default,
                    {1: OpPolicy(0, 1), 2: OpPolicy(3, None)})  # fmt: skip
    info = FamilyInfo(
        7,
        "fam",
        ops=ops if ops is not None else (OpInfo(1, DO | DUMP), OpInfo(2, DO), OpInfo(3, DO)),
    )
    return policy, info


def test_agreement_gives_no_findings() -> None:
    report = compare(FAMILY, *kernel())
    assert report.findings == []
    assert not report
    assert report.to_dict()["counts"] == {}


def test_spec_op_the_kernel_lacks_and_kernel_op_the_spec_lacks() -> None:
    policy, _ = kernel()
    info = FamilyInfo(7, "fam", ops=(OpInfo(1, DO | DUMP), OpInfo(2, DO), OpInfo(9, DO)))
    report = compare(FAMILY, policy, info)
    assert [(f.kind, f.path) for f in report.findings] == [("op-missing", "gone"),
                                                            ("op-extra", "9")]  # fmt: skip


def test_mode_the_kernel_does_not_offer() -> None:
    policy, _ = kernel()
    info = FamilyInfo(7, "fam", ops=(OpInfo(1, DO), OpInfo(2, DO), OpInfo(3, DO)))
    (finding,) = compare(FAMILY, policy, info).findings
    assert (finding.kind, finding.path) == ("mode-missing", "get.dump")


def test_attribute_missing_from_kernel_and_extra_in_kernel() -> None:
    policy, info = kernel()
    policy.sets[3] = {1: AttrPolicy("u32", 1, 0xFFFFFFFF), 4: U32, 6: U32}
    report = compare(FAMILY, policy, info)
    got = {(f.kind, f.path) for f in report.findings}
    assert got == {("attr-missing", "set.do.request.new"),
                   ("attr-extra", "set.do.request.count"),
                   ("attr-extra", "set.do.request.6")}  # fmt: skip


def test_type_mismatch() -> None:
    policy, info = kernel()
    policy.sets[0][1] = AttrPolicy("u16", 1, 0xFFFF)
    (finding,) = compare(FAMILY, policy, info).findings
    assert (finding.kind, finding.path, finding.spec, finding.kernel) == (
        "type",
        "get.do.request.ifindex",
        "u32",
        "u16",
    )


def test_value_and_length_limits() -> None:
    policy, info = kernel()
    policy.sets[0][1] = U32  # spec min 1, kernel unchecked (full range)
    policy.sets[0][2] = AttrPolicy("nul-string", max_length=31)
    report = compare(FAMILY, policy, info)
    assert [(f.kind, f.path, f.spec, f.kernel) for f in report.findings] == [
        ("limit", "get.do.request.ifindex", "1..4294967295", "0..4294967295"),
        ("limit", "get.do.request.name", "0..15", "0..31"),
    ]


def test_unchecked_spec_integer_equals_full_range() -> None:
    policy, info = kernel()
    policy.sets[3][5] = AttrPolicy("u32", 0, 0xFFFFFFFF)
    assert compare(FAMILY, policy, info).findings == []


def test_nested_policies_are_followed() -> None:
    policy, info = kernel()
    policy.sets[2] = {1: AttrPolicy("u16", 0, 0xFFFF), 2: AttrPolicy("u16", 0, 9),
                      3: AttrPolicy("flag")}  # fmt: skip
    report = compare(FAMILY, policy, info)
    assert [(f.kind, f.path) for f in report.findings] == [
        ("type", "get.do.request.nest.a"),
        ("limit", "get.do.request.nest.b"),
        ("attr-extra", "get.do.request.nest.3"),
    ]
    assert report.at("get.do.request.nest") == report.findings


def test_uint_accepts_u32_on_older_kernels_and_enum_ranges() -> None:
    family = declare_family(
        "e",
        attributes={"v": (1, "uint"), "kind": (2, "u32", {"enum": "kinds"})},
        operations={"op": {"value": 1, "do": {"request": {"attributes": ["v", "kind"]}}}},
        definitions=[{"name": "kinds", "type": "enum", "entries": ["rx", "tx"]}],
    )
    policy = Policy(1, {0: {1: U32, 2: AttrPolicy("u32", 0, 1)}}, {1: OpPolicy(0, None)})
    info = FamilyInfo(1, "e", ops=(OpInfo(1, DO),))
    assert compare(family, policy, info).findings == []


def test_no_policy_and_to_dict() -> None:
    policy, info = kernel()
    policy.ops[2] = OpPolicy(None, None)
    report = compare(FAMILY, policy, info)
    (finding,) = report.findings
    assert finding.kind == "no-policy"
    data = report.to_dict()
    assert data["family"] == "fam" and data["family-id"] == 7
    assert data["counts"] == {"no-policy": 1}
    assert data["findings"][0]["path"] == "set.do.request"
    assert "no-policy: set.do.request" in str(finding)

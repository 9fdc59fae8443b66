"""Broken specs raise SpecError naming the file, the element path and the reason."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from genetlink.loader import SpecError, build_family, load_spec, load_spec_text
from genetlink.wire.errors import GenetlinkError

BASE: dict[str, Any] = {
    "name": "demo",
    "doc": "a test family",
    "definitions": [
        {"name": "hdr", "type": "struct", "members": [{"name": "a", "type": "u32"}]},
        {"name": "color", "type": "enum", "entries": ["red", "green"]},
        {"name": "size", "type": "const", "value": 6},
    ],
    "attribute-sets": [
        {
            "name": "main",
            "attributes": [
                {"name": "id", "type": "u32"},
                {"name": "inner", "type": "nest", "nested-attributes": "inner"},
                {"name": "color", "type": "u8", "enum": "color"},
            ],
        },
        {"name": "inner", "attributes": [{"name": "x", "type": "string"}]},
        {"name": "main-sub", "subset-of": "main", "attributes": [{"name": "inner"}]},
    ],
    "operations": {
        "list": [
            {"name": "get", "doc": "get", "attribute-set": "main",
             "do": {"request": {"attributes": ["id"]}, "reply": {"attributes": ["id", "color"]}}},
            {"name": "get-ntf", "doc": "ntf", "notify": "get", "mcgrp": "events"},
        ]
    },
    "mcast-groups": {"list": [{"name": "events"}]},
}  # fmt: skip


def spec(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data.update(changes)
    return data


def load(data: dict[str, Any]) -> Any:
    return load_spec_text(yaml.safe_dump(data), source="demo.yaml")


def expect(data: dict[str, Any], path: str, reason: str) -> SpecError:
    with pytest.raises(SpecError) as info:
        load(data)
    err = info.value
    assert err.source == "demo.yaml"
    assert err.path == path
    assert reason in err.reason
    assert str(err).startswith(f"demo.yaml: {path}: ")
    return err


def test_base_spec_loads() -> None:
    fam = load(BASE)
    assert fam.attribute_sets["main"]["color"].value == 3
    assert fam.attribute_sets["main-sub"]["inner"].nested_attributes == "inner"
    assert fam.attribute_sets["main-sub"]["inner"].value == 2
    assert fam.operations["get-ntf"].reply_value == 2
    assert fam.operations["get-ntf"].notification_attributes == ("id", "color")


def test_error_types() -> None:
    err = expect(spec(protocol="genetlink-xl"), "protocol", "unknown value 'genetlink-xl'")
    assert isinstance(err, GenetlinkError) and isinstance(err, ValueError)
    again = pickle.loads(pickle.dumps(err))
    assert (again.source, again.path, again.reason) == (err.source, err.path, err.reason)


def set_attr(data: dict[str, Any], set_index: int, attr_index: int, **values: Any) -> None:
    data["attribute-sets"][set_index]["attributes"][attr_index].update(values)


@pytest.mark.parametrize(
    ("attr_changes", "key", "reason"),
    [
        ({"type": "u31"}, "type", "unknown attribute type 'u31'"),
        ({"nested-attributes": "nowhere"}, "nested-attributes", "unknown attribute set 'nowhere'"),
        ({"enum": "flavour"}, "enum", "unknown enum 'flavour'"),
        ({"struct": "nostruct"}, "struct", "unknown struct 'nostruct'"),
        ({"byte-order": "middle-endian"}, "byte-order", "unknown value 'middle-endian'"),
        ({"value": -3}, "value", "must not be negative"),
        ({"value": "three"}, "value", "expected an integer"),
        ({"multi-attr": "yes"}, "multi-attr", "expected true or false"),
        ({"sub-type": "u128"}, "sub-type", "unknown attribute type 'u128'"),
        ({"checks": {"exact-len": "no-such-len"}}, "checks.exact-len", "unknown constant"),
        ({"type": "sub-message", "sub-message": "m"}, "selector", "needs selector"),
    ],
)
def test_bad_attribute(attr_changes: dict[str, Any], key: str, reason: str) -> None:
    data = spec()
    set_attr(data, 0, 2, **attr_changes)
    expect(data, f"attribute-sets[0].attributes[2].{key}", reason)


def test_checks_resolve_constants_and_limits() -> None:
    data = spec()
    set_attr(data, 0, 0, checks={"min": 1, "max": "u16-max", "exact-len": "size - 1"})
    checks = load(data).attribute_sets["main"]["id"].checks
    assert (checks.min, checks.max, checks.exact_len) == (1, 65535, 5)


def test_missing_type() -> None:
    data = spec()
    del data["attribute-sets"][1]["attributes"][0]["type"]
    expect(data, "attribute-sets[1].attributes[0].type", "missing required key")


def test_duplicates() -> None:
    data = spec()
    data["attribute-sets"][0]["attributes"].append({"name": "id", "type": "u8"})
    expect(data, "attribute-sets[0].attributes[3].name", "duplicate attribute 'id'")
    data = spec()
    data["attribute-sets"].append({"name": "inner", "attributes": []})
    expect(data, "attribute-sets[3].name", "duplicate attribute set 'inner'")
    data = spec()
    data["operations"]["list"].append(copy.deepcopy(data["operations"]["list"][0]))
    expect(data, "operations.list[2].name", "duplicate operation 'get'")
    data = spec()
    data["definitions"].append({"name": "color", "type": "flags", "entries": ["a"]})
    expect(data, "definitions[3].name", "duplicate definition 'color'")
    data = spec()
    data["definitions"][1]["entries"] = ["red", "red"]
    expect(data, "definitions[1].entries[1]", "duplicate entry 'red'")


def test_subsets() -> None:
    data = spec()
    data["attribute-sets"][2]["attributes"].append({"name": "ghost"})
    expect(data, "attribute-sets[2].attributes[1].name", "not in parent set 'main'")
    data = spec()
    data["attribute-sets"][2]["subset-of"] = "nothing"
    expect(data, "attribute-sets[2].subset-of", "unknown attribute set 'nothing'")
    data = spec()
    data["attribute-sets"][2]["attributes"][0]["value"] = 9
    expect(data, "attribute-sets[2].attributes[0].value", "9 differs from 2")


def test_operations() -> None:
    data = spec()
    data["operations"]["list"][1]["notify"] = "put"
    expect(data, "operations.list[1].notify", "unknown operation 'put'")
    data = spec()
    data["operations"]["list"][1]["mcgrp"] = "news"
    expect(data, "operations.list[1].mcgrp", "unknown multicast group 'news'")
    data = spec()
    data["operations"]["list"][0]["attribute-set"] = "mian"
    expect(data, "operations.list[0].attribute-set", "unknown attribute set 'mian'")
    data = spec()
    data["operations"]["list"][0]["fixed-header"] = "nohdr"
    expect(data, "operations.list[0].fixed-header", "unknown struct 'nohdr'")
    data = spec()
    data["operations"]["enum-model"] = "sideways"
    expect(data, "operations.enum-model", "unknown value 'sideways'")
    data = spec()
    data["operations"]["list"][0]["do"]["request"]["attributes"] = ["id", "ghost"]
    path = "operations.list[0].do.request.attributes[1]"
    with pytest.raises(SpecError) as info:  # strict: an error (not strict: reported, dropped)
        load_spec_text(yaml.safe_dump(data), source="demo.yaml", strict=True)
    assert (info.value.path, info.value.reason) == (path, "unknown attribute 'ghost' in 'main'")


def test_structs() -> None:
    data = spec()
    data["definitions"][0]["members"].append({"name": "blob", "type": "binary"})
    expect(data, "definitions[0].members[1].len", "needs len")
    data = spec()
    data["definitions"][0]["members"].append({"name": "b", "type": "binary", "struct": "hdr"})
    expect(data, "definitions[0].members[1].struct", "contains itself")
    data = spec()
    data["definitions"][0]["members"].append({"name": "b", "type": "binary", "len": "size"})
    assert load(data).structs["hdr"].size == 10


def test_family_level() -> None:
    expect(spec(protocol="netlink-raw"), "protonum", "needs protonum")
    expect(spec(name=7), "name", "expected a string")
    data = spec()
    del data["operations"]
    expect(data, "operations", "missing required key")
    expect(spec(**{"attribute-sets": {"name": "x"}}), "attribute-sets", "expected a list")
    with pytest.raises(SpecError, match="unknown key"):
        load_spec_text(yaml.safe_dump(spec(colour="red")), source="demo.yaml", strict=True)
    load(spec(colour="red"))  # unknown keys are ignored unless strict


def test_not_yaml_or_not_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"demo.yaml: line 2, column \d+: invalid YAML"):
        load_spec_text("name: x\n  bad: [\n", source="demo.yaml")
    with pytest.raises(SpecError, match="expected a mapping"):
        load_spec_text("- 1\n- 2\n", source="demo.yaml")
    missing = tmp_path / "missing.yaml"
    with pytest.raises(SpecError, match="cannot read") as info:
        load_spec(missing)
    assert info.value.source == str(missing)


def test_sub_messages() -> None:
    data = spec(
        **{"sub-messages": [{"name": "m", "formats": [{"value": "a", "attribute-set": "nope"}]}]}
    )
    expect(data, "sub-messages[0].formats[0].attribute-set", "unknown attribute set 'nope'")
    data = spec(
        **{"sub-messages": [{"name": "m", "formats": [{"value": 5, "fixed-header": "hdr"}]}]}
    )
    set_attr(data, 0, 2, type="sub-message", **{"sub-message": "m", "selector": "kind"})
    expect(data, "attribute-sets[0].attributes[2].selector", "no attribute 'kind'")
    set_attr(data, 0, 2, selector="id")
    fam = load(data)
    assert fam.sub_messages["m"].formats["5"].fixed_header_size == 4


@given(st.lists(st.one_of(st.none(), st.integers(0, 1000)), min_size=1, max_size=20))
def test_attribute_numbering(explicit: list[int | None]) -> None:
    """`value` on an attribute sets its number; the others count on from the previous (from 1)."""
    attrs = []
    for i, v in enumerate(explicit):
        attr: dict[str, Any] = {"name": f"a{i}", "type": "u32"}
        if v is not None:
            attr["value"] = v
        attrs.append(attr)
    data = {"name": "n", "attribute-sets": [{"name": "s", "attributes": attrs}],
            "operations": {"list": []}}  # fmt: skip
    fam = build_family(data)
    expected, counter = [], 1
    for v in explicit:
        counter = counter if v is None else v
        expected.append(counter)
        counter += 1
    assert [a.value for a in fam.attribute_sets["s"].attributes.values()] == expected


@given(st.integers(0, 40), st.integers(1, 20), st.sampled_from(["enum", "flags"]))
def test_enum_value_start(start: int, count: int, kind: str) -> None:
    entries = [f"e{i}" for i in range(count)]
    data = {"name": "n", "definitions": [{"name": "d", "type": kind, "value-start": start,
                                          "entries": entries}],
            "attribute-sets": [], "operations": {"list": []}}  # fmt: skip
    enum = build_family(data).enums["d"]
    for i, name in enumerate(entries):
        want = (1 << (start + i)) if kind == "flags" else start + i
        assert enum.values[name] == want and enum.names[want] == name
        assert enum.flag_values[name] == 1 << (start + i)

"""The shipped genltest spec agrees with the module's uapi header (and so does the example).

kernel/genltest/genltest_uapi.h is the single source of the module's names and numbers; it is
read here with regular expressions (it is kept regex-friendly on purpose), so the check needs
neither a C compiler nor the module.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

from genetlink.loader import find_spec, load_spec
from genetlink.loader.search import package_spec_dir
from genetlink.schema import Family

REPO = Path(__file__).resolve().parents[2]
HEADER = REPO / "kernel" / "genltest" / "genltest_uapi.h"
MODULE_SOURCE = REPO / "kernel" / "genltest" / "genltest.c"
EXAMPLE = REPO / "examples" / "genltest_client.py"

# NLA_* policy type of the header's comments -> the spec's attribute type.
NLA_TO_SPEC = {"NLA_NUL_STRING": "string", "NLA_U32": "u32", "NLA_U8": "u8", "NLA_U16": "u16",
               "NLA_U64": "u64", "NLA_FLAG": "flag", "NLA_BINARY": "binary"}  # fmt: skip


def read_header(path: Path = HEADER) -> tuple[dict[str, int | str], dict[str, str]]:
    """(NAME -> value of every `#define` and explicit enum member, NAME -> its comment)."""
    text = path.read_text()
    values: dict[str, int | str] = {}
    comments: dict[str, str] = {}
    for name, value in re.findall(r"^#define\s+(\w+)\s+(\S.*?)\s*$", text, re.M):
        if value.startswith('"') and value.endswith('"'):
            values[name] = value[1:-1]
        elif re.fullmatch(r"0x[0-9a-fA-F]+|\d+", value):
            values[name] = int(value, 0)
    enum_member = r"^\s+(\w+)\s*=\s*(0x[0-9a-fA-F]+|\d+),[ \t]*(?:/\*\s*(.*?)\s*\*/)?"
    for name, value, comment in re.findall(enum_member, text, re.M):
        values[name] = int(value, 0)
        comments[name] = comment
    return values, comments


UAPI, COMMENTS = read_header()


def uapi_int(name: str) -> int:
    """An integer constant of the header."""
    value = UAPI[name]
    assert isinstance(value, int), f"{name} is not a number in {HEADER.name}"
    return value


def uapi_str(name: str) -> str:
    """A string constant of the header."""
    value = UAPI[name]
    assert isinstance(value, str), f"{name} is not a string in {HEADER.name}"
    return value


def members(prefix: str) -> dict[str, int]:
    """Enum members NAME -> value with `prefix`, without UNSPEC and the __MAX sentinels."""
    return {
        name[len(prefix) :].lower().replace("_", "-"): value
        for name, value in UAPI.items()
        if name.startswith(prefix) and isinstance(value, int) and name != f"{prefix}MAX"
        and not name.endswith("UNSPEC") and name in COMMENTS
    }  # fmt: skip


ATTRS = members("GENLTEST_A_")
CMDS = members("GENLTEST_CMD_")


@pytest.fixture(scope="module")
def spec() -> Family:
    """The spec shipped in the package, found by name like users find it."""
    return load_spec(find_spec("genltest", env={}), strict=True)


def test_header_parses() -> None:
    assert ATTRS == {"msg": 1, "count": 2, "index": 3}
    assert set(CMDS) == {"echo", "dump", "notify"}
    assert uapi_int("GENLTEST_A_MAX") == max(ATTRS.values())
    assert uapi_int("__GENLTEST_A_MAX") == uapi_int("GENLTEST_A_MAX") + 1
    assert uapi_int("GENLTEST_CMD_MAX") == max(CMDS.values())


def test_spec_is_shipped_in_the_package() -> None:
    pkg = package_spec_dir()
    assert pkg is not None
    assert find_spec("genltest", env={}) == pkg / "genltest.yaml"


def test_family_name_version_group(spec: Family) -> None:
    assert spec.name == uapi_str("GENLTEST_FAMILY_NAME")
    assert spec.version == uapi_int("GENLTEST_FAMILY_VERSION")
    assert spec.is_genetlink
    assert list(spec.mcast_groups) == [uapi_str("GENLTEST_MCGRP_NAME")]
    assert spec.uapi_header == HEADER.name
    # The module registers one policy for the whole family.
    assert spec.kernel_policy == "global"


def test_attributes_numbers_and_types(spec: Family) -> None:
    aset = spec.attribute_sets[spec.name]
    named = {a.name: a for a in aset.attributes.values() if a.type != "unused"}
    assert {name: a.value for name, a in named.items()} == ATTRS
    for name, attr in named.items():
        comment = COMMENTS[f"GENLTEST_A_{name.upper()}"]
        nla = re.match(r"(NLA_\w+)", comment)
        assert nla is not None, f"GENLTEST_A_{name.upper()} has no NLA_* type comment"
        assert attr.type == NLA_TO_SPEC[nla.group(1)], name
    assert aset.max_value == uapi_int("GENLTEST_A_MAX")


def test_policy_limits(spec: Family) -> None:
    attrs = spec.attribute_sets[spec.name].attributes
    assert attrs["msg"].checks.max_len == uapi_int("GENLTEST_MSG_MAX_LEN")
    assert attrs["msg"].checks.unterminated_ok is False  # NLA_NUL_STRING, not NLA_STRING
    assert attrs["count"].checks.min == uapi_int("GENLTEST_COUNT_MIN")
    assert attrs["count"].checks.max == uapi_int("GENLTEST_COUNT_MAX")
    assert attrs["index"].checks.min is None and attrs["index"].checks.max is None


def test_policy_limits_match_the_module_source() -> None:
    # The module's policy table names the header's limits; a changed table shows up here.
    source = MODULE_SOURCE.read_text()
    assert "[GENLTEST_A_MSG] = { .type = NLA_NUL_STRING, .len = GENLTEST_MSG_MAX_LEN }" in source
    assert re.search(r"\[GENLTEST_A_COUNT\] = NLA_POLICY_RANGE\(NLA_U32, GENLTEST_COUNT_MIN,\s*"
                     r"GENLTEST_COUNT_MAX\)", source)  # fmt: skip
    assert "[GENLTEST_A_INDEX] = { .type = NLA_U32 }" in source


def test_constants(spec: Family) -> None:
    consts = {name: const.value for name, const in spec.consts.items()}
    assert consts == {
        "echo-reply": uapi_str("GENLTEST_ECHO_REPLY"),
        "msg-max-len": uapi_int("GENLTEST_MSG_MAX_LEN"),
        "count-min": uapi_int("GENLTEST_COUNT_MIN"),
        "count-max": uapi_int("GENLTEST_COUNT_MAX"),
        "history-len": uapi_int("GENLTEST_HISTORY_LEN"),
    }


def test_commands(spec: Family) -> None:
    assert {op.name: op.value for op in spec.operations.values()} == CMDS
    echo, dump, notify = (spec.operations[n] for n in ("echo", "dump", "notify"))
    assert echo.do is not None and echo.dump is None
    assert echo.do.request is not None and echo.do.request.attributes == ("msg",)
    assert echo.do.reply is not None and echo.do.reply.attributes == ("msg",)
    assert dump.dump is not None and dump.do is None
    assert dump.dump.request is not None and dump.dump.request.attributes == ("count",)
    assert dump.dump.reply is not None and set(dump.dump.reply.attributes) == {"index", "msg"}
    assert notify.is_notification and notify.request_value is None
    assert notify.reply_value == uapi_int("GENLTEST_CMD_NOTIFY")
    assert notify.mcgrp == uapi_str("GENLTEST_MCGRP_NAME")
    assert notify.notification_attributes == ("msg",)


def _load_example() -> ModuleType:
    loader_spec = importlib.util.spec_from_file_location("genltest_client_example", EXAMPLE)
    assert loader_spec is not None and loader_spec.loader is not None
    module = importlib.util.module_from_spec(loader_spec)
    loader_spec.loader.exec_module(module)
    return module


def test_example_declaration_agrees_with_the_header_and_spec(spec: Family) -> None:
    declared: Family = _load_example().GENLTEST
    assert declared.name == spec.name and declared.version == spec.version
    assert list(declared.mcast_groups) == list(spec.mcast_groups)
    ours = declared.attribute_sets[declared.name].attributes
    assert {a.name: (a.value, a.type) for a in ours.values()} == {
        a.name: (a.value, a.type)
        for a in spec.attribute_sets[spec.name].attributes.values()
        if a.type != "unused"
    }
    assert {op.name: op.value for op in declared.operations.values()} == CMDS
    assert declared.operations["notify"].mcgrp == spec.operations["notify"].mcgrp

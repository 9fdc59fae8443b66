"""The uapi header reader: #defines, enums, finding a family's header; odd and hostile C."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genetlink.genl.uapi import (
    CEnum,
    HeaderError,
    choose_prefix,
    find_family_header,
    header_for,
    parse_header,
    prefix_candidates,
    read_header,
    spec_style,
)

REPO = Path(__file__).resolve().parents[2]
GENLTEST_HEADER = REPO / "kernel" / "genltest" / "genltest_uapi.h"
SYSTEM = Path("/usr/include/linux")


def enum(text: str, prefix: str) -> CEnum:
    (found,) = [e for e in parse_header(text).enums if e.prefix == prefix]
    return found


# -- #define ---------------------------------------------------------------------------------


def test_defines_numbers_strings_and_expressions() -> None:
    h = parse_header(r"""
#define DEC 42
#define HEX 0x1F
#define OCT 010
#define SUFFIX 7UL
#define STR "thermal"
#define CAT "a" "b"
#define ESC "tab\there"
#define REF HEX
#define SREF STR
#define EXPR (1 << 4 | DEC)
#define NEG -(3 + 4) * 2
#define CAST ((__u32)5)
#define BITS _BITUL(3)
#define MASK GENMASK(4, 0)
#define TERN (1 ? 2 : 3)
#define CONT 1 + \
             2
#define CHAR 'A'
""")
    d = h.defines
    assert d["DEC"] == 42 and d["HEX"] == 31 and d["OCT"] == 8 and d["SUFFIX"] == 7
    assert d["STR"] == "thermal" and d["CAT"] == "ab" and d["ESC"] == "tab\there"
    assert d["REF"] == 31 and d["SREF"] == "thermal"
    assert d["EXPR"] == 58 and d["NEG"] == -14 and d["CAST"] == 5
    assert d["BITS"] == 8 and d["MASK"] == 31 and d["TERN"] == 2 and d["CONT"] == 3
    assert d["CHAR"] == 65


def test_defines_it_cannot_read_are_left_out() -> None:
    h = parse_header("""
#define FUNC(x) ((x) + 1)
#define USES_FUNC FUNC(2)
#define SPACED (2)
#define TYPE struct foo
#define EMPTY
#define UNKNOWN SOMETHING_ELSE
#define DIV (1 / 0)
#define MIXED "a" + 1
#define FIRST 1
#define FIRST 2
""")
    assert "FUNC" not in h.defines and "USES_FUNC" not in h.defines
    assert h.defines["SPACED"] == 2  # a space before `(`: an object-like macro
    for name in ("TYPE", "EMPTY", "UNKNOWN", "DIV", "MIXED"):
        assert name not in h.defines, name
    assert h.defines["FIRST"] == 1  # every #if branch is read: the first definition wins


def test_if_0_blocks_are_skipped_other_conditions_read() -> None:
    h = parse_header("""
#if 0
#define HIDDEN 1
enum { HIDDEN_A, HIDDEN_B };
#else
#define SHOWN 2
#endif
#ifdef __KERNEL__
#define KERNEL_ONLY 3
#endif
""")
    assert "HIDDEN" not in h.defines and h.defines["SHOWN"] == 2
    assert h.defines["KERNEL_ONLY"] == 3
    assert not h.enums


# -- enums -----------------------------------------------------------------------------------


def test_enum_values_implicit_explicit_and_references() -> None:
    e = enum("""
#define BASE 10
enum foo_attrs {
	FOO_A_UNSPEC,
	FOO_A_ONE,		/* u32 */
	FOO_A_TEN = BASE,	/* nest - _A_BAR_* */
	FOO_A_ELEVEN,
	FOO_A_TWENTY = FOO_A_TEN * 2,
	FOO_A_OLD_NAME = FOO_A_ONE,
	__FOO_A_MAX,
	FOO_A_MAX = __FOO_A_MAX - 1
};
""", "FOO_A_")
    values = {m.name: m.value for m in e.members}
    assert values == {"FOO_A_UNSPEC": 0, "FOO_A_ONE": 1, "FOO_A_TEN": 10, "FOO_A_ELEVEN": 11,
                      "FOO_A_TWENTY": 20, "FOO_A_OLD_NAME": 1, "__FOO_A_MAX": 2,
                      "FOO_A_MAX": 1}  # fmt: skip  # C counts on from the alias
    assert e.tag == "foo_attrs"
    assert e.max == 20  # sentinels do not count
    assert e.by_value[1].name == "FOO_A_ONE"  # the alias never names a value
    assert e.by_name["FOO_A_OLD_NAME"].alias_of == "FOO_A_ONE"
    assert [m.name for m in e.members if m.sentinel] == ["__FOO_A_MAX", "FOO_A_MAX"]
    assert e.by_name["FOO_A_ONE"].comment == "u32"
    assert "_A_BAR_" in e.by_name["FOO_A_TEN"].comment
    assert e.short_name(e.by_value[11]) == "eleven"


def test_enum_sentinels_num_cnt_after_last() -> None:
    h = parse_header("""
enum { X_CMD_UNSPEC, X_CMD_GET, __X_CMD_AFTER_LAST };
enum { Y_A_UNSPEC, Y_A_B, NUM_Y_A, Y_A_MAX = NUM_Y_A - 1 };
enum { Z_ONE = 1, Z_TWO, Z_CNT };
""")
    sentinels = {m.name for e in h.enums for m in e.members if m.sentinel}
    assert sentinels == {"__X_CMD_AFTER_LAST", "NUM_Y_A", "Y_A_MAX", "Z_CNT"}
    assert [e.prefix for e in h.enums] == ["X_CMD_", "Y_A_", "Z_"]


def test_enum_prefix_leaves_every_name_something() -> None:
    assert enum("enum { FOO_A_BAR };", "FOO_A_").prefix == "FOO_A_"
    assert enum("enum { FOO_A_B, FOO_A_BC };", "FOO_A_").short_name(
        parse_header("enum { FOO_A_B, FOO_A_BC };").enums[0].members[1]) == "bc"
    (e,) = parse_header("enum { ALPHA, BETA };").enums
    assert e.prefix == ""


def test_two_members_of_their_own_with_one_value_leave_it_unnamed() -> None:
    (e,) = parse_header("enum { Q_A_X = 1, Q_A_Y = 1, Q_A_Z = 2 };").enums
    assert 1 not in e.by_value and e.by_value[2].name == "Q_A_Z"


def test_enum_member_it_cannot_evaluate_stops_the_implicit_count() -> None:
    (e,) = parse_header("enum { R_A = sizeof(int), R_B, R_C = 7, R_D };").enums
    assert [(m.name, m.value) for m in e.members] == [("R_C", 7), ("R_D", 8)]


def test_attributes_directives_and_usage_inside_enums() -> None:
    h = parse_header("""
enum s_attrs {
	S_A_UNSPEC,
	S_A_OLD __attribute__((deprecated)),
#define S_A_INSIDE 5
	S_A_NEW,
};
struct s { enum s_attrs field; int x; };
enum s_attrs variable;
""")
    (e,) = h.enums
    assert [(m.name, m.value) for m in e.members] == [("S_A_UNSPEC", 0), ("S_A_OLD", 1),
                                                      ("S_A_NEW", 2)]  # fmt: skip
    assert h.defines["S_A_INSIDE"] == 5


def test_spec_style() -> None:
    assert spec_style("TZ_GET_ID") == "tz-get-id"
    assert spec_style("__X_") == "x"


# -- hostile input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "#define DEEP " + "(" * 20000 + "1" + ")" * 20000,
        "#define NEGS " + "-" * 20000 + "1",
        "\n".join(f"#define M{i} M{i + 1}" for i in range(5000)) + "\n#define M5000 1",
        "#define A B\n#define B A\nenum { E_X = A, E_Y };",
        "#define HUGE 0x" + "f" * 5000,
        "#define SHIFT (1 << 100000)",
        "enum { U_X = (1 ",
        "enum { U_X, U_Y",
        "/* never closed " * 1000,
        '#define S "never closed',
        "enum " * 50000,
        "#if 0\n" * 10000,
        "\x00\xff\xfe garbage \x01" * 10000,
        "enum { " + ", ".join(f"W_{i}" for i in range(50000)) + " };",
    ],
)
def test_hostile_headers_are_read_in_bounded_time(text: str) -> None:
    start = time.monotonic()
    header = parse_header(text)
    assert time.monotonic() - start < 10
    for value in header.defines.values():
        assert isinstance(value, int | str)
        if isinstance(value, int):
            assert abs(value) < 1 << 128


def test_deep_macro_chain_is_cut_not_crashed() -> None:
    text = "\n".join(f"#define M{i} (M{i + 1} + 1)" for i in range(2000)) + "\n#define M2000 0"
    h = parse_header(text)
    assert h.defines["M2000"] == 0
    assert h.defines["M1995"] == 5  # short chains resolve
    assert "M0" not in h.defines  # past the bound: left out


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="enum{}=,;()#define_AZaz09 \n/*\"'\\-+<>|&~!?:", max_size=400))
def test_any_text_parses(text: str) -> None:
    parse_header(text)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_parse(data: bytes) -> None:
    parse_header(data)


def test_read_header_errors_are_typed(tmp_path: Path) -> None:
    with pytest.raises(HeaderError, match="cannot read header"):
        read_header(tmp_path / "missing.h")
    big = tmp_path / "big.h"
    big.write_bytes(b" " * ((8 << 20) + 1))
    with pytest.raises(HeaderError, match="larger than"):
        read_header(big)
    with pytest.raises(OSError):  # HeaderError is an OSError too
        read_header(tmp_path)


# -- finding a family's header ---------------------------------------------------------------


def test_prefix_candidates() -> None:
    assert prefix_candidates("THERMAL_GENL_FAMILY_NAME") == ["THERMAL_GENL_FAMILY_",
                                                             "THERMAL_GENL_", "THERMAL_"]
    assert prefix_candidates("MPTCP_PM_NAME") == ["MPTCP_PM_"]
    assert prefix_candidates("ETHTOOL_GENL_NAME") == ["ETHTOOL_GENL_", "ETHTOOL_"]


def test_choose_prefix_takes_the_one_with_command_or_attribute_enums() -> None:
    h = parse_header("enum { THERMAL_GENL_CMD_UNSPEC, THERMAL_GENL_CMD_GET };")
    assert choose_prefix(h, prefix_candidates("THERMAL_GENL_FAMILY_NAME")) == "THERMAL_GENL_"
    h = parse_header("enum { ETHTOOL_MSG_NONE, ETHTOOL_MSG_GET };")
    assert choose_prefix(h, prefix_candidates("ETHTOOL_GENL_NAME")) == "ETHTOOL_"


def _include_dir(tmp_path: Path) -> Path:
    d = tmp_path / "linux"
    d.mkdir()
    (d / "a.h").write_text('#define A_GROUP_NAME "fam"\n')  # a group named like the family
    (d / "fam.h").write_text('#define FAM_GENL_NAME "fam"\nenum { FAM_CMD_UNSPEC, FAM_CMD_X };\n')
    (d / "other.h").write_text('#define OTHER_GENL_NAME "other"\n')
    (d / "genetlink.h").write_text("enum { CTRL_CMD_UNSPEC, CTRL_CMD_NEWFAMILY };\n")
    return d


def test_find_family_header_by_the_family_name_macro(tmp_path: Path) -> None:
    d = _include_dir(tmp_path)
    found = find_family_header("fam", include_dir=str(d))
    assert found is not None
    assert found.header.path == str(d / "fam.h") and found.prefix == "FAM_"
    assert found.macro == "FAM_GENL_NAME"
    assert find_family_header("nothing", include_dir=str(d)) is None
    assert find_family_header("fam", include_dir=str(tmp_path / "missing")) is None
    nlctrl = find_family_header("nlctrl", include_dir=str(d))  # genetlink.h names no family
    assert nlctrl is not None and nlctrl.prefix == "CTRL_" and nlctrl.macro is None


def test_the_users_header_comes_first(tmp_path: Path) -> None:
    d = _include_dir(tmp_path)
    mine = tmp_path / "mine.h"
    mine.write_text('#define MINE_FAMILY_NAME "fam"\nenum { MINE_A_UNSPEC, MINE_A_X };\n')
    found = find_family_header("fam", headers=[mine], include_dir=str(d))
    assert found is not None and found.prefix == "MINE_"
    with pytest.raises(HeaderError):
        find_family_header("fam", headers=[tmp_path / "none.h"], include_dir=str(d))


def test_header_for_a_header_without_the_name_macro(tmp_path: Path) -> None:
    h = tmp_path / "mod.h"
    h.write_text("enum { MOD_CMD_UNSPEC, MOD_CMD_GO };\nenum { MOD_A_UNSPEC, MOD_A_X };\n")
    found = header_for("mod", h)
    assert found is not None and found.prefix == "MOD_" and found.macro is None
    (tmp_path / "none.h").write_text("enum { P_X, P_Y };\n")
    with pytest.raises(HeaderError, match="names no family"):
        header_for("mod", tmp_path / "none.h")
    (tmp_path / "other.h").write_text('#define OTHER_GENL_NAME "other"\n'
                                      "enum { OTHER_CMD_UNSPEC, OTHER_CMD_GO };\n")
    with pytest.raises(HeaderError, match="header of other, not of 'mod'"):
        header_for("mod", tmp_path / "other.h")  # a wrong header gives no names


def test_genltest_header() -> None:
    found = header_for("genltest", GENLTEST_HEADER)
    assert found is not None and found.prefix == "GENLTEST_"
    h = found.header
    assert h.defines["GENLTEST_FAMILY_NAME"] == "genltest"
    assert h.defines["GENLTEST_MSG_MAX_LEN"] == 256
    cmds = h.enum("GENLTEST_CMD_")
    assert cmds is not None and {m.value: cmds.short_name(m) for m in cmds.by_value.values()} == {
        0: "unspec", 1: "echo", 2: "dump", 3: "notify"}  # fmt: skip


# -- the system's headers (Debian's linux-libc-dev), when installed --------------------------

needs_headers = pytest.mark.skipif(not (SYSTEM / "genetlink.h").is_file(),
                                   reason="no /usr/include/linux (linux-libc-dev)")  # fmt: skip


@needs_headers
def test_every_system_header_parses() -> None:
    start = time.monotonic()
    for path in sorted(SYSTEM.glob("*.h")):
        read_header(path)
    assert time.monotonic() - start < 60


@needs_headers
def test_genetlink_h() -> None:
    h = read_header(SYSTEM / "genetlink.h")
    cmds = h.enum("CTRL_CMD_")
    assert cmds is not None and cmds.by_value[3].name == "CTRL_CMD_GETFAMILY"
    policy = h.enum("CTRL_ATTR_POLICY_")
    assert policy is not None and {m.name for m in policy.named} == {
        "CTRL_ATTR_POLICY_UNSPEC", "CTRL_ATTR_POLICY_DO", "CTRL_ATTR_POLICY_DUMP"}  # fmt: skip


@needs_headers
@pytest.mark.parametrize(
    ("family", "prefix"),
    [("thermal", "THERMAL_GENL_"), ("mptcp_pm", "MPTCP_PM_"), ("ethtool", "ETHTOOL_"),
     ("tcp_metrics", "TCP_METRICS_"), ("nlctrl", "CTRL_")],
)  # fmt: skip
def test_system_family_headers(family: str, prefix: str) -> None:
    found = find_family_header(family)
    assert found is not None and found.prefix == prefix


@needs_headers
def test_nl80211_aliases_do_not_name_commands() -> None:
    path = SYSTEM / "nl80211.h"
    if not path.is_file():
        pytest.skip("no nl80211.h")
    cmds = read_header(path).enum("NL80211_CMD_")
    assert cmds is not None
    assert cmds.by_name["NL80211_CMD_NEW_BEACON"].alias_of == "NL80211_CMD_START_AP"
    assert cmds.by_value[cmds.by_name["NL80211_CMD_START_AP"].value].name == "NL80211_CMD_START_AP"

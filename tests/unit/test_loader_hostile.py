"""Hostile specs and wrong arguments (issue 11, items 9, 12, 13): the loader fails fast with
one SpecError line, never hangs, never raises a bare TypeError/ValueError/RecursionError, and
never silently drops a name it cannot resolve."""

from __future__ import annotations

import copy
import functools
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from genetlink.loader import (
    SpecError,
    build_family,
    declare_family,
    find_spec,
    list_specs,
    load_family,
    load_spec,
    load_spec_text,
)
from genetlink.loader.errors import preview
from genetlink.loader.parse import MAX_SPEC_BYTES, MAX_SPEC_DEPTH, MAX_SPEC_NODES

SPEC_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "kernel-specs" / "specs"

MINIMAL = "name: x\noperations: {list: []}\n"


def alias_bomb(last: str = "name: *a9") -> str:
    """Ten levels, each repeating the previous nine times: 9**9 values behind 400 bytes."""
    lines = ["a0: &a0 [x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    return "\n".join([*lines, last, ""])


def load_in_child(text: str, timeout: float = 20) -> tuple[float, str]:
    """(seconds the load took, the error line) in a child process, so a regression hangs
    that process, not the suite (a repr stuck in C cannot be interrupted)."""
    code = (
        "import json, sys, time\n"
        "from genetlink.loader import SpecError, load_spec_text\n"
        "text = sys.stdin.read()\n"
        "start = time.perf_counter()\n"
        "try:\n"
        "    load_spec_text(text, source='bomb.yaml')\n"
        "    line = 'loaded'\n"
        "except SpecError as e:\n"
        "    line = str(e)\n"
        "print(json.dumps([time.perf_counter() - start, line]))\n"
    )
    try:
        done = subprocess.run([sys.executable, "-c", code], input=text, capture_output=True,
                              text=True, timeout=timeout)  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail(f"loading took more than {timeout} s")
    assert done.returncode == 0, done.stderr
    seconds, line = json.loads(done.stdout)
    return float(seconds), str(line)


def one_line_error(text: str | bytes, *words: str) -> SpecError:
    start = time.perf_counter()
    with pytest.raises(SpecError) as info:
        load_spec_text(text, source="h.yaml")
    assert time.perf_counter() - start < 1.0
    message = str(info.value)
    assert "\n" not in message and len(message) < 400, message
    for word in words:
        assert word in message, message
    return info.value


# -- item 9: bounded work and bounded messages --------------------------------------------------


@pytest.mark.parametrize(
    "last",
    ["name: *a9", "name: x\ndoc: *a9", "name: x\noperations: {list: *a9}",
     "name: x\nattribute-sets: [{name: s, attributes: *a9}]"],
)  # fmt: skip
def test_alias_bomb_fails_fast(last: str) -> None:
    seconds, line = load_in_child(alias_bomb(last))
    assert seconds < 1.0, line
    assert line.startswith("bomb.yaml: ") and "\n" not in line
    assert f"more than {MAX_SPEC_NODES} nodes" in line


def test_aliases_that_multiply_the_loaders_work_are_refused() -> None:
    """No deep nesting needed: 600 sets sharing one list of 600 attributes is 360,000
    attributes to build (minutes) from 25 KB of text."""
    attrs = ", ".join(f"{{name: a{i}, type: u8}}" for i in range(600))
    sets = "\n".join(f"  - {{name: s{i}, attributes: *attrs}}" for i in range(1, 600))
    text = f"name: x\nshared: &attrs [{attrs}]\nattribute-sets:\n{sets}\noperations: {{list: []}}\n"
    seconds, line = load_in_child(text)
    assert seconds < 1.0 and "nodes" in line, line


def test_self_referencing_alias() -> None:
    one_line_error("name: &n [*n]\n", f"nested deeper than {MAX_SPEC_DEPTH} levels", "line 1")


def test_deep_nesting() -> None:
    one_line_error("name: " + "[" * 500 + "]" * 500 + "\n", "nested deeper than")
    # libyaml's own limit (1000 flow levels) also becomes a SpecError
    one_line_error("name: " + "[" * 5000 + "]" * 5000 + "\n", "h.yaml: ")


def test_size_limit(tmp_path: Path) -> None:
    big = MINIMAL + "#" * MAX_SPEC_BYTES
    one_line_error(big, "larger than")
    path = tmp_path / "big.yaml"
    path.write_text(big)
    with pytest.raises(SpecError, match="larger than"):
        load_spec(path)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("name: x\nprotonum: 0x" + "f" * 20000 + "\n" + "operations: {list: []}",
         ["protonum", "80000-bit number is out of the 64-bit range"]),
        ("name: x\nprotonum: 1" + "0" * 5000 + "\n", ["invalid YAML value", "digits"]),
        ("name: 2001-13-01\n", ["invalid YAML value", "month"]),
        ("name: !!int nope\n", ["invalid YAML value"]),
        ("name: x\nversion: -0x" + "f" * 5000 + "\n", ["version", "out of the 64-bit range"]),
    ],
)  # fmt: skip
def test_scalars_the_constructor_or_str_cannot_take(text: str, words: list[str]) -> None:
    one_line_error(text, *words)


def test_number_strings_are_ascii_digits() -> None:
    """str.isdigit() accepts "²", which int() refuses; and a constant may be a digit string."""
    spec = {"name": "x", "definitions": [{"name": "c", "type": "const", "value": "²"}],
            "attribute-sets": [{"name": "s", "attributes": [
                {"name": "a", "type": "binary", "checks": {"max-len": "c"}}]}],
            "operations": {"list": []}}  # fmt: skip
    with pytest.raises(SpecError, match="constant 'c' is not a number"):
        build_family(spec)
    spec["attribute-sets"][0]["attributes"][0]["checks"]["max-len"] = "1" * 5000
    with pytest.raises(SpecError, match="unknown constant"):
        build_family(spec)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"\x7fELF\x02\x01\x01\x00\x00\x00", ["h.yaml: position 0: not YAML text", "#x007f"]),
        (b"name: caf\xe9\n", ["h.yaml: position 9: not UTF-8 text (byte 0xe9)"]),
        (b"name: \xff\xfe\n", ["h.yaml: position 6: not UTF-8 text (byte 0xff)"]),
        ("name: \ud800\n", ["h.yaml: position 6: not UTF-8 text (a lone surrogate)"]),
        (b"\xff\xfen\x00a\x00m\x00e\x00:\x00 \x00\x00\xd8", ["h.yaml: position ", "not YAML text"]),
    ],
)
def test_text_that_is_not_utf8(data: str | bytes, words: list[str]) -> None:
    one_line_error(data, *words)


def test_not_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"name: caf\xe9\noperations: {list: []}\n")
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert str(info.value) == f"{path}: position 9: not UTF-8 text (byte 0xe9)"


def test_error_messages_render_values_briefly() -> None:
    huge: list[Any] = [list(range(1000))] * 1000
    assert len(preview(huge)) <= 60
    loop: list[Any] = []
    loop.append(loop)
    assert preview(loop).startswith("[[") and "..." in preview(loop)
    assert preview(10**5000) == "<int>"
    spec = {"name": huge, "operations": {"list": []}}
    with pytest.raises(SpecError) as info:
        build_family(spec, source="big")
    assert len(str(info.value)) < 120
    with pytest.raises(SpecError, match=r"^big: 'k+\.\.\.k+': unknown key$"):
        build_family({"name": "x", "k" * 10**6: 1, "operations": {"list": []}}, source="big",
                     strict=True)  # fmt: skip


def test_long_chains_are_refused_not_recursed() -> None:
    sets = [{"name": "s0", "attributes": [{"name": "a", "type": "u32"}]}]
    sets += [{"name": f"s{i}", "subset-of": f"s{i - 1}", "attributes": [{"name": "a"}]}
             for i in range(1, 2000)]  # fmt: skip
    with pytest.raises(SpecError, match=f"chain of more than {MAX_SPEC_DEPTH} subsets"):
        build_family({"name": "x", "attribute-sets": sets[::-1], "operations": {"list": []}})
    structs = [{"name": "t0", "type": "struct", "members": [{"name": "m", "type": "u32"}]}]
    structs += [{"name": f"t{i}", "type": "struct",
                 "members": [{"name": "m", "type": "binary", "struct": f"t{i - 1}"}]}
                for i in range(1, 2000)]  # fmt: skip
    with pytest.raises(SpecError, match=f"nested more than {MAX_SPEC_DEPTH} deep"):
        build_family({"name": "x", "definitions": structs[::-1], "operations": {"list": []}})


def _selector_spec(chain: int, distinct: bool) -> dict[str, Any]:
    """A selector attribute set at the end of a chain of nests, its selectors at the top."""
    top = [{"name": f"k{j}", "type": "string"} for j in range(chain)]
    sets = [{"name": "c0", "attributes": [*top, {"name": "n", "type": "nest",
                                                 "nested-attributes": "c1"}]}]  # fmt: skip
    sets += [{"name": f"c{i}", "attributes": [{"name": "n", "type": "nest",
                                               "nested-attributes": f"c{i + 1}"}]}
             for i in range(1, chain)]  # fmt: skip
    sets += [{"name": f"c{chain}", "attributes": [
        {"name": f"p{j}", "type": "sub-message", "sub-message": "m",
         "selector": f"k{j}" if distinct else "k0"} for j in range(chain)]}]  # fmt: skip
    return {"name": "x", "attribute-sets": sets, "operations": {"list": []},
            "sub-messages": [{"name": "m", "formats": [{"value": "a"}]}]}  # fmt: skip


def test_selector_searches_are_bounded() -> None:
    start = time.perf_counter()
    fam = build_family(_selector_spec(1500, distinct=False))  # one search, remembered
    assert fam.attribute_sets["c1500"]["p7"].selector == "k0"
    with pytest.raises(SpecError, match="selector searches visit more than"):
        build_family(_selector_spec(1500, distinct=True))  # 1500 searches of 1500 levels
    assert time.perf_counter() - start < 2.0


def test_many_holders_of_a_sub_message_with_many_formats() -> None:
    """Holders x formats was the cost of finding enclosing sets; now it is holders + formats."""
    count = 6000
    sets = [{"name": f"h{i}", "attributes": [
        {"name": "kind", "type": "string"},
        {"name": "m", "type": "sub-message", "sub-message": "m", "selector": "kind"}]}
        for i in range(count)]  # fmt: skip
    sets.append({"name": "f", "attributes": [{"name": "x", "type": "u8"}]})
    formats = [{"value": str(j), "attribute-set": "f"} for j in range(count)]
    start = time.perf_counter()
    build_family({"name": "x", "attribute-sets": sets, "operations": {"list": []},
                  "sub-messages": [{"name": "m", "formats": formats}]})  # fmt: skip
    assert time.perf_counter() - start < 2.0


@pytest.mark.skipif(not SPEC_DIR.is_dir(), reason=f"kernel spec fixtures not at {SPEC_DIR}")
def test_kernel_specs_are_far_inside_the_limits() -> None:
    for path in sorted(SPEC_DIR.glob("*.yaml")):
        data = path.read_bytes()
        assert len(data) * 20 < MAX_SPEC_BYTES, path
        loader = yaml.CSafeLoader(data) if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader(data)
        try:
            node, count, depth = loader.get_single_node(), 0, 0
            stack = [(node, 1)]
            while stack:
                item, level = stack.pop()
                count, depth = count + 1, max(depth, level)
                if isinstance(item, yaml.MappingNode):
                    stack += [(n, level + 1) for pair in item.value for n in pair]
                elif isinstance(item, yaml.SequenceNode):
                    stack += [(n, level + 1) for n in item.value]
        finally:
            loader.dispose()
        assert count * 20 < MAX_SPEC_NODES and depth * 3 < MAX_SPEC_DEPTH, (path, count, depth)


# -- item 12: operations that list attributes their set does not define ------------------------

BASE: dict[str, Any] = {
    "name": "demo",
    "attribute-sets": [{"name": "main", "attributes": [{"name": "id", "type": "u32"},
                                                       {"name": "label", "type": "string"}]}],
    "operations": {"list": [
        {"name": "get", "attribute-set": "main",
         "do": {"request": {"attributes": ["id"]}, "reply": {"attributes": ["id", "label"]}},
         "dump": {"reply": {"attributes": ["id"]}}},
        {"name": "changed", "attribute-set": "main", "event": {"attributes": ["id"]}},
    ]},
}  # fmt: skip


@pytest.mark.parametrize(
    ("where", "path"),
    [
        (("list", 0, "do", "request"), "operations.list[0].do.request.attributes[1]"),
        (("list", 0, "do", "reply"), "operations.list[0].do.reply.attributes[2]"),
        (("list", 0, "dump", "reply"), "operations.list[0].dump.reply.attributes[1]"),
        (("list", 1, "event"), "operations.list[1].event.attributes[1]"),
    ],
)
def test_unknown_attribute_of_an_operation(where: tuple[Any, ...], path: str,
                                           caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    """Strict: a SpecError naming the element. Otherwise the name is dropped (the runtime goes
    by attribute sets) and reported once for the spec, with the element's path."""
    data = copy.deepcopy(BASE)
    section: Any = data["operations"]
    for key in where:
        section = section[key]
    section["attributes"].append("lable")
    text = yaml.safe_dump(data)
    with pytest.raises(SpecError) as info:
        load_spec_text(text, source="demo.yaml", strict=True)
    assert info.value.path == path
    assert info.value.reason == "unknown attribute 'lable' in 'main'"
    assert str(info.value) == f"demo.yaml: {path}: unknown attribute 'lable' in 'main'"
    with caplog.at_level("INFO", logger="genetlink.loader"):
        fam = load_spec_text(text, source="demo.yaml")
    assert all("lable" not in message.attributes for op in fam.operations.values()
               for mode in (op.do, op.dump) if mode is not None
               for message in (mode.request, mode.reply) if message is not None)  # fmt: skip
    (record,) = [r for r in caplog.records if "lable" in r.getMessage()]
    assert f"demo.yaml: {path}: unknown attribute 'lable' in 'main'" in record.getMessage()


def test_declared_operation_with_an_unknown_attribute() -> None:
    with pytest.raises(SpecError, match=r"operations\.list\[0\]\.do\.request\.attributes\[1\]"):
        declare_family("demo", attributes={"id": (1, "u32")}, operations={"get": (1, ["id", "x"])})


@pytest.mark.skipif(not SPEC_DIR.is_dir(), reason=f"kernel spec fixtures not at {SPEC_DIR}")
def test_nftables_slips_are_dropped_and_reported_once(caplog: pytest.LogCaptureFixture) -> None:
    """nftables.yaml lists `name` in rule, setelem and gen operations whose sets have no such
    attribute (an upstream slip): the spec still loads, with one note naming the first, at
    INFO: a user of the spec has nothing to fix, so no warning on every command."""
    with caplog.at_level("INFO", logger="genetlink.loader"):
        fam = load_spec(SPEC_DIR / "nftables.yaml")
    assert fam.operations["getrule"].do.request.attributes == ()
    assert fam.operations["getgen"].do.reply.attributes == ()
    assert fam.operations["newtable"].do.request.attributes == ("name",)  # table-attrs has it
    (record,) = caplog.records
    assert record.levelname == "INFO"
    assert "operations.list[10].do.request.attributes[0]: unknown attribute 'name'" in (
        record.getMessage())  # fmt: skip
    assert "more)" in record.getMessage()
    with pytest.raises(SpecError, match=r"operations\.list\[10\]\.do\.request\.attributes\[0\]"):
        load_spec(SPEC_DIR / "nftables.yaml", strict=True)


# -- item 13: wrong argument types get the library's error ------------------------------------


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: load_spec_text(None), ["YAML text (str or bytes), got NoneType", "load_spec"]),
        (lambda: load_spec_text(123), ["got int"]),
        (lambda: load_spec_text(MINIMAL, source=5), ["source", "got int"]),
        (lambda: load_spec(123), ["a spec path is a str or os.PathLike, got int",
                                  "load_spec_text"]),
        (lambda: load_spec(None), ["got NoneType"]),
        (lambda: build_family({"name": "x"}, source=None), ["source", "got NoneType"]),
        (lambda: find_spec(None), ["a family name is a str, got NoneType"]),
        (lambda: find_spec("x", path=5), ["path is a str or os.PathLike, got int"]),
        (lambda: find_spec("x", env=["a"]), ["env is a mapping", "got list"]),
        (lambda: find_spec("x", env={"GENETLINK_SPEC_PATH": 5}), ["GENETLINK_SPEC_PATH",
                                                                  "got int"]),
        (lambda: find_spec("x", system_dirs="/usr/share"), ["sequence of directories"]),
        (lambda: find_spec("x", system_dirs=[5]), ["system_dirs entry", "got int"]),
        (lambda: load_family(None), ["a family name is a str"]),
        (lambda: list_specs(env=5), ["env is a mapping"]),
        (lambda: declare_family("d", attributes=[("id", 1)]), ["attributes: expected a mapping"]),
        (lambda: declare_family("d", attributes={"id": 1}), ["attributes.id: expected (number, "
                                                             "type)"]),
        (lambda: declare_family("d", attributes={"id": (1,)}), ["attributes.id"]),
        (lambda: declare_family("d", attributes={"id": (1, "u32", 5)}), ["attributes.id"]),
        (lambda: declare_family("d", attribute_sets=["s"]), ["attribute_sets: expected"]),
        (lambda: declare_family("d", attribute_sets={"s": 1}), ["attribute_sets.s: expected"]),
        (lambda: declare_family("d", operations=["get"]), ["operations: expected a mapping"]),
        (lambda: declare_family("d", operations={"get": 1}), ["operations.get: expected"]),
        (lambda: declare_family("d", attributes={"id": (1, "u32")}, operations={"g": (1, "id")}),
         ["operations.g[1]: expected a list of attribute names, got 'id'"]),
        (lambda: declare_family("d", mcast_groups="events"), ["mcast_groups: expected a list"]),
        (lambda: declare_family("d", mcast_groups=5), ["mcast_groups"]),
        (lambda: declare_family("d", definitions=[5]), ["definitions[0]: expected a mapping"]),
        (lambda: declare_family(None), ["name"]),
        (lambda: declare_family(5), ["name: expected a string, got 5"]),
    ],
)  # fmt: skip
def test_wrong_argument_types(call: Any, words: list[str]) -> None:
    with pytest.raises(SpecError) as info:
        call()
    for word in words:
        assert word in str(info.value), str(info.value)


def test_bytes_and_pathlike_paths_still_work(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(MINIMAL)
    assert load_spec(path).name == load_spec(bytes(path)).name == "x"
    assert load_spec_text(MINIMAL.encode()).name == "x"
    assert load_spec_text(bytearray(MINIMAL.encode())).name == "x"


# -- any damage to a real spec: SpecError or a family, nothing else ----------------------------

JUNK: list[Any] = [None, 0, -1, 2**70, "", "x", "u32-max", "²", "a - 1", 1.5, True, [], {},
                   [1], {"name": None}, [{"name": 1}], b"x"]  # fmt: skip


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict | list):
        for key, item in value.items() if isinstance(value, dict) else enumerate(value):
            found += _paths(item, (*path, key))
    return found


@pytest.mark.skipif(not SPEC_DIR.is_dir(), reason=f"kernel spec fixtures not at {SPEC_DIR}")
@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["nlctrl", "netdev", "rt-addr", "rt-route", "ovs_flow"]), st.data())
def test_damaged_kernel_specs_fail_with_spec_error(name: str, data: st.DataObject) -> None:
    spec = copy.deepcopy(_parsed(name))
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(spec)[1:]))
        parent = spec
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = copy.deepcopy(data.draw(st.sampled_from(JUNK)))
    try:
        build_family(spec, source=name, strict=data.draw(st.booleans()))
    except SpecError as err:
        assert "\n" not in str(err)


@functools.cache
def _parsed(name: str) -> Any:
    return yaml.safe_load((SPEC_DIR / f"{name}.yaml").read_bytes())


def test_fixed_header_members_in_an_attribute_list_are_no_slip(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """netlink-raw specs (rt-link of 6.12) list fixed-header members beside attributes."""
    text = """
name: raw
protocol: netlink-raw
protonum: 0
definitions:
  - name: hdr
    type: struct
    members:
      - {name: index, type: u32}
attribute-sets:
  - name: attrs
    attributes:
      - {name: name, type: string, value: 1}
operations:
  fixed-header: hdr
  name-prefix: rtm-
  list:
    - name: get
      value: 18
      attribute-set: attrs
      do:
        request: {attributes: [index, name]}
"""
    with caplog.at_level("WARNING", logger="genetlink.loader"):
        fam = load_spec_text(text, source="raw.yaml", strict=True)
    assert fam.operations["get"].do.request.attributes == ("name",)
    assert not caplog.records


@pytest.mark.skipif(not SPEC_DIR.is_dir(), reason=f"kernel spec fixtures not at {SPEC_DIR}")
def test_the_cli_shows_a_specs_slips_where_specs_are_read_not_on_every_request() -> None:
    def run(*argv: str) -> str:
        code = "import sys; from genetlink.cli.main import main; sys.exit(main())"
        done = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True,
                              text=True, timeout=60)  # fmt: skip
        return done.stderr

    spec = str(SPEC_DIR / "nftables.yaml")
    note = "unknown attribute 'name' in 'rule-attrs' (and 15 more): dropped from the operation"
    assert note in run("spec", "show", spec)
    # the spec loads, then the op is refused: no kernel needed
    assert note in run("--debug", "do", "nftables", "--spec", spec, "no-such-op")
    quiet = run("do", "nftables", "--spec", spec, "no-such-op")
    assert "no operation 'no-such-op'" in quiet and "dropped" not in quiet

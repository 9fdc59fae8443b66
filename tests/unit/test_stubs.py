"""genetlink stubs: the generated module of every spec fixture and shipped spec type-checks
(mypy --strict, pyright strict), user code against it passes, mistakes fail with the errors
tests/typing_errors/stubs_misuse.py marks, the modules import and say what the codec returns.
Kernel calls through the typed handles: tests/kernel/test_stubs_kernel.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import types
import typing
from pathlib import Path

import pytest
import stubcheck
from conftest import KERNEL_SPECS, REPO

from genetlink.cli.main import main
from genetlink.codec.decode import Mismatched
from genetlink.codec.family import FamilyCodec
from genetlink.loader import load_spec
from genetlink.loader.declare import declare_family
from genetlink.stubs import module_name, render_stubs, write_stubs
from genetlink.wire.attrs import AttrBuilder
from genetlink.wire.message import build_message, parse_messages

SPECS = KERNEL_SPECS / "specs"
SHIPPED = REPO / "src" / "genetlink" / "specs"
COMMITTED = REPO / "tests" / "typing" / "stubs"
USER = COMMITTED / "stubs_user.py"
MISUSE = REPO / "tests" / "typing_errors" / "stubs_misuse.py"

pytestmark = pytest.mark.skipif(not SPECS.is_dir(), reason=f"no kernel specs at {SPECS}")


#: Families whose stubs are made --mismatched too (as <family>_mismatched_stubs).
MISMATCHED = ("netdev", "rt-link", "rt-rule", "tc", "ethtool")


def spec_modules() -> dict[str, Path]:
    """Module name -> spec: every kernel spec fixture, and our shipped specs (prefixed: the
    kernel's nlctrl.yaml and ours would both be nlctrl_stubs)."""
    found = {module_name(load_spec(path)): path for path in sorted(SPECS.glob("*.yaml"))}
    for path in sorted(SHIPPED.glob("*.yaml")):
        found["shipped_" + module_name(load_spec(path))] = path
    return found


#: Names that trip generators: keywords, builtins, a digit first, the module's own names, a set
#: that nests itself (a declaration, not a spec).
ODD = declare_family(
    "odd-names",
    attribute_sets={"odd": {
        "class": (1, "u32"), "int": (2, "string"), "2nd": (3, "u8"), "Op": (5, "u16"),
        "self": {"value": 4, "type": "nest", "nested-attributes": "odd"},
        "typed": (6, "flag"), "str": (7, "binary")}},
    operations={"get": (1, ["class", "int"]), "op": (2, ["Op"]), "typed": (3, ["self"])},
    mcast_groups=["AnyMessage"],
)  # fmt: skip


def mismatched_module(name: str) -> str:
    return module_name(load_spec(SPECS / f"{name}.yaml")).replace("_stubs", "_mismatched_stubs")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the stubs of every spec, the user script and the misuse script."""
    out = tmp_path_factory.mktemp("stubs")
    for module, path in spec_modules().items():
        write_stubs(load_spec(path), out, module=module)
    for name in MISMATCHED:
        write_stubs(load_spec(SPECS / f"{name}.yaml"), out, module=mismatched_module(name),
                    mismatched=True)  # fmt: skip
    write_stubs(ODD, out)
    shutil.copy(USER, out)
    shutil.copy(MISUSE, out)
    return out


def expected_errors() -> dict[int, tuple[str, str]]:
    """Line -> (mypy code, pyright rule) from the misuse script's `# error:` markers."""
    marked: dict[int, tuple[str, str]] = {}
    for number, line in enumerate(MISUSE.read_text().splitlines(), 1):
        found = re.search(r"# error: (\S+) (\S+)$", line)
        if found:
            marked[number] = (found[1], found[2])
    return marked


def test_every_spec_has_a_module() -> None:
    modules = spec_modules()
    assert len(modules) == len(list(SPECS.glob("*.yaml"))) + len(list(SHIPPED.glob("*.yaml")))
    assert {"netdev_stubs", "rt_link_stubs", "shipped_genltest_stubs"} <= set(modules)


def test_mypy_strict_passes_the_stubs_and_the_user_and_fails_the_misuse(generated: Path) -> None:
    """One mypy run over every generated module and both scripts (~30 modules, seconds)."""
    files = sorted(p.name for p in generated.glob("*.py"))
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--no-error-summary",
         "--cache-dir", str(generated / ".mypy_cache"), "--python-version", "3.11", *files],
        cwd=generated, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    errors = re.findall(r"^(\S+?\.py):(\d+): error: .*\[([\w-]+)\]$", done.stdout, re.M)
    elsewhere = [e for e in errors if e[0] != MISUSE.name]
    assert not elsewhere, done.stdout
    found = {int(line): code for _, line, code in errors}
    assert found == {line: code for line, (code, _) in expected_errors().items()}, done.stdout
    assert done.returncode == 1


def test_the_generated_modules_are_ruff_clean(generated: Path) -> None:
    """Generated code keeps the project's lint rules, so it can live in a user's tree."""
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--config",
         str(REPO / "pyproject.toml"), str(generated)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def pyright() -> list[str]:
    """The pyright command (the test extra's wrapper, which fetches pyright itself on first
    use), or skip saying why."""
    command = shutil.which("pyright", path=str(Path(sys.executable).parent)) or shutil.which(
        "pyright")
    if command is None:
        pytest.skip("pyright is not installed (pip install -e .[test] installs it)")
    try:
        done = subprocess.run([command, "--version"], capture_output=True, text=True,
                              timeout=300)  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.skip("pyright did not start within 300 s (fetching its npm package offline?)")
    if done.returncode != 0:
        pytest.skip(f"pyright cannot run here (offline?): {(done.stdout + done.stderr)[-300:]}")
    return [command]


def test_pyright_strict_passes_the_stubs_and_the_user_and_fails_the_misuse(
    generated: Path,
) -> None:
    command = pyright()
    config = {"typeCheckingMode": "strict", "pythonVersion": "3.11"}
    (generated / "pyrightconfig.json").write_text(json.dumps(config))
    done = subprocess.run([*command, "--outputjson", "--pythonpath", sys.executable, "."],
                          cwd=generated, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYRIGHT_PYTHON_IGNORE_WARNINGS": "1"})  # fmt: skip
    report = json.loads(done.stdout)
    rules: dict[int, set[str]] = {}
    for item in report["generalDiagnostics"]:
        where = f"{Path(item['file']).name}:{item['range']['start']['line'] + 1}"
        assert Path(item["file"]).name == MISUSE.name, f"{where}: {item['message']}"
        assert item["severity"] == "error", f"{where}: {item['message']}"
        rules.setdefault(item["range"]["start"]["line"] + 1, set()).add(item.get("rule", ""))
    expected = expected_errors()
    assert set(rules) == set(expected), rules
    for line, (_, rule) in expected.items():
        assert rule in rules[line], (line, rules[line])
    assert report["summary"]["filesAnalyzed"] == len(list(generated.glob("*.py")))


def test_the_committed_stubs_are_what_the_generator_makes() -> None:
    """tests/typing/stubs (type-checked by `make lint` with the user script) stays current."""
    for name in ("netdev", "rt-link"):
        family = load_spec(SPECS / f"{name}.yaml")
        committed = (COMMITTED / f"{module_name(family)}.py").read_text()
        assert committed == render_stubs(family), f"run: genetlink stubs {name} -o {COMMITTED}"


def test_every_module_imports_and_its_promises_resolve(generated: Path) -> None:
    """At run time too: TypedDicts, views and handle overloads resolve to real types."""
    sys.path.insert(0, str(generated))
    try:
        families = {module: load_spec(path) for module, path in spec_modules().items()}
        for module_file, family in {**families, "odd_names_stubs": ODD}.items():
            module = stubcheck.load(generated / f"{module_file}.py")
            views = stubcheck.views(module, family)
            assert set(views) == set(family.operations)
            for view in set(views.values()):
                for value in stubcheck.promised(view).values():
                    assert value is not typing.Any
            for value in vars(module).values():
                if typing.is_typeddict(value):
                    typing.get_type_hints(value)
    finally:
        sys.path.remove(str(generated))


def test_typed_returns_the_handle_and_refuses_another_family(generated: Path) -> None:
    module = stubcheck.load(generated / "netdev_stubs.py")
    handle = types.SimpleNamespace(name="netdev")
    assert module.typed(handle) is handle
    with pytest.raises(ValueError, match="a handle on rt-link, not netdev"):
        module.typed(types.SimpleNamespace(name="rt-link"))


# -- the values the stubs promise are what the codec returns -----------------------------------


def attrs(codec: FamilyCodec, set_name: str, *items: tuple[str, bytes]) -> bytes:
    numbers = codec.family.attribute_sets[set_name].attributes
    builder = AttrBuilder()
    for name, payload in items:
        builder.put(numbers[name].value, payload)
    return bytes(builder.buffer)


def test_header_members_named_like_attributes_are_typed_as_header_keys(generated: Path) -> None:
    """rt-rule: fib_rule_hdr.table (u8) is "header.table", FRA_TABLE (u32) "table"; an
    IPv6 rule's `src` (a u32 in the spec) comes as a Mismatched, which only --mismatched
    stubs include."""
    codec = FamilyCodec(load_spec(SPECS / "rt-rule.yaml"))
    module = stubcheck.load(generated / "rt_rule_stubs.py")
    view = stubcheck.views(module, codec.family)["getrule"]
    promised = stubcheck.promised(view)
    assert promised["header.table"] is int and promised["table"] is int
    assert promised["src"] is int
    exact_module = stubcheck.load(generated / "rt_rule_mismatched_stubs.py")
    exact = stubcheck.views(exact_module, codec.family)["getrule"]
    promised = stubcheck.promised(exact)
    assert promised["src"] == int | Mismatched and promised["header.table"] is int
    header = struct.pack("=BBBBBBBBI", socket.AF_INET6, 64, 0, 0, 5, 0, 0, 1, 0)
    body = header + attrs(codec, "fib-rule-attrs", ("table", struct.pack("=I", 1000)),
                          ("src", socket.inet_pton(socket.AF_INET6, "2001:db8::1")))  # fmt: skip
    message = codec.decode(parse_messages(build_message(32, 0, 1, 0, body))[0])
    assert (message["header.table"], message["table"]) == (5, 1000)
    assert isinstance(message["src"], Mismatched)
    assert stubcheck.message_problems(message, view) == []
    assert stubcheck.message_problems(message, exact, exact=True) == []
    (lazy, full) = stubcheck.message_problems(message, view, exact=True)
    assert "(read lazily).src: Mismatched(" in lazy and ".src: Mismatched" in full


def test_requests_encoded_from_typed_values_decode_as_promised(generated: Path) -> None:
    """Values of the stubs' request types (a TypedDict each) go through the encoder and come
    back from the decoder as the reply views promise: addresses as text, MACs as text, enums
    and flags by name, nests as dicts, a sub-message by its selector."""
    cases = [
        ("rt-link", "newlink", {"ifi-family": 0, "ifi-flags": ["up", "broadcast"],
                                "ifname": "x0", "mtu": 1400, "address": "02:00:00:00:00:01",
                                "linkinfo": {"kind": "vlan", "data": {"id": 7}},
                                "operstate": 6, "stats64": {"rx-packets": 3}}),
        ("rt-addr", "newaddr", {"ifa-family": socket.AF_INET6, "ifa-prefixlen": 64,
                                "address": "2001:db8::1", "label": "x0",
                                "cacheinfo": {"ifa-prefered": 1, "ifa-valid": 2}}),
        ("rt-route", "getroute", {"rtm-family": socket.AF_INET, "dst": "192.0.2.0",
                                  "rtm-type": "unicast", "table": 254, "oif": 3}),
        ("netdev", "dev-get", {"ifindex": 1, "xdp-features": ["basic", "redirect"]}),
        ("nlctrl", "getfamily", {"family-name": "nlctrl", "version": 2}),
    ]  # fmt: skip
    for name, op, values in cases:
        codec = FamilyCodec(load_spec(SPECS / f"{name}.yaml"))
        module = stubcheck.load(generated / f"{module_name(codec.family)}.py")
        view = stubcheck.views(module, codec.family)[op]
        number, body = codec.encode(op, values)
        if codec.family.is_genetlink:
            body = bytes([number, 1, 0, 0]) + body
        message = codec.decode(parse_messages(build_message(number, 0, 1, 0, body))[0], op)
        assert stubcheck.message_problems(message, view) == [], name
        assert set(values) <= set(message), (name, set(values) - set(message))


# -- the command --------------------------------------------------------------------------------


def test_the_command_writes_the_module(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stubs", str(SPECS / "netdev.yaml"), "-o", str(tmp_path / "typings")]) == 0
    written = tmp_path / "typings" / "netdev_stubs.py"
    assert capsys.readouterr().out.strip() == str(written)
    assert written.read_text() == render_stubs(load_spec(SPECS / "netdev.yaml"))
    assert main(["stubs", str(SPECS / "rt-link.yaml"), "-o", "-", "--module", "links"]) == 0
    out = capsys.readouterr().out
    assert "links.typed(open_family(\"rt-link\"))" in out and "class RtLinkHandle(" in out
    assert "Mismatched" not in out
    assert main(["stubs", str(SPECS / "rt-link.yaml"), "-o", "-", "--mismatched"]) == 0
    out = capsys.readouterr().out
    assert "Generated with --mismatched" in out and '"mtu": "int | Mismatched"' in out


@pytest.mark.parametrize(
    "argv", [["./nosuch.yaml"], ["/etc/hostname"], ["{spec}", "-o", "/proc/x"]])
def test_the_command_fails_in_one_line(argv: list[str], tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    monkeypatch.setenv("GENETLINK_SPEC_PATH", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    argv = [arg.format(spec=SPECS / "netdev.yaml") for arg in argv]
    assert main(["stubs", *argv]) == 1
    err = capsys.readouterr().err
    assert err.startswith("genetlink: error: ") and len(err.strip().splitlines()) == 1, err


@pytest.mark.parametrize("module", ["../evil", "class", "a b", "", "1st"])
def test_a_module_name_python_cannot_import_is_refused(
    tmp_path: Path, module: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ValueError, match="not a Python identifier"):
        write_stubs(ODD, tmp_path / "out", module=module or " ")
    assert not list(tmp_path.rglob("*.py"))  # nothing written, inside or outside
    spec = str(SPECS / "netdev.yaml")
    assert main(["stubs", spec, "--module", module or " ", "-o", str(tmp_path)]) == 1
    assert "not a Python module name" in capsys.readouterr().err
    (tmp_path / "file").write_text("")
    assert main(["stubs", spec, "-o", str(tmp_path / "file")]) == 1
    assert "-o " + str(tmp_path / "file") + ": not a directory" in capsys.readouterr().err

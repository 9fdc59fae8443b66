"""The spec-driven commands: do, dump, monitor, spec list/show (parsers built from the
modules' own `register`, as cli/main.py does; spec install is in test_spec_install.py)."""

from __future__ import annotations

import argparse
import json
import subprocess
import threading
import time
from pathlib import Path

import pytest

from genetlink.cli import monitor, ops, spec
from genetlink.loader import search


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="genetlink")
    parser.add_argument("--netns")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module in (ops, monitor, spec):
        module.register(subparsers)
    args = parser.parse_args(argv)
    status: int = args.func(args)
    return status


@pytest.fixture(autouse=True)
def spec_path(kernel_specs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GENETLINK_SPEC_PATH", str(kernel_specs))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no per-user install of the machine's
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return kernel_specs


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


# -- spec list / show (no kernel) -------------------------------------------------------------


def test_spec_list_json(capsys: pytest.CaptureFixture[str], spec_path: Path) -> None:
    assert run(["spec", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    by_name = {r["name"]: r for r in rows if not r["shadowed"]}
    assert by_name["netdev"]["protocol"] == "genetlink"
    assert by_name["rt-link"]["protocol"] == "netlink-raw"
    assert Path(by_name["netdev"]["path"]) == spec_path / "netdev.yaml"


def test_spec_list_marks_shadowed_specs(capsys: pytest.CaptureFixture[str], spec_path: Path,
                                        tmp_path: Path) -> None:  # fmt: skip
    installed = tmp_path / "data" / "genetlink" / "specs"
    installed.mkdir(parents=True)
    (installed / "netdev.yaml").write_bytes((spec_path / "netdev.yaml").read_bytes())
    assert run(["spec", "list"]) == 0
    netdev = [line.split() for line in capsys.readouterr().out.splitlines()
              if line.startswith("netdev ")]  # fmt: skip
    assert netdev == [
        ["netdev", "genetlink", str(spec_path / "netdev.yaml")],
        ["netdev", "genetlink", str(installed / "netdev.yaml"), "(shadowed)"],
    ]
    assert run(["spec", "list", "--json"]) == 0
    rows = [r for r in json.loads(capsys.readouterr().out) if r["name"] == "netdev"]
    assert [(r["path"], r["shadowed"]) for r in rows] == [
        (str(spec_path / "netdev.yaml"), False), (str(installed / "netdev.yaml"), True)
    ]  # fmt: skip


def test_spec_list_says_how_to_get_specs(capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.delenv("GENETLINK_SPEC_PATH")
    monkeypatch.setattr(search, "SYSTEM_DIRS", ())
    monkeypatch.setattr(search, "kernel_tree_dirs", lambda: [])
    assert run(["spec", "list"]) == 0
    out, err = capsys.readouterr()
    assert "nlctrl" in out  # shipped with genetlink
    assert one_error_line(err) == (
        "genetlink: only the specs shipped with genetlink; "
        "`genetlink spec install` installs the kernel's specs"
    )


def test_spec_list_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["spec", "list"]) == 0
    assert any(line.split()[:2] == ["ethtool", "genetlink-legacy"]
               for line in capsys.readouterr().out.splitlines())  # fmt: skip


def test_spec_show(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["spec", "show", "netdev", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    ops_by_name = {o["name"]: o for o in info["operations"]}
    assert ops_by_name["dev-get"]["do"]["request"]["attributes"] == ["ifindex"]
    assert {g["name"] for g in info["mcast-groups"]} >= {"mgmt", "page-pool"}
    assert any(a["name"] == "ifindex" for a in info["attribute-sets"]["dev"])
    assert run(["spec", "show", "rt-link"]) == 0
    text = capsys.readouterr().out
    assert "newlink [16]" in text and "rtnlgrp-link [1]" in text and "linkinfo-attrs:" in text


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["spec", "show", "no-such-family"], ["no spec for family", "genetlink spec install"]),
        (["do", "no-such-family", "get"], ["no spec for family", "genetlink spec install"]),
        (["do", "netdev", "dev-get", "--input", "{"], ["not valid JSON"]),
        (["do", "netdev", "dev-get", "--input", "[1]"], ["JSON object"]),
        (["dump", "netdev", "dev-get", "--spec", "/nonexistent.yaml"], ["no such spec file"]),
    ],
)
def test_user_errors_exit_1(argv: list[str], words: list[str],
                            capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    assert run(argv) == 1
    line = one_error_line(capsys.readouterr().err)
    for word in words:
        assert word in line


# -- against the kernel, in a namespace ------------------------------------------------------


@pytest.mark.root
def test_do_and_dump(netns: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--netns", netns, "dump", "netdev", "dev-get", "--json"]) == 0
    devices = json.loads(capsys.readouterr().out)
    assert isinstance(devices, list) and devices[0]["ifindex"] == 1
    assert run(["--netns", netns, "do", "netdev", "dev-get", "--input", '{"ifindex": 1}']) == 0
    assert "ifindex: 1" in capsys.readouterr().out
    assert run(["--netns", netns, "do", "rt-link", "newlink", "--flags", "create,excl",
                "--input", '{"ifname": "cd0", "linkinfo": {"kind": "veth"}}']) == 0  # fmt: skip
    assert capsys.readouterr().out == ""
    assert run(["--netns", netns, "dump", "rt-link", "getlink"]) == 0
    text = capsys.readouterr().out
    assert "ifname: cd0" in text and "kind: veth" in text


@pytest.mark.root
@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["do", "netdev", "dev-gett"], ["no operation 'dev-gett'"]),
        (["do", "netdev", "dev-get", "--input", '{"ifindx": 1}'], ["unknown attribute"]),
        (["do", "netdev", "dev-get", "--input", '{"ifindex": 424242}'], ["No such device"]),
        (
            ["do", "ethtool", "linkinfo-get", "--input", '{"header": {"dev-name": "nope"}}'],
            [".header.dev-name", "linkinfo-get"],
        ),
        (["do", "rt-link", "newlink", "--flags", "sideways"], ["unknown request flag"]),
        (["monitor", "rt-route"], ["no multicast groups"]),
    ],
)
def test_kernel_and_input_errors_exit_1(netns: str, argv: list[str], words: list[str],
                                        capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    assert run(["--netns", netns, *argv]) == 1
    line = one_error_line(capsys.readouterr().err)
    for word in words:
        assert word in line


@pytest.mark.root
def test_monitor_prints_json_lines(netns: str, capsys: pytest.CaptureFixture[str]) -> None:
    status: list[int] = []
    argv = ["--netns", netns, "monitor", "netdev", "--json", "--count", "2", "--timeout", "5"]
    worker = threading.Thread(target=lambda: status.append(run(argv)))
    worker.start()
    time.sleep(0.5)  # let the monitor join its groups
    subprocess.run(["ip", "-n", netns, "link", "add", "mv0", "type", "veth", "peer", "name",
                    "mv1"], check=True)  # fmt: skip
    worker.join(10)
    assert status == [0]
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 2
    assert all(line["op"] == "dev-add-ntf" and "ifindex" in line["msg"] for line in lines)


@pytest.mark.root
def test_monitor_times_out_quietly(netns: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--netns", netns, "monitor", "rt-link", "--group", "rtnlgrp-link", "--timeout", "0.3"]
    assert run(argv) == 0
    assert capsys.readouterr().out == ""


def test_monitor_overrun_line() -> None:
    import io

    from genetlink.wire.errors import Overrun

    out = io.StringIO()
    monitor.print_event(Overrun(), "json", out)
    monitor.print_event(Overrun(), "text", out)
    first, second = out.getvalue().splitlines()
    assert json.loads(first) == {"overrun": True}
    assert second.startswith("overrun")

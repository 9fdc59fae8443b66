"""Hostile input to the `genetlink` command (issue 11, item 10): every user error is one line
on stderr with exit status 1, never a traceback, and output never fails on the text it
prints. Run as real processes, as a user would."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ip

from genetlink.cli import ops


def genetlink(*args: str, stdin: bytes = b"", **env: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "genetlink.cli.main", *args], input=stdin,
                          capture_output=True, timeout=60, env={**os.environ, **env})  # fmt: skip


def user_error(done: subprocess.CompletedProcess[bytes], *words: str) -> str:
    err = done.stderr.decode(errors="backslashreplace")
    assert done.returncode == 1, (done.returncode, err)
    assert "Traceback" not in err and err.count("\n") == 1, err
    for word in words:
        assert word in err, err
    return err


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "latin1.json").write_bytes(b'{"family-name": "caf\xe9"}')
    (tmp_path / "binary.yaml").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "elf.yaml").write_bytes(b"\x7fELF\x02\x01\x01" + bytes(9) + b"\x03\x00>\x00")
    (tmp_path / "latin1.yaml").write_bytes(b"name: caf\xe9\noperations: {list: []}\n")
    return tmp_path


def test_input_file_not_utf8(files: Path) -> None:
    done = genetlink("do", "nlctrl", "getfamily", "--input", f"@{files / 'latin1.json'}")
    user_error(done, "is not UTF-8 text (byte 0xe9 at offset 20)", "latin1.json")


def test_stdin_not_utf8() -> None:
    done = genetlink("do", "nlctrl", "getfamily", "--input", "-", stdin=b'{"a": "\xff"}')
    user_error(done, "standard input is not UTF-8 text (byte 0xff at offset 7)")


@pytest.mark.parametrize("depth", [100_000, 100])
def test_stdin_nested_too_deep(depth: int) -> None:
    """100,000 levels overflow json's recursion; 100 would reach the encoder, which recurses
    along nests (and recursive sets exist), so both are refused up front."""
    deep = b"[" * depth + b"]" * depth
    done = genetlink("do", "nlctrl", "getfamily", "--input", "-", stdin=b'{"a": ' + deep + b"}")
    user_error(done, f"--input nests deeper than {ops.MAX_INPUT_DEPTH} levels")


def test_input_number_too_long_for_int() -> None:
    done = genetlink("do", "nlctrl", "getfamily", "--input", '{"family-id": 1' + "0" * 5000 + "}")
    user_error(done, "--input is not valid JSON")


@pytest.mark.parametrize(
    "argv",
    [
        ["spec", "show", "x"],
        ["spec", "check", "x"],
        ["do", "x", "get"],
        ["dump", "x", "get"],
        ["monitor", "x", "--timeout", "0"],
    ],
)
@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("binary.yaml", ["position 128: not UTF-8 text (byte 0x80)"]),
        ("elf.yaml", ["position 0: not YAML text: unacceptable character #x007f"]),
        ("latin1.yaml", ["position 9: not UTF-8 text (byte 0xe9)"]),
    ],
)
def test_spec_file_that_is_not_text(files: Path, argv: list[str], name: str,
                                    words: list[str]) -> None:  # fmt: skip
    user_error(genetlink(*argv, "--spec", str(files / name)), str(files / name), *words)


@pytest.mark.parametrize("option", ["--timeout", "--duration"])
@pytest.mark.parametrize("value", ["nan", "inf", "-1", "soon"])
def test_monitor_seconds_are_a_usage_error(option: str, value: str) -> None:
    """A bad value on the command line is a usage error (status 2, argparse's message), not
    the user/kernel error status 1."""
    done = genetlink("monitor", "nlctrl", option, value)
    err = done.stderr.decode()
    assert done.returncode == 2 and "Traceback" not in err, err
    assert err.splitlines()[-1].startswith(f"genetlink monitor: error: argument {option}: ")


@pytest.mark.parametrize("value", ["0", "-3", "two"])
def test_monitor_count_is_a_usage_error(value: str) -> None:
    done = genetlink("monitor", "nlctrl", "--count", value)
    assert done.returncode == 2, done.stderr
    assert b"argument --count: " in done.stderr


def test_errors_are_flattened_to_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    def fail(args: argparse.Namespace) -> int:
        raise OSError(22, "first line\nsecond line")

    assert ops.guarded(fail)(argparse.Namespace()) == 1
    assert capsys.readouterr().err == "genetlink: error: [Errno 22] first line second line\n"


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", b"x\xff\xfe caf\xc3\xa9\n"), ("ascii", b"x\xff\xfe caf\\xe9\n")],
)
def test_stdout_writes_every_string(encoding: str, expected: bytes) -> None:
    """Decoded strings keep non-UTF-8 bytes as surrogates: out they go as the kernel had them;
    characters the output encoding lacks are escaped."""
    code = (
        "from genetlink.cli.output import tolerant_stdout\n"
        "tolerant_stdout()\n"
        "print('x\\udcff\\udcfe caf\\xe9')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60,
                          env={**os.environ, "PYTHONIOENCODING": encoding})  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == expected


@pytest.mark.root
def test_interface_name_not_utf8_to_strict_stdout(netns: str, kernel_specs: Path) -> None:
    """The kernel takes any bytes but '/', ':', NUL and whitespace in an interface name."""
    name = os.fsdecode(b"x\xff\xfe")
    ip("link", "add", name, "type", "veth", "peer", "name", "hostile0", netns=netns)
    spec = str(kernel_specs / "rt-link.yaml")
    done = genetlink("--netns", netns, "dump", "rt-link", "getlink", "--spec", spec,
                     PYTHONIOENCODING="utf-8")  # fmt: skip
    assert done.returncode == 0, done.stderr.decode(errors="backslashreplace")
    assert b"\nifname: x\xff\xfe\n" in done.stdout
    done = genetlink("--netns", netns, "dump", "rt-link", "getlink", "--spec", spec, "--json",
                     PYTHONIOENCODING="utf-8")  # fmt: skip
    assert done.returncode == 0, done.stderr.decode(errors="backslashreplace")
    assert b'"ifname": "x\\udcff\\udcfe"' in done.stdout

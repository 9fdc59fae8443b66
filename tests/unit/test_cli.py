"""The `genetlink` command's parser and error handling (no kernel needed)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from genetlink.cli import main as cli
from genetlink.genl import FamilyNotFound


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("genetlink ")


def test_no_command_prints_help(capsys):
    assert cli.main([]) == 0
    out = capsys.readouterr().out
    for command in ("families", "family", "do", "dump", "monitor", "spec", "--netns"):
        assert command in out


def test_command_name_skips_global_options():
    assert cli._command_name(["--netns", "blue", "family", "x"]) == "family"
    assert cli._command_name(["--version"]) is None


def test_parser_knows_the_commands():
    args = cli.build_parser("family").parse_args(["--netns", "x", "family", "nlctrl", "--policy"])
    assert (args.netns, args.name, args.policy, args.json) == ("x", "nlctrl", True, False)
    args = cli.build_parser().parse_args(["families", "--json"])
    assert args.json


@pytest.mark.parametrize(
    ("error", "status", "stderr"),
    [
        (FamilyNotFound("nope"), 1, "genetlink: family nope not found\n"),
        (PermissionError(1, "Operation not permitted"), 1,
         "genetlink: [Errno 1] Operation not permitted\n"),
        (KeyboardInterrupt(), 130, ""),
    ],
)  # fmt: skip
def test_errors_never_give_a_traceback(monkeypatch, capsys, error, status, stderr):
    def fail(args):
        raise error

    monkeypatch.setattr("genetlink.cli.families.run_family", fail)
    assert cli.main(["family", "nope"]) == status
    assert capsys.readouterr().err == stderr


def test_describe_flattens_newlines():
    assert cli.describe(OSError(5, "multi\nline")) == "[Errno 5] multi line"


def test_importing_genetlink_does_not_import_the_cli():
    code = "import sys, genetlink; print(any(m.startswith('genetlink.cli') for m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False"


def test_families_command_stays_light():
    code = (
        "import sys; from genetlink.cli import main; main.build_parser('families'); "
        "heavy = ('yaml', 'asyncio', 'genetlink.loader', 'genetlink.codec'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]"

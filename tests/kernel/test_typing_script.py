"""The user scripts of tests/typing (type-checked by `make lint`, no casts, no ignores) run
against the real kernel."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import KERNEL_SPECS, REPO

pytestmark = pytest.mark.root


def run_script(name: str, netns: str) -> str:
    """Its output; it must exit 0 and be written without casts or ignores."""
    script = REPO / "tests" / "typing" / name
    code = script.read_text()
    assert "cast(" not in code and "type: ignore" not in code
    done = subprocess.run(
        ["ip", "netns", "exec", netns, sys.executable, str(script)], capture_output=True,
        text=True, timeout=60, env={"GENETLINK_SPEC_PATH": str(KERNEL_SPECS / "specs")},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_user_script_runs(netns: str) -> None:
    run_script("user_script.py", netns)


def test_user_scripts_are_checked_by_mypy() -> None:
    text = (REPO / "pyproject.toml").read_text()
    assert '"tests/typing"' in text


def test_batch_and_capture_script_runs(netns: str) -> None:
    assert run_script("batch_capture.py", netns).startswith("['typed'] ")

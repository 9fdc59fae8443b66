"""tests/typing/user_script.py (type-checked by `make lint`) runs against the real kernel."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import KERNEL_SPECS, REPO

pytestmark = pytest.mark.root


def test_user_script_runs(netns: str) -> None:
    script = REPO / "tests" / "typing" / "user_script.py"
    done = subprocess.run(
        ["ip", "netns", "exec", netns, sys.executable, str(script)], capture_output=True,
        text=True, timeout=60, env={"GENETLINK_SPEC_PATH": str(KERNEL_SPECS / "specs")},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_user_script_is_checked_by_mypy() -> None:
    text = (REPO / "pyproject.toml").read_text()
    assert '"tests/typing"' in text
    code = Path(REPO / "tests" / "typing" / "user_script.py").read_text()
    assert "cast(" not in code and "type: ignore" not in code


def test_batch_and_capture_script_runs(netns: str) -> None:
    script = REPO / "tests" / "typing" / "batch_capture.py"
    done = subprocess.run(
        ["ip", "netns", "exec", netns, sys.executable, str(script)], capture_output=True,
        text=True, timeout=60, env={"GENETLINK_SPEC_PATH": str(KERNEL_SPECS / "specs")},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("['typed'] "), done.stdout
    code = script.read_text()
    assert "cast(" not in code and "type: ignore" not in code

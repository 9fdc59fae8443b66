"""The code blocks of README.md and docs/: every Python one type-checks under mypy --strict (as
user code would), and those that need nothing run here; tests/kernel and tests/vm run the
others."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from snippets import README, REPO, doc_pages, every_snippet, run

ALL = every_snippet()


def test_every_block_says_what_it_needs() -> None:
    assert ALL, "README.md has no Python blocks"
    assert {kind for s in ALL for kind in s.needs} >= {"nothing", "root", "netns", "genltest"}
    assert {s.path.parent.name for s in ALL} >= {"docs", "cookbook", "cli"}, "docs not found"


def test_blocks_pass_mypy_strict(tmp_path: Path) -> None:
    files = []
    for snippet in ALL:
        if snippet.language != "python":
            continue
        file = tmp_path / f"block_{snippet.path.stem}_{snippet.line}.py"
        file.write_text(snippet.code)
        files.append(str(file))
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir",
         str(tmp_path / ".mypy"), *files],
        capture_output=True, text=True, cwd=REPO, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("snippet", [s for s in ALL if s.needs == {"nothing"}],
                         ids=lambda s: s.name)  # fmt: skip
def test_blocks_that_need_nothing_run(snippet: object, tmp_path: Path) -> None:
    done = run(snippet, tmp_path)  # type: ignore[arg-type]
    assert done.returncode == 0, done.stdout + done.stderr


def test_no_block_escapes_the_runner() -> None:
    """A block in another language (```bash, ```console, an untagged one) would never run:
    only ```python and ```sh are code, ```text is output and ```c quotes the module."""
    for page in [README, *doc_pages()]:
        fences = re.findall(r"^```(\S*)$", page.read_text(), re.M)
        openings = fences[0::2]  # fences alternate: an opening, then its closing
        assert set(openings) <= {"python", "sh", "text", "c"}, (page, openings)
        assert not any(fences[1::2]), (page, "a closing fence with a language")

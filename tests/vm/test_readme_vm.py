"""The code blocks of README.md and docs/ that need the genltest module: run inside the VM,
where it is loaded."""

from __future__ import annotations

from pathlib import Path

import pytest
from snippets import README, Snippet, every_snippet, run

BLOCKS = [s for s in every_snippet() if "genltest" in s.needs]


@pytest.mark.parametrize("snippet", BLOCKS, ids=lambda s: s.name)
def test_genltest_block_runs(snippet: Snippet, tmp_path: Path) -> None:
    done = run(snippet, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    if snippet.path == README:  # the tour's block shows the kernel's answer
        assert "Hello from Kernel Space, Netlink!" in done.stdout

"""README.md's Python blocks that need the genltest module: run inside the VM, where it is
loaded."""

from __future__ import annotations

from pathlib import Path

import pytest
from snippets import Snippet, run, snippets

BLOCKS = [s for s in snippets() if "genltest" in s.needs]


@pytest.mark.parametrize("snippet", BLOCKS, ids=lambda s: s.name)
def test_genltest_block_runs(snippet: Snippet, tmp_path: Path) -> None:
    done = run(snippet, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Hello from Kernel Space, Netlink!" in done.stdout

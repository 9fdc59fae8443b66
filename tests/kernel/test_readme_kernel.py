"""The code blocks of README.md and docs/ that need root (and a namespace): run each inside a fresh
network namespace, as root, against the real kernel."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from conftest import ip, netns_supported
from snippets import Snippet, every_snippet, run

ROOT_BLOCKS = [s for s in every_snippet() if "root" in s.needs and "genltest" not in s.needs]


@pytest.mark.root
@pytest.mark.parametrize("snippet", ROOT_BLOCKS, ids=lambda s: s.name)
def test_root_block_runs(snippet: Snippet, netns: str, tmp_path: Path) -> None:
    reason = netns_supported()
    if reason:
        pytest.skip(reason)
    own = None
    if "netns" in snippet.needs:
        own = f"gnlreadme-{uuid.uuid4().hex[:8]}"
        ip("netns", "add", own)
    try:
        done = run(snippet, tmp_path, netns=own, inside=netns)
    finally:
        if own is not None:
            ip("netns", "del", own, check=False)
    assert done.returncode == 0, done.stdout + done.stderr

"""The code blocks of README.md and docs/ that need root (and a namespace): run each inside a fresh
network namespace, as root, against the real kernel."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest
from conftest import ip, netns_supported
from snippets import Snippet, every_snippet, run

NOBODY = 65534
PLAIN_BLOCKS = [s for s in every_snippet() if s.needs == {"nothing"}]
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


@pytest.mark.root
@pytest.mark.parametrize("snippet", PLAIN_BLOCKS, ids=lambda s: s.name)
def test_block_that_needs_nothing_runs_unprivileged(snippet: Snippet) -> None:
    """`# needs: nothing` is a promise to a reader without root: keep it (as user nobody)."""
    if shutil.which("setpriv") is None:
        pytest.skip("needs setpriv (util-linux) to drop to an unprivileged user")
    if snippet.language == "sh" and not _shell_reaches_interpreter():
        pytest.skip(f"user nobody's shell cannot run {sys.executable} (a directory on its "
                    "path is closed to other users, as /root is)")
    with tempfile.TemporaryDirectory(prefix="gnl-nobody-") as tmp:
        Path(tmp).chmod(0o777)  # the snippet's file and its working directory
        done = run(snippet, Path(tmp), user=NOBODY)
    assert done.returncode == 0, done.stdout + done.stderr


def _shell_reaches_interpreter() -> bool:
    """Whether a shell run as nobody can start this interpreter (and so `genetlink`)."""
    done = subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                           "bash", "-c", '"$0" -c pass', sys.executable],
                          capture_output=True, timeout=30)  # fmt: skip
    return done.returncode == 0

"""After `genetlink spec install --from` Debian's kernel source tarball, the README's
spec-driven tour works by name, with no GENETLINK_SPEC_PATH and no spec path (issue 10)."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from conftest import ip, netns_supported
from snippets import CODE, README, Snippet, run, snippets

pytestmark = pytest.mark.root

TARBALL = Path("/usr/src/linux-source-6.12.tar.xz")
BLOCKS = [s for s in snippets(README, CODE) if "root" in s.needs and "genltest" not in s.needs]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    if not TARBALL.is_file():
        pytest.skip(f"needs {TARBALL} (apt-get install linux-source-6.12; CI installs it)")
    home = tmp_path_factory.mktemp("home")
    env = {"HOME": str(home), "XDG_DATA_HOME": str(home / "share"),
           "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}  # fmt: skip
    done = subprocess.run([sys.executable, "-m", "genetlink.cli.main", "spec", "install",
                           "--from", str(TARBALL)], capture_output=True, text=True, env=env,
                          timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (home / "share" / "genetlink" / "specs" / "netdev.yaml").is_file()
    return env


@pytest.mark.parametrize("snippet", BLOCKS, ids=lambda s: s.name)
def test_tour_block_runs_with_installed_specs(snippet: Snippet, installed: dict[str, str],
                                              netns: str, tmp_path: Path) -> None:  # fmt: skip
    reason = netns_supported()
    if reason:
        pytest.skip(reason)
    own = None
    if "netns" in snippet.needs:
        own = f"gnlinst-{uuid.uuid4().hex[:8]}"
        ip("netns", "add", own)
    try:
        done = run(snippet, tmp_path, netns=own, inside=netns, env=installed)
    finally:
        if own is not None:
            ip("netns", "del", own, check=False)
    assert done.returncode == 0, done.stdout + done.stderr

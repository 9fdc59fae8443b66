"""Fixtures shared by every test folder: privilege checks and throw-away network namespaces."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
KERNEL_SPECS = REPO.parent / "shared" / "kernel-specs"


def is_root() -> bool:
    """True when the tests may create namespaces and change network state."""
    return os.geteuid() == 0


def netns_supported() -> str | None:
    """None when `ip netns` works here; else the reason it does not."""
    if not is_root():
        return "needs root (CAP_NET_ADMIN) to create network namespaces"
    if shutil.which("ip") is None:
        return "needs the `ip` command (iproute2)"
    return None


@pytest.fixture
def requires_root() -> None:
    """Skip with a clear reason unless running as root."""
    if not is_root():
        pytest.skip("needs root (CAP_NET_ADMIN); run the suite as root, as CI does")


def ip(*args: str, netns: str | None = None, check: bool = True) -> str:
    """Run `ip [-n NETNS] ARGS...` and return its output."""
    cmd = ["ip"] + (["-n", netns] if netns else []) + list(args)
    done = subprocess.run(cmd, capture_output=True, text=True)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {done.stderr.strip()}")
    return done.stdout


@pytest.fixture
def netns() -> Iterator[str]:
    """A fresh network namespace (loopback up), removed after the test."""
    reason = netns_supported()
    if reason:
        pytest.skip(reason)
    name = f"gnltest-{uuid.uuid4().hex[:8]}"
    ip("netns", "add", name)
    try:
        ip("link", "set", "lo", "up", netns=name)
        yield name
    finally:
        ip("netns", "del", name, check=False)


@pytest.fixture
def kernel_specs() -> Path:
    """The kernel's own YAML specs (../shared/kernel-specs/specs), or skip."""
    path = KERNEL_SPECS / "specs"
    if not path.is_dir():
        pytest.skip(f"kernel spec fixtures not found at {path}")
    return path

"""Modules the host kernel lacks load in the guest, and their families appear."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from vmnl import family_exists


@pytest.mark.parametrize(
    ("module", "family"),
    [
        ("mac80211_hwsim", "nl80211"),
        ("netdevsim", "devlink"),
        ("wireguard", "wireguard"),
        ("team", "team"),
    ],
)
def test_modprobe_makes_family_available(module: str, family: str) -> None:
    if shutil.which("modprobe") is None:
        pytest.skip("no modprobe (kmod) on the host root")
    # Dry run first: a module this kernel was built without is a skip, not a failure.
    probe = subprocess.run(["modprobe", "-n", module], capture_output=True, text=True, timeout=60)
    if probe.returncode != 0:
        pytest.skip(f"this kernel has no {module} module: {probe.stderr.strip()}")
    load = subprocess.run(["modprobe", module], capture_output=True, text=True, timeout=60)
    assert load.returncode == 0, load.stderr
    assert family_exists(family)

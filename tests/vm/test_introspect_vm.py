"""The draft-from-the-kernel oracle (as tests/kernel/test_introspect_kernel.py) for families
only the guest has: nl80211 (mac80211_hwsim), wireguard, devlink, and genltest with its own
header against the package's genltest spec. Figures: printed, and written to
$GT_RESULTS/introspect-oracle-vm.json (vm/work/results on the host)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from vmnl import KERNEL_SPECS, REPO, UAPI_HEADER

from genetlink import GenlClient
from genetlink.genl.introspect import kernel_family
from genetlink.genl.oracle import NameReport, compare_names
from genetlink.loader import load_spec
from genetlink.schema.model import Family

GENLTEST_SPEC = REPO / "src" / "genetlink" / "specs" / "genltest.yaml"


def modprobe(module: str, *args: str) -> None:
    """Load `module`; skip (not fail) when this kernel was built without it."""
    if shutil.which("modprobe") is None:
        pytest.skip("no modprobe (kmod) on the host root")
    probe = subprocess.run(["modprobe", "-n", module], capture_output=True, text=True, timeout=60)
    if probe.returncode != 0:
        pytest.skip(f"kernel {os.uname().release} has no {module} module: {probe.stderr.strip()}")
    done = subprocess.run(["modprobe", module, *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def figures() -> Iterator[dict[str, Any]]:
    results: dict[str, Any] = {}
    yield results
    lines = [r["summary"] for r in results.values()]
    print("\n" + "\n".join(lines))
    out = os.environ.get("GT_RESULTS")
    if out and results:
        Path(out, "introspect-oracle-vm.json").write_text(json.dumps(results, indent=2) + "\n")


@pytest.fixture
def genl() -> Iterator[GenlClient]:
    with GenlClient(watch_families=False, timeout=10.0) as client:
        yield client


def check(genl: GenlClient, name: str, spec: Path, figures: dict[str, Any],
          header: Path | None = None) -> tuple[Family, NameReport]:  # fmt: skip
    """Draft `name`, compare it with `spec`; no name may be wrong."""
    if not spec.is_file():
        pytest.skip(f"no spec {spec}")
    draft = genl.sock.run(kernel_family(genl.sock.engine, name, header=header))
    report = compare_names(draft, load_spec(spec))
    figures[name] = {"spec": str(spec), "header": draft.uapi_header, **report.to_dict(),
                     "summary": report.summary()}  # fmt: skip
    print(report.summary())
    assert report.wrong == [], "\n".join(report.wrong)
    assert report.ops.right > 0
    return draft, report


def test_nl80211(genl: GenlClient, figures: dict[str, Any]) -> None:
    modprobe("mac80211_hwsim", "radios=2")
    draft, _ = check(genl, "nl80211", KERNEL_SPECS / "nl80211.yaml", figures)
    wiphys = list(genl.family("nl80211", draft).dump("get-wiphy"))
    assert len({w["wiphy-name"] for w in wiphys if "wiphy-name" in w}) >= 2


def test_wireguard(genl: GenlClient, figures: dict[str, Any]) -> None:
    modprobe("wireguard")
    draft, report = check(genl, "wireguard", KERNEL_SPECS / "wireguard.yaml", figures)
    assert report.attrs.right > 0
    name = "wgdraft0"
    done = subprocess.run(["ip", "link", "add", name, "type", "wireguard"], capture_output=True,
                          text=True, timeout=30)  # fmt: skip
    assert done.returncode == 0, done.stderr
    try:
        (device,) = list(genl.family("wireguard", draft).dump("get-device", {"ifname": name}))
        assert device["ifname"] == name
    finally:
        subprocess.run(["ip", "link", "del", name], capture_output=True, timeout=30)


def test_devlink(genl: GenlClient, figures: dict[str, Any]) -> None:
    """The family's names need no device; requests on one do (netdevsim, below)."""
    if "devlink" not in {f.name for f in genl.families()}:
        pytest.skip("no devlink family in this kernel")
    check(genl, "devlink", KERNEL_SPECS / "devlink.yaml", figures)


def test_devlink_requests_on_netdevsim() -> None:
    modprobe("netdevsim")  # Debian 12's 6.1 kernel is built without it: skipped there


def test_genltest_with_its_header(genl: GenlClient, figures: dict[str, Any]) -> None:
    draft, report = check(genl, "genltest", GENLTEST_SPEC, figures, header=UAPI_HEADER)
    assert report.ops.number == 0 and report.attrs.number == 0
    reply = genl.family("genltest", draft).do("echo", {"msg": "from a draft"})
    assert reply is not None and reply["msg"] == "Hello from Kernel Space, Netlink!"

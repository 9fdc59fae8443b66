"""Typed stubs against the running kernel (root, in a throw-away namespace): the user script
of tests/typing/stubs runs through the typed handles on both fronts, and every reply of a
range of families holds what its stubs promise, key by key and in full decodes."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
import stubcheck
from conftest import KERNEL_SPECS, REPO, ip

from genetlink import NetlinkWarning, open_family
from genetlink.cli.main import main
from genetlink.codec import Mismatched
from genetlink.loader import load_spec
from genetlink.stubs import write_stubs

pytestmark = pytest.mark.root

SPECS = KERNEL_SPECS / "specs"
STUBS = REPO / "tests" / "typing" / "stubs"
ENV = {"GENETLINK_SPEC_PATH": str(SPECS)}


def test_the_user_script_runs_through_the_typed_handles(netns: str, kernel_specs: Path) -> None:
    done = subprocess.run(
        ["ip", "netns", "exec", netns, sys.executable, str(STUBS / "stubs_user.py")],
        capture_output=True, text=True, timeout=60,
        env={**ENV, "PYTHONPATH": os.pathsep.join([str(STUBS), *sys.path])},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_typed_do_on_nlctrl_and_netdev(netns: str, kernel_specs: Path, tmp_path: Path) -> None:
    """The shipped nlctrl spec and the kernel's netdev spec, read through `typed`."""
    nlctrl_stubs = stubcheck.load(write_stubs(load_spec(REPO / "src" / "genetlink" / "specs" /
                                                        "nlctrl.yaml"), tmp_path))  # fmt: skip
    netdev_stubs = stubcheck.load(write_stubs(load_spec(SPECS / "netdev.yaml"), tmp_path))
    with nlctrl_stubs.typed(open_family("nlctrl", netns=netns)) as nlctrl:
        reply = nlctrl.do("getfamily", {"family-name": "nlctrl"})
        assert reply["family-name"] == "nlctrl" and reply["family-id"] == 0x10
    with netdev_stubs.typed(open_family(SPECS / "netdev.yaml", netns=netns)) as netdev:
        assert netdev.do("dev-get", {"ifindex": 1})["ifindex"] == 1


def populate(netns: str) -> None:
    """Links of several kinds, addresses and neighbours of both families, rules, a route."""
    for args in (
        ["link", "add", "v0", "type", "veth", "peer", "name", "v1"],
        ["link", "add", "br0", "type", "bridge"],
        ["link", "set", "v0", "master", "br0"],
        *(["link", "set", name, "up"] for name in ("v0", "v1", "br0")),
        ["addr", "add", "192.0.2.1/24", "dev", "v1"],
        ["addr", "add", "2001:db8::1/64", "dev", "v1", "nodad"],
        ["neigh", "add", "192.0.2.2", "lladdr", "02:00:00:00:00:02", "dev", "v1"],
        ["-6", "neigh", "add", "2001:db8::2", "lladdr", "02:00:00:00:00:03", "dev", "v1"],
        ["route", "add", "198.51.100.0/24", "via", "192.0.2.2"],
        ["rule", "add", "from", "192.0.2.0/24", "table", "100"],
        ["-6", "rule", "add", "from", "2001:db8::/64", "table", "200"],
    ):
        ip(*args, netns=netns)


DUMPS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("nlctrl", "getfamily", None),
    ("netdev", "dev-get", None),
    ("rt-link", "getlink", None),
    ("rt-addr", "getaddr", None),
    ("rt-route", "getroute", None),
    ("rt-neigh", "getneigh", None),
    ("rt-rule", "getrule", None),
    ("tc", "getqdisc", None),
    ("ethtool", "linkinfo-get", {"header": {}}),
]


def test_kernel_replies_hold_what_the_stubs_promise(netns: str, kernel_specs: Path,
                                                    tmp_path: Path) -> None:  # fmt: skip
    """Stubs made --mismatched hold every value as it comes (IPv6 rules' u32 `src` is a
    Mismatched); the others every value of the width the spec gives."""
    populate(netns)
    for name, op, attrs in DUMPS:
        family = load_spec(SPECS / f"{name}.yaml")
        views = stubcheck.views(stubcheck.load(write_stubs(family, tmp_path)), family)
        exact_file = write_stubs(family, tmp_path, module=f"{name.replace('-', '_')}_exact",
                                 mismatched=True)  # fmt: skip
        exact = stubcheck.views(stubcheck.load(exact_file), family)
        with warnings.catch_warnings(), open_family(family, netns=netns) as handle:
            warnings.simplefilter("ignore", NetlinkWarning)  # ethtool: veths have no settings
            messages = list(handle.dump(op, attrs))
        assert messages, name
        for message in messages:
            assert stubcheck.message_problems(message, views[message.op or op]) == [], name
            found = stubcheck.message_problems(message, exact[message.op or op], exact=True)
            assert found == [], name
        if name == "rt-rule":  # the case --mismatched is for came
            assert any(isinstance(m.get("src"), Mismatched) for m in messages)



def test_stubs_of_a_family_no_spec_describes(netns: str, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """`genetlink stubs tcp_metrics`: typed from the running kernel's policy, as open_family
    reads the family, so the typed handle works on it."""
    monkeypatch.setenv("GENETLINK_SPEC_PATH", str(tmp_path / "none"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert main(["--netns", netns, "stubs", "tcp_metrics", "-o", str(tmp_path)]) == 0
    module = stubcheck.load(tmp_path / "tcp_metrics_stubs.py")
    assert "<kernel tcp_metrics" in (module.__doc__ or "")
    with module.typed(open_family("tcp_metrics", netns=netns)) as tcp_metrics:
        family = tcp_metrics.info
        assert family is not None and family.name == "tcp_metrics"
        ops = {op for op in module.DumpOp.__args__}
        assert ops and all(list(tcp_metrics.dump(op)) == [] for op in ops)  # a new namespace


def test_stubs_of_a_family_neither_a_spec_nor_the_kernel_knows(
        netns: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    monkeypatch.setenv("GENETLINK_SPEC_PATH", str(tmp_path))
    assert main(["--netns", netns, "stubs", "nosuch-family", "-o", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("genetlink: error: nosuch-family: no spec") and err.count("\n") == 1
    assert not list(tmp_path.glob("*.py"))

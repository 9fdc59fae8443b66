"""Family models drafted from the running kernel and Debian's uapi headers, against the
kernel's own specs as the oracle, and used for real requests (thermal, mptcp_pm).

The oracle: for every family with both a kernel spec and a registration here, the draft's
operation and attribute names are compared with the spec's on wire numbers. A name that
differs fails the test; a number where the header is silent or ambiguous is fine. The figures
are printed (pytest -s) and written to build/introspect/oracle-host.{json,txt}.

Spec sources: the fixtures (../shared/kernel-specs/specs), then for families they lack
(mptcp_pm, tcp_metrics) the kernel source tarball Debian's linux-source-X.Y installs under
/usr/src.
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import KERNEL_SPECS, REPO, ip, is_root

from genetlink import GenlClient
from genetlink.cli.draft import add_draft
from genetlink.codec.family import FamilyCodec
from genetlink.genl.introspect import build_schema, build_spec, introspect, kernel_family
from genetlink.genl.oracle import compare_names
from genetlink.genl.uapi import header_for
from genetlink.loader import load_spec
from genetlink.loader.draft import spec_text
from genetlink.loader.spec import load_spec_text
from genetlink.schema.model import Family

pytestmark = pytest.mark.skipif(not is_root(), reason="needs root (the kernel tests run as root)")

ORACLE = ("mptcp_pm", "tcp_metrics", "ethtool", "netdev", "nlctrl")
#: Families this Debian's linux-libc-dev has no header for: every name must be a number.
NO_HEADER = ("netdev",)
RESULTS = REPO / "build" / "introspect"


def _tarball_specs(names: set[str], into: Path) -> dict[str, Path]:
    """`names`' specs from the newest /usr/src/linux-source-*.tar.xz (one streamed pass)."""
    tarballs = sorted(Path("/usr/src").glob("linux-source-*.tar.xz"))
    found: dict[str, Path] = {}
    if not tarballs or not names:
        return found
    pattern = re.compile(r"[^/]+/Documentation/netlink/specs/([\w-]+)\.yaml")
    with tarfile.open(tarballs[-1], "r|xz") as tar:
        for member in tar:
            m = pattern.fullmatch(member.name)
            if m is None or m.group(1) not in names or not member.isfile():
                continue
            data = tar.extractfile(member)
            assert data is not None
            path = into / f"{m.group(1)}.yaml"
            path.write_bytes(data.read())
            found[m.group(1)] = path
            if len(found) == len(names):
                break
    return found


@pytest.fixture(scope="module")
def genl() -> Iterator[GenlClient]:
    with GenlClient(watch_families=False) as client:
        yield client


@pytest.fixture(scope="module")
def registered(genl: GenlClient) -> set[str]:
    return {info.name for info in genl.families()}


@pytest.fixture(scope="module")
def oracle_specs(tmp_path_factory: pytest.TempPathFactory, registered: set[str]) -> dict[str, Path]:
    specs = {name: KERNEL_SPECS / "specs" / f"{name}.yaml" for name in ORACLE}
    specs = {name: path for name, path in specs.items() if path.is_file()}
    missing = {name for name in ORACLE if name not in specs and name in registered}
    specs.update(_tarball_specs(missing, tmp_path_factory.mktemp("tarball-specs")))
    return specs


@pytest.fixture(scope="module")
def figures() -> Iterator[dict[str, Any]]:
    results: dict[str, Any] = {}
    yield results
    if not results:
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "oracle-host.json").write_text(json.dumps(results, indent=2) + "\n")
    lines = [r["summary"] for r in results.values()]
    (RESULTS / "oracle-host.txt").write_text("\n".join(lines) + "\n")
    print("\n" + "\n".join(lines))


def draft_of(genl: GenlClient, name: str) -> Family:
    return genl.sock.run(kernel_family(genl.sock.engine, name))


@pytest.mark.parametrize("name", ORACLE)
def test_draft_names_against_the_kernels_spec(name: str, genl: GenlClient, registered: set[str],
                                              oracle_specs: dict[str, Path],
                                              figures: dict[str, Any]) -> None:  # fmt: skip
    if name not in registered:
        pytest.skip(f"family {name} is not registered on this kernel")
    if name not in oracle_specs:
        pytest.skip(f"no kernel spec of {name} (fixtures, /usr/src/linux-source-*.tar.xz)")
    draft = draft_of(genl, name)
    report = compare_names(draft, load_spec(oracle_specs[name]))
    figures[name] = {"spec": str(oracle_specs[name]), "header": draft.uapi_header,
                     **report.to_dict(), "summary": report.summary()}  # fmt: skip
    print(report.summary())
    assert report.wrong == [], "\n".join(report.wrong)
    if name in NO_HEADER:
        assert header_for(name) is None
        assert report.ops.right == report.attrs.right == 0
        assert report.ops.number > 0
    else:
        assert report.ops.right > 0 and report.attrs.right > 0
        assert report.ops.right >= report.ops.number


def test_every_family_here_drafts_loads_and_codes(genl: GenlClient) -> None:
    """Each registered family: the draft's YAML loads back to the same model, and a codec
    builds on it (thermal, TASKSTATS, SEG6, IOAM6, NLBL_*, acpi_event ... have no spec)."""
    for info in genl.families():
        kernel = genl.sock.run(introspect(genl.sock.engine, info.name))
        found = header_for(info.name)
        family = build_schema(kernel, found, date="2025-01-01")
        text = spec_text(build_spec(kernel, found, date="2025-01-01"))
        again = load_spec_text(text, source=info.name)
        assert dataclasses.replace(again, source="") == dataclasses.replace(family, source=""), \
            info.name  # fmt: skip
        FamilyCodec(family)
        commands = {op.request_value for op in family.operations.values()
                    if not op.is_notification}  # fmt: skip
        assert commands == {op.id for op in info.ops}, info.name


def test_thermal_tz_get_id_through_the_draft(genl: GenlClient, registered: set[str]) -> None:
    if "thermal" not in registered:
        pytest.skip("no thermal family on this kernel")
    draft = draft_of(genl, "thermal")
    assert draft.operations["tz-get-id"].dump is not None
    handle = genl.family("thermal", draft)
    zones = list(handle.dump("tz-get-id"))  # a machine without thermal zones has none
    for zone in zones:
        assert "tz" in zone
    assert "event" in handle.groups
    assert draft.operations["tz-create"].mcgrp == "event"


def _ip_limits(netns: str) -> dict[str, int]:
    """`ip mptcp limits` (JSON where iproute2 gives it, else its `name value` text)."""
    out = ip("-j", "mptcp", "limits", netns=netns).strip()
    try:
        data = json.loads(out)
    except ValueError:
        words = out.split()
        data = dict(zip(words[::2], map(int, words[1::2]), strict=True))
    return {str(k): int(v) for k, v in data.items()}


def test_mptcp_get_limits_matches_iproute2(netns: str) -> None:
    if subprocess.run(["ip", "mptcp", "help"], capture_output=True).returncode not in (0, 255):
        pytest.skip("this iproute2 has no `ip mptcp`")
    ip("mptcp", "limits", "set", "subflows", "5", "add_addr_accepted", "3", netns=netns)
    with GenlClient(netns, watch_families=False) as genl:
        draft = draft_of(genl, "mptcp_pm")
        limits = genl.family("mptcp_pm", draft).do("get-limits")
    assert limits is not None
    expected = _ip_limits(netns)
    assert expected == {"add_addr_accepted": 3, "subflows": 5}
    assert dict(limits) == {"rcv-add-addrs": expected["add_addr_accepted"],
                            "subflows": expected["subflows"]}  # fmt: skip


def test_spec_draft_command(capsys: pytest.CaptureFixture[str], registered: set[str],
                            tmp_path: Path) -> None:  # fmt: skip
    import argparse

    parser = argparse.ArgumentParser()
    add_draft(parser.add_subparsers())
    name = "thermal" if "thermal" in registered else "nlctrl"
    args = parser.parse_args(["draft", name])
    assert args.func(args) == 0
    text = capsys.readouterr().out
    family = load_spec_text(text)
    assert family.name == name and "drafted from the running kernel on" in family.doc
    args = parser.parse_args(["draft", name, "-o", str(tmp_path / "d.yaml")])
    assert args.func(args) == 0
    assert load_spec(tmp_path / "d.yaml").name == name

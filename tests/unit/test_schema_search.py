"""Spec search: explicit path, GENETLINK_SPEC_PATH, package specs, system directories."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from genetlink.loader import SpecError, find_spec, list_specs, load_family
from genetlink.loader.search import ENV_VAR, search_dirs

SPEC_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "kernel-specs" / "specs"

MINI = "name: {name}\nprotocol: {protocol}\ndoc: x\nattribute-sets: []\noperations:\n  list: []\n"


def write(directory: Path, stem: str, name: str, protocol: str = "genetlink") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{stem}.yaml"
    text = MINI.format(name=name, protocol=protocol)
    path.write_text(text + ("protonum: 0\n" if protocol == "netlink-raw" else ""))
    return path


def test_order_and_matching(tmp_path: Path) -> None:
    first, second, system = tmp_path / "a", tmp_path / "b", tmp_path / "sys"
    write(first, "fam-one", "fam-one")
    b_one = write(second, "fam-one", "fam-one")
    odd = write(second, "weird_file", "real-name", "netlink-raw")
    sys_only = write(system, "sysfam", "sysfam")
    env = {ENV_VAR: os.pathsep.join([str(first), str(second)])}
    sysdirs = [str(system)]
    assert (
        find_spec("fam-one", env=env, system_dirs=sysdirs) == first / "fam-one.yaml"
    )  # earlier directory wins
    assert (
        find_spec("fam_one", env=env, system_dirs=sysdirs) == first / "fam-one.yaml"
    )  # _ and - are equal
    assert find_spec("real-name", env=env, system_dirs=sysdirs) == odd  # by `name:` inside the file
    assert find_spec("weird-file", env=env, system_dirs=sysdirs) == odd  # by stem
    assert find_spec("sysfam", env=env, system_dirs=sysdirs) == sys_only
    assert (
        find_spec("anything", path=b_one, env=env, system_dirs=sysdirs) == b_one
    )  # explicit path wins
    assert find_spec(str(b_one), env=env, system_dirs=sysdirs) == b_one
    with pytest.raises(SpecError, match="no spec for family 'nope'"):
        find_spec("nope", env=env, system_dirs=sysdirs)
    with pytest.raises(SpecError, match="no such spec file"):
        find_spec("x", path=tmp_path / "missing.yaml", env=env, system_dirs=sysdirs)
    infos = {i.name: i for i in list_specs(env, system_dirs=sysdirs)}
    assert infos["fam-one"].path == first / "fam-one.yaml"
    assert infos["real-name"].protocol == "netlink-raw"
    assert infos["sysfam"].protocol == "genetlink"
    assert load_family("real-name", env=env, system_dirs=sysdirs).name == "real-name"


def test_environment_read_at_call_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "envfam", "envfam")
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    assert find_spec("envfam", system_dirs=()) == tmp_path / "envfam.yaml"
    monkeypatch.delenv(ENV_VAR)
    assert tmp_path not in search_dirs(system_dirs=())


def test_missing_directories_are_skipped(tmp_path: Path) -> None:
    env = {ENV_VAR: str(tmp_path / "does-not-exist")}
    assert list_specs(env, system_dirs=[str(tmp_path / "nor-this")]) == list_specs(
        {}, system_dirs=()
    )


@pytest.mark.skipif(not SPEC_DIR.is_dir(), reason=f"kernel spec fixtures not at {SPEC_DIR}")
def test_kernel_specs_on_search_path() -> None:
    env = {ENV_VAR: str(SPEC_DIR)}
    infos = {i.name: i for i in list_specs(env, system_dirs=())}
    assert len([i for i in infos.values() if i.path.parent == SPEC_DIR]) == 28
    assert infos["rt-link"].protocol == "netlink-raw"
    assert infos["nlctrl"].protocol == "genetlink-legacy"
    assert infos["netdev"].protocol == "genetlink"
    assert infos["ovs_datapath"].path.name == "ovs_datapath.yaml"
    assert find_spec("ovs-datapath", env=env, system_dirs=()).name == "ovs_datapath.yaml"
    fam = load_family("rt-link", env=env, system_dirs=())
    assert fam.attribute_sets["link-attrs"]["ifname"].value == 3


@pytest.mark.skipif(not SPEC_DIR.is_dir(), reason=f"kernel spec fixtures not at {SPEC_DIR}")
def test_load_time_rt_link() -> None:
    """DESIGN: rt-link.yaml with the C loader in ~20-30 ms; allow slack on busy machines."""
    import yaml

    if not hasattr(yaml, "CSafeLoader"):
        pytest.skip("PyYAML built without libyaml")
    from genetlink.loader import load_spec

    path = SPEC_DIR / "rt-link.yaml"
    best = min(_timed(lambda: load_spec(path)) for _ in range(3))
    assert best < 0.25, f"loading rt-link.yaml took {best * 1e3:.0f} ms"


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start

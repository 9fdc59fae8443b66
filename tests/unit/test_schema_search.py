"""Spec search: explicit path, GENETLINK_SPEC_PATH, package specs, system directories, the
per-user install, kernel source trees; listing with shadowed specs; the "no spec" error."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from genetlink.loader import SpecError, find_spec, list_specs, load_family, search
from genetlink.loader.search import (
    ENV_VAR,
    KERNEL_SPECS,
    SYSTEM_DIRS,
    SpecNotFound,
    kernel_tree_dirs,
    search_dirs,
    user_spec_dir,
)

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


# -- the machine's places: per-user install, kernel source trees -----------------------------


def test_user_spec_dir(tmp_path: Path) -> None:
    data, home = tmp_path / "data", tmp_path / "home"
    env = {"XDG_DATA_HOME": str(data), "HOME": str(home)}
    assert user_spec_dir(env) == data / "genetlink" / "specs"
    relative = {"XDG_DATA_HOME": "rel/data", "HOME": str(home)}  # XDG: a relative one is unset
    assert user_spec_dir(relative) == home / ".local" / "share" / "genetlink" / "specs"
    assert user_spec_dir({"HOME": str(home)}) == home / ".local" / "share" / "genetlink" / "specs"


def test_kernel_tree_dirs(tmp_path: Path) -> None:
    src, modules = tmp_path / "usr" / "src", tmp_path / "lib" / "modules" / "6.12.3-test"
    for tree in ("linux-6.9", "linux-6.12", "linux-7.0-nospecs"):
        (src / tree).mkdir(parents=True)
    for tree in ("linux-6.9", "linux-6.12"):
        (src / tree / KERNEL_SPECS).mkdir(parents=True)
    (src / "linux-headers-6.12.3-test").mkdir()
    modules.mkdir(parents=True)
    (modules / "build").symlink_to(src / "linux-headers-6.12.3-test")  # headers: no specs
    (modules / "source").symlink_to(src / "linux-6.12")
    assert kernel_tree_dirs(str(tmp_path), "6.12.3-test") == [
        modules / "source" / KERNEL_SPECS,  # the running kernel's first; linux-6.12 only once
        src / "linux-6.9" / KERNEL_SPECS,
    ]
    assert kernel_tree_dirs(str(tmp_path), "other") == [
        src / "linux-6.12" / KERNEL_SPECS,  # newest first, by number
        src / "linux-6.9" / KERNEL_SPECS,
    ]


def test_machine_places_follow_the_system_dirs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path / "data")}
    user, tree = tmp_path / "data" / "genetlink" / "specs", tmp_path / "linux" / KERNEL_SPECS
    monkeypatch.setattr(search, "kernel_tree_dirs", lambda: [tree])
    dirs = search_dirs(env)
    assert dirs[-len(SYSTEM_DIRS) - 2 :] == [*map(Path, SYSTEM_DIRS), user, tree]
    assert search_dirs(env, system_dirs=[str(tmp_path)])[-1] == tmp_path  # replaces them all
    write(user, "mine", "mine")
    write(tree, "mine", "mine")
    write(tree, "rt_thing", "rt-thing", "netlink-raw")
    assert find_spec("mine", env=env) == user / "mine.yaml"
    assert find_spec("rt-thing", env=env) == tree / "rt_thing.yaml"
    listed = [(i.name, i.path, i.shadowed) for i in list_specs(env, shadowed=True)]
    assert ("mine", user / "mine.yaml", False) in listed
    assert listed.index(("mine", tree / "mine.yaml", True)) == listed.index(
        ("mine", user / "mine.yaml", False)
    ) + 1  # the one used first, then the shadowed one
    assert ("mine", tree / "mine.yaml", True) not in [
        (i.name, i.path, i.shadowed) for i in list_specs(env)
    ]


def test_shadowed_names_match_as_find_spec_does(tmp_path: Path) -> None:
    """rt_link.yaml (name: rt_link, as in older kernels) hides a later rt-link.yaml."""
    first, second = tmp_path / "a", tmp_path / "b"
    write(first, "rt_link", "rt_link", "netlink-raw")
    write(second, "rt-link", "rt-link", "netlink-raw")
    env = {ENV_VAR: os.pathsep.join([str(first), str(second), str(first)])}
    infos = [i for i in list_specs(env, system_dirs=(), shadowed=True) if "link" in i.name]
    assert [(i.path, i.shadowed) for i in infos] == [
        (first / "rt_link.yaml", False),
        (second / "rt-link.yaml", True),
    ]  # the directory listed twice does not shadow itself
    assert find_spec("rt-link", env=env, system_dirs=()) == first / "rt_link.yaml"


def test_no_spec_names_the_places_and_the_fix(tmp_path: Path) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), ENV_VAR: str(tmp_path / "mine")}
    with pytest.raises(SpecNotFound) as caught:
        find_spec("no-such-family", env=env)
    message = str(caught.value)
    assert isinstance(caught.value, SpecError) and isinstance(caught.value, LookupError)
    for place in (
        str(tmp_path / "mine"),
        *SYSTEM_DIRS,
        str(tmp_path / "data" / "genetlink" / "specs"),
        f"/lib/modules/{os.uname().release}/{{build,source}}/{KERNEL_SPECS}",
        f"/usr/src/linux*/{KERNEL_SPECS}",
    ):
        assert place in message
    assert message.endswith("`genetlink spec install` installs the kernel's specs")
    assert "\n" not in message

"""The package as a user gets it: `python -m build` makes an sdist and a wheel without
warnings, `twine check` accepts them, and they hold what they must."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("git") is None:
        pytest.skip("needs git to copy the checkout")
    out = tmp_path_factory.mktemp("dist")
    src = out / "src"
    # A clean copy of what git tracks, so that local build products cannot leak in.
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO,
                           capture_output=True, text=True, check=True).stdout.split()  # fmt: skip
    for name in files:
        target = src / name
        if (REPO / name).is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, target)
    done = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out / "dist"),
                           str(src)], capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Warning" not in done.stdout + done.stderr, done.stdout + done.stderr
    return out / "dist"


def test_twine_accepts_both(dist: Path) -> None:
    files = sorted(str(p) for p in dist.iterdir())
    assert len(files) == 2
    done = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *files],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_wheel_holds_the_package_its_specs_and_types(dist: Path) -> None:
    from genetlink import __version__

    (wheel,) = dist.glob("*.whl")
    assert wheel.name.startswith(f"genetlink-{__version__}-")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        meta = archive.read(f"genetlink-{__version__}.dist-info/METADATA").decode()
    assert {"genetlink/py.typed", "genetlink/specs/nlctrl.yaml",
            "genetlink/specs/genltest.yaml", "genetlink/cli/main.py"} <= names  # fmt: skip
    assert not any(n.startswith(("tests/", "kernel/")) for n in names)
    assert "License-Expression: MIT" in meta and "Project-URL: " in meta
    # built here with a compiler: the compiled walk is in, so the wheel is for this platform
    if shutil.which("cc") and (Path(sysconfig.get_paths()["include"]) / "Python.h").is_file():
        assert any(n.startswith("genetlink/codec/_cwalk.") and n.endswith(".so") for n in names)
        assert not wheel.name.endswith("-none-any.whl")


def test_a_wheel_built_without_a_compiler_is_the_pure_package(dist: Path) -> None:
    """The extension is optional: with a C compiler that fails, the build still succeeds."""
    (sdist,) = dist.glob("*.tar.gz")
    out = dist.parent / "pure"
    env = dict(os.environ, CC="false", LDSHARED="false")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                           "-w", str(out), str(sdist)], capture_output=True, text=True,
                          timeout=600, env=env)  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (wheel,) = out.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert "genetlink/codec/native.py" in names
    assert not any(n.endswith(".so") for n in names)


def test_sdist_holds_tests_examples_and_the_kernel_module(dist: Path) -> None:
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
    top = names[0].split("/")[0]
    for needed in ("tests/conftest.py", "tests/fuzz/seeds", "examples/genltest_client.py",
                   "kernel/genltest/genltest.c", "kernel/genltest/genltest_uapi.h",
                   "vm/run-tests.sh", "Makefile", "CHANGELOG.md", "LICENSE", "setup.py",
                   "src/genetlink/codec/_cwalk.c", "tests/fuzz/asan.sh",
                   "mkdocs.yml", "docs/tutorial.md"):  # fmt: skip
        assert any(n == f"{top}/{needed}" or n.startswith(f"{top}/{needed}/") for n in names), (
            needed)  # fmt: skip
    assert not any("__pycache__" in n or n.endswith(".ko") for n in names)

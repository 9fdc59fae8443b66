"""Find a family's spec by name on the spec search path.

Order: an explicit path; the directories in ``GENETLINK_SPEC_PATH`` (os.pathsep-separated,
read from the ``env`` mapping given, else from os.environ at call time); the specs shipped
in the package (``genetlink/specs``); the kernel's install locations (/usr/share/ynl/specs,
/usr/local/share/ynl/specs). A spec matches by file stem or by its ``name:``; dashes and
underscores count as equal (``rt_link`` finds rt-link.yaml). The first directory with a
match wins.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import NamedTuple

from genetlink.loader.errors import SpecError, label, path_argument, preview
from genetlink.loader.parse import MAX_SPEC_BYTES
from genetlink.schema.model import Family

ENV_VAR = "GENETLINK_SPEC_PATH"
SYSTEM_DIRS: tuple[str, ...] = ("/usr/share/ynl/specs", "/usr/local/share/ynl/specs")
_SUFFIXES = (".yaml", ".yml")
_NAME = re.compile(rb"^name:[ \t]*['\"]?([^'\"\s#]+)", re.MULTILINE)
_PROTOCOL = re.compile(rb"^protocol:[ \t]*['\"]?([^'\"\s#]+)", re.MULTILINE)


class SpecInfo(NamedTuple):
    """A spec found on the search path: family name, file and schema level."""

    name: str
    path: Path
    protocol: str


def package_spec_dir() -> Path | None:
    """The directory of the specs shipped with genetlink (None when not on a filesystem)."""
    try:
        res = resources.files("genetlink").joinpath("specs")
        path = Path(os.fspath(res))  # type: ignore[call-overload]
    except (TypeError, ModuleNotFoundError):
        return None
    return path if path.is_dir() else None


def search_dirs(
    env: Mapping[str, str] | None = None, *, system_dirs: Sequence[str] = SYSTEM_DIRS
) -> list[Path]:
    """The directories searched, in order (missing ones included; they match nothing)."""
    if env is not None and not isinstance(env, Mapping):
        raise SpecError(preview(env), "", f"env is a mapping like os.environ, got {_kind(env)}")
    value = (os.environ if env is None else env).get(ENV_VAR, "")
    if not isinstance(value, str):
        raise SpecError(ENV_VAR, "", f"expected a string of directories, got {_kind(value)}")
    if isinstance(system_dirs, str | bytes):  # a lone directory would be split into letters
        raise SpecError(preview(system_dirs), "", "system_dirs is a sequence of directories")
    dirs = [Path(p) for p in value.split(os.pathsep) if p]
    pkg = package_spec_dir()
    if pkg is not None:
        dirs.append(pkg)
    dirs.extend(Path(path_argument(d, "a system_dirs entry")) for d in system_dirs)
    return dirs


def _kind(value: object) -> str:
    return type(value).__name__


def find_spec(
    name: str,
    *,
    path: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    system_dirs: Sequence[str] = SYSTEM_DIRS,
) -> Path:
    """The spec file of family ``name``. ``path`` (or a ``name`` that is an existing file)
    wins over the search path. Raises SpecError when nothing matches."""
    if not isinstance(name, str):
        raise SpecError(preview(name), "", f"a family name is a str, got {_kind(name)}")
    if path is not None:
        explicit = Path(path_argument(path, "path"))
        if not explicit.is_file():
            raise SpecError(os.fspath(explicit), "", "no such spec file")
        return explicit
    if os.sep in name or name.endswith(_SUFFIXES):
        candidate = Path(name)
        if candidate.is_file():
            return candidate
    dirs = search_dirs(env, system_dirs=system_dirs)
    for directory in dirs:
        found = _find_in(directory, name)
        if found is not None:
            return found
    searched = os.pathsep.join(str(d) for d in dirs)
    raise SpecError(label(name), "", f"no spec for family {preview(name)} (searched {searched})")


def load_family(
    name: str,
    *,
    path: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    system_dirs: Sequence[str] = SYSTEM_DIRS,
) -> Family:
    """Find the spec of ``name`` (see find_spec) and load it."""
    from genetlink.loader.spec import load_spec

    return load_spec(find_spec(name, path=path, env=env, system_dirs=system_dirs))


def list_specs(
    env: Mapping[str, str] | None = None, *, system_dirs: Sequence[str] = SYSTEM_DIRS
) -> list[SpecInfo]:
    """Every spec on the search path, sorted by name; a name found in an earlier directory
    hides later ones. Names and protocols are read from the file head, not fully parsed."""
    seen: dict[str, SpecInfo] = {}
    for directory in search_dirs(env, system_dirs=system_dirs):
        for file in _spec_files(directory):
            name, protocol = _read_head(file)
            seen.setdefault(name, SpecInfo(name, file, protocol))
    return sorted(seen.values(), key=lambda info: info.name)


def _normal(name: str) -> str:
    return name.replace("_", "-").lower()


def _spec_files(directory: Path) -> Iterable[Path]:
    try:
        entries = sorted(directory.iterdir())
    except OSError:
        return []
    return [p for p in entries if p.suffix in _SUFFIXES and p.is_file()]


def _find_in(directory: Path, name: str) -> Path | None:
    for suffix in _SUFFIXES:
        exact = directory / f"{name}{suffix}"
        if exact.is_file():
            return exact
    files = list(_spec_files(directory))
    wanted = _normal(name)
    for file in files:
        if _normal(file.stem) == wanted:
            return file
    for file in files:
        if _normal(_read_head(file)[0]) == wanted:
            return file
    return None


def _read_head(file: Path) -> tuple[str, str]:
    """(``name:``, ``protocol:``) of a spec by a regex over its text; the stem and
    "genetlink" when absent or unreadable."""
    try:
        with file.open("rb") as stream:
            data = stream.read(MAX_SPEC_BYTES)  # a bigger file is no spec (parse_yaml)
    except OSError:
        return file.stem, "genetlink"
    name = _NAME.search(data)
    protocol = _PROTOCOL.search(data)
    return (
        name.group(1).decode(errors="replace") if name else file.stem,
        protocol.group(1).decode(errors="replace") if protocol else "genetlink",
    )

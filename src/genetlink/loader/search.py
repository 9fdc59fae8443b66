"""Find a family's spec by name on the spec search path.

Order: an explicit path; the directories in ``GENETLINK_SPEC_PATH`` (os.pathsep-separated,
read from the ``env`` mapping given, else from os.environ at call time); the specs shipped
in the package (``genetlink/specs``); then the machine's places: the kernel's install
locations (/usr/share/ynl/specs, /usr/local/share/ynl/specs), the per-user directory that
`genetlink spec install` fills ($XDG_DATA_HOME/genetlink/specs, by default
~/.local/share/genetlink/specs), and kernel source trees already on the machine
(/lib/modules/$(uname -r)/{build,source} and /usr/src/linux*, each with
Documentation/netlink/specs). A spec matches by file stem or by its ``name:``; dashes and
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
#: Where `genetlink spec install --system` puts the kernel's specs (one of SYSTEM_DIRS).
SYSTEM_INSTALL_DIR = SYSTEM_DIRS[1]
#: The specs directory inside a kernel source tree.
KERNEL_SPECS = "Documentation/netlink/specs"
INSTALL_HINT = "`genetlink spec install` installs the kernel's specs"
_SUFFIXES = (".yaml", ".yml")
_NAME = re.compile(rb"^name:[ \t]*['\"]?([^'\"\s#]+)", re.MULTILINE)
_PROTOCOL = re.compile(rb"^protocol:[ \t]*['\"]?([^'\"\s#]+)", re.MULTILINE)


class SpecNotFound(SpecError, LookupError):
    """No spec of the family on the search path (the message names the places searched)."""


class SpecInfo(NamedTuple):
    """A spec found on the search path: family name, file and schema level; ``shadowed``
    when a directory earlier on the path has a spec of the same name (that one is used)."""

    name: str
    path: Path
    protocol: str
    shadowed: bool = False


def package_spec_dir() -> Path | None:
    """The directory of the specs shipped with genetlink (None when not on a filesystem)."""
    try:
        res = resources.files("genetlink").joinpath("specs")
        path = Path(os.fspath(res))  # type: ignore[call-overload]
    except (TypeError, ModuleNotFoundError):
        return None
    return path if path.is_dir() else None


def user_spec_dir(env: Mapping[str, str] | None = None) -> Path:
    """The per-user spec directory: $XDG_DATA_HOME/genetlink/specs, by default
    ~/.local/share/genetlink/specs (``env`` as for search_dirs)."""
    environ = os.environ if env is None else env
    data_home = environ.get("XDG_DATA_HOME", "")
    if not (isinstance(data_home, str) and os.path.isabs(data_home)):  # XDG: relative is unset
        home = environ.get("HOME") or os.path.expanduser("~")
        data_home = os.path.join(home, ".local", "share")
    return Path(data_home, "genetlink", "specs")


def kernel_tree_dirs(root: str = "/", release: str | None = None) -> list[Path]:
    """The specs directories of the kernel source trees on the machine that have one: the
    running kernel's (/lib/modules/RELEASE/{build,source}) first, then /usr/src/linux*, the
    newest version first. One entry per tree (build and source are often the same)."""
    release = os.uname().release if release is None else release
    modules = Path(root, "lib", "modules", release) if release else None
    trees = [modules / "build", modules / "source"] if modules else []
    trees += sorted(Path(root, "usr", "src").glob("linux*"), key=version_key, reverse=True)
    found: dict[str, Path] = {}
    for tree in trees:
        specs = tree / KERNEL_SPECS
        if specs.is_dir():
            found.setdefault(os.path.realpath(specs), specs)
    return list(found.values())


def version_key(path: Path) -> tuple[int, ...]:
    """The numbers in a file name, to sort linux-6.9 before linux-6.12."""
    return tuple(int(n) for n in re.findall(r"\d+", path.name)[:4])


def _machine_dirs(env: Mapping[str, str] | None) -> list[Path]:
    """The machine's fixed places: the kernel's install locations, then the per-user one."""
    return [*map(Path, SYSTEM_DIRS), user_spec_dir(env)]


def _kernel_tree_patterns() -> list[str]:
    """Where kernel_tree_dirs looks, for messages."""
    modules = f"/lib/modules/{os.uname().release}/{{build,source}}"
    return [f"{modules}/{KERNEL_SPECS}", f"/usr/src/linux*/{KERNEL_SPECS}"]


def search_dirs(
    env: Mapping[str, str] | None = None, *, system_dirs: Sequence[str] | None = None
) -> list[Path]:
    """The directories searched, in order (missing ones included; they match nothing).
    ``system_dirs`` replaces the machine's places (None: SYSTEM_DIRS, the per-user
    directory, then the kernel source trees found by kernel_tree_dirs)."""
    dirs = _first_dirs(env)
    if system_dirs is None:
        return [*dirs, *_machine_dirs(env), *kernel_tree_dirs()]
    if isinstance(system_dirs, str | bytes):  # a lone directory would be split into letters
        raise SpecError(preview(system_dirs), "", "system_dirs is a sequence of directories")
    dirs.extend(Path(path_argument(d, "a system_dirs entry")) for d in system_dirs)
    return dirs


def _first_dirs(env: Mapping[str, str] | None) -> list[Path]:
    """GENETLINK_SPEC_PATH's directories, then the package's."""
    if env is not None and not isinstance(env, Mapping):
        raise SpecError(preview(env), "", f"env is a mapping like os.environ, got {_kind(env)}")
    value = (os.environ if env is None else env).get(ENV_VAR, "")
    if not isinstance(value, str):
        raise SpecError(ENV_VAR, "", f"expected a string of directories, got {_kind(value)}")
    dirs = [Path(p) for p in value.split(os.pathsep) if p]
    pkg = package_spec_dir()
    if pkg is not None:
        dirs.append(pkg)
    return dirs


def _kind(value: object) -> str:
    return type(value).__name__


def find_spec(
    name: str,
    *,
    path: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    system_dirs: Sequence[str] | None = None,
) -> Path:
    """The spec file of family ``name``. ``path`` (or a ``name`` that is an existing file)
    wins over the search path. Raises SpecNotFound (a SpecError) when nothing matches."""
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
    if system_dirs is None:  # kernel trees by the patterns looked at, found or not
        places = [*map(str, _first_dirs(env) + _machine_dirs(env)), *_kernel_tree_patterns()]
    else:
        places = [str(d) for d in dirs]
    reason = f"no spec for family {preview(name)} (searched {', '.join(places)}); {INSTALL_HINT}"
    raise SpecNotFound(label(name), "", reason)


def load_family(
    name: str,
    *,
    path: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    system_dirs: Sequence[str] | None = None,
) -> Family:
    """The `Family` model of the spec for family `name`, found on the search path and
    loaded. `path` (a spec file), or a `name` that is a file, wins; otherwise the first
    match in GENETLINK_SPEC_PATH (from `env`, default os.environ), the package's specs,
    /usr/share/ynl/specs, /usr/local/share/ynl/specs, the per-user directory and the kernel
    source trees (`system_dirs` replaces the machine's places from the third on). Raises
    `SpecNotFound` naming the places searched, or `SpecError` when the spec found does not
    load. See `find_spec`."""
    from genetlink.loader.spec import load_spec

    return load_spec(find_spec(name, path=path, env=env, system_dirs=system_dirs))


def list_specs(
    env: Mapping[str, str] | None = None,
    *,
    system_dirs: Sequence[str] | None = None,
    shadowed: bool = False,
) -> list[SpecInfo]:
    """Every spec on the search path, sorted by name; a name found in an earlier directory
    hides later ones (``shadowed``: list those too, marked, after the one used). Names and
    protocols are read from the file head, not fully parsed."""
    found: dict[str, list[SpecInfo]] = {}
    seen: set[str] = set()
    for directory in search_dirs(env, system_dirs=system_dirs):
        if os.path.realpath(directory) in seen:  # on the path twice: it cannot shadow itself
            continue
        seen.add(os.path.realpath(directory))
        for file in _spec_files(directory):
            name, protocol = _read_head(file)
            same = found.setdefault(_normal(name), [])
            if shadowed or not same:
                same.append(SpecInfo(name, file, protocol, bool(same)))
    return [info for key in sorted(found) for info in found[key]]


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

"""Install the kernel's YAML specs where the spec search path finds them.

    report = install_specs(fetch("/usr/src/linux-source-6.12.tar.xz"), user_spec_dir())

Every spec is loaded with genetlink's loader before anything is written. A file that is not
YAML text (a cut or garbled transfer, an error page) fails the whole install; a well-formed
spec that the loader refuses is left out and named, so one spec the loader cannot use yet
does not keep the others from the user. The new directory is written next to the target and
renamed into place, so the target is always either the old install or the complete new one.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from genetlink.loader.errors import SpecError
from genetlink.loader.parse import parse_yaml
from genetlink.loader.search import SYSTEM_INSTALL_DIR, user_spec_dir
from genetlink.loader.sources import (
    Fetched,
    SpecFile,
    SpecSourceError,
    fetch,
    kernel_git_url,
    kernel_tag,
    local_sources,
)
from genetlink.loader.spec import build_family

Reporter = Callable[[str], None]


@dataclass(frozen=True)
class Refused:
    """A spec left out of an install: the loader's error for it."""

    name: str
    error: SpecError


@dataclass
class InstallReport:
    """What an install did: the source, the target, what went in and what was left out."""

    fetched: Fetched
    target: Path
    installed: list[str] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    noted: list[str] = field(default_factory=list)  # loaded, with warnings from the loader
    replaced: int | None = None  # spec files of the install it replaced


def install_target(system: bool = False, env: Mapping[str, str] | None = None) -> Path:
    """Where an install goes: the per-user spec directory, or the system one."""
    return Path(SYSTEM_INSTALL_DIR) if system else user_spec_dir(env)


def fetch_default(report: Reporter | None = None) -> Fetched:
    """The specs of the first local source that gives them (kernel trees, linux-source
    tarballs), else a download for the running kernel's release; ``report`` hears one line
    per source that failed."""
    for source in local_sources():
        try:
            return fetch(str(source))
        except SpecSourceError as e:
            if report is not None:
                report(f"skipped {e}")
    try:
        return fetch(kernel_git_url(kernel_tag()))
    except SpecSourceError as e:
        hint = "no kernel tree or linux-source tarball here either: --from names one"
        raise SpecSourceError(e.source, e.path, f"{e.reason} ({hint})") from None


def check_target(target: Path, force: bool = False) -> int:
    """How many specs an earlier install has at ``target``; refuses to go on without
    ``force`` when there is one (checked before fetching, and again before writing)."""
    if target.is_dir():
        count = sum(1 for p in target.iterdir() if p.suffix in (".yaml", ".yml"))
    else:
        count = 1 if os.path.lexists(target) else 0
    if count and not force:
        what = f"already holds {count} specs" if target.is_dir() else "exists, not a directory"
        raise SpecSourceError(str(target), "", f"{what}: --force replaces it")
    return count


def install_specs(fetched: Fetched, target: Path, *, force: bool = False) -> InstallReport:
    """Verify the specs of ``fetched`` and install those the loader accepts into ``target``
    (an earlier install there is replaced only with ``force``)."""
    result = InstallReport(fetched, target)
    good = _verify(fetched, result)
    result.replaced = check_target(target, force) or None
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=parent))
    except OSError as e:
        reason = f"cannot write to {parent}: {_why(e, target)}"
        raise SpecSourceError(str(target), "", reason) from None
    try:
        for spec in good:
            _write(staging / spec.name, spec.data)
        os.chmod(staging, 0o755)  # mkdtemp makes it private; specs are for every user
        _swap(staging, target, parent)
    except OSError as e:
        raise SpecSourceError(str(target), "", f"cannot install: {_why(e, target)}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # gone already when the swap worked
    result.installed = [spec.name for spec in good]
    return result


def _verify(fetched: Fetched, result: InstallReport) -> list[SpecFile]:
    """The specs the loader builds a family from; refused ones go into ``result``."""
    good = []
    for spec in fetched.files:
        try:
            data = parse_yaml(spec.data, spec.where)
        except SpecError as e:  # not YAML: a broken source, nothing goes in
            raise SpecSourceError(e.source, e.path, f"{e.reason} (nothing installed)") from None
        if not (isinstance(data, dict) and "name" in data):  # an error page, say
            reason = "not a netlink spec (no top-level name:) (nothing installed)"
            raise SpecSourceError(spec.where, "", reason)
        with _loader_warnings() as warned:
            try:
                build_family(data, source=spec.where)
            except SpecError as e:
                result.refused.append(Refused(spec.name, e))
                continue
        if warned:
            result.noted.append(spec.name)
        good.append(spec)
    if not good:
        raise SpecSourceError(fetched.origin, "", "the loader accepts none of its specs: "
                              f"{result.refused[0].error}")  # fmt: skip
    return good


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def _loader_warnings() -> Iterator[list[logging.LogRecord]]:
    """The loader's warnings while verifying, kept for the report instead of printed."""
    logger = logging.getLogger("genetlink.loader")
    handler = _Collect()
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def _write(path: Path, data: bytes) -> None:
    """Write a spec file, on disk before the rename that publishes it (a crash right after
    must not leave empty files in place)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    os.chmod(path, 0o644)  # whatever the umask: specs are for every user


def _swap(staging: Path, target: Path, parent: Path) -> None:
    """Rename ``staging`` to ``target``; an old target is moved aside first and removed
    once the new one is in place (put back if that rename fails)."""
    if not os.path.lexists(target):
        os.rename(staging, target)
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=parent)) / "old"
    os.rename(target, aside)
    try:
        os.rename(staging, target)
    except OSError:
        os.rename(aside, target)
        raise
    finally:
        shutil.rmtree(aside.parent, ignore_errors=True)


def _why(err: OSError, target: Path) -> str:
    denied = err.errno in (errno.EACCES, errno.EPERM, errno.EROFS)
    hint = " (--system needs root)" if denied and target == Path(SYSTEM_INSTALL_DIR) else ""
    return f"{err.strerror or err}{hint}"

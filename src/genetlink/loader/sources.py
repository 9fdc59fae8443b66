"""Where the kernel's YAML specs come from: a kernel source tree (or git checkout), a kernel
source tarball, or Documentation/netlink/specs on the kernel's git web interface (cgit).

Each source gives the spec files' bytes, bounded in number and size; nothing is written here
(loader/install.py verifies and installs them). Tarball members are read, never extracted, and
a member under the specs directory that is not a plain file with a plain name refuses the
whole tarball. Downloads use urllib with a timeout per read, a deadline for the whole
transfer and a size bound per response; a response shorter than its Content-Length fails.
"""

from __future__ import annotations

import http.client
import os
import re
import tarfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from typing import Self

from genetlink.loader.errors import SpecError
from genetlink.loader.parse import MAX_SPEC_BYTES
from genetlink.loader.search import KERNEL_SPECS, kernel_tree_dirs, version_key

#: The stable tree's cgit `plain` view of the specs directory (it has mainline's tags too).
KERNEL_GIT_SPECS = (
    "https://git.kernel.org/pub/scm/linux/kernel/git/stable/linux.git/plain/" + KERNEL_SPECS + "/"
)
#: Most spec files one source may have (the kernel has about 40).
MAX_SPECS = 512
#: Largest directory listing read, in bytes.
MAX_LISTING_BYTES = 1 << 20
#: Uncompressed bytes of a tarball read before its specs directory must have been seen (the
#: whole 6.12 tree is 1.5 GB; its specs come 40 MB in). Bounds the work a bomb can cause.
MAX_TARBALL_SCAN = 4 << 30
#: Seconds a single network read may wait, and the whole transfer of one response may take.
HTTP_TIMEOUT = 30.0
HTTP_DEADLINE = 120.0
TARBALL_SUFFIXES = (".tar", ".tar.xz", ".txz", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2")

_SPEC_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\.yaml")
_SPEC_PARTS = tuple(KERNEL_SPECS.split("/"))
_RELEASE = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?(-rc\d+)?")
_DEBIAN_VERSION = re.compile(r"\bDebian (\d+\.\d+(?:\.\d+)?)")


class SpecSourceError(SpecError):
    """Specs could not be had from a source (tree, tarball, URL) or installed from it;
    ``source`` names the place."""


@dataclass(frozen=True)
class SpecFile:
    """One spec as fetched: its file name, text, and where it came from (for messages)."""

    name: str
    data: bytes
    where: str


@dataclass(frozen=True)
class Fetched:
    """The specs of one source; ``origin`` says what was read, for the user."""

    origin: str
    files: tuple[SpecFile, ...]


def is_url(source: str) -> bool:
    """True for an http(s) URL (anything else is a path)."""
    return re.match(r"(?i)https?://", source) is not None


def fetch(source: str) -> Fetched:
    """The specs of ``source``: an http(s) URL, a tarball, or a directory."""
    if is_url(source):
        return from_url(source)
    path = Path(source)
    if path.is_dir():
        return from_tree(path)
    if path.is_file():
        return from_tarball(path)
    raise SpecSourceError(source, "", "no such directory, tarball or http(s) URL")


def local_sources(root: str = "/", release: str | None = None) -> list[Path]:
    """The kernel source trees (their specs directories) and linux-source tarballs on the
    machine, in the order they are tried: trees first (nothing to unpack), newest first."""
    found = Path(root, "usr", "src").glob("linux-source-*")
    tarballs = [
        path
        for path in sorted(found, key=version_key, reverse=True)
        if path.is_file() and path.name.endswith(TARBALL_SUFFIXES)
    ]
    return [*kernel_tree_dirs(root, release), *tarballs]


def kernel_tag(release: str | None = None, version: str | None = None) -> str:
    """The git tag of the running kernel's release (``uname -r``; ``uname -v`` for Debian,
    whose release says 6.1.0-57 for 6.1.158): 6.18.44-fc-v669 -> v6.18.44, 6.12.0 -> v6.12,
    6.13.0-rc3 -> v6.13-rc3."""
    uname = os.uname()
    release = uname.release if release is None else release
    version = uname.version if version is None else version
    debian = _DEBIAN_VERSION.search(version)
    match = _RELEASE.match(debian.group(1) if debian else release)
    if match is None:
        raise SpecSourceError(release, "", "cannot tell the kernel version: use --from")
    major, minor, patch, rc = match.groups()
    tag = f"v{major}.{minor}" + (f".{patch}" if patch and patch != "0" else "")
    return tag + (rc or "")


def kernel_git_url(tag: str) -> str:
    """The cgit listing of the specs directory at ``tag``."""
    return f"{KERNEL_GIT_SPECS}?h={urllib.parse.quote(tag)}"


# -- a kernel source tree or git checkout ----------------------------------------------------


def from_tree(path: Path) -> Fetched:
    """The specs of a kernel tree: ``path`` is its top or its specs directory."""
    path = path.resolve()
    specs = path / KERNEL_SPECS if (path / KERNEL_SPECS).is_dir() else path
    files = sorted(p for p in specs.glob("*.yaml") if p.is_file())
    if not files:
        reason = f"no {KERNEL_SPECS}/*.yaml here (give the top of a kernel tree or its specs)"
        raise SpecSourceError(str(path), "", reason)
    _check_count(len(files), str(specs))
    out = []
    for file in files:
        try:
            with file.open("rb") as stream:
                data = stream.read(MAX_SPEC_BYTES + 1)
        except OSError as e:
            raise SpecSourceError(str(file), "", f"cannot read: {e.strerror or e}") from None
        _check_size(len(data), str(file))
        out.append(SpecFile(file.name, data, str(file)))
    return Fetched(f"{_tree_kind(specs)} {specs}", tuple(out))


def _tree_kind(specs: Path) -> str:
    """'git checkout (HEAD)' when the tree is a git work tree, else 'kernel tree'."""
    if not specs.as_posix().endswith("/" + KERNEL_SPECS):
        return "kernel tree"
    git = specs.parents[len(_SPEC_PARTS) - 1] / ".git"
    if not git.exists():
        return "kernel tree"
    try:
        head = (git / "HEAD").read_text(errors="replace").strip()
    except OSError:  # a work tree of another repository (.git is a file)
        return "git checkout"
    return f"git checkout ({head.removeprefix('ref: ')[:40]})"


# -- a kernel source tarball -----------------------------------------------------------------


def from_tarball(path: Path) -> Fetched:
    """The specs inside a kernel source tarball (.tar, .tar.xz, .tar.gz, .tar.bz2), read as
    a stream and left as soon as the specs directory ends."""
    where = str(path)
    try:
        with tarfile.open(path, "r|*", tarinfo=_WholeHeaders) as tar:
            files = _tar_specs(tar, where)
    except _CutShort:
        raise SpecSourceError(where, "", "cannot read the tarball: it ends mid-way") from None
    except (tarfile.TarError, EOFError, OSError) as e:  # damaged or not a tarball at all
        text = getattr(e, "strerror", None) or str(e) or type(e).__name__
        raise SpecSourceError(where, "", f"cannot read the tarball: {text}") from None
    if not files:
        raise SpecSourceError(where, "", f"no {KERNEL_SPECS}/*.yaml in this tarball")
    member = files[0].where.removeprefix(f"{where}:")
    return Fetched(f"{where} ({PurePosixPath(member).parent})", tuple(files))


class _CutShort(Exception):
    """The archive ends inside a header or a member."""


class _WholeHeaders(tarfile.TarInfo):
    """tarfile takes a header block cut short for the end of the archive, so a tarball cut
    between two specs would look complete: refuse it instead."""

    @classmethod
    def frombuf(cls, buf: bytes | bytearray, encoding: str, errors: str) -> Self:
        if len(buf) != tarfile.BLOCKSIZE:
            raise _CutShort
        return super().frombuf(buf, encoding, errors)


def _tar_specs(tar: tarfile.TarFile, tarball: str) -> list[SpecFile]:
    files: list[SpecFile] = []
    for member in tar:
        parts = tuple(p for p in member.name.split("/") if p not in ("", "."))
        at = next((i for i in range(len(parts)) if parts[i : i + 3] == _SPEC_PARTS), None)
        if at is None:
            if files:  # a directory's members come together: the rest is not needed
                break
            if member.offset_data + member.size > MAX_TARBALL_SCAN:
                limit = f"{MAX_TARBALL_SCAN >> 30} GiB"
                raise SpecSourceError(tarball, "", f"no {KERNEL_SPECS} in the first {limit}")
            continue
        name = _spec_member(member, parts, at, tarball)
        if name is None:
            continue
        _check_count(len(files) + 1, tarball)
        stream = tar.extractfile(member)
        data = stream.read(MAX_SPEC_BYTES + 1) if stream is not None else b""
        if len(data) != member.size:
            raise SpecSourceError(tarball, member.name, "member cut short")
        files.append(SpecFile(name, data, f"{tarball}:{member.name}"))
    return files


def _spec_member(
    member: tarfile.TarInfo, parts: tuple[str, ...], at: int, tarball: str
) -> str | None:
    """The file name of a member under a specs directory that is a spec (a .yaml file right
    in the specs directory of the tree's top), None for others (the directory itself, a
    README, a deeper tree). Refuses members that could land elsewhere or are not files."""
    reason = None
    if member.name.startswith("/") or ".." in parts:
        reason = "a path outside the kernel tree"
    elif at > 1 or len(parts) != at + 4 or not _SPEC_FILE.fullmatch(parts[-1]):
        return None
    elif not member.isfile():
        reason = "a link or special file, not a plain file"
    elif member.size > MAX_SPEC_BYTES:
        reason = f"{member.size} bytes, more than a spec may have ({MAX_SPEC_BYTES >> 20} MiB)"
    if reason is not None:
        raise SpecSourceError(tarball, member.name, f"refused: {reason}")
    return parts[-1]


# -- the kernel's git web interface ----------------------------------------------------------


def from_url(url: str) -> Fetched:
    """The specs listed by a cgit `plain` listing of Documentation/netlink/specs (a `plain/`
    URL of a kernel repository gets that path added), each file fetched by its link."""
    listing_url = _listing_url(url)
    listing = _get(listing_url, MAX_LISTING_BYTES).decode("utf-8", errors="replace")
    links = _spec_links(listing, listing_url)
    if not links:
        reason = "no .yaml links in the listing (not a cgit plain view of the specs?)"
        raise SpecSourceError(listing_url, "", reason)
    _check_count(len(links), listing_url)
    files = [SpecFile(name, _get(link, MAX_SPEC_BYTES), link) for name, link in links.items()]
    return Fetched(listing_url, tuple(files))


def _listing_url(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise SpecSourceError(url, "", "not an http(s) URL")
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    if not path.endswith(f"/{KERNEL_SPECS}/"):
        path += f"{KERNEL_SPECS}/"
    return urllib.parse.urlunsplit(parts._replace(path=path))


class _Links(HTMLParser):
    """The href of every <a> in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def _spec_links(page: str, base: str) -> dict[str, str]:
    """File name -> URL of each .yaml file the listing links to in the listed directory on
    the same server (cgit writes absolute paths that carry the ?h=TAG of the listing)."""
    parser = _Links()
    parser.feed(page)
    parser.close()
    origin = urllib.parse.urlsplit(base)
    out: dict[str, str] = {}
    for href in parser.hrefs:
        link = urllib.parse.urljoin(base, href)
        parts = urllib.parse.urlsplit(link)
        directory, _, name = parts.path.rpartition("/")
        if (parts.scheme, parts.netloc) != (origin.scheme, origin.netloc):
            continue
        if directory + "/" == origin.path and _SPEC_FILE.fullmatch(name):
            out.setdefault(name, link)
    return out


def _get(url: str, limit: int) -> bytes:
    """The body of ``url``: at most ``limit`` bytes, all that Content-Length announced."""
    request = urllib.request.Request(url, headers={"User-Agent": "genetlink spec install"})
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
            body = _read_all(response, limit, url)
            expected = response.headers.get("Content-Length")
    except urllib.error.HTTPError as e:
        raise SpecSourceError(url, "", f"HTTP {e.code} {e.reason}") from None
    except urllib.error.URLError as e:
        raise SpecSourceError(url, "", f"cannot fetch: {_reason(e.reason)}") from None
    except (http.client.HTTPException, OSError) as e:  # a cut connection, a read timeout
        raise SpecSourceError(url, "", f"cannot fetch: {_reason(e)}") from None
    if expected is not None and expected.isdigit() and int(expected) != len(body):
        raise SpecSourceError(url, "", f"truncated: {len(body)} of {expected} bytes")
    return body


def _read_all(response: http.client.HTTPResponse, limit: int, url: str) -> bytes:
    deadline = time.monotonic() + HTTP_DEADLINE
    chunks: list[bytes] = []
    size = 0
    for chunk in _chunks(response):
        size += len(chunk)
        if size > limit:
            raise SpecSourceError(url, "", f"more than {limit} bytes: refused")
        if time.monotonic() > deadline:
            raise SpecSourceError(url, "", f"took more than {HTTP_DEADLINE:g} s")
        chunks.append(chunk)
    return b"".join(chunks)


def _chunks(response: http.client.HTTPResponse) -> Iterator[bytes]:
    while chunk := response.read(1 << 16):
        yield chunk


def _reason(err: object) -> str:
    if isinstance(err, TimeoutError):
        return f"timed out after {HTTP_TIMEOUT:g} s"
    if isinstance(err, http.client.IncompleteRead):
        return f"connection closed after {len(err.partial)} bytes"
    return " ".join(str(getattr(err, "strerror", None) or err).split()) or type(err).__name__


# -- bounds ----------------------------------------------------------------------------------


def _check_count(count: int, where: str) -> None:
    if count > MAX_SPECS:
        raise SpecSourceError(where, "", f"more than {MAX_SPECS} spec files: refused")


def _check_size(size: int, where: str) -> None:
    if size > MAX_SPEC_BYTES:
        reason = f"{size} bytes, more than a spec may have ({MAX_SPEC_BYTES >> 20} MiB)"
        raise SpecSourceError(where, "", reason)

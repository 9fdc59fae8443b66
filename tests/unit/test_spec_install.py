"""`genetlink spec install`: the kernel's specs from a tree, a tarball (Debian's real
linux-source one, and hostile ones) and a cgit-like web server on this machine, installed
whole or not at all."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import stat
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from genetlink.cli.main import main
from genetlink.loader import find_spec, install, list_specs, load_family, sources
from genetlink.loader.install import install_specs
from genetlink.loader.sources import SpecSourceError, from_tarball, kernel_tag

LINUX_SOURCE = Path("/usr/src/linux-source-6.12.tar.xz")
SPECS = "Documentation/netlink/specs"
TAG = "v6.18.44"
MINI = "name: {name}\nprotocol: genetlink\ndoc: x\nattribute-sets: []\noperations:\n  list: []\n"


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME and XDG_DATA_HOME in the test's directory: the real ones are never touched."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("GENETLINK_SPEC_PATH", raising=False)
    return tmp_path


@pytest.fixture
def target(tmp_path: Path) -> Path:
    return tmp_path / "data" / "genetlink" / "specs"


@pytest.fixture
def kernel_tree(tmp_path: Path, kernel_specs: Path) -> Path:
    """A kernel git checkout: the fixture specs in Documentation/netlink/specs, and .git."""
    top = tmp_path / "linux"
    shutil.copytree(kernel_specs, top / SPECS)
    (top / ".git").mkdir()
    (top / ".git" / "HEAD").write_text("ref: refs/heads/master\n")
    return top


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in err, err
    return status, out, err


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def assert_nothing_installed(target: Path) -> None:
    assert not target.exists()
    if target.parent.exists():  # no staging directory left behind either
        assert list(target.parent.iterdir()) == []


# -- a kernel tree or git checkout -----------------------------------------------------------


def test_install_from_tree(
    kernel_tree: Path,
    kernel_specs: Path,
    target: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    count = len(list(kernel_specs.glob("*.yaml")))
    status, out, err = run(["spec", "install", "--from", str(kernel_tree)], capsys)
    assert status == 0, err
    fetched, installed = out.splitlines()[:2]
    assert fetched == f"fetched {count} specs from git checkout (refs/heads/master) " + str(
        kernel_tree / SPECS
    )
    assert installed == f"installed {count} specs in {target}"
    assert sorted(p.name for p in target.iterdir()) == sorted(
        p.name for p in kernel_specs.glob("*.yaml")
    )
    assert stat.S_IMODE(target.stat().st_mode) == 0o755
    assert find_spec("netdev") == target / "netdev.yaml"  # found without GENETLINK_SPEC_PATH
    assert load_family("rt-link").attribute_sets["link-attrs"]["ifname"].value == 3
    assert sorted(p.name for p in target.parent.iterdir()) == ["specs"]


def test_install_from_specs_dir_of_plain_tree(
    kernel_tree: Path,
    target: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    shutil.rmtree(kernel_tree / ".git")
    status, out, _ = run(["spec", "install", "--from", str(kernel_tree / SPECS)], capsys)
    assert status == 0
    assert out.startswith(f"fetched 28 specs from kernel tree {kernel_tree / SPECS}\n")
    assert (target / "ethtool.yaml").is_file()


def test_existing_install_needs_force(
    kernel_tree: Path,
    target: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    target.mkdir(parents=True)
    (target / "old.yaml").write_text(MINI.format(name="old"))
    status, out, err = run(["spec", "install", "--from", str(kernel_tree)], capsys)
    assert status == 1 and "installed" not in out
    assert "already holds 1 specs: --force replaces it" in one_line(err)
    assert [p.name for p in target.iterdir()] == ["old.yaml"]
    status, out, _ = run(["spec", "install", "--from", str(kernel_tree), "--force"], capsys)
    assert status == 0 and "(replacing the 1 there before)" in out
    assert not (target / "old.yaml").exists() and (target / "netdev.yaml").is_file()
    assert sorted(p.name for p in target.parent.iterdir()) == ["specs"]  # the old one is gone


def test_spec_the_loader_refuses_is_left_out(
    kernel_tree: Path,
    target: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    twice = "attribute-sets:\n  - {name: a, attributes: []}\n  - {name: a, attributes: []}"
    bad = MINI.format(name="dup").replace("attribute-sets: []", twice)
    (kernel_tree / SPECS / "dup.yaml").write_text(bad)
    status, out, err = run(["spec", "install", "--from", str(kernel_tree)], capsys)
    assert status == 0
    assert "fetched 29 specs" in out and "installed 28 specs" in out
    line = one_line(err)
    assert line.startswith("genetlink: left out dup.yaml: the loader refuses it:")
    assert "duplicate attribute set 'a'" in line
    assert not (target / "dup.yaml").exists()


def test_no_specs_in_directory(
    tmp_path: Path,
    target: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "empty").mkdir()
    status, _, err = run(["spec", "install", "--from", str(tmp_path / "empty")], capsys)
    assert status == 1 and "no Documentation/netlink/specs/*.yaml here" in one_line(err)
    status, _, err = run(["spec", "install", "--from", str(tmp_path / "nowhere")], capsys)
    assert status == 1 and "no such directory, tarball or http(s) URL" in one_line(err)
    assert_nothing_installed(target)


# -- a target that cannot be written ---------------------------------------------------------


@contextlib.contextmanager
def unprivileged() -> Iterator[None]:
    """Act as nobody for file access while inside (root writes anywhere)."""
    if os.geteuid() != 0:
        yield
        return
    os.seteuid(65534)
    try:
        yield
    finally:
        os.seteuid(0)


@pytest.fixture
def readable_tree(kernel_specs: Path) -> Iterator[Path]:
    """A kernel tree that nobody may read, under a read-only parent of the install."""
    top = Path(tempfile.mkdtemp(prefix="genetlink-ro-"))
    try:
        shutil.copytree(kernel_specs, top / "linux" / SPECS)
        for path in [top, *top.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        (top / "locked").mkdir(mode=0o555)
        yield top
    finally:
        shutil.rmtree(top)


@pytest.mark.parametrize("system", [False, True])
def test_unwritable_parent_is_one_line(
    system: bool,
    readable_tree: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    locked = readable_tree / "locked"
    monkeypatch.setenv("XDG_DATA_HOME", str(locked / "data"))
    monkeypatch.setattr(install, "SYSTEM_INSTALL_DIR", str(locked / "ynl" / "specs"))
    argv = ["spec", "install", "--from", str(readable_tree / "linux"), *(["--system"] * system)]
    with unprivileged():
        status, _, err = run(argv, capsys)
    assert status == 1
    line = one_line(err)
    assert "cannot write to" in line and "Permission denied" in line
    assert ("(--system needs root)" in line) == system
    assert list(locked.iterdir()) == []


# -- a kernel source tarball -----------------------------------------------------------------


@pytest.mark.skipif(not LINUX_SOURCE.is_file(),
                    reason=f"{LINUX_SOURCE} absent: apt-get install linux-source-6.12")  # fmt: skip
def test_debian_linux_source_tarball(target: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["spec", "install", "--from", str(LINUX_SOURCE)], capsys)
    assert status == 0, err
    lines = out.splitlines()
    fetched = re.fullmatch(rf"fetched (\d+) specs from {LINUX_SOURCE} \(linux-source-6.12/"
                           rf"{SPECS}\)", lines[0])  # fmt: skip
    assert fetched is not None and int(fetched[1]) >= 19, lines[0]  # 19 in 6.12.117
    installed = sorted(p.name for p in target.iterdir())
    left_out = [line for line in err.splitlines() if "left out" in line]
    assert lines[1] == f"installed {len(installed)} specs in {target}"
    assert len(installed) + len(left_out) == int(fetched[1])
    assert {"netdev.yaml", "rt_link.yaml", "ethtool.yaml", "mptcp_pm.yaml"} <= set(installed)
    assert all(line.startswith("genetlink: left out devlink.yaml") for line in left_out)
    assert find_spec("rt-link") == target / "rt_link.yaml"  # rt_link.yaml names rt-link
    assert load_family("netdev").operations["dev-get"].value == 1


@dataclass
class Member:
    name: str
    data: bytes = b""
    kind: bytes = tarfile.REGTYPE
    link: str = ""
    size: int | None = None  # a header that claims more than it carries


def make_tarball(path: Path, members: list[Member], mode: str = "w:gz") -> Path:
    with tarfile.open(path, mode) as tar:
        for m in members:
            info = tarfile.TarInfo(m.name)
            info.type, info.linkname = m.kind, m.link
            info.size = len(m.data) if m.kind == tarfile.REGTYPE else 0
            tar.addfile(info, io.BytesIO(m.data) if m.kind == tarfile.REGTYPE else None)
    return path


def spec_member(name: str, top: str = "linux") -> Member:
    return Member(f"{top}/{SPECS}/{name}.yaml", MINI.format(name=name).encode())


HOSTILE = {
    "absolute": (Member(f"/linux/{SPECS}/evil.yaml", b"name: evil\n"), "outside the kernel tree"),
    "dotdot": (Member(f"linux/../{SPECS}/evil.yaml", b"name: evil\n"), "outside the kernel tree"),
    "climbs out": (Member(f"linux/{SPECS}/../../../../../etc/evil.yaml", b"x"), "outside"),
    "symlink": (Member(f"linux/{SPECS}/evil.yaml", kind=tarfile.SYMTYPE, link="/etc/passwd"),
                "a link or special file"),
    "hardlink": (Member(f"linux/{SPECS}/evil.yaml", kind=tarfile.LNKTYPE,
                        link=f"linux/{SPECS}/aaa.yaml"), "a link or special file"),
    "device": (Member(f"linux/{SPECS}/evil.yaml", kind=tarfile.CHRTYPE), "special file"),
    "huge spec": (Member(f"linux/{SPECS}/huge.yaml", b" " * (5 << 20)), "more than a spec may"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_tarball_is_refused(
    case: str,
    tmp_path: Path,
    target: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    member, words = HOSTILE[case]
    tarball = make_tarball(tmp_path / "linux.tar.gz",
                           [spec_member("aaa"), member, spec_member("zzz")])  # fmt: skip
    status, out, err = run(["spec", "install", "--from", str(tarball)], capsys)
    assert status == 1 and out == ""
    line = one_line(err)
    assert "refused:" in line and words in line
    assert_nothing_installed(target)
    assert not (tmp_path / "etc").exists()


def test_hostile_members_elsewhere_are_never_read(tmp_path: Path, target: Path) -> None:
    tarball = make_tarball(tmp_path / "linux.tar.xz", [
        Member("/etc/evil", b"x"), Member("../evil", b"x"),
        Member("linux/evil-link", kind=tarfile.SYMTYPE, link="/etc/shadow"),
        spec_member("fam"), Member(f"linux/{SPECS}/README", b"not a spec"),
        spec_member("other"), Member("linux/net/later.c", b"int x;"),
    ], mode="w:xz")  # fmt: skip
    fetched = from_tarball(tarball)
    assert [f.name for f in fetched.files] == ["fam.yaml", "other.yaml"]
    assert fetched.origin == f"{tarball} (linux/{SPECS})"
    report = install_specs(fetched, target)
    assert report.installed == ["fam.yaml", "other.yaml"] and report.refused == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "linux.tar.xz"]


def test_bomb_before_the_specs_is_not_unpacked(tmp_path: Path) -> None:
    """A header that claims 5 GiB is refused from its size, before any of it is read."""
    info = tarfile.TarInfo("linux/bomb")
    info.size = 5 << 30
    (tmp_path / "bomb.tar").write_bytes(info.tobuf(format=tarfile.GNU_FORMAT) + b"\0" * 4096)
    started = time.monotonic()
    with pytest.raises(SpecSourceError, match="no Documentation/netlink/specs in the first 4 GiB"):
        from_tarball(tmp_path / "bomb.tar")
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("mode", ["w:", "w:gz", "w:bz2", "w:xz"])
def test_damaged_tarball(
    mode: str,
    tmp_path: Path,
    target: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    good = make_tarball(tmp_path / "good.tar", [spec_member(f"f{i}") for i in range(50)], mode)
    cut = tmp_path / "cut.tar"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    status, _, err = run(["spec", "install", "--from", str(cut)], capsys)
    assert status == 1 and "cannot read the tarball" in one_line(err)
    assert_nothing_installed(target)


def test_not_a_tarball(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "x.tar.xz").write_bytes(b"hello" * 100)
    status, _, err = run(["spec", "install", "--from", str(tmp_path / "x.tar.xz")], capsys)
    assert status == 1 and "cannot read the tarball" in one_line(err)
    empty = make_tarball(tmp_path / "other.tar.gz", [Member("linux/README", b"x")])
    status, _, err = run(["spec", "install", "--from", str(empty)], capsys)
    assert status == 1 and "no Documentation/netlink/specs/*.yaml in this tarball" in err


# -- the kernel's git web interface (a cgit-like server on this machine) ----------------------


Route = Callable[[BaseHTTPRequestHandler], None]


class Cgit:
    """Serves /linux.git/plain/Documentation/netlink/specs/ as cgit lists a directory, and
    its files; ``routes`` overrides what a path returns."""

    PREFIX = "/linux.git/plain/"

    def __init__(self, specs: dict[str, bytes]) -> None:
        self.specs = dict(specs)
        self.routes: dict[str, Route] = {}
        self.requests: list[str] = []
        cgit = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                cgit.requests.append(self.path)
                path = self.path.split("?")[0]
                route = cgit.routes.get(path.rsplit("/", 1)[-1] or path, cgit.serve)
                route(self)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}{self.PREFIX}{SPECS}/?h={TAG}"

    def listing(self) -> bytes:
        base = f"{self.PREFIX}{SPECS}"
        items = [f"<li><a href='{self.PREFIX}Documentation/netlink/?h={TAG}'>../</a></li>"]
        items += [f"  <li><a href='{base}/{name}?h={TAG}'>{name}</a></li>" for name in self.specs]
        items += [f"  <li><a href='{self.PREFIX}Documentation/other.yaml?h={TAG}'>x</a></li>",
                  "  <li><a href='http://elsewhere.invalid/evil.yaml'>evil</a></li>"]  # fmt: skip
        page = (f"<html><head><title>/{SPECS}/</title></head>\n<body>\n<h2>/{SPECS}/</h2>\n"
                "<ul>\n" + "\n".join(items) + "\n </ul>\n</body></html>\n")  # fmt: skip
        return page.encode()

    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?")[0]
        if path == f"{self.PREFIX}{SPECS}/":
            send(handler, 200, self.listing(), "text/html; charset=UTF-8")
        elif path.startswith(f"{self.PREFIX}{SPECS}/") and path.split("/")[-1] in self.specs:
            send(handler, 200, self.specs[path.split("/")[-1]])
        else:
            send(handler, 404, b"<html>Not found</html>", "text/html")


def send(
    handler: BaseHTTPRequestHandler,
    code: int,
    body: bytes,
    kind: str = "text/plain; charset=UTF-8",
    length: int | None = None,
) -> None:
    handler.send_response(code)
    handler.send_header("Content-Type", kind)
    handler.send_header("Content-Length", str(len(body) if length is None else length))
    handler.end_headers()
    handler.wfile.write(body)


@pytest.fixture
def cgit(kernel_specs: Path) -> Iterator[Cgit]:
    names = ("netdev", "ethtool", "rt-link", "nlctrl", "wireguard")
    server = Cgit({f"{n}.yaml": (kernel_specs / f"{n}.yaml").read_bytes() for n in names})
    server.thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()


def test_existing_install_is_checked_before_a_download(
    cgit: Cgit, target: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target.mkdir(parents=True)
    (target / "old.yaml").write_text(MINI.format(name="old"))
    status, out, err = run(["spec", "install", "--from", cgit.url], capsys)
    assert status == 1 and out == "" and cgit.requests == []
    assert "--force replaces it" in one_line(err)


def test_download(cgit: Cgit, target: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["spec", "install", "--from", cgit.url], capsys)
    assert status == 0, err
    assert out.splitlines()[:2] == [f"fetched 5 specs from {cgit.url}",
                                    f"installed 5 specs in {target}"]  # fmt: skip
    assert sorted(p.name for p in target.iterdir()) == sorted(cgit.specs)
    assert all(r.endswith(f"?h={TAG}") for r in cgit.requests)  # files at the listing's tag
    assert not any("other.yaml" in r or "evil" in r for r in cgit.requests)
    assert (target / "netdev.yaml").read_bytes() == cgit.specs["netdev.yaml"]


def test_download_from_repository_plain_url(cgit: Cgit, target: Path) -> None:
    """A `plain/` URL of the repository gets the specs directory added."""
    repo = cgit.url.replace(f"{SPECS}/", "")
    fetched = sources.fetch(repo)
    assert fetched.origin == cgit.url
    assert len(install_specs(fetched, target).installed) == 5


def test_default_downloads_for_the_running_kernel(
    cgit: Cgit,
    target: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(install, "local_sources", lambda: [])  # nothing on this "machine"
    monkeypatch.setattr(sources, "KERNEL_GIT_SPECS", cgit.url.split("?")[0])
    status, out, err = run(["spec", "install"], capsys)
    assert status == 0, err
    assert out.startswith(f"fetched 5 specs from {cgit.url.split('?')[0]}?h={kernel_tag()}\n")
    assert (target / "wireguard.yaml").is_file()


def test_default_prefers_a_local_source(
    kernel_tree: Path,
    tmp_path: Path,
    target: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    broken = tmp_path / "linux-source-9.9.tar.xz"
    broken.write_bytes(b"not xz")
    monkeypatch.setattr(install, "local_sources", lambda: [broken, kernel_tree / SPECS])
    status, out, err = run(["spec", "install"], capsys)
    assert status == 0
    assert one_line(err).startswith(f"genetlink: skipped {broken}: cannot read the tarball")
    assert out.startswith(f"fetched 28 specs from git checkout (refs/heads/master) {kernel_tree}")


def broken_yaml(handler: BaseHTTPRequestHandler) -> None:
    send(handler, 200, b"name: netdev\noperations:\n  list: [ {name: dev-get\n")


def error_page(handler: BaseHTTPRequestHandler) -> None:
    send(handler, 200, b"<html><body>Too many requests, try later</body></html>", "text/html")


def truncated(handler: BaseHTTPRequestHandler) -> None:
    send(handler, 200, b"name: netdev\nprotocol: genetlink\n", length=20000)
    handler.close_connection = True


def slow(handler: BaseHTTPRequestHandler) -> None:
    time.sleep(1.5)
    send(handler, 200, b"name: late\n")


def not_found(handler: BaseHTTPRequestHandler) -> None:
    send(handler, 404, b"Not found", "text/html")


@pytest.mark.parametrize(
    ("route", "path", "words"),
    [
        (broken_yaml, "ethtool.yaml", ["ethtool.yaml", "invalid YAML", "nothing installed"]),
        (error_page, "ethtool.yaml", ["ethtool.yaml", "not a netlink spec", "nothing installed"]),
        (truncated, "rt-link.yaml", ["rt-link.yaml", "truncated: 33 of 20000 bytes"]),
        (slow, "wireguard.yaml", ["wireguard.yaml", "timed out after 0.3 s"]),
        (slow, "", ["timed out"]),  # the listing itself
        (not_found, "", [f"/{SPECS}/?h={TAG}", "HTTP 404 Not Found"]),
    ],
)
def test_download_failures_install_nothing(
    route: Route,
    path: str,
    words: list[str],
    cgit: Cgit,
    target: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(sources, "HTTP_TIMEOUT", 0.3)
    cgit.routes[path or f"{cgit.PREFIX}{SPECS}/"] = route
    status, out, err = run(["spec", "install", "--from", cgit.url], capsys)
    assert status == 1 and "installed" not in out
    line = one_line(err)
    for word in words:
        assert word in line
    assert_nothing_installed(target)


def test_oversized_response_is_refused(
    cgit: Cgit,
    target: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sources, "MAX_SPEC_BYTES", 1000)
    with pytest.raises(SpecSourceError, match=r"more than 1000 bytes: refused"):
        sources.fetch(cgit.url)
    assert_nothing_installed(target)


def test_only_http_urls(target: Path) -> None:
    with pytest.raises(SpecSourceError, match="not an http"):
        sources.from_url("file:///etc/")


# -- which kernel the download is for -------------------------------------------------------


@pytest.mark.parametrize(
    ("release", "version", "tag"),
    [
        ("6.18.44-fc-v669", "#1 SMP", "v6.18.44"),
        ("6.12.0", "#1 SMP", "v6.12"),
        ("6.13.0-rc3", "#1 SMP PREEMPT", "v6.13-rc3"),
        ("6.1.0-57-amd64", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.158-1 (2025-11-09)", "v6.1.158"),
        ("6.12", "", "v6.12"),
    ],
)
def test_kernel_tag(release: str, version: str, tag: str) -> None:
    assert kernel_tag(release, version) == tag


def test_kernel_tag_unknown() -> None:
    with pytest.raises(SpecSourceError, match="cannot tell the kernel version"):
        kernel_tag("custom", "")


def test_local_sources(tmp_path: Path) -> None:
    src = tmp_path / "usr" / "src"
    (src / "linux-6.12" / SPECS).mkdir(parents=True)
    (src / "linux-headers-6.12").mkdir()
    for name in ("linux-source-6.1.tar.xz", "linux-source-6.12.tar.xz", "linux-source-6.12.deb"):
        (src / name).write_bytes(b"")
    assert sources.local_sources(str(tmp_path), "6.12.0") == [
        src / "linux-6.12" / SPECS,
        src / "linux-source-6.12.tar.xz",
        src / "linux-source-6.1.tar.xz",
    ]
    assert list_specs(system_dirs=()) != []  # the package's own specs are still there

"""Test namespaces for the benchmarks, filled with `ip -batch` (one process per namespace).

    python netns.py create NAME --links N [--addrs N] [--routes N]
    python netns.py delete NAME...
Importable too: create(), delete(), delete_stale().
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile

PREFIX = "gnlb"


def name(what: str, pid: int | None = None) -> str:
    """This run's namespace for `what`: the runner's pid in the name keeps two bench runs at
    once (two sessions, a bench beside the tests) out of each other's namespaces."""
    return f"{PREFIX}{os.getpid() if pid is None else pid}-{what}"


def _owner_alive(ns: str) -> bool:
    """Whether the run that made `ns` (named by `name`) is still running."""
    pid = ns[len(PREFIX):].partition("-")[0]
    if not pid.isdigit():
        return False  # a name from before the pid was in it
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], check=check, text=True, capture_output=True)


def _batch(ns: str, lines: list[str]) -> None:
    if not lines:
        return
    with tempfile.NamedTemporaryFile("w", suffix=".ip") as f:
        f.write("\n".join(lines) + "\n")
        f.flush()
        r = _ip("-n", ns, "-batch", f.name, check=False)
        if r.returncode != 0:
            raise RuntimeError(f"ip -n {ns} -batch failed: {r.stderr.strip()[:500]}")


def create(name: str, links: int = 0, addrs: int = 0, routes: int = 0) -> None:
    """Create namespace NAME with `links` veth ends (pairs, so rounded up to even),
    `addrs` IPv4 /32 addresses spread over the first 4 links, and `routes` IPv4 /32 routes
    via a gateway on the first link (links are brought up when routes are wanted).
    The kernel's dummy driver may be missing; veth is always there."""
    delete(name)
    _ip("netns", "add", name)
    pairs = (links + 1) // 2
    cmds = [f"link add v{2 * i} type veth peer name v{2 * i + 1}" for i in range(pairs)]
    if routes:
        cmds += ["link set lo up", "link set v0 up", "link set v1 up",
                 "addr add 192.168.0.1/24 dev v0"]
    _batch(name, cmds)
    hosts = max(1, min(4, 2 * pairs))
    _batch(name, [f"addr add 10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}/32 "
                  f"dev v{i % hosts}" for i in range(1, addrs + 1)])
    _batch(name, [f"route add 172.{16 + i // 65536}.{i // 256 % 256}.{i % 256}/32 "
                  f"via 192.168.0.2" for i in range(routes)])


def delete(*names: str) -> None:
    """Remove namespaces (their veths go with them); missing ones are fine."""
    for n in names:
        _ip("netns", "del", n, check=False)


def delete_stale() -> None:
    """Remove namespaces left by interrupted bench runs (not those of a run still going)."""
    out = _ip("netns", "list", check=False).stdout
    names = [ln.split()[0] for ln in out.splitlines() if ln.startswith(PREFIX)]
    delete(*[ns for ns in names if not _owner_alive(ns)])


def main() -> None:
    """Command line for manual use."""
    p = argparse.ArgumentParser()
    p.add_argument("action", choices=["create", "delete"])
    p.add_argument("names", nargs="+")
    p.add_argument("--links", type=int, default=0)
    p.add_argument("--addrs", type=int, default=0)
    p.add_argument("--routes", type=int, default=0)
    a = p.parse_args()
    if a.action == "create":
        for n in a.names:
            create(n, a.links, a.addrs, a.routes)
    else:
        delete(*a.names)


if __name__ == "__main__":
    main()

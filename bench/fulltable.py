"""Full routing table workload: up to 1,000,000 IPv4 routes (a BGP full table is about that
size) in a test namespace, dumped and decoded while iterating, on every side; time per route
and peak RSS, at growing sizes (1k, 10k, 100k, 1M) to show the cost per route stays flat.

    python fulltable.py run [--sizes 1000,10000,100000,1000000] [--sides ...]   (the runner)
    python fulltable.py SIDE [-r REPS] [-w WARMUP]                   (a worker, in the netns)

Sides, each in a fresh process: c (libmnl streaming callback, bench/c/fulltable.c), ours
(handle.dump iterated, each route fully decoded with to_dict()), pyroute2 (AsyncIPRoute's
get_routes, the one pyroute2 API that iterates: IPRoute.get_routes returns a tuple of the whole
table), pyroute2-list (that IPRoute call, for comparison), ynl (ynl's receive loop yielding each
decoded message: its public dump() returns a list) and ynl-list (that dump()). The table is
filled with netlink batches by the C program; run.py calls `run_all` for `--only fulltable`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

import common
import netns

BENCH = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.join(BENCH, "build")
NS = netns.name("fulltable")  # this run's own: another run at once has its own
SIZES = (1000, 10_000, 100_000, 1_000_000)
SIDES = ("c", "ours", "pyroute2", "pyroute2-list", "ynl", "ynl-list")
#: How each side gets the table: iterates (holds a window) or collects it (a list).
MODE = {"c": "iterates", "ours": "iterates", "pyroute2": "iterates (AsyncIPRoute)",
        "pyroute2-list": "collects (IPRoute: a tuple)", "ynl": "iterates (its recv loop)",
        "ynl-list": "collects (dump(): a list)"}  # fmt: skip
SPEC = os.path.join(BENCH, "..", "..", "shared", "kernel-specs", "specs", "rt-route.yaml")


def rss_kb() -> int:
    """Resident set size now (VmRSS), in KiB."""
    with open("/proc/self/status") as f:
        return next(int(ln.split()[1]) for ln in f if ln.startswith("VmRSS:"))


# -- workers ------------------------------------------------------------------------------

def _ours() -> Callable[[], int]:
    from genetlink import open_family

    rt = open_family(SPEC)

    def run() -> int:
        n = 0
        for route in rt.dump("getroute", {"rtm-family": 2}):
            route.to_dict()
            n += 1
        return n

    return run


def _pyroute2() -> Callable[[], int]:
    import asyncio

    from pyroute2 import AsyncIPRoute

    async def dump() -> int:
        n = 0
        async with AsyncIPRoute() as ipr:
            async for msg in await ipr.get_routes(family=2):
                msg.dump()
                n += 1
        return n

    return lambda: asyncio.run(dump())


def _pyroute2_list() -> Callable[[], int]:
    from pyroute2 import IPRoute

    ipr = IPRoute()

    def run() -> int:
        n = 0
        for msg in ipr.get_routes(family=2):
            msg.dump()
            n += 1
        return n

    return run


def _ynl(collect: bool) -> Callable[[], int]:
    import ynl_bench

    ynl = ynl_bench.family("rt_route")
    if collect:
        return lambda: len(ynl.dump("getroute", {"rtm-family": 2}))

    def run() -> int:
        n = 0
        for _ in ynl_bench.iterate_dump(ynl, "getroute", {"rtm-family": 2}):
            n += 1
        return n

    return run


WORKERS: dict[str, Callable[[], Callable[[], int]]] = {
    "ours": _ours, "pyroute2": _pyroute2, "pyroute2-list": _pyroute2_list,
    "ynl": lambda: _ynl(False), "ynl-list": lambda: _ynl(True),
}  # fmt: skip


def worker(side: str, argv: list[str]) -> None:
    """Time `side`'s dump of the namespace's table; one JSON line (see common.py), with the
    RSS before the first dump (rss_base_kb) next to the peak (maxrss_kb)."""
    args = common.parse_args(["fulltable", *argv])
    try:
        run = WORKERS[side]()
    except NotImplementedError as e:
        print(json.dumps({"side": side, "workload": "fulltable", "na": str(e)}))
        sys.exit(common.EXIT_NA)
    base = rss_kb()
    runs: list[int] = []
    objects = 0
    for i in range(-args.warmup, args.reps):
        t0 = time.process_time_ns()
        objects = run()
        t1 = time.process_time_ns()
        if i >= 0:
            runs.append(t1 - t0)
    common.report(side, "fulltable", runs, objects, rss_base_kb=base)


# -- runner -------------------------------------------------------------------------------

def _exec(cmd: list[str], timeout: float = 1800) -> dict[str, Any]:
    return common.run_worker(NS, cmd, timeout)


def _reps(size: int) -> tuple[int, int]:
    return (3, 1) if size <= 10_000 else (1, 0)


def measure(side: str, size: int) -> dict[str, Any]:
    """One side at the namespace's current size, in a fresh process."""
    reps, warmup = _reps(size)
    if side == "c":
        cmd = [os.path.join(BUILD, "fulltable")]
    else:
        cmd = [sys.executable, os.path.abspath(__file__), side]
    res = _exec([*cmd, "-r", str(reps), "-w", str(warmup)])
    if "runs_ns" in res:
        res["median_ns"] = statistics.median(res["runs_ns"])
        res["ns_per_route"] = res["median_ns"] / max(1, res["objects"])
    return res


def _grow(start: int, end: int) -> None:
    res = _exec([os.path.join(BUILD, "fulltable"), "-a", f"fill:{start}", "-n", str(end)])
    if "error" in res:
        raise RuntimeError(f"filling the table: {res['error']}")


def run_all(sizes: Iterable[int], sides: Iterable[str]) -> dict[int, dict[str, Any]]:
    """Grow the namespace's table to each size in turn and measure every side there."""
    wanted = set(sides)  # a side brings its -list variant
    sides = [s for s in SIDES if s in wanted or s.split("-")[0] in wanted]
    netns.create(NS, links=2, routes=1)  # v0 up with 192.168.0.1/24: the routes' gateway
    results: dict[int, dict[str, Any]] = {}
    have = 0
    try:
        for size in sorted(sizes):
            t0 = time.monotonic()
            _grow(have, size)
            have = size
            print(f"# fulltable: {size} routes added ({time.monotonic() - t0:.1f} s)", flush=True)
            results[size] = {}
            for side in sides:
                res = measure(side, size)
                results[size][side] = res
                print(f"# fulltable_{size:<8} {side:<13} {_cell(res):>22} "
                      f"objects={res.get('objects', '-')} {res.get('na', res.get('error', ''))}",
                      flush=True)  # fmt: skip
    finally:
        netns.delete(NS)
    return results


def _cell(res: dict[str, Any] | None) -> str:
    if (status := common.status_cell(res)) is not None or res is None:
        return status or "-"
    growth = (res["maxrss_kb"] - res.get("rss_base_kb", 0)) / 1024
    return f"{res['ns_per_route'] / 1000:.2f} us {res['maxrss_kb'] / 1024:.0f} MiB (+{growth:.0f})"


def print_table(results: dict[int, dict[str, Any]]) -> None:
    """Per route CPU time and peak RSS (and its growth over the RSS before the dump) of each
    side at each size; ours against C and the others; per-route cost relative to the smallest
    size (flat: ~1)."""
    sides = [s for s in SIDES if any(s in r for r in results.values())]
    head = ["routes", *sides, "ours/C time", "ours/C RSS", "ours/py", "ours/ynl"]
    lines = [head]
    for size, r in results.items():
        ours, cc = r.get("ours", {}), r.get("c", {})
        ratio = []
        for other, key in ((cc, "ns_per_route"), (cc, "maxrss_kb"), (r.get("pyroute2", {}),
                           "ns_per_route"), (r.get("ynl", {}), "ns_per_route")):  # fmt: skip
            ok = key in ours and key in other and other[key]
            ratio.append(f"{ours[key] / other[key]:.2f}" if ok else "-")
        lines.append([str(size), *(_cell(r.get(s)) for s in sides), *ratio])
    widths = [max(len(ln[i]) for ln in lines) for i in range(len(head))]
    for i, ln in enumerate(lines):
        print(" | ".join(v.ljust(w) for v, w in zip(ln, widths, strict=True)).rstrip())
        if i == 0:
            print("-+-".join("-" * w for w in widths))
    print("mode: " + "; ".join(f"{s} {MODE[s]}" for s in sides))
    first = min(results) if results else 0
    flat = []
    for s in sides:
        ref = results[first].get(s, {}).get("ns_per_route")
        if ref:
            flat.append(f"{s} " + " ".join(
                f"{results[n][s]['ns_per_route'] / ref:.2f}" if "ns_per_route" in
                results[n].get(s, {}) else "-" for n in results))  # fmt: skip
    print(f"cost per route relative to {first} routes ({', '.join(map(str, results))}): "
          + "; ".join(flat))
    for size, r in results.items():
        counts = {s: r[s].get("objects") for s in sides if "objects" in r.get(s, {})}
        if len(set(counts.values())) > 1:
            print(f"! fulltable_{size}: objects differ: {counts}")


def main() -> None:
    """Command line: the runner (`run`) or a worker (a side's name)."""
    if len(sys.argv) > 1 and sys.argv[1] in WORKERS:
        worker(sys.argv[1], sys.argv[2:])
        return
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("action", choices=["run"])
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)))
    ap.add_argument("--sides", default=",".join(SIDES))
    args = ap.parse_args()
    results = run_all([int(n) for n in args.sizes.split(",")], args.sides.split(","))
    print()
    print_table(results)


if __name__ == "__main__":
    main()

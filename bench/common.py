"""Shared helpers for the Python bench workers (pyroute2_bench.py, ours.py).

A worker runs one workload in a fresh interpreter inside the test namespace, prints exactly one
JSON line on stdout and exits: 0 on success, 3 when the side cannot run the workload (n/a).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

EXIT_NA = 3

# USERSOCK burst: message types and attributes, shared with bench/c/usersock.c.
EV_DATA = 0x10
EV_END = 0x11
A_SEQ = 1
A_TIME = 2
A_TEXT = 3


def result_line(stdout: str) -> dict[str, Any] | None:
    """The last JSON line a worker printed (its result), or None."""
    for line in reversed(stdout.splitlines()):
        if line.startswith("{"):
            return dict(json.loads(line))
    return None


def run_worker(ns: str, cmd: list[str], timeout: float,
               env: dict[str, str] | None = None) -> dict[str, Any]:  # fmt: skip
    """Run one side's worker in namespace `ns`: its JSON result line, {"na": why} when the
    side cannot run the workload (exit EXIT_NA), or {"error": its last stderr line}."""
    p = subprocess.run(["ip", "netns", "exec", ns, *cmd], capture_output=True, text=True,
                       timeout=timeout, check=False, env=env)  # fmt: skip
    res = result_line(p.stdout) or {}
    if p.returncode == EXIT_NA:
        return {"na": res.get("na", "n/a")}
    if p.returncode != 0 or not res:
        return {"error": (p.stderr.strip().splitlines() or [f"exit {p.returncode}"])[-1][:200]}
    return res


def status_cell(res: dict[str, Any] | None) -> str | None:
    """The table cell of a side that has no figure ("-" not run, "n/a", "ERR"), else None."""
    if not res:
        return "-"
    if "na" in res:
        return "n/a"
    if "error" in res:
        return "ERR"
    return None


def vm_hwm_kb() -> int:
    """Peak resident set size of this process in KiB (VmHWM)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command line shared by all Python workers."""
    p = argparse.ArgumentParser()
    p.add_argument("workload")
    p.add_argument("-r", "--reps", type=int, default=5)
    p.add_argument("-w", "--warmup", type=int, default=1)
    p.add_argument("-n", "--count", type=int, default=0)
    p.add_argument("-a", "--arg", default="")
    return p.parse_args(argv)


def report(side: str, workload: str, runs_ns: list[int], objects: int, **extra: Any) -> None:
    """Print the one JSON result line."""
    out = {"side": side, "workload": workload, "objects": objects, "maxrss_kb": vm_hwm_kb(),
           "runs_ns": runs_ns, **extra}
    print(json.dumps(out), flush=True)


def timed_runs(fn: Callable[[], int], reps: int, warmup: int) -> tuple[list[int], int]:
    """Run fn warmup+reps times; fn returns the object count. Its result stays alive until
    the next call, as a caller keeping the list would have it."""
    runs: list[int] = []
    objects = 0
    for i in range(-warmup, reps):
        t0 = time.process_time_ns()  # CPU time, as the C side measures (see nlbench.h)
        objects = fn()
        t1 = time.process_time_ns()
        if i >= 0:
            runs.append(t1 - t0)
    return runs, objects


Workload = Callable[[argparse.Namespace], None]


def rtnl_workloads(run: Callable[[argparse.Namespace, str, bool], None]) -> dict[str, Workload]:
    """link/addr/route x full/lazy entries for a side's `run(args, what, full)`.

    full: every attribute of every message decoded to Python values; lazy: two attributes
    read per message (RTM_GETLINK, IPv4 RTM_GETADDR, IPv4 RTM_GETROUTE dumps).
    """
    table: dict[str, Workload] = {}
    for what in ("link", "addr", "route"):
        for full in (True, False):
            table[f"{what}_{'full' if full else 'lazy'}"] = (
                lambda args, w=what, f=full: run(args, w, f)  # type: ignore[misc]
            )
    return table


def main(side: str, table: dict[str, Callable[[argparse.Namespace], None]]) -> None:
    """Dispatch a worker's command line to its workload function."""
    args = parse_args(sys.argv[1:])
    fn = table.get(args.workload)
    if fn is None:
        print(json.dumps({"side": side, "workload": args.workload, "na": "no such workload"}))
        sys.exit(EXIT_NA)
    try:
        fn(args)
    except NotImplementedError as e:
        print(json.dumps({"side": side, "workload": args.workload, "na": str(e) or "n/a"}))
        sys.exit(EXIT_NA)

"""Benchmark runner: every workload on every side (ours, pyroute2, the kernel's ynl,
C/libmnl), in fresh processes inside test namespaces it creates and removes; prints a table of
medians and ratios
(of process CPU time, user + system, so time the hypervisor steals does not count)
and writes bench/build/latest.json.

    python run.py [--quick] [--only NAME,...] [--sides ours,pyroute2,ynl,c] [--keep-netns]
Run it through bench/run.sh, which builds the C programs and the venv first.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import common
import fulltable
import netns

BENCH = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.join(BENCH, "build")
PY = sys.executable
SIDES = ("ours", "pyroute2", "ynl", "c")
WORKER = {"ours": os.path.join(BENCH, "ours.py"),
          "pyroute2": os.path.join(BENCH, "pyroute2_bench.py"),
          "ynl": os.path.join(BENCH, "ynl_bench.py")}
# "pure": our side with GENETLINK_PURE=1 (the compiled walk off), for before/after figures
WORKER["pure"] = WORKER["ours"]
PURE_ENV = dict(os.environ, GENETLINK_PURE="1")
DO_NAMES = ("nlctrl", "ethtool", "netdev", "tcp_metrics")


@dataclass
class Row:
    """One table row: a workload at one size, and how each side runs it."""

    name: str
    kind: str                   # full | lazy | do | notify | memory
    ns: str
    c: list[str]                # C program and its arguments (without -r/-w)
    py: str                     # worker workload name
    py_args: list[str] = field(default_factory=list)
    reps: dict[str, tuple[int, int]] = field(default_factory=dict)  # side -> (reps, warmup)
    anchors_of: str = ""        # reuse pyroute2/C results of that row (ours-only variants)
    results: dict[str, dict[str, Any]] = field(default_factory=dict)


def sizes(quick: bool) -> dict[str, int]:
    """Workload sizes: the issue's numbers, or small ones for --quick."""
    if quick:
        return {"links": 1000, "big": 0, "addrs": 1000, "routes": 1000, "do": 1000,
                "notify": 20000}
    return {"links": 1000, "big": 4000, "addrs": 10000, "routes": 10000, "do": 10000,
            "notify": 50000}


def build_rows(sz: dict[str, int], quick: bool) -> list[Row]:
    """The workloads of issue 6, at the chosen sizes."""
    fast = {"ours": (3, 1), "pyroute2": (1, 1), "ynl": (3, 1), "c": (3, 1)} if quick else \
        {"ours": (5, 1), "pyroute2": (3, 1), "ynl": (5, 1), "c": (5, 1)}
    slow = {"ours": (3, 1), "pyroute2": (1, 0), "ynl": (3, 1), "c": (3, 1)} if quick else \
        {"ours": (5, 1), "pyroute2": (2, 0), "ynl": (3, 1), "c": (5, 1)}
    rows: list[Row] = []
    link_sizes = [(sz["links"], netns.name("links-small"), fast)]
    if sz["big"]:
        link_sizes.append((sz["big"], netns.name("links-big"), slow))
    for n, ns, reps in link_sizes:
        rows.append(Row(f"link_full_{n}", "full", ns, ["link"], "link_full", reps=reps))
        rows.append(Row(f"link_lazy_{n}", "lazy", ns, ["link"], "link_lazy", reps=reps))
    big_n, big_ns = link_sizes[-1][0], link_sizes[-1][1]
    for what, n in (("addr", sz["addrs"]), ("route", sz["routes"])):
        ns = netns.name(what)
        rows.append(Row(f"{what}_full_{n}", "full", ns, ["addr", "-a", what], f"{what}_full",
                        reps=fast))
        rows.append(Row(f"{what}_lazy_{n}", "lazy", ns, ["addr", "-a", what], f"{what}_lazy",
                        reps=fast))
    small = netns.name("links-small")
    rows.append(Row("genl_families", "full", small, ["genl"], "genl_families", reps=fast))
    do_reps = {"ours": (3, 1), "pyroute2": (1, 0), "ynl": (1, 1), "c": (3, 1)}
    rows.append(Row(f"genl_do_{sz['do']}", "do", small, ["genl", "-n", str(sz["do"])], "genl_do",
                    ["-n", str(sz["do"])], reps=do_reps))
    for fam in ("ethtool", "netdev"):
        rows.append(Row(f"{fam}_dump_{big_n}", "full", big_ns, ["genl_dump", "-a", fam], fam,
                        reps=fast))
    rows.append(Row(f"notify_{sz['notify']}", "notify", small, ["usersock"], "notify",
                    ["-n", str(1 << 20)]))
    # Ours with the receive queue a subscriber gets by default (SUBSCRIBER_RCVBUF), against
    # C's 1 MiB: what a user of the library sees.
    rows.append(Row(f"notify_{sz['notify']}_default_rcvbuf", "notify", small, ["usersock"],
                    "notify", ["-a", "default"], anchors_of=f"notify_{sz['notify']}"))
    rows.append(Row(f"memory_link_full_{big_n}", "memory", big_ns, ["link"], "link_full",
                    reps={s: (1, 0) for s in SIDES}))
    return rows


# -- running one side ----------------------------------------------------------------------

def run_side(row: Row, side: str, extra: list[str]) -> dict[str, Any]:
    """Run one side of one row in a fresh process inside the row's namespace."""
    reps, warmup = row.reps.get(side, (3, 1))
    if side == "c":
        if not row.c:
            return {"na": "no C program"}
        cmd = [os.path.join(BUILD, row.c[0]), *row.c[1:]]
    else:
        cmd = [PY, WORKER[side], row.py, *row.py_args]
    cmd += ["-r", str(reps), "-w", str(warmup), *extra]
    t0 = time.monotonic()
    res = common.run_worker(row.ns, cmd, 600, env=PURE_ENV if side == "pure" else None)
    if "na" in res or "error" in res:
        return res
    res["wall_s"] = round(time.monotonic() - t0, 2)
    res["median_ns"] = statistics.median(res["runs_ns"])
    return res


def run_notify(row: Row, side: str, count: int) -> dict[str, Any]:
    """Subscriber of `side` in the namespace, then the C sender bursts `count` messages."""
    if side == "c":
        cmd = [os.path.join(BUILD, "usersock"), "-a", "sub", "-n", str(1 << 20)]
    else:
        cmd = [PY, WORKER[side], "notify", *row.py_args]
    sub = subprocess.Popen(["ip", "netns", "exec", row.ns, *cmd], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    assert sub.stdout is not None
    first = sub.stdout.readline()
    if first.strip() != "READY":
        out, err = sub.communicate(timeout=30)
        res = common.result_line(first + out)
        if sub.returncode == 3 and res:
            return {"na": res.get("na", "n/a")}
        return {"error": (err.strip().splitlines() or ["no READY"])[-1][:200]}
    send = subprocess.run(["ip", "netns", "exec", row.ns, os.path.join(BUILD, "usersock"),
                           "-a", "send", "-n", str(count)], capture_output=True, text=True,
                          timeout=120, check=False)
    out, err = sub.communicate(timeout=120)
    res = common.result_line(out)
    sent = common.result_line(send.stdout)
    if not res or not sent:
        return {"error": (err.strip().splitlines() or ["no result"])[-1][:200]}
    res["sent"] = sent["sent"]
    res["send_ns"] = sent["runs_ns"][0]
    res["median_ns"] = res["runs_ns"][0]
    res["lost"] = res["sent"] - res["received"]
    res["rate"] = res["received"] / (res["median_ns"] / 1e9) if res["median_ns"] else 0.0
    return res


def import_time(module: str, reps: int = 5) -> dict[str, Any]:
    """Median cumulative import time of `module` (python -X importtime), in ns."""
    vals = []
    for _ in range(reps):
        p = subprocess.run([PY, "-X", "importtime", "-c", f"import {module}"],
                           capture_output=True, text=True, check=False)
        for line in p.stderr.splitlines():
            m = re.match(r"import time:\s+\d+ \|\s+(\d+) \|\s+(\S+)\s*$", line)
            if m and m.group(2) == module:
                vals.append(int(m.group(1)) * 1000)
    if not vals:
        return {"error": f"import {module} failed"}
    return {"runs_ns": vals, "median_ns": statistics.median(vals), "objects": 1}


# -- table -----------------------------------------------------------------------------------

def fmt_ns(ns: float | None, kind: str, res: dict[str, Any] | None = None) -> str:
    """A cell: time per run, per request, or a rate."""
    if ns is None:
        return ""
    if kind == "do" and res:
        return f"{ns / res.get('requests', 1) / 1000:.1f} us/req"
    if kind == "notify" and res:
        return f"{res['rate'] / 1000:.1f}k/s {res['received']}/{res['sent']} ovr={res['overruns']}"
    if kind == "memory" and res:
        return f"{res['maxrss_kb'] / 1024:.1f} MiB"
    if kind == "import":
        return f"{ns / 1e6:.1f} ms"
    return f"{ns / 1e6:.2f} ms" if ns >= 1e5 else f"{ns / 1e3:.0f} us"


def cell(res: dict[str, Any] | None, kind: str) -> str:
    """Result cell of one side."""
    if (status := common.status_cell(res)) is not None or res is None:
        return status or "-"
    return fmt_ns(res["median_ns"], kind, res)


def value(res: dict[str, Any] | None, kind: str) -> float | None:
    """The number compared between sides (lower is better, except notify rates)."""
    if not res or "median_ns" not in res:
        return None
    if kind == "memory":
        return float(res["maxrss_kb"])
    if kind == "notify":
        return float(res["rate"])
    return float(res["median_ns"])


def evaluate(row: Row) -> dict[str, Any]:
    """Ratios, completeness flags and the target verdict of one row."""
    r = row.results
    ours, py, yn, cc = (value(r.get(s), row.kind) for s in ("ours", "pyroute2", "ynl", "c"))
    ref = r.get("c", {}).get("objects") if row.kind not in ("notify", "import") else None
    flags = []
    complete = {}
    for s in SIDES:
        obj = r.get(s, {}).get("objects")
        complete[s] = ref is None or obj is None or obj == ref
        if not complete[s]:
            flags.append(f"{s} returned {obj} of {ref} objects")
    out: dict[str, Any] = {"flags": flags}
    if row.kind == "notify":
        out["ours/py"] = ours / py if ours and py else None
        out["ours/ynl"] = ours / yn if ours and yn else None
        out["ours/c"] = ours / cc if ours and cc else None
    else:
        out["ours/py"] = ours / py if ours and py and complete["pyroute2"] else None
        out["ours/ynl"] = ours / yn if ours and yn and complete["ynl"] else None
        out["ours/c"] = ours / cc if ours and cc and complete["c"] else None
    if not complete["ours"]:
        out["ours/py"] = out["ours/ynl"] = out["ours/c"] = None
    out["target"] = verdict(row, out, r)
    return out


def verdict(row: Row, ev: dict[str, Any], r: dict[str, Any]) -> str:
    """Targets of issue 6."""
    opy, oyn, oc = ev["ours/py"], ev.get("ours/ynl"), ev["ours/c"]
    if "median_ns" not in r.get("ours", {}):
        return "n/a (ours)"
    if row.kind == "lazy":
        return "(info)"
    if row.kind == "full":
        parts = []
        parts.append("py:n/a" if opy is None else
                     f"{'ok' if opy <= 0.1 else 'MISS'} {1 / opy:.1f}x faster than py (>=10)")
        if oyn is not None:
            parts.append(f"{1 / oyn:.1f}x faster than ynl")
        parts.append("c:n/a" if oc is None else
                     f"{'ok' if oc <= 3 else 'MISS'} {oc:.1f}x C (<=3)")
        return "; ".join(parts)
    if row.kind == "do":
        than_ynl = "" if oyn is None else f"; {1 / oyn:.1f}x faster than ynl"
        return ("n/a" if oc is None else f"{'ok' if oc <= 2 else 'MISS'} {oc:.1f}x C (<=2)"
                ) + than_ynl
    if row.kind == "notify":
        o = r.get("ours", {})
        if "received" not in o:
            return "n/a"
        honest = o["lost"] == 0 or o["overruns"] > 0
        rate = "py:n/a" if opy is None else f"{'ok' if opy >= 5 else 'MISS'} {opy:.1f}x py (>=5)"
        return f"{'ok' if honest else 'MISS'} loss {o['lost']} ovr {o['overruns']}; {rate}"
    if row.kind == "memory":
        return "n/a" if opy is None else f"{'ok' if opy <= 0.5 else 'MISS'} {opy:.2f}x py (<=0.5)"
    if row.kind == "import":
        o = r.get("ours", {}).get("median_ns")
        return "n/a" if o is None else f"{'ok' if o < 50e6 else 'MISS'} {o / 1e6:.1f} ms (<50)"
    return ""


def print_table(rows: list[Row]) -> None:
    """The result table on stdout."""
    head = ["workload", "objects ours/py/ynl/c", "ours", "pyroute2", "ynl", "C", "ours/py",
            "ours/ynl", "ours/C", "target met?"]
    lines = [head]
    for row in rows:
        ev = row.results.get("_eval", {})
        objs = "/".join(str(row.results.get(s, {}).get("objects", "-")) for s in SIDES)
        if ev.get("flags"):
            objs += " !"
        ratio = [f"{ev[k]:.3g}" if ev.get(k) else "-" for k in ("ours/py", "ours/ynl", "ours/c")]
        lines.append([row.name, objs, *(cell(row.results.get(s), row.kind) for s in SIDES),
                      *ratio, ev.get("target", "")])
    widths = [max(len(str(ln[i])) for ln in lines) for i in range(len(head))]
    for i, ln in enumerate(lines):
        print(" | ".join(str(v).ljust(w) for v, w in zip(ln, widths, strict=True)).rstrip())
        if i == 0:
            print("-+-".join("-" * w for w in widths))
    print_pure(rows)
    for row in rows:
        for f in row.results.get("_eval", {}).get("flags", []):
            print(f"! {row.name}: {f} (not compared)")
        for s in SIDES:
            res = row.results.get(s) or {}
            if "error" in res:
                print(f"! {row.name} [{s}] error: {res['error']}")


def print_pure(rows: list[Row]) -> None:
    """Our side on both decode paths (when --sides has "pure"): compiled, pure, and C."""
    lines = [["workload", "compiled", "pure", "pure/compiled", "compiled/C", "pure/C"]]
    for row in rows:
        r = row.results
        ours, pure, cc = (value(r.get(s), row.kind) for s in ("ours", "pure", "c"))
        if pure is None or row.kind == "notify":
            continue
        ratios = [pure / ours if ours else None, ours / cc if ours and cc else None,
                  pure / cc if cc else None]
        lines.append([row.name, cell(r.get("ours"), row.kind), cell(r.get("pure"), row.kind),
                      *(f"{x:.3g}" if x else "-" for x in ratios)])
    if len(lines) == 1:
        return
    widths = [max(len(ln[i]) for ln in lines) for i in range(len(lines[0]))]
    print()
    for i, ln in enumerate(lines):
        print(" | ".join(v.ljust(w) for v, w in zip(ln, widths, strict=True)).rstrip())
        if i == 0:
            print("-+-".join("-" * w for w in widths))


# -- main ------------------------------------------------------------------------------------

def setup_namespaces(rows: list[Row], sz: dict[str, int]) -> list[str]:
    """Create the namespaces the selected rows use."""
    wanted = {r.ns for r in rows}
    specs = {netns.name("links-small"): {"links": sz["links"]},
             netns.name("links-big"): {"links": sz["big"]},
             netns.name("addr"): {"links": 8, "addrs": sz["addrs"]},
             netns.name("route"): {"links": 2, "routes": sz["routes"]}}
    for ns in sorted(wanted):
        t0 = time.monotonic()
        netns.create(ns, **specs[ns])
        print(f"# namespace {ns}: {specs[ns]} ({time.monotonic() - t0:.1f} s)", flush=True)
    return sorted(wanted)


def machine() -> dict[str, Any]:
    """Where the figures were measured."""
    cpu = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    try:
        from importlib.metadata import version
        pyroute2_version = version("pyroute2")
    except Exception:
        pyroute2_version = "?"
    return {"kernel": platform.release(), "cpu": cpu, "cpus": os.cpu_count(),
            "python": platform.python_version(), "pyroute2": pyroute2_version}


def main() -> None:
    """Command line entry point."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes, fewer repetitions")
    ap.add_argument("--only", default="", help="comma-separated row name prefixes; "
                    "fulltable: the full routing table up to 1,000,000 routes")
    ap.add_argument("--sides", default=",".join(SIDES))
    ap.add_argument("--keep-netns", action="store_true")
    ap.add_argument("--json", default=os.path.join(BUILD, "latest.json"))
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("the bench needs root (network namespaces)")
    sides = [s for s in args.sides.split(",") if s]
    sz = sizes(args.quick)
    rows = build_rows(sz, args.quick)
    only = [o for o in args.only.split(",") if o]
    if only:
        rows = [r for r in rows if any(r.name.startswith(o) for o in only)]
    t_start = time.monotonic()
    netns.delete_stale()
    created: list[str] = []
    try:
        created = setup_namespaces(rows, sz)
        run_rows(rows, sides, sz)
    finally:
        if not args.keep_netns:
            netns.delete(*created)
    imp = Row("import", "import", "", [], "")
    if not only or any("import".startswith(o) for o in only):
        for s, mod in (("ours", "genetlink"), ("pyroute2", "pyroute2")):
            if s in sides:
                imp.results[s] = import_time(mod)
        imp.results["_eval"] = evaluate(imp)
        rows.append(imp)
    # -- the full routing table (bench/fulltable.py): 1M routes with --only fulltable
    full_table: dict[int, Any] = {}
    if not only or "fulltable" in only:
        ft_sizes = fulltable.SIZES if "fulltable" in only else \
            fulltable.SIZES[:2 if args.quick else 3]
        full_table = fulltable.run_all(ft_sizes, sides)
    print()
    if rows:
        print_table(rows)
    if full_table:
        print("\n# full routing table: CPU time per route, peak RSS (growth over the RSS before "
              "the dump)")
        fulltable.print_table(full_table)
    total = time.monotonic() - t_start
    print(f"\n# {total:.0f} s total; {machine()}")
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump({"machine": machine(), "quick": args.quick, "sizes": sz, "seconds": total,
                   "rows": [{"name": r.name, "kind": r.kind, "results": r.results}
                            for r in rows], "fulltable": full_table}, f, indent=1)
    print(f"# results: {args.json}")


def run_rows(rows: list[Row], sides: list[str], sz: dict[str, int]) -> None:
    """Run every side of every row, printing progress."""
    by_name = {r.name: r for r in rows}
    do_names = ",".join(DO_NAMES)
    for row in rows:
        for side in sides:
            if row.anchors_of and side != "ours":
                anchor = by_name.get(row.anchors_of)
                if anchor and side in anchor.results:
                    row.results[side] = anchor.results[side]
                continue
            extra: list[str] = []
            if row.py in ("genl_do", "genl_do_cache"):
                extra = ["-a", "do:" + do_names] if side == "c" else ["-a", do_names]
            if row.kind == "notify":
                res = run_notify(row, side, sz["notify"])
            else:
                res = run_side(row, side, extra)
            row.results[side] = res
            print(f"# {row.name:<26} {side:<9} {cell(res, row.kind):>14} "
                  f"objects={res.get('objects', '-')} {res.get('na', res.get('error', ''))}",
                  flush=True)
        row.results["_eval"] = evaluate(row)


if __name__ == "__main__":
    main()

"""Coverage-guided fuzzing of genetlink's decoders, time-bounded (`make fuzz`).

    .venv/bin/python tests/fuzz/run.py [--seconds 600] [--jobs 2] [--engine mixed]
    .venv/bin/python tests/fuzz/run.py --replay FILE...      # inputs through the harness

Each job is a child process: atheris (libFuzzer, coverage-guided over genetlink's bytecode,
with libFuzzer's mutations and a third of the time `harness.mutate_structure`), or with
--engine mutate our own fuzzer (the structure-aware mutator and byte-level mutations at
random, no coverage feedback; also what "auto" falls back to without atheris). "mixed" runs
atheris in odd jobs and the mutator in even ones. Environment: FUZZ_SECONDS, FUZZ_JOBS,
FUZZ_ENGINE, FUZZ_TIMEOUT, KERNEL_SPECS. The target is `harness.check`; its corpus starts
from the captured kernel datagrams in tests/fuzz/seeds (and the inputs in
tests/fuzz/regressions) and grows in build/fuzz/corpus across runs.

A finding is any exception outside the documented ones (harness.Finding), a hang (an input
that takes longer than --timeout seconds), a crash of the interpreter, or running out of
memory (--rss-mb). The child records a Python finding and goes on fuzzing; after a hang or a
crash the child is gone, libFuzzer has saved its input, and a new child fuzzes for the time
that is left. At the end every finding is minimised (datagrams, messages and attributes
dropped with their lengths fixed up, payloads shrunk, then bytes, while the same finding
still happens), saved under build/fuzz/findings/ (<id>.bin, <id>.min.bin, <id>.txt) and
printed with a reproduction.

Exit status: 0 when nothing was found, 1 on findings, 2 when the fuzzer could not run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
WORKDIR = REPO / "build" / "fuzz"


# -- findings -------------------------------------------------------------------------------


def finding_key(entry: str, error: BaseException) -> str:
    """What makes two findings the same: entry point, exception type, and the innermost
    frame inside genetlink (or the innermost frame at all)."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if "/genetlink/" in f.filename] or frames
    where = f"{Path(ours[-1].filename).name}:{ours[-1].lineno}" if ours else "?"
    return f"{entry} | {type(error).__name__} | {where}"


def key_id(key: str) -> str:
    return hashlib.sha1(key.encode()).hexdigest()[:12]


def save_finding(directory: Path, key: str, data: bytes, text: str) -> bool:
    """Write a finding once per key: <id>.bin (the input) and <id>.json; False if known."""
    ident = key_id(key)
    report = directory / f"{ident}.json"
    if report.exists():
        return False
    (directory / f"{ident}.bin").write_bytes(data)
    report.write_text(json.dumps({"key": key, "size": len(data), "traceback": text}))
    return True


# -- the child: one fuzzing process ---------------------------------------------------------


class Hang(BaseException):
    """Raised by the per-input alarm of the mutation engine."""


def child(args: argparse.Namespace, fuzzer_args: list[str]) -> int:
    findings = Path(args.findings)
    stats = Path(args.stats)
    counter = {"inputs": 0, "findings": 0, "last": time.monotonic()}
    started = time.monotonic()
    engine = args.engine
    if engine == "auto":
        try:
            import atheris  # type: ignore[import-untyped]

            engine = "atheris"
        except ImportError:
            engine = "mutate"
    if engine == "atheris":
        import atheris

        with atheris.instrument_imports(include=["genetlink"]):
            import harness
    else:
        import harness

    def write_stats() -> None:
        stats.write_text(json.dumps({"inputs": counter["inputs"], "engine": engine,
                                     "findings": counter["findings"],
                                     "seconds": time.monotonic() - started}))  # fmt: skip

    def target(data: bytes) -> None:
        counter["inputs"] += 1
        try:
            harness.check(data)
        except harness.Finding as found:
            key = finding_key(found.entry, found.error)
            text = "".join(traceback.format_exception(found.error))
            if save_finding(findings, key, data, text):
                counter["findings"] += 1
                print(f"\nFINDING {key_id(key)}: {key}\n{text}", file=sys.stderr, flush=True)
        now = time.monotonic()
        if now - counter["last"] >= 1.0:
            counter["last"] = now
            write_stats()

    write_stats()
    if engine == "atheris":

        def mutator(data: bytes, max_size: int, seed: int) -> bytes:
            # libFuzzer's own mutations, or (a third of the time) a structure-aware one
            rng = random.Random(seed)
            if rng.randrange(3):
                return bytes(atheris.Mutate(data, max_size))
            mutated: bytes = harness.mutate_input(data, rng)
            return mutated[:max_size]

        atheris.Setup([sys.argv[0], *fuzzer_args], target, custom_mutator=mutator)
        atheris.Fuzz()  # exits the process itself
        return 0
    corpus = [p.read_bytes() for d in fuzzer_args if not d.startswith("-")
              for p in sorted(Path(d).glob("*")) if p.is_file()]  # fmt: skip
    total = float(_flag(fuzzer_args, "max_total_time", "600"))
    timeout = float(_flag(fuzzer_args, "timeout", "10"))
    mutation_loop(target, corpus, total, timeout, findings, Path(args.corpus_out))
    write_stats()
    return 0


def _flag(args: list[str], name: str, default: str) -> str:
    for arg in args:
        if arg.startswith(f"-{name}="):
            return arg.split("=", 1)[1]
    return default


INTERESTING = (0, 1, 2, 3, 4, 7, 8, 15, 16, 19, 20, 0x7F, 0x80, 0xFF, 0x100, 0x3FFF, 0x4000,
               0x7FFF, 0x8000, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF)  # fmt: skip


def mutate(data: bytes, rng: random.Random, corpus: list[bytes]) -> bytes:
    """One to four random edits: bit flips, interesting 8/16/32-bit values (little-endian,
    netlink's host order here), byte inserts and deletes, chunk copies, splices with another
    input, and TLV length edits at 4-byte boundaries."""
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        kind = rng.randrange(8)
        size = len(buf)
        pos = rng.randrange(size) if size else 0
        if kind == 0 and size:
            buf[pos] ^= 1 << rng.randrange(8)
        elif kind == 1 and size:
            buf[pos] = rng.choice(INTERESTING) & 0xFF
        elif kind == 2 and size >= 2:
            pos = min(pos, size - 2) & ~1
            struct.pack_into("<H", buf, pos, rng.choice(INTERESTING) & 0xFFFF)
        elif kind == 3 and size >= 4:
            pos = min(pos, size - 4) & ~3
            struct.pack_into("<I", buf, pos, rng.choice(INTERESTING) & 0xFFFF_FFFF)
        elif kind == 4:
            buf[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif kind == 5 and size > 1:
            del buf[pos : pos + rng.randint(1, min(64, size - pos))]
        elif kind == 6 and size > 4:
            start = rng.randrange(size)
            chunk = buf[start : start + rng.randint(1, 64)]
            buf[pos:pos] = chunk
        elif kind == 7 and corpus:
            other = rng.choice(corpus)
            cut = rng.randrange(len(other) + 1)
            buf = buf[:pos] + bytearray(other[cut:])
        if size >= 8 and rng.random() < 0.3:  # an attribute header's length field
            at = 1 + (rng.randrange(max(1, (size - 5) // 4)) * 4)
            if at + 2 <= len(buf):
                delta = rng.choice((-8, -4, -1, 1, 4, 8, 0x1000))
                old = struct.unpack_from("<H", buf, at)[0]
                struct.pack_into("<H", buf, at, (old + delta) & 0xFFFF)
    return bytes(buf[:65536])


def mutation_loop(target: Any, corpus: list[bytes], total: float, timeout: float,
                  findings: Path, corpus_out: Path) -> None:  # fmt: skip
    """The fallback engine: mutate seeds at random, each input under an alarm."""
    rng = random.Random()
    pool = list(corpus) or [b"\0"]

    def alarm(signum: int, frame: Any) -> None:
        raise Hang(f"input ran longer than {timeout} s")

    signal.signal(signal.SIGALRM, alarm)
    deadline = time.monotonic() + total
    import harness

    while time.monotonic() < deadline:
        data = rng.choice(pool)
        if rng.randrange(2):
            data = harness.mutate_input(data, rng)
        if rng.randrange(3):
            data = mutate(data, rng, pool)
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            target(data)
        except Hang as exc:
            key = f"hang | {exc}"
            if save_finding(findings, key, data, f"Hang: {exc}"):
                print(f"\nFINDING {key_id(key)}: {key}", file=sys.stderr, flush=True)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if rng.random() < 0.01 and len(pool) < 20000:
            pool.append(data)  # keep some mutants: deeper mutations over time


# -- the parent: children, time budget, minimising, the report ------------------------------


ARTIFACT = re.compile(r"^(crash|timeout|oom|leak|slow-unit)-")


def minimise(data: bytes, key: str, budget: float) -> bytes:
    """Remove chunks of `data` while harness.check still raises the same finding."""
    import harness

    def same(candidate: bytes) -> bool:
        try:
            harness.check(candidate)
        except harness.Finding as found:
            return finding_key(found.entry, found.error) == key
        except Exception:
            return False
        return False

    if not same(data):
        return data
    deadline = time.monotonic() + budget
    data = shrink_structure(data, same, deadline, harness)
    chunk = max(1, len(data) // 2)
    while chunk >= 1 and time.monotonic() < deadline:
        i = 1  # keep the selector byte
        shrunk = False
        while i < len(data) and time.monotonic() < deadline:
            candidate = data[:i] + data[i + chunk :]
            if same(candidate):
                data, shrunk = candidate, True
            else:
                i += chunk
        if not shrunk:
            chunk //= 2
    return data


def shrink_structure(data: bytes, same: Any, deadline: float, harness: Any) -> bytes:
    """Drop datagrams, messages and attributes (lengths fixed up), then shrink attribute
    payloads, while the finding stays the same."""
    from genetlink.wire.message import parse_messages

    sep: bytes = harness.SEP

    def datagrams(candidate: bytes) -> list[bytes]:
        return candidate[1:].split(sep)

    def join(parts: list[bytes]) -> bytes:
        return data[:1] + sep.join(parts)

    changed = True
    while changed and time.monotonic() < deadline:
        changed = False
        parts = datagrams(data)
        for i in range(len(parts)):  # whole datagrams
            if len(parts) > 1 and same(candidate := join(parts[:i] + parts[i + 1 :])):
                data, changed = candidate, True
                break
        if changed:
            continue
        for i, part in enumerate(parts):  # whole messages
            try:
                messages = parse_messages(part)
            except Exception:
                continue
            for msg in messages if len(messages) > 1 else []:
                aligned = (msg.end + 3) & ~3
                candidate = join([*parts[:i], part[: msg.start] + part[aligned:], *parts[i + 1 :]])
                if same(candidate):
                    data, changed = candidate, True
                    break
            if changed:
                break
        if changed:
            continue
        for i, part in enumerate(parts):  # attributes: delete, then halve payloads
            for index, chain in reversed(harness.attribute_chains(part)):
                if time.monotonic() > deadline:
                    return data
                length = int.from_bytes(part[chain[-1] : chain[-1] + 2], sys.byteorder)
                for action, size in (("del", 0), ("resize", 0), ("resize", (length - 4) // 2)):
                    edited = harness.edit_attribute(part, index, chain, action, size)
                    if edited != part and same(candidate := join(
                            [*parts[:i], edited, *parts[i + 1 :]])):  # fmt: skip
                        data, changed = candidate, True
                        break
                if changed:
                    break
            if changed:
                break
    return data


def prepare(workdir: Path, fresh: bool) -> tuple[Path, Path, Path]:
    import harness

    corpus, seeds, findings = workdir / "corpus", workdir / "seed-inputs", workdir / "findings"
    if fresh and corpus.exists():
        shutil.rmtree(corpus)
    if findings.exists():  # the last run's findings stay next to this run's
        previous = workdir / "findings.previous"
        shutil.rmtree(previous, ignore_errors=True)
        findings.rename(previous)
    if seeds.exists():
        shutil.rmtree(seeds)
    for old in [*workdir.glob("stats-*.json"), *workdir.glob("child-*.log")]:
        old.unlink()  # the last run's processes
    for d in (corpus, seeds, findings):
        d.mkdir(parents=True, exist_ok=True)
    inputs = harness.seed_inputs() | harness.regression_inputs()
    for name, data in inputs.items():
        (seeds / name).write_bytes(data)
    return corpus, seeds, findings


def run(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(HERE))
    specs = Path(os.environ.get("KERNEL_SPECS", REPO.parent / "shared" / "kernel-specs" / "specs"))
    if not specs.is_dir():  # as the tests that need them do: say so and skip
        print(f"fuzz: SKIPPED: the kernel's YAML specs are not at {specs} (set KERNEL_SPECS)")
        return 0
    workdir = Path(args.workdir)
    corpus, seeds, findings = prepare(workdir, args.fresh)
    budget = float(args.seconds)
    deadline = time.monotonic() + budget
    jobs = [Job(i + 1, workdir, corpus, seeds, findings, args) for i in range(args.jobs)]
    threads = [threading.Thread(target=job.supervise, args=(deadline,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if any(job.broken for job in jobs):
        return 2
    inputs = sum(job.inputs for job in jobs)
    crashes = [crash for job in jobs for crash in job.crashes]
    engine = "+".join(sorted({job.engine for job in jobs}))
    children = sum(job.children for job in jobs)
    return report(findings, crashes, inputs, budget, engine, children, corpus, args)


class Job:
    """One fuzzing process at a time, restarted after a hang or a crash until the deadline;
    several jobs share the corpus directory (libFuzzer reloads it) and the findings."""

    def __init__(self, index: int, workdir: Path, corpus: Path, seeds: Path, findings: Path,
                 args: argparse.Namespace) -> None:  # fmt: skip
        self.index = index
        self.workdir = workdir
        self.corpus = corpus
        self.seeds = seeds
        self.findings = findings
        self.args = args
        self.inputs = 0
        self.children = 0
        self.engine = "?"
        self.crashes: list[tuple[str, Path, str]] = []
        self.broken = False

    def supervise(self, deadline: float) -> None:
        args, findings = self.args, self.findings
        while True:
            remaining = int(deadline - time.monotonic())
            if remaining < 2 or self.children >= args.max_restarts:
                return
            self.children += 1
            name = f"{self.index}-{self.children}"
            stats = self.workdir / f"stats-{name}.json"
            log = self.workdir / f"child-{name}.log"
            before = {p.name for p in findings.iterdir()}
            fuzzer_args = [str(self.corpus), str(self.seeds), f"-max_total_time={remaining}",
                           f"-timeout={args.timeout}", f"-rss_limit_mb={args.rss_mb}",
                           f"-artifact_prefix={findings}/", "-max_len=65536",
                           "-print_final_stats=1", "-close_fd_mask=1"]  # fmt: skip
            engine = args.engine
            if engine == "mixed":  # odd jobs coverage-guided, even jobs our mutator
                engine = "auto" if self.index % 2 else "mutate"
            command = [sys.executable, str(Path(__file__).resolve()), "--child",
                       "--engine", engine, "--findings", str(findings),
                       "--stats", str(stats), "--corpus-out", str(self.corpus), "--",
                       *fuzzer_args]  # fmt: skip
            env = dict(os.environ, PYTHONPATH=os.pathsep.join(
                [str(HERE), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))  # fmt: skip
            limit = remaining + args.timeout + 120
            with log.open("wb") as out:
                code = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, env=env,
                                      timeout=limit).returncode  # fmt: skip
            text = log.read_text(errors="replace")
            runs = [int(n) for n in re.findall(r"^Done (\d+) runs", text, re.M)]
            try:
                info = json.loads(stats.read_text())
            except (OSError, ValueError):
                info = {}
            self.engine = info.get("engine", self.engine)
            self.inputs += max([info.get("inputs", 0), *runs])
            if not args.quiet:
                for line in text.splitlines():
                    if line.startswith("FINDING"):
                        print(line, flush=True)
            new = [p for p in findings.iterdir()
                   if p.name not in before and ARTIFACT.match(p.name)]  # fmt: skip
            for path in new:
                kind = ARTIFACT.match(path.name).group(1)  # type: ignore[union-attr]
                self.crashes.append((kind, path, _tail(text)))
                print(f"FINDING {kind}: {path} (child exit {code})", flush=True)
            if code == 0 and not new:
                return
            if not new:
                if not info.get("inputs"):
                    print(f"fuzzer could not start (exit {code}): see {log}\n{_tail(text)}",
                          file=sys.stderr)  # fmt: skip
                    self.broken = True
                    return
                self.crashes.append((f"exit-{code}", log, _tail(text)))
                print(f"FINDING child exited {code} without an artifact: {log}", flush=True)


def _tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.splitlines()[-lines:])


def report(findings: Path, crashes: list[tuple[str, Path, str]], inputs: int, budget: float,
           engine: str, children: int, corpus: Path, args: argparse.Namespace) -> int:  # fmt: skip
    import harness

    python_findings = sorted(findings.glob("*.json"))
    print()
    print(f"fuzz: engine {engine}, {budget:.0f} s, {inputs} inputs tried "
          f"({inputs / max(budget, 1):.0f}/s), {children} fuzzing process(es), corpus "
          f"{sum(1 for _ in corpus.iterdir())} inputs")  # fmt: skip
    total = len(python_findings) + len(crashes)
    print(f"fuzz: {total} finding(s)")
    for path in python_findings:
        info = json.loads(path.read_text())
        data = path.with_suffix(".bin").read_bytes()
        small = minimise(data, info["key"], args.minimise_seconds)
        path.with_suffix(".min.bin").write_bytes(small)
        text = (f"{info['key']}\n\ninput ({len(data)} bytes, minimised to {len(small)}): "
                f"{harness.describe(small)}\n\nreproduce:\n{harness.reproduction(small)}\n"
                f"{info['traceback']}")  # fmt: skip
        path.with_suffix(".txt").write_text(text)
        print(f"\n-- {path.stem}: {info['key']}")
        print(f"   {harness.describe(small)}; report: {path.with_suffix('.txt')}")
        print("   " + harness.reproduction(small).replace("\n", "\n   ").rstrip())
        last = [ln for ln in info["traceback"].strip().splitlines() if ln.strip()]
        print("   " + "\n   ".join(last[-4:]))
    for kind, path, tail in crashes:
        print(f"\n-- {kind}: {path}")
        if path.suffix != ".log":
            print(f"   {harness.describe(path.read_bytes())}")
            print(f"   reproduce: {sys.executable} tests/fuzz/run.py --replay {path}")
        print("   " + tail.replace("\n", "\n   "))
    return 1 if total else 0


def replay(paths: list[str]) -> int:
    """Run inputs through the harness in this process (no fuzzer): print what each does."""
    sys.path.insert(0, str(HERE))
    import harness

    status = 0
    for name in paths:
        data = Path(name).read_bytes()
        started = time.monotonic()
        try:
            harness.check(data)
        except harness.Finding as found:
            status = 1
            print(f"{name}: FINDING {finding_key(found.entry, found.error)}")
            traceback.print_exception(found.error)
            continue
        print(f"{name}: ok ({harness.describe(data)}, {time.monotonic() - started:.3f} s)")
    return status


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    fuzzer_args: list[str] = []
    if "--" in argv:
        at = argv.index("--")
        argv, fuzzer_args = argv[:at], argv[at + 1 :]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float,
                        default=float(os.environ.get("FUZZ_SECONDS", 600)))  # fmt: skip
    parser.add_argument("--timeout", type=int, default=int(os.environ.get("FUZZ_TIMEOUT", 10)),
                        help="seconds one input may take before it counts as a hang")
    parser.add_argument("--engine", choices=("auto", "atheris", "mutate", "mixed"),
                        default=os.environ.get("FUZZ_ENGINE", "auto"))  # fmt: skip
    parser.add_argument("--workdir", default=str(WORKDIR))
    parser.add_argument("--fresh", action="store_true", help="start from the seeds alone")
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("FUZZ_JOBS", 1)),
                        help="fuzzing processes at once (they share the corpus)")
    parser.add_argument("--rss-mb", type=int, default=2048)
    parser.add_argument("--max-restarts", type=int, default=25)
    parser.add_argument("--minimise-seconds", type=float, default=20.0)
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--replay", nargs="+", metavar="INPUT")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--findings", help=argparse.SUPPRESS)
    parser.add_argument("--stats", help=argparse.SUPPRESS)
    parser.add_argument("--corpus-out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.replay:
        return replay(args.replay)
    if args.child:
        return child(args, fuzzer_args)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())

"""Long soaks of the sockets against the running kernel, with figures (`make soak`; root).

    .venv/bin/python tests/soak/soak.py [--seconds 300] [--only NAME ...] [--scale 1.0]

Each soak runs until its count is done or its share of --seconds (SOAK_SECONDS) is used up:

  getfamily-blocking  CTRL_CMD_GETFAMILY "nlctrl" requests, one after another (200,000)
  getfamily-asyncio   the same on an AsyncNetlinkSocket, in asyncio.gather windows of 64
  threads-shared      8 threads on one blocking socket, mixing getfamily requests and
                      CTRL_CMD_GETFAMILY dumps (every 8th operation a dump)
  dumps-churn         rt-link dumps on an AsyncNetlinkSocket (collected, with DUMP_INTR
                      retries) and through an asyncio handle (streamed), in a namespace
                      where veth pairs are added and deleted all the while
  usersock-100k       a NETLINK_USERSOCK sender process multicasting at 100,000 messages/s
  usersock-max        the same as fast as it can, to a receiver with a 64 KiB buffer

For each: operations, seconds, operations per second, open fds and RSS at start (after a
warm-up) and end, and errors by type. A soak fails on fd growth, RSS growth of more than
--rss-slack-mb, an unexpected error (anything but DumpInterrupted under churn and Overrun in
the notification bursts), an inconsistent dump (a link that exists for the whole soak
missing, or an ifindex twice), or unreported loss.

"No unreported loss": the sender numbers its messages (nlmsg_seq 0, 1, 2, ...). The receiver
walks what `notifications()` yields, in order; a message whose number skips past the one
expected ends a gap (messages missing at the end are a gap too). The kernel reports a
congestion episode (ENOBUFS) once, at the next recvmsg(), so ahead of the messages still
queued from before it; the episode's lost messages are one gap, seen later. So each Overrun
event covers one gap, and the i-th gap is covered when at least i Overrun events were
delivered before its end. Unreported = messages in gaps not covered; it must be 0, and
received + covered must equal sent.

Exit status 0 when every soak passes, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import gc
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from genetlink import open_family_async
from genetlink.aio import AsyncNetlinkSocket
from genetlink.codec import FamilyCodec
from genetlink.genl import nlctrl
from genetlink.loader import load_spec
from genetlink.socket import NetlinkSocket
from genetlink.wire import constants as c
from genetlink.wire.errors import DumpInterrupted, Overrun
from genetlink.wire.message import Message

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SPECS = Path(os.environ.get("KERNEL_SPECS", REPO.parent / "shared" / "kernel-specs" / "specs"))

EV_DATA = 0x10
RTM_NEWLINK = 16
EV_END = 0x11


# -- measuring ------------------------------------------------------------------------------


def fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def rss_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def error_name(exc: BaseException) -> str:
    name = type(exc).__name__
    code = getattr(exc, "errno", None)
    if isinstance(exc, OSError) and code:
        name += f"({os.strerror(code) if code > 0 else code})"
    return name


@dataclass
class Result:
    name: str
    ops: int = 0
    seconds: float = 0.0
    fd_start: int = 0
    fd_end: int = 0
    rss_start: int = 0
    rss_mid: int = 0  # halfway through: start->mid->end tells a plateau from a leak
    rss_end: int = 0
    errors: collections.Counter[str] = field(default_factory=collections.Counter)
    expected: set[str] = field(default_factory=set)  # error names that are no failure
    notes: dict[str, Any] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    target: int | None = None

    def start(self) -> None:
        gc.collect()
        self.fd_start, self.rss_start = fds(), rss_kb()

    def end(self) -> None:
        gc.collect()
        self.fd_end, self.rss_end = fds(), rss_kb()

    @property
    def rate(self) -> float:
        return self.ops / self.seconds if self.seconds else 0.0


class Meter:
    """Operations and errors of a soak, the warm-up, and the time bound."""

    def __init__(self, result: Result, seconds: float, target: int | None,
                 warmup: int) -> None:  # fmt: skip
        self.result = result
        self.deadline = time.monotonic() + seconds
        self.target = target
        self.warmup = warmup
        self.lock = threading.Lock()
        self.began = 0.0
        self.halfway = time.monotonic() + seconds / 2
        result.target = target

    def done(self) -> bool:
        r = self.result
        return time.monotonic() >= self.deadline or (self.target is not None
                                                     and r.ops >= self.target)  # fmt: skip

    def count(self, n: int = 1) -> None:
        with self.lock:
            self.result.ops += n
            if not self.result.rss_mid and self.began:
                by_count = self.target is not None and self.result.ops >= self.target // 2
                if by_count or time.monotonic() >= self.halfway:
                    self.result.rss_mid = rss_kb()
            if self.warmup and self.result.ops >= self.warmup:
                self.warmup = 0
                self.result.ops = 0  # figures from the end of the warm-up on
                self.result.start()
                self.began = time.monotonic()

    def error(self, exc: BaseException) -> None:
        with self.lock:
            self.result.errors[error_name(exc)] += 1

    def finish(self) -> None:
        if not self.began:  # the warm-up never ended: take what there is
            self.result.start()
            self.began = time.monotonic()
        self.result.seconds = time.monotonic() - self.began
        self.result.end()


# -- the soaks ------------------------------------------------------------------------------


def getfamily_blocking(seconds: float, scale: float) -> Result:
    result = Result("getfamily-blocking")
    meter = Meter(result, seconds, int(200_000 * scale), warmup=2000)
    with NetlinkSocket(c.NETLINK_GENERIC) as sock:
        while not meter.done():
            try:
                info = sock.run(nlctrl.getfamily(sock.engine, "nlctrl", timeout=5))
                if info.id != c.GENL_ID_CTRL:
                    raise AssertionError(f"nlctrl came back with id {info.id}")
            except Exception as exc:
                meter.error(exc)
            meter.count()
        meter.finish()
        result.notes["stale"] = sock.engine.stale
    return result


def getfamily_asyncio(seconds: float, scale: float) -> Result:
    result = Result("getfamily-asyncio")
    window = 64
    meter = Meter(result, seconds, int(200_000 * scale), warmup=4 * window)

    async def body() -> None:
        async with AsyncNetlinkSocket(c.NETLINK_GENERIC, max_in_flight=32) as sock:
            while not meter.done():
                answers = await asyncio.gather(
                    *(sock.run(nlctrl.getfamily(sock.engine, "nlctrl", timeout=5))
                      for _ in range(window)), return_exceptions=True)  # fmt: skip
                for answer in answers:
                    if isinstance(answer, BaseException):
                        meter.error(answer)
                    elif answer.id != c.GENL_ID_CTRL:
                        meter.error(AssertionError("wrong family"))
                meter.count(len(answers))
            meter.finish()
            result.notes["window"] = window

    asyncio.run(body())
    return result


def threads_shared(seconds: float, scale: float) -> Result:
    result = Result("threads-shared")
    meter = Meter(result, seconds, int(100_000 * scale), warmup=800)
    kinds: collections.Counter[str] = collections.Counter()
    with NetlinkSocket(c.NETLINK_GENERIC) as sock:
        expected_families = len(sock.run(nlctrl.families(sock.engine)))

        def worker(index: int) -> None:
            rng = random.Random(index)
            while not meter.done():
                dump = rng.randrange(8) == 0
                try:
                    if dump:
                        got = sock.run(nlctrl.families(sock.engine, timeout=10))
                        if len(got) != expected_families:
                            raise AssertionError(f"{len(got)} families, not {expected_families}")
                    else:
                        info = sock.run(nlctrl.getfamily(sock.engine, "nlctrl", timeout=10))
                        if info.id != c.GENL_ID_CTRL:
                            raise AssertionError(f"nlctrl came back with id {info.id}")
                except Exception as exc:
                    meter.error(exc)
                with meter.lock:
                    kinds["dump" if dump else "do"] += 1
                meter.count()

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        meter.finish()
    result.notes.update(threads=8, dumps=kinds["dump"], dos=kinds["do"])
    return result


class Namespace:
    """A throw-away network namespace with `links` veth pairs that stay for the whole soak,
    and a churner that adds and deletes other veth pairs through one `ip -batch` process."""

    def __init__(self, links: int) -> None:
        self.name = f"gnlsoak-{uuid.uuid4().hex[:8]}"
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        cmds = ["link set lo up"] + [f"link add s{2 * i} type veth peer name s{2 * i + 1}"
                                     for i in range(links)]  # fmt: skip
        subprocess.run(["ip", "-n", self.name, "-batch", "-"], input="\n".join(cmds) + "\n",
                       text=True, check=True, capture_output=True)  # fmt: skip
        self.static = {"lo"} | {f"s{i}" for i in range(2 * links)}
        self.churn_ops = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def churn(self, rate: float) -> None:
        def run() -> None:
            proc = subprocess.Popen(["ip", "-force", "-n", self.name, "-batch", "-"],
                                    stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, text=True)  # fmt: skip
            assert proc.stdin is not None
            i = 0
            try:
                while not self._stop.is_set():
                    name = f"c{i % 8}"
                    proc.stdin.write(f"link add {name} type veth peer name p{name}\n"
                                     f"link set {name} up\nlink del {name}\n")  # fmt: skip
                    proc.stdin.flush()
                    self.churn_ops += 3
                    i += 1
                    time.sleep(3 / rate)
            finally:
                proc.stdin.close()
                proc.wait(timeout=30)

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True)


def dumps_churn(seconds: float, scale: float) -> Result:
    result = Result("dumps-churn", expected={"DumpInterrupted"})
    meter = Meter(result, seconds, int(20_000 * scale), warmup=20)
    ns = Namespace(links=150)  # 301 links: a dump takes many datagrams, so churn can interrupt it
    link = FamilyCodec(load_spec(SPECS / "rt-link.yaml"))
    msg_type, body = link.encode("getlink", {}, "dump")
    stats: collections.Counter[str] = collections.Counter()

    def check(names: list[str], indexes: list[int], how: str) -> None:
        missing = ns.static - set(names)
        if missing or len(indexes) != len(set(indexes)):
            stats[f"inconsistent-{how}"] += 1
            result.failures.append(f"{how} dump inconsistent: missing {sorted(missing)}, "
                                   f"{len(indexes) - len(set(indexes))} duplicate ifindexes")

    async def collected(sock: AsyncNetlinkSocket) -> None:
        while not meter.done():
            try:
                replies = await sock.dump(msg_type, body, operation="getlink", timeout=10)
                decoded = [link.decode(m) for m in replies if m.type == RTM_NEWLINK]
                check([d["ifname"] for d in decoded], [d["ifi-index"] for d in decoded],
                      "collected")  # fmt: skip
                stats["collected"] += 1
            except DumpInterrupted as exc:
                stats["collected-interrupted"] += 1
                meter.error(exc)
            except Exception as exc:
                meter.error(exc)
            meter.count()

    async def streamed(handle: Any) -> None:
        while not meter.done():
            names, indexes = [], []
            try:
                async for reply in handle.dump("getlink"):
                    names.append(reply["ifname"])
                    indexes.append(reply["ifi-index"])
                check(names, indexes, "streamed")
                stats["streamed"] += 1
            except DumpInterrupted as exc:
                stats["streamed-interrupted"] += 1
                meter.error(exc)
            except Exception as exc:
                meter.error(exc)
            meter.count()

    async def body_() -> None:
        handle = await open_family_async(SPECS / "rt-link.yaml", netns=ns.name)
        try:
            async with AsyncNetlinkSocket(c.NETLINK_ROUTE, netns=ns.name) as sock:
                ns.churn(rate=300)
                await asyncio.gather(*(collected(sock) for _ in range(3)), streamed(handle))
                meter.finish()
        finally:
            handle.close()

    try:
        asyncio.run(body_())
    finally:
        ns.close()
    result.notes.update(stats, churn_ops=ns.churn_ops)
    return result


SENDER = r"""
import sys, time
from genetlink.socket import NetlinkSocket
from genetlink.wire import constants as c
from genetlink.wire.message import build_header
netns, duration, rate, group = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
sock = NetlinkSocket(c.NETLINK_USERSOCK, netns=netns)
mask = 1 << (group - 1)
send = sock.send_raw
port = sock.port
print("READY", flush=True)
sys.stdin.readline()
start = time.monotonic()
deadline = start + duration
i = 0
while True:
    for _ in range(100):
        send(build_header(16, 0x10, 0, i, port), groups=mask)
        i += 1
    now = time.monotonic()
    if now >= deadline:
        break
    if rate:
        ahead = start + i / rate - now
        if ahead > 0:
            time.sleep(ahead)
elapsed = time.monotonic() - start
for _ in range(20):
    send(build_header(16, 0x11, 0, i, port), groups=mask)
    time.sleep(0.05)
print(f"{i} {elapsed}", flush=True)
"""


def usersock(name: str, seconds: float, scale: float, rate: float, rcvbuf: int | None) -> Result:
    """A sender process multicasts numbered messages for most of `seconds`; this process
    receives and checks that every loss was reported."""
    result = Result(name, expected={"Overrun"})
    duration = max(1.0, (seconds - 4) * scale)
    netns = f"gnlsoak-{uuid.uuid4().hex[:8]}"
    subprocess.run(["ip", "netns", "add", netns], check=True)
    group = 3
    ledger = Ledger()
    try:
        receiver = NetlinkSocket(c.NETLINK_USERSOCK, netns=netns,
                                 **({"rcvbuf": rcvbuf} if rcvbuf else {}))  # fmt: skip
        receiver.join(group)
        result.start()
        sender = subprocess.Popen([sys.executable, "-c", SENDER, netns, str(duration),
                                   str(rate), str(group)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)  # fmt: skip
        assert sender.stdin is not None and sender.stdout is not None
        if sender.stdout.readline().strip() != "READY":
            raise RuntimeError("the sender did not start")
        began = time.monotonic()
        halfway = began + duration / 2
        sender.stdin.write("go\n")
        sender.stdin.flush()
        ended = False
        for item in receiver.notifications(timeout=3.0):
            if isinstance(item, Overrun):
                ledger.overrun()
            elif isinstance(item, Message):
                if item.type == EV_END:
                    ended = True
                    break
                ledger.message(item.seq)
                if not ledger.received & 0xFFFF and not result.rss_mid and (
                        time.monotonic() >= halfway):  # fmt: skip
                    result.rss_mid = rss_kb()
        result.seconds = time.monotonic() - began
        out, _ = sender.communicate(timeout=60)
        result.end()
        receiver.close()
    finally:
        subprocess.run(["ip", "netns", "del", netns], capture_output=True)
    sent_text, sender_seconds = out.split()
    sent = int(sent_text)
    result.target = sent
    figures = ledger.close(sent)
    result.ops = figures["received"]
    if figures["overruns"]:
        result.errors["Overrun"] = figures["overruns"]
    result.notes.update(sent=sent, **figures, send_rate=round(sent / float(sender_seconds)),
                        rcvbuf=rcvbuf or "default", end_seen=ended)  # fmt: skip
    if figures["unreported"]:
        result.failures.append(f"{figures['unreported']} messages lost without an Overrun event")
    if figures["received"] + figures["covered"] != sent:
        result.failures.append(f"received {figures['received']} + covered {figures['covered']}"
                               f" != sent {sent}")  # fmt: skip
    if figures["out_of_order"]:
        result.failures.append(f"{figures['out_of_order']} messages out of order or repeated")
    return result


class Ledger:
    """Losses against Overrun events, kept as the events arrive (see the module's doc)."""

    def __init__(self) -> None:
        self.received = self.overruns = self.gaps = self.covered = 0
        self.unreported = self.out_of_order = 0
        self.expected = 0

    def overrun(self) -> None:
        self.overruns += 1

    def message(self, seq: int) -> None:
        if seq > self.expected:
            self._gap(seq - self.expected)
        elif seq < self.expected:
            self.out_of_order += 1
        self.received += 1
        self.expected = max(self.expected, seq + 1)

    def _gap(self, size: int) -> None:
        if self.overruns > self.gaps:  # the i-th gap needs i Overruns delivered before its end
            self.gaps += 1
            self.covered += size
        else:
            self.unreported += size

    def close(self, sent: int) -> dict[str, int]:
        if sent > self.expected:
            self._gap(sent - self.expected)
        return {"received": self.received, "lost": sent - self.received,
                "covered": self.covered, "unreported": self.unreported,
                "overruns": self.overruns, "gaps": self.gaps,
                "out_of_order": self.out_of_order}  # fmt: skip


def account(events: list[int], sent: int) -> dict[str, int]:
    """The Ledger's figures for message numbers in the order received (-1: an Overrun)."""
    ledger = Ledger()
    for seq in events:
        if seq < 0:
            ledger.overrun()
        else:
            ledger.message(seq)
    return ledger.close(sent)


SOAKS: dict[str, tuple[float, Callable[[float, float], Result]]] = {
    "getfamily-blocking": (0.15, getfamily_blocking),
    "getfamily-asyncio": (0.15, getfamily_asyncio),
    "threads-shared": (0.20, threads_shared),
    "dumps-churn": (0.20, dumps_churn),
    "usersock-100k": (0.15, lambda s, k: usersock("usersock-100k", s, k, 100_000, None)),
    "usersock-max": (0.15, lambda s, k: usersock("usersock-max", s, k, 0, 65536)),
}


# -- the report -----------------------------------------------------------------------------


def judge(result: Result, rss_slack_kb: int) -> None:
    if result.fd_end > result.fd_start:
        result.failures.append(f"fds grew {result.fd_start} -> {result.fd_end}")
    if result.rss_end - result.rss_start > rss_slack_kb:
        result.failures.append(f"RSS grew {result.rss_start} -> {result.rss_end} KiB")
    unexpected = {k: v for k, v in result.errors.items()
                  if k.split("(")[0] not in result.expected}  # fmt: skip
    if unexpected:
        result.failures.append(f"unexpected errors: {dict(unexpected)}")


def table(results: list[Result]) -> str:
    head = ("soak", "ops", "of", "s", "ops/s", "fds", "RSS MiB", "errors", "lost/unreported",
            "result")  # fmt: skip
    rows = []
    for r in results:
        errors = ", ".join(f"{k} {v}" for k, v in sorted(r.errors.items())) or "-"
        loss = f"{r.notes['lost']}/{r.notes['unreported']}" if "lost" in r.notes else "-"
        rows.append((r.name, str(r.ops), str(r.target or "-"), f"{r.seconds:.1f}",
                     f"{r.rate:,.0f}", f"{r.fd_start}->{r.fd_end}",
                     "->".join(f"{kb / 1024:.1f}" for kb in (r.rss_start, r.rss_mid, r.rss_end)
                               if kb), errors, loss,
                     "FAIL" if r.failures else "ok"))  # fmt: skip
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float,
                        default=float(os.environ.get("SOAK_SECONDS", 300)))  # fmt: skip
    parser.add_argument("--only", nargs="+", choices=list(SOAKS))
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies the counts")
    parser.add_argument("--rss-slack-mb", type=float, default=8.0)
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("soak.py needs root (network namespaces)", file=sys.stderr)
        return 1
    chosen = {n: SOAKS[n] for n in (args.only or SOAKS)}
    share = sum(w for w, _ in chosen.values())
    results = []
    for name, (weight, soak) in chosen.items():
        seconds = args.seconds * weight / share
        print(f"soak {name}: up to {seconds:.0f} s ...", flush=True)
        try:
            result = soak(seconds, args.scale)
        except Exception as exc:  # a soak that cannot run is a failure, not a traceback
            result = Result(name)
            result.failures.append(f"could not run: {error_name(exc)}: {exc}")
        judge(result, int(args.rss_slack_mb * 1024))
        notes = ", ".join(f"{k}={v}" for k, v in result.notes.items())
        print(f"  {result.ops} ops in {result.seconds:.1f} s ({result.rate:,.0f}/s); {notes}")
        for failure in result.failures:
            print(f"  FAIL: {failure}")
        results.append(result)
    print()
    print(table(results))
    failed = [r.name for r in results if r.failures]
    print(f"\nsoak: {len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""examples/genltest_client.py, run as a program in the guest against the module."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
import uuid

from conftest import GROUP, NAME, SYSFS
from vmnl import REPO, s, wait_for_log

EXAMPLE = REPO / "examples" / "genltest_client.py"


def _lines(proc: subprocess.Popen[str]) -> queue.Queue[str | None]:
    """The program's stdout, line by line, read by a thread (None at EOF)."""
    out: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            out.put(line.rstrip("\n"))
        out.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return out


def _wait_for(lines: queue.Queue[str | None], prefix: str, seen: list[str],
              timeout: float = 30.0) -> str:  # fmt: skip
    deadline = time.monotonic() + timeout
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError(f"no line starting {prefix!r}; got {seen}") from None
        if line is None:
            raise AssertionError(f"the example exited before {prefix!r}; got {seen}")
        seen.append(line)
        if line.startswith(prefix):
            return line


def test_example_echo_and_multicast() -> None:
    message = f"example {uuid.uuid4().hex}"
    ping = f"example ping {uuid.uuid4().hex}"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    # The example prints notifications until interrupted: it is stopped below, whatever happens.
    proc = subprocess.Popen(
        [sys.executable, str(EXAMPLE), "--message", message],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO,
    )  # fmt: skip
    seen: list[str] = []
    try:
        lines = _lines(proc)
        first = _wait_for(lines, "family ", seen)
        assert first.startswith(f"family {NAME} id ") and f"group {GROUP} id " in first
        reply = _wait_for(lines, "kernel says: ", seen)
        assert reply == f"kernel says: {s('GENLTEST_ECHO_REPLY')}"
        assert wait_for_log(f": {message}")  # "genltest: echo from port N: <message>"
        # The example joined the group before its echo, so the ping reaches it.
        (SYSFS / "ping").write_text(ping + "\n")
        event = _wait_for(lines, "notification ", seen, timeout=10.0)
        assert event == f"notification notify: {ping}"
        assert proc.poll() is None, "the example should keep listening"
    finally:
        proc.kill()
        _, err = proc.communicate(timeout=10)
    assert "Traceback" not in err, err

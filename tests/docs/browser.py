#!/usr/bin/env python3
"""Check the built documentation site in headless Chromium (`make docs-check`).

Serves the site on 127.0.0.1 and drives Debian's Chromium over the DevTools protocol on a pipe
(--remote-debugging-pipe: JSON messages ended by NUL on fds 3 and 4, so no WebSocket library):
every page must load without a script error and show its content, every internal link must
reach a page of the site (and its #fragment an element of that page), and the search box must
find a word of the tutorial. Exits 1 with one line per problem.

Usage: python tests/docs/browser.py [SITE_DIR] (default build/site)
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import http.server
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urlparse

TIMEOUT = 20.0
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
# What the search box is asked, and a page its answers must include.
SEARCH = ("sysfs", "tutorial.html")

PAGE_FACTS = """(() => ({
  title: document.title,
  content: (document.querySelector("article") || {innerText: ""}).innerText.length,
  ids: Array.from(document.querySelectorAll("[id]"), e => e.id),
  links: Array.from(document.querySelectorAll("a[href]"), a => a.href),
}))()"""

SEARCH_SCRIPT = """new Promise(resolve => {
  const input = document.querySelector("input.md-search__input");
  if (!input) { resolve({error: "no search box"}); return; }
  input.focus();
  input.value = %s;
  for (const kind of ["focus", "input", "keyup"]) input.dispatchEvent(new Event(kind));
  const start = Date.now();
  const poll = () => {
    const hits = Array.from(document.querySelectorAll(".md-search-result__link"), a => a.href);
    if (hits.length || Date.now() - start > %d) resolve({hits}); else setTimeout(poll, 100);
  };
  poll();
})"""


class Browser:
    """One headless Chromium driven over the DevTools pipe, with one page attached."""

    def __init__(self, executable: str, profile: str) -> None:
        commands_read, commands_write = os.pipe()  # Chromium reads commands on fd 3
        answers_read, answers_write = os.pipe()  # and writes answers on fd 4
        # Above 4, so that putting them on 3 and 4 in the child clobbers neither; not
        # inheritable (as every fd Python makes), so only 3 and 4 reach Chromium.
        child_in = fcntl.fcntl(commands_read, fcntl.F_DUPFD, 10)
        child_out = fcntl.fcntl(answers_write, fcntl.F_DUPFD, 10)
        os.close(commands_read)
        os.close(answers_write)

        def onto_3_and_4() -> None:
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        self.proc = subprocess.Popen(
            [executable, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-extensions", "--remote-debugging-pipe", f"--user-data-dir={profile}",
             "about:blank"],
            preexec_fn=onto_3_and_4, close_fds=False,  # closing would take 3 and 4 too
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        os.close(child_in)
        os.close(child_out)
        self.writer = os.fdopen(commands_write, "wb", buffering=0)
        self.reader = os.fdopen(answers_read, "rb", buffering=0)
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        self.call("Page.enable", session=True)
        self.call("Runtime.enable", session=True)

    def _read(self) -> dict[str, Any]:
        while b"\0" not in self.buffer:
            # A browser that hangs fails the check instead of blocking the test run.
            if not select.select([self.reader], [], [], TIMEOUT)[0]:
                raise TimeoutError(f"Chromium said nothing for {TIMEOUT} s")
            chunk = self.reader.read(65536)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message

    def call(self, method: str, session: bool = False, **params: Any) -> dict[str, Any]:
        """Send one command and wait for its answer (events that come first are kept)."""
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        self.writer.write(json.dumps(message).encode() + b"\0")
        while True:
            answer = self._read()
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                result: dict[str, Any] = answer.get("result", {})
                return result
            self.events.append(answer)

    def wait_event(self, method: str, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The next event `method` (the reader blocks; Chromium sends events often)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for i, event in enumerate(self.events):
                if event.get("method") == method:
                    return self.events.pop(i)
            self.events.append(self._read())
        raise TimeoutError(f"no {method} within {timeout} s")

    def evaluate(self, expression: str) -> Any:
        """The JSON value of a JavaScript expression in the page (promises awaited)."""
        answer = self.call("Runtime.evaluate", session=True, expression=expression,
                           returnByValue=True, awaitPromise=True)  # fmt: skip
        if "exceptionDetails" in answer:
            raise RuntimeError(answer["exceptionDetails"].get("text", "script error"))
        return answer["result"].get("value")

    def open(self, url: str) -> list[str]:
        """Load `url`; the script errors it raised while loading."""
        self.events.clear()
        self.call("Page.navigate", session=True, url=url)
        self.wait_event("Page.loadEventFired")
        return [e["params"]["exceptionDetails"].get("text", "error") for e in self.events
                if e.get("method") == "Runtime.exceptionThrown"]  # fmt: skip

    def close(self) -> None:
        with contextlib.suppress(RuntimeError):  # it may close the pipe before answering
            self.call("Browser.close")
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def serve(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """The site over HTTP on a free loopback port (search's web worker needs an origin)."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def check(site: Path, browser: Browser, base: str) -> list[str]:
    """Every problem found on the site, one line each."""
    problems = []
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    facts: dict[str, dict[str, Any]] = {}
    for page in pages:
        errors = browser.open(base + page)
        got = browser.evaluate(PAGE_FACTS)
        facts[page] = got
        problems += [f"{page}: script error: {e}" for e in errors]
        if not got["title"] or (page != "404.html" and got["content"] < 40):
            problems.append(f"{page}: no title or no content")
    for page, got in facts.items():
        for link in got["links"]:
            if not link.startswith(base):
                continue
            target, fragment = urldefrag(link)
            path = unquote(urlparse(target).path).lstrip("/") or "index.html"
            if path.endswith("/"):
                path += "index.html"
            if not (site / path).is_file():
                problems.append(f"{page}: link to a missing page: {link}")
            elif fragment and path in facts and unquote(fragment) not in facts[path]["ids"]:
                problems.append(f"{page}: link to a missing anchor: {link}")
    browser.open(base + "index.html")
    word, expected = SEARCH
    found = browser.evaluate(SEARCH_SCRIPT % (json.dumps(word), int(TIMEOUT * 1000)))
    hits = found.get("hits", [])
    if not any(expected in hit for hit in hits):
        problems.append(f"search for {word!r} found {hits or found} (expected {expected})")
    print(f"docs-check: {len(pages)} pages, "
          f"{sum(len(f['links']) for f in facts.values())} links, search found {len(hits)}")
    return problems


def main(argv: list[str]) -> int:
    site = Path(argv[0] if argv else "build/site")
    if not (site / "index.html").is_file():
        print(f"docs-check: {site}/index.html missing: run `make docs` first", file=sys.stderr)
        return 1
    executable = next((b for b in map(shutil.which, BROWSERS) if b), None)
    if executable is None:
        print("docs-check: no Chromium: apt-get install chromium (.ci/run does)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="docs-check-") as profile:
        browser = Browser(executable, profile)  # before the server's thread: it forks
        server, base = serve(site)
        try:
            problems = check(site, browser, base)
        except (RuntimeError, TimeoutError) as err:
            problems = [f"the browser failed: {err}"]
        finally:
            browser.close()
            server.shutdown()
    for problem in problems:
        print(f"docs-check: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""`make docs-check` finds what it promises to: a page that does not load, a link to a missing
page or anchor, a search that finds nothing. Its checks run here over a browser stand-in that
answers what Chromium would for a small site (the real browser runs in `make docs-check`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "docs"))
import browser

BASE = "http://127.0.0.1:1/"


class StandIn:
    """Answers `open` and `evaluate` from a table of page facts, as the DevTools page would."""

    def __init__(self, pages: dict[str, dict[str, Any]], errors: dict[str, list[str]],
                 hits: list[str]) -> None:  # fmt: skip
        self.pages, self.errors, self.hits = pages, errors, hits
        self.current = ""

    def open(self, url: str) -> list[str]:
        self.current = url.removeprefix(BASE)
        return self.errors.get(self.current, [])

    def evaluate(self, expression: str) -> Any:
        if expression == browser.PAGE_FACTS:
            return self.pages[self.current]
        return {"hits": self.hits}


def _facts(links: list[str], ids: tuple[str, ...] = (), content: int = 500) -> dict[str, Any]:
    return {"title": "a page", "content": content, "ids": list(ids), "links": links}


def _site(tmp_path: Path) -> Path:
    for page in ("index.html", "tutorial.html", "cli/do.html"):
        (tmp_path / page).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / page).write_text("<html></html>")
    return tmp_path


def test_a_sound_site_has_no_problems(tmp_path: Path) -> None:
    site = _site(tmp_path)
    pages = {"index.html": _facts([BASE + "tutorial.html#ping", BASE + "cli/do.html",
                                   "https://example.org/"]),
             "tutorial.html": _facts([BASE + "index.html"], ids=("ping",)),
             "cli/do.html": _facts([BASE + "tutorial.html"])}  # fmt: skip
    stand_in = StandIn(pages, {}, [BASE + "tutorial.html#ping"])
    assert browser.check(site, stand_in, BASE) == []  # type: ignore[arg-type]


def test_broken_pages_links_anchors_and_search_are_each_reported(tmp_path: Path) -> None:
    site = _site(tmp_path)
    pages = {"index.html": _facts([BASE + "missing.html", BASE + "tutorial.html#nowhere"]),
             "tutorial.html": _facts([], ids=("ping",)),
             "cli/do.html": _facts([], content=0)}  # fmt: skip
    stand_in = StandIn(pages, {"tutorial.html": ["ReferenceError: x"]}, [])
    problems = browser.check(site, stand_in, BASE)  # type: ignore[arg-type]
    assert problems == [
        "cli/do.html: no title or no content",
        "tutorial.html: script error: ReferenceError: x",
        f"index.html: link to a missing page: {BASE}missing.html",
        f"index.html: link to a missing anchor: {BASE}tutorial.html#nowhere",
        "search for 'sysfs' found {'hits': []} (expected tutorial.html)",
    ]

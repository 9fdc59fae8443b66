"""The Python blocks of README.md, with what each needs (its first line: `# needs: ...`).

Shared by the tests that type-check them (unit), run those that need root (kernel) and run
those that need the genltest module (vm).
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
KERNEL_SPECS = REPO.parent / "shared" / "kernel-specs" / "specs"
KINDS = frozenset({"nothing", "root", "netns", "genltest"})


@dataclass(frozen=True)
class Snippet:
    """One ```python block: its code, where it starts, and what it needs."""

    code: str
    line: int
    needs: frozenset[str]
    netns: str | None  # the namespace name the code uses, for `netns NAME`

    @property
    def name(self) -> str:
        return f"README.md:{self.line}"


def snippets(path: Path = README) -> list[Snippet]:
    """Every ```python block of `path`; ValueError for one without a valid `# needs:` line."""
    text = path.read_text()
    found = []
    for match in re.finditer(r"^```python\n(.*?)^```", text, re.M | re.S):
        code = match.group(1)
        line = text.count("\n", 0, match.start()) + 2
        head = code.splitlines()[0] if code else ""
        need = re.match(r"# needs: ([^(]*)", head)
        if need is None:
            raise ValueError(f"README.md:{line}: a Python block must start with '# needs: ...'")
        words = [w.strip() for w in need.group(1).split(",") if w.strip()]
        netns = None
        kinds = set()
        for word in words:
            kind, _, arg = word.partition(" ")
            if kind not in KINDS:
                raise ValueError(f"README.md:{line}: unknown need {word!r}")
            kinds.add(kind)
            if kind == "netns":
                netns = arg.strip()
        found.append(Snippet(code, line, frozenset(kinds), netns))
    return found


def run(snippet: Snippet, tmp: Path, *, netns: str | None = None, inside: str | None = None,
        timeout: float = 60,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:  # fmt: skip
    """Run a snippet in a fresh interpreter with the kernel's specs on the search path (or
    with `env`): in namespace `inside` when given, its own namespace name replaced by `netns`."""
    code = snippet.code
    if snippet.netns and netns:
        code = code.replace(f'"{snippet.netns}"', f'"{netns}"')
    file = tmp / f"snippet_{snippet.line}.py"
    file.write_text(code)
    command = [sys.executable, str(file)]
    if inside is not None:
        command = ["ip", "netns", "exec", inside, *command]
    if env is None:
        env = {"GENETLINK_SPEC_PATH": str(KERNEL_SPECS), "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env,
                          cwd=tmp)  # fmt: skip

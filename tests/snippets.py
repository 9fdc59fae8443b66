"""The code blocks of README.md and docs/, with what each needs (its first line: `# needs: ...`).

Shared by the tests that type-check them (unit), run those that need root (kernel) and run
those that need the genltest module (vm). Every ```python and ```sh block of README.md and
docs/ counts; other blocks (```text output, ```c excerpts) are not code. A block that cannot run
says why on its first line, `# not run: REASON`, and is left out.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
DOCS = REPO / "docs"
KERNEL_SPECS = REPO.parent / "shared" / "kernel-specs" / "specs"
KINDS = frozenset({"nothing", "root", "netns", "genltest"})


@dataclass(frozen=True)
class Snippet:
    """One code block: its code, language, file, where it starts, and what it needs."""

    code: str
    line: int
    needs: frozenset[str]
    netns: str | None  # the namespace name the code uses, for `netns NAME`
    path: Path = README
    language: str = "python"

    @property
    def name(self) -> str:
        return f"{self.path.relative_to(REPO)}:{self.line}"


def snippets(path: Path = README, languages: tuple[str, ...] = ("python",)) -> list[Snippet]:
    """Every block of `path` in `languages`; ValueError for one without a valid `# needs:`."""
    text = path.read_text()
    where = path.relative_to(REPO)
    found = []
    pattern = rf"^```({'|'.join(languages)})\n(.*?)^```"
    for match in re.finditer(pattern, text, re.M | re.S):
        language, code = match.group(1), match.group(2)
        line = text.count("\n", 0, match.start()) + 2
        head = code.splitlines()[0] if code else ""
        if head.startswith("# not run:"):
            if not head.removeprefix("# not run:").strip():
                raise ValueError(f"{where}:{line}: '# not run:' must say why")
            continue
        need = re.match(r"# needs: ([^(]*)", head)
        if need is None:
            raise ValueError(f"{where}:{line}: a code block must start with '# needs: ...' "
                             "or '# not run: REASON'")
        words = [w.strip() for w in need.group(1).split(",") if w.strip()]
        netns = None
        kinds = set()
        for word in words:
            kind, _, arg = word.partition(" ")
            if kind not in KINDS:
                raise ValueError(f"{where}:{line}: unknown need {word!r}")
            kinds.add(kind)
            if kind == "netns":
                netns = arg.strip()
        found.append(Snippet(code, line, frozenset(kinds), netns, path, language))
    return found


def doc_pages() -> list[Path]:
    """The Markdown pages of the documentation site."""
    return sorted(DOCS.rglob("*.md"))


CODE = ("python", "sh")


def every_snippet() -> list[Snippet]:
    """Every Python and shell block of README.md, then of the docs."""
    found = snippets(README, CODE)
    for page in doc_pages():
        found += snippets(page, CODE)
    return found


def run(snippet: Snippet, tmp: Path, *, netns: str | None = None, inside: str | None = None,
        timeout: float = 60, env: dict[str, str] | None = None,
        user: int | None = None) -> subprocess.CompletedProcess[str]:  # fmt: skip
    """Run a snippet in a fresh interpreter (or bash, for shell blocks, with the `genetlink`
    command of this interpreter on PATH) with the kernel's specs on the search path (or with
    `env`): in namespace `inside` when given, its own namespace name replaced by `netns`; as
    the user id `user` (setpriv, no groups, no capabilities) when given."""
    code = snippet.code
    if snippet.netns and netns:
        code = code.replace(f'"{snippet.netns}"', f'"{netns}"')
        code = code.replace(f" {snippet.netns} ", f" {netns} ")  # `--netns blue ...` in shell
    suffix = "py" if snippet.language == "python" else "sh"
    file = tmp / f"snippet_{snippet.path.stem}_{snippet.line}.{suffix}"
    file.write_text(code)
    if snippet.language == "python":
        command = [sys.executable, str(file)]
    else:
        command = ["bash", "-euo", "pipefail", str(file)]
    if user is not None:
        command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *command]
    if inside is not None:
        command = ["ip", "netns", "exec", inside, *command]
    if env is None:
        env = {"GENETLINK_SPEC_PATH": str(KERNEL_SPECS), "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
    env = {**env, "PATH": f"{Path(sys.executable).parent}:{env.get('PATH', '/usr/bin:/bin')}"}
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env,
                          cwd=tmp)  # fmt: skip

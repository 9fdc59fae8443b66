"""Printing helpers shared by the commands: aligned tables and JSON."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], out: TextIO | None = None,
          right: Sequence[int] = ()) -> None:  # fmt: skip
    """Print rows under headers, columns padded to their widest cell (`right`: columns aligned
    to the right, for numbers)."""
    out = out or sys.stdout
    cells = [[str(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    for row in [list(headers), *cells]:
        parts = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        print("  ".join(parts).rstrip(), file=out)


def print_json(value: Any, out: TextIO | None = None) -> None:
    """Print `value` as indented JSON."""
    json.dump(value, out or sys.stdout, indent=2)
    print(file=out or sys.stdout)

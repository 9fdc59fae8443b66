"""Printing helpers shared by the commands: aligned tables, JSON, one-line errors, and an
output stream that never fails on the text it is given."""

from __future__ import annotations

import codecs
import io
import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO

OUTPUT_ERRORS = "genetlink-output"


def describe(err: BaseException) -> str:
    """An error as one line (kernel ext-ACK messages may contain newlines)."""
    return " ".join(str(err).split()) or type(err).__name__


def _output_errors(exc: UnicodeError) -> tuple[str | bytes, int]:
    """Decoded strings keep bytes that are not UTF-8 (an interface name, say) as surrogates
    (surrogateescape): write those bytes back as the kernel had them; escape any other
    character the output encoding lacks. Printing a value never fails."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    try:
        return codecs.lookup_error("surrogateescape")(exc)
    except UnicodeEncodeError:
        return codecs.backslashreplace_errors(exc)


codecs.register_error(OUTPUT_ERRORS, _output_errors)


def tolerant_stdout() -> None:
    """Make sys.stdout write every str (see _output_errors), whatever its encoding."""
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(errors=OUTPUT_ERRORS)


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

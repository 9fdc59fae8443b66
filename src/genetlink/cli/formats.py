"""How `do`, `dump` and `monitor` print what the kernel sends: `--output FORMAT`.

text   `key: value` lines, nests indented (the default)
json   indented JSON: a dump is one array, written item by item as the dump arrives
jsonl  JSON Lines: one compact object per line, each written (and flushed) as it arrives
table  aligned columns, one row per object (collected first: widths need every row); for
       dumps of flat sets, nests are left out and named on stderr
ynl    monitor only: one JSON line per notification with the keys the kernel's ynl CLI prints
       (`name`: the notification, `msg`: its attributes)

`--compact` writes `json` without indentation. Everything that streams is flushed item by
item, so `genetlink dump ... --output jsonl | jq` sees each object when the kernel sends it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TextIO

from genetlink.cli.output import table
from genetlink.codec.family import Decoded

FORMATS = ("text", "json", "jsonl", "table")
MONITOR_FORMATS = ("text", "json", "jsonl", "ynl")


def add_output_options(parser: argparse.ArgumentParser, formats: tuple[str, ...]) -> None:
    """`--output FORMAT`, `--json` (the same as `--output json`) and `--compact`."""
    parser.add_argument("--output", choices=formats, default="text", metavar="FORMAT",
                        help=f"how to print: {', '.join(formats)} (default: text)")  # fmt: skip
    parser.add_argument("--json", dest="output", action="store_const", const="json",
                        help="the same as --output json")  # fmt: skip
    parser.add_argument("--compact", action="store_true",
                        help="JSON without indentation (one line per document)")  # fmt: skip


def _dumps(value: Any, compact: bool) -> str:
    if compact:
        return json.dumps(value, separators=(",", ":"))
    return json.dumps(value, indent=2)


def write_json_array(items: Iterable[Any], out: TextIO, compact: bool) -> None:
    """A JSON array written item by item (valid JSON when the items end, `[]` for none)."""
    first = True
    for item in items:
        text = _dumps(item, compact)
        if compact:
            out.write(("[" if first else ",") + text)
        else:
            out.write("[\n" if first else ",\n")
            out.write("\n".join("  " + line for line in text.splitlines()))
        out.flush()
        first = False
    if first:
        out.write("[]\n")
    else:
        out.write("]\n" if compact else "\n]\n")


def write_lines(items: Iterable[Any], out: TextIO) -> None:
    """JSON Lines: one compact object per line, flushed as it comes."""
    for item in items:
        out.write(json.dumps(item, separators=(",", ":")) + "\n")
        out.flush()


def _cell(value: Any) -> str | None:
    """A table cell, or None for a value that is no cell (a nest)."""
    if isinstance(value, Mapping):
        return None
    if isinstance(value, list):
        if any(isinstance(v, (Mapping, list)) for v in value):
            return None
        return ",".join(_cell(v) or "" for v in value) or "-"
    if value is True:
        return "true"
    if value is None:
        return "-"
    return str(value)


def write_table(items: Iterable[Any], out: TextIO, err: TextIO) -> None:
    """One row per object, a column per attribute (in the order they first appear); nests
    are no columns, and stderr says which were left out."""
    columns: dict[str, None] = {}
    nested: dict[str, None] = {}
    rows: list[dict[str, str]] = []
    for item in items:
        row: dict[str, str] = {}
        for key, value in item.items():
            cell = _cell(value)
            if cell is None:
                nested.setdefault(str(key))
                continue
            columns.setdefault(str(key))
            row[str(key)] = cell
        rows.append(row)
    names = [c for c in columns if c not in nested]
    if names:
        numeric = [i for i, c in enumerate(names)
                   if all(r.get(c, "-").lstrip("-").isdigit() or r.get(c) in (None, "-")
                          for r in rows)]  # fmt: skip
        table([c.upper() for c in names], [[r.get(c, "-") for c in names] for r in rows],
              out, right=numeric)  # fmt: skip
    if nested:
        err.write(f"genetlink: not in the table (nested): {', '.join(nested)}; "
                  "--output json shows them\n")  # fmt: skip


def write_text_blocks(items: Iterable[Any], out: TextIO) -> None:
    """`key: value` blocks separated by blank lines, each flushed as it comes."""
    from genetlink.cli.ops import write_text  # ops imports this module

    first = True
    for item in items:
        if not first:
            out.write("\n")
        write_text(item, out)
        out.flush()
        first = False


def emit(messages: Iterable[Decoded | Mapping[Any, Any]], args: argparse.Namespace, *,
         as_list: bool, out: TextIO | None = None) -> None:  # fmt: skip
    """Print replies in the format `args` asks for (`output`, `compact`); `as_list`: a dump,
    or several replies to a do (else a do's JSON is the one object, or null)."""
    from genetlink.cli.ops import plain  # ops imports this module

    out = out or sys.stdout
    items = (plain(m) for m in messages)
    fmt = getattr(args, "output", "text")
    compact = getattr(args, "compact", False)
    writers: dict[str, Callable[[], None]] = {
        "jsonl": lambda: write_lines(items, out),
        "table": lambda: write_table(items, out, sys.stderr),
        "text": lambda: write_text_blocks(items, out),
    }
    if fmt in writers:
        writers[fmt]()
    elif as_list:
        write_json_array(items, out, compact)
    else:
        found = list(items)
        out.write(_dumps(found[0] if found else None, compact) + "\n")

"""`genetlink do FAMILY ... --batch` and `--multi OP JSON`: several requests as one nfnetlink
transaction (nftables), the way ynl's `--multi` sends several in one datagram.

    genetlink do nftables newtable --input '{"nfgen-family": 1, "name": "t"}' --batch
    genetlink do nftables --flags create \\
        --multi newtable '{"nfgen-family": 1, "name": "t"}' \\
        --multi newchain '{"nfgen-family": 1, "table": "t", "name": "c"}'

Every request gets `--flags`. The kernel applies all or none; what became of each request is
printed (`0 newtable: applied`, or a JSON array with --json), and when the kernel refused the
batch, one line on stderr names each request it refused, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from genetlink.cli.ops import UsageError, open_client, plain, read_input, write_text
from genetlink.client.batch import BatchResult
from genetlink.codec.family import Decoded


def requests(args: argparse.Namespace) -> list[tuple[str, dict[str, Any]]]:
    """The batch's requests: OP with --input first (when given), then each --multi."""
    if getattr(args, "validate", False):  # else the batch would go unchecked, silently
        raise UsageError("--validate needs a policy, which nfnetlink families do not report: "
                         "--check has the kernel check the batch without applying it")
    items = [(args.op, read_input(args.input))] if args.op else []
    if not args.op and args.input is not None:
        raise UsageError("--input goes with an OP; with --multi, give each its JSON")
    items += [(op, read_input(text, f"--multi {op}")) for op, text in args.multi or []]
    if not items:
        raise UsageError("name an operation, or give --multi OP JSON (repeatable)")
    return items


def run_batch(args: argparse.Namespace) -> int:
    """Send the requests as one transaction and print what became of each."""
    items = requests(args)
    with open_client(args) as client:
        batch = client.batch(check=args.check)
        for op, values in items:
            batch.add(op, values, flags=args.flags)
        result = batch.commit()
        show_result(result, args.output, sys.stdout, compact=args.compact)
    return 0


def show_result(result: BatchResult[Decoded], output: str, out: TextIO, *,
                compact: bool = False) -> None:  # fmt: skip
    """One line (or JSON object) per request: index, operation, status, echoed objects
    (json: one array; jsonl: an object a line)."""
    if output in ("json", "jsonl"):
        rows = [{"index": r.index, "op": r.operation, "status": r.status,
                 "replies": [plain(m) for m in r.replies]} for r in result]  # fmt: skip
        if output == "jsonl":
            out.writelines(json.dumps(row) + "\n" for row in rows)
            return
        json.dump(rows, out, indent=None if compact else 2)
        out.write("\n")
        return
    for reply in result:
        out.write(f"{reply.index} {reply.operation}: {reply.status}\n")
        for message in reply.replies:
            write_text(plain(message), out, 1)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The batch options of `genetlink do`."""
    parser.add_argument("--batch", action="store_true",
                        help="send as one nfnetlink transaction (nftables changes)")
    parser.add_argument("--multi", nargs=2, action="append", metavar=("OP", "JSON"),
                        help="one more request of the transaction (repeatable; implies "
                             "--batch)")
    parser.add_argument("--check", action="store_true",
                        help="with --batch/--multi: let the kernel check the requests, "
                             "apply nothing")  # fmt: skip

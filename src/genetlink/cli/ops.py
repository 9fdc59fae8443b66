"""`genetlink do` and `genetlink dump`: run any operation of a spec-described family.

    genetlink do netdev dev-get --input '{"ifindex": 1}' --json
    genetlink dump rt-link getlink
    genetlink do rt-link newlink --flags create,excl --input '{"ifname": "d0", ...}'

Helpers shared by the spec-driven commands (input, output, error reporting) live here too.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping
from typing import Any, TextIO

from genetlink.cli import status
from genetlink.cli.formats import FORMATS, add_output_options, emit
from genetlink.cli.output import describe
from genetlink.client.sync import FamilyHandle, open_family
from genetlink.codec.family import Decoded
from genetlink.codec.render import jsonable
from genetlink.wire.errors import GenetlinkError

Handler = Callable[[argparse.Namespace], int]


class UsageError(Exception):
    """A user mistake found by the CLI itself (bad JSON input and the like)."""


def guarded(handler: Handler) -> Handler:
    """Wrap a command so user errors end with exit status 1 (status.ERROR) and one line on
    stderr."""

    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except BrokenPipeError:
            raise  # the reader went away (`| head`): cli.main silences it
        except (GenetlinkError, UsageError, OSError) as exc:
            print(f"genetlink: error: {describe(exc)}", file=sys.stderr)
            return status.ERROR
        except KeyboardInterrupt:
            return status.INTERRUPTED

    run.__doc__ = handler.__doc__
    return run


#: Deepest nesting --input may have. Request values follow the spec's nests (a handful of
#: levels); the encoder recurses along them, so depth the interpreter cannot take is refused.
MAX_INPUT_DEPTH = 64


def read_input(text: str | None, label: str = "--input") -> dict[str, Any]:
    """The request values: a JSON object given as text, `@FILE`, or `-` for stdin; `label`
    names where it came from in errors ("--multi newtable")."""
    if text is None:
        return {}
    if text == "-":
        stdin = getattr(sys.stdin, "buffer", None)  # bytes: decoding is checked below
        text = _utf8(stdin.read(), "standard input") if stdin is not None else sys.stdin.read()
    elif text.startswith("@"):
        try:
            with open(text[1:], "rb") as file:
                text = _utf8(file.read(), f"input file {text[1:]!r}")
        except OSError as exc:
            raise UsageError(f"cannot read input file {text[1:]!r}: {exc.strerror}") from None
    try:
        values = json.loads(text)
    except RecursionError:
        raise UsageError(f"{label} nests deeper than {MAX_INPUT_DEPTH} levels") from None
    except ValueError as exc:  # JSONDecodeError, or an integer of more than 4300 digits
        raise UsageError(f"{label} is not valid JSON: {exc}") from None
    if not isinstance(values, dict):
        raise UsageError(f"{label} must be a JSON object, got {type(values).__name__}")
    _check_depth(values, label)
    return values


def _utf8(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{what} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None


def _check_depth(values: dict[str, Any], label: str) -> None:
    """Refuse input nested deeper than MAX_INPUT_DEPTH (without recursing itself)."""
    stack: list[tuple[Any, int]] = [(values, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_INPUT_DEPTH:
            raise UsageError(f"{label} nests deeper than {MAX_INPUT_DEPTH} levels")
        if isinstance(value, dict):
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)


def open_client(args: argparse.Namespace) -> FamilyHandle[Decoded]:
    """A handle on args.family (with --spec and the global --netns)."""
    return open_family(args.family, spec_path=getattr(args, "spec", None),
                       netns=getattr(args, "netns", None))  # fmt: skip


def plain(message: Decoded | Mapping[Any, Any]) -> Any:
    """A decoded message as JSON-ready data."""
    full = message.to_dict() if isinstance(message, Decoded) else message
    return jsonable(full)


def write_text(value: Any, out: TextIO, indent: int = 0) -> None:
    """Human-readable rendering: `key: value` lines, nests indented, lists as `- ` items."""
    pad = "  " * indent
    if isinstance(value, Mapping):
        for key, item in value.items():
            if _is_leaf(item):
                out.write(f"{pad}{key}: {_leaf(item)}\n")
            else:
                out.write(f"{pad}{key}:\n")
                write_text(item, out, indent + 1)
    elif isinstance(value, list):
        for item in value:
            if _is_leaf(item):
                out.write(f"{pad}- {_leaf(item)}\n")
            else:
                out.write(f"{pad}-\n")
                write_text(item, out, indent + 1)
    else:
        out.write(f"{pad}{_leaf(value)}\n")


def _is_leaf(value: Any) -> bool:
    if isinstance(value, list):
        return all(not isinstance(v, (Mapping, list)) for v in value)
    return not isinstance(value, Mapping)


def _leaf(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) if value else "[]"
    if value is True:
        return "true"
    return str(value)


def _add_common(parser: argparse.ArgumentParser, op_optional: bool = False) -> None:
    parser.add_argument("family", metavar="FAMILY", help="family name (spec on the search path)")
    parser.add_argument("op", metavar="OP", help="operation name as in the spec",
                        nargs="?" if op_optional else None)  # fmt: skip
    parser.add_argument("--input", metavar="JSON",
                        help="request values as a JSON object (@FILE or - for stdin)")  # fmt: skip
    add_output_options(parser, FORMATS)
    parser.add_argument("--spec", metavar="PATH", help="the spec file to use")
    parser.add_argument("--validate", action="store_true",
                        help="check the request against the running kernel's policy "
                        "(CTRL_CMD_GETPOLICY) before sending it")  # fmt: skip


@guarded
def cmd_do(args: argparse.Namespace) -> int:
    """genetlink do FAMILY OP: one request, print the reply (nothing when only ACKed)."""
    if args.batch or args.multi or args.check:  # an nfnetlink transaction
        from genetlink.cli.batch import run_batch

        return run_batch(args)
    if args.op is None:
        raise UsageError("name an operation (OP)")
    values = read_input(args.input)
    with open_client(args) as client:
        replies = client.do_all(args.op, values, flags=args.flags, validate=args.validate)
        emit(replies, args, as_list=len(replies) > 1)
    return 0


@guarded
def cmd_dump(args: argparse.Namespace) -> int:
    """genetlink dump FAMILY OP: dump, print every object as it arrives (--output json: one
    array, jsonl: a line each, table: one row each)."""
    values = read_input(args.input)
    with open_client(args) as client:
        emit(client.dump(args.op, values, validate=args.validate), args, as_list=True)
    return 0


def register(subparsers: Any) -> None:
    """Add `do` and `dump` to the `genetlink` command's subparsers."""
    do = subparsers.add_parser("do", help="send one request of a spec-described family",
                               description=cmd_do.__doc__)  # fmt: skip
    _add_common(do, op_optional=True)
    do.add_argument("--flags", default="", metavar="FLAGS",
                    help="extra request flags, e.g. create,excl or replace")  # fmt: skip
    from genetlink.cli.batch import add_arguments

    add_arguments(do)
    do.set_defaults(func=cmd_do)
    dump = subparsers.add_parser("dump", help="dump objects of a spec-described family",
                                 description=cmd_dump.__doc__)  # fmt: skip
    _add_common(dump)
    dump.set_defaults(func=cmd_dump)

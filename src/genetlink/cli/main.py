"""Entry point of the `genetlink` command: global options, then one sub-command.

Each command group lives in its own module with a `register(subparsers)` function that adds
its sub-commands and sets `func` (called with the parsed arguments, returning the exit
status). User errors (unknown family, no permission, kernel errors) print one line on stderr
and exit 1, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from genetlink import __version__
from genetlink.cli.output import describe, tolerant_stdout

#: Sub-command -> module of genetlink.cli that registers it, in the order `--help` lists them.
#: Only the module of the command being run is imported: `genetlink families` stays quick
#: while the spec-driven commands pull in the schema codec.
COMMANDS = {
    "families": "families",
    "family": "families",
    "do": "ops",
    "dump": "ops",
    "monitor": "monitor",
    "spec": "spec",
    "stubs": "stubs",
}


def _command_name(argv: list[str]) -> str | None:
    """The sub-command named in `argv` (skipping global options), or None."""
    args = iter(argv)
    for arg in args:
        if arg == "--netns":  # the only global option that takes a value
            next(args, None)
        elif not arg.startswith("-"):
            return arg
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser: global options and the sub-commands (only `command`'s module
    when it is a known one, else every module, for `--help` and error messages)."""
    parser = argparse.ArgumentParser(
        prog="genetlink", description="Talk to Linux Generic Netlink families."
    )
    parser.add_argument("--version", action="version", version=f"genetlink {__version__}")
    parser.add_argument(
        "--netns", metavar="NAME", help="network namespace (a name under /run/netns, or a path)"
    )
    parser.add_argument(
        "--debug", action="store_true",
        help="trace every Netlink message sent and received on stderr (as GENETLINK_DEBUG=1)",
    )  # fmt: skip
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = COMMANDS.get(command or "")
    for name in dict.fromkeys(COMMANDS.values()):
        if wanted is None or name == wanted:
            importlib.import_module(f"genetlink.cli.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line `argv` (default: sys.argv[1:]); returns the exit status."""
    if argv is None:
        argv = sys.argv[1:]
    parser = build_parser(_command_name(argv))
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 0
    tolerant_stdout()
    if args.debug or os.environ.get("GENETLINK_DEBUG"):
        import logging

        os.environ["GENETLINK_DEBUG"] = "1"  # sockets read it when they open
        logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
        logging.getLogger("genetlink.trace").setLevel(logging.DEBUG)
    from genetlink.wire.errors import GenetlinkError  # after parsing: `--help` stays light

    try:
        status: int = func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # the reader went away (e.g. `| head`); silence the flush at exit too
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (GenetlinkError, OSError) as err:
        print(f"genetlink: {describe(err)}", file=sys.stderr)
        return 1
    return status


if __name__ == "__main__":
    sys.exit(main())

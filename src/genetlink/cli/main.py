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
from collections.abc import Iterator
from contextlib import contextmanager

from genetlink import __version__
from genetlink.cli import status as exit_status
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
    "completion": "complete",
    "__complete": "complete",  # hidden: what the completion scripts call
    "stubs": "stubs",
}


#: The global options that take a value (as a separate argument).
VALUED = {"--netns", "--pcap", "--pcap-size", "--pcap-rotate"}
#: commands about specs themselves: they show the loader's notes on a spec's slips
SPEC_COMMANDS = {"spec", "stubs"}


def _command_name(argv: list[str]) -> str | None:
    """The sub-command named in `argv` (skipping global options), or None."""
    args = iter(argv)
    for arg in args:
        if arg in VALUED:
            next(args, None)
        elif not arg.startswith("-"):
            return arg
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser: global options and the sub-commands (only `command`'s module
    when it is a known one, else every module, for `--help` and error messages)."""
    parser = argparse.ArgumentParser(
        prog="genetlink", description="Talk to Linux Generic Netlink families.",
        epilog=exit_status.EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"genetlink {__version__}")
    parser.add_argument(
        "--netns", metavar="NAME", help="network namespace (a name under /run/netns, or a path)"
    )
    parser.add_argument(
        "--debug", action="store_true",
        help="trace every Netlink message sent and received on stderr (as GENETLINK_DEBUG=1)",
    )  # fmt: skip
    parser.add_argument(
        "--pcap", metavar="FILE",
        help="write every Netlink message sent and received to FILE, a pcapng capture that "
             "Wireshark and tshark decode (as GENETLINK_PCAP=FILE)",
    )  # fmt: skip
    parser.add_argument(
        "--pcap-size", metavar="SIZE", type=_size,
        help="with --pcap: stop writing when FILE reaches SIZE bytes (k, M, G: binary "
             "multiples), or rotate with --pcap-rotate",
    )  # fmt: skip
    parser.add_argument(
        "--pcap-rotate", metavar="N", type=int,
        help="with --pcap-size: when FILE is full, move it to FILE.1 (FILE.1 to FILE.2, ...) "
             "keeping N older files, and start FILE again",
    )  # fmt: skip
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = COMMANDS.get(command or "")
    for name in dict.fromkeys(COMMANDS.values()):
        if wanted is None or name == wanted:
            importlib.import_module(f"genetlink.cli.{name}").register(subparsers)
    return parser


def _size(text: str) -> int:
    from genetlink.pcap import parse_size

    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


@contextmanager
def _capturing(args: argparse.Namespace, parser: argparse.ArgumentParser) -> Iterator[None]:
    """With --pcap, a fresh capture file and, while the command runs, the environment that
    every socket it opens reads to append to it (commands open sockets in many places; none
    needs to know). A GENETLINK_PCAP from outside is checked first: a bad size is a usage
    error, not a failure at the first socket."""
    from genetlink.pcap import Capture

    saved = {name: os.environ.get(name) for name in Capture.ENVIRONMENT}
    try:
        if args.pcap is not None:
            rotate = args.pcap_rotate or 0
            with Capture(args.pcap, max_bytes=args.pcap_size, rotate=rotate) as capture:
                os.environ.update(capture.environment())
        elif (outside := Capture.from_env()) is not None:
            outside.close()
    except ValueError as exc:
        parser.error(str(exc))
    try:
        yield
    finally:  # main() may run again in this process (tests, embedding): leave no capture on
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def main(argv: list[str] | None = None) -> int:
    """Run the command line `argv` (default: sys.argv[1:]); returns the exit status."""
    if argv is None:
        argv = sys.argv[1:]
    parser = build_parser(_command_name(argv))
    args, extra = parser.parse_known_args(argv)
    if extra and getattr(args, "op", "") is None and len(extra) == 1 and extra[0][:1] != "-":
        # `do FAMILY --spec S OP`: an optional OP (do takes --multi instead) is not matched
        # after an option by argparse, which would refuse it as unrecognized
        args.op = extra.pop()
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 0
    if args.pcap is None and (args.pcap_size or args.pcap_rotate is not None):
        parser.error("--pcap-size and --pcap-rotate need --pcap FILE")
    if args.pcap_rotate is not None and (args.pcap_rotate < 1 or not args.pcap_size):
        parser.error("--pcap-rotate N needs --pcap-size and N of 1 or more")
    tolerant_stdout()
    debug = bool(args.debug or os.environ.get("GENETLINK_DEBUG"))
    if debug or _command_name(argv) in SPEC_COMMANDS:
        import logging

        logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
        # a spec's slips (names an operation lists that its set lacks) are notes for whoever
        # reads or writes the spec, not a warning on every request made with it
        logging.getLogger("genetlink.loader").setLevel(logging.INFO)
    if debug:
        os.environ["GENETLINK_DEBUG"] = "1"  # sockets read it when they open
        logging.getLogger("genetlink.trace").setLevel(logging.DEBUG)
    from genetlink.wire.errors import GenetlinkError  # after parsing: `--help` stays light

    try:
        with _capturing(args, parser):
            status: int = func(args)
    except KeyboardInterrupt:
        return exit_status.INTERRUPTED
    except BrokenPipeError:
        # the reader went away (e.g. `| head`); silence the flush at exit too
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return exit_status.ERROR
    except (GenetlinkError, OSError) as err:
        print(f"genetlink: {describe(err)}", file=sys.stderr)
        return exit_status.ERROR
    return status


if __name__ == "__main__":
    sys.exit(main())

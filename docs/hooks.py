"""MkDocs hook: the usage of each `genetlink` command, taken from its argparse parser.

A page says `<!-- usage: spec install -->` where the help of `genetlink spec install` goes;
the build writes the parser's own help there, so the pages cannot drift from the CLI.
"""

from __future__ import annotations

import argparse
import functools
import re
from typing import Any

from genetlink.cli.main import build_parser

MARKER = re.compile(r"^<!-- usage: ?(.*?) -->$", re.M)
WIDTH = 92  # the same on every machine: help text must not follow the terminal


def command_parser(words: list[str]) -> argparse.ArgumentParser:
    """The parser of `genetlink WORDS...`; KeyError for a command the CLI does not have."""
    parser = build_parser()
    for word in words:
        actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not actions or word not in actions[0].choices:
            raise KeyError(f"genetlink has no command {' '.join(words)!r}")
        parser = actions[0].choices[word]
    return parser


def usage(command: str) -> str:
    """`genetlink COMMAND --help` as the CLI prints it, at a fixed width."""
    parser = command_parser(command.split())
    parser.formatter_class = functools.partial(argparse.HelpFormatter, width=WIDTH)
    return parser.format_help()


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    """Replace each usage marker with the command's help in a text block."""
    return MARKER.sub(lambda m: f"```text\n{usage(m.group(1))}```", markdown)

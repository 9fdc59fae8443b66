"""`genetlink completion bash|zsh|fish`: shell completion from the command's own parser.

    source <(genetlink completion bash)                  # ~/.bashrc
    genetlink completion zsh > "${fpath[1]}/_genetlink"  # or: source <(genetlink completion zsh)
    genetlink completion fish > ~/.config/fish/completions/genetlink.fish

Each shell's script is a few lines that hand the words typed so far to the hidden command
`genetlink __complete WORD...`, which walks the argparse parser `cli.main` builds:
sub-commands, options, choices, and for arguments that name them, family names (the running
kernel's, from nlctrl, and the specs on the search path), the operations of the family typed
(those with a `do` or a `dump`, for `do` and `dump`), its multicast groups, namespaces and
files. So the completion never lags behind the parser, and a family without a spec completes
from the kernel. Completion never fails loudly: a question it cannot answer gives no words.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from genetlink.wire.errors import GenetlinkError

#: Printed instead of words when the shell should complete file names.
FILES = "__genetlink_files__"

SHELLS = ("bash", "zsh", "fish")

_BASH = """\
# bash completion for genetlink (`genetlink completion bash`)
_genetlink() {
    local cur=${COMP_WORDS[COMP_CWORD]} words
    words=$("${COMP_WORDS[0]}" __complete -- "${COMP_WORDS[@]:1:COMP_CWORD}" \\
            2>/dev/null) || return 0
    if [[ $words == __genetlink_files__ ]]; then
        compopt -o filenames 2>/dev/null
        local IFS=$'\n'
        COMPREPLY=($(compgen -f -- "$cur"))
    else
        local IFS=$'\\n'
        COMPREPLY=($(compgen -W "$words" -- "$cur"))
    fi
}
complete -F _genetlink genetlink
"""

_ZSH = """\
#compdef genetlink
# zsh completion for genetlink (`genetlink completion zsh`)
_genetlink() {
    local -a candidates
    candidates=("${(@f)$("${words[1]}" __complete -- "${(@)words[2,CURRENT]}" \\
                2>/dev/null)}")
    if [[ ${candidates[1]} == __genetlink_files__ ]]; then
        _files
    elif (( ${#candidates} )) && [[ -n ${candidates[1]} ]]; then
        compadd -a candidates
    fi
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
    _genetlink "$@"
else
    compdef _genetlink genetlink
fi
"""

_FISH = """\
# fish completion for genetlink (`genetlink completion fish`)
function __genetlink_complete
    set -l words (commandline -opc) (commandline -ct)
    set -l found ($words[1] __complete -- $words[2..-1] 2>/dev/null)
    if test "$found" = __genetlink_files__
        __fish_complete_path (commandline -ct)
    else
        printf '%s\\n' $found
    end
end
complete -c genetlink -f -a '(__genetlink_complete)'
"""

SCRIPTS = {"bash": _BASH, "zsh": _ZSH, "fish": _FISH}


@dataclass(slots=True)
class _Walk:
    """Where the words typed so far leave the parser."""

    parser: argparse.ArgumentParser
    path: list[str] = field(default_factory=list)  # the sub-commands typed
    positionals: list[str] = field(default_factory=list)  # the current command's
    values: dict[str, str] = field(default_factory=dict)  # dest -> value (options, arguments)
    pending: argparse.Action | None = None  # an option whose value is being typed


def _takes_value(action: argparse.Action) -> bool:
    return action.nargs != 0


def _subcommands(parser: argparse.ArgumentParser) -> argparse._SubParsersAction[Any] | None:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return None


def _arguments(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions
            if not a.option_strings and not isinstance(a, argparse._SubParsersAction)]  # fmt: skip


def walk(parser: argparse.ArgumentParser, words: Sequence[str]) -> _Walk:
    """Follow `words` (complete ones: not the word being typed) through the parser."""
    state = _Walk(parser)
    for word in words:
        if state.pending is not None:
            state.values[state.pending.dest] = word
            state.pending = None
        elif word.startswith("-") and word != "-":
            option = state.parser._option_string_actions.get(word.split("=", 1)[0])
            if option is not None and "=" in word:
                state.values[option.dest] = word.split("=", 1)[1]
            elif option is not None and _takes_value(option):
                state.pending = option
        elif (sub := _subcommands(state.parser)) is not None and not state.positionals \
                and word in sub.choices:  # fmt: skip
            state.parser = sub.choices[word]
            state.path.append(word)
        else:
            arguments = _arguments(state.parser)
            if len(state.positionals) < len(arguments):
                state.values[arguments[len(state.positionals)].dest] = word
            state.positionals.append(word)
    return state


def candidates(parser: argparse.ArgumentParser, words: Sequence[str]) -> list[str]:
    """The words that may come next after `words` (the last one being typed, "" for a new
    one), or [FILES] when that is a file name."""
    *done, current = list(words) or [""]
    state = walk(parser, done)
    if state.pending is not None:
        found = _values(state.pending, state)
    elif current.startswith("-"):
        found = [s for a in state.parser._actions if a.help != argparse.SUPPRESS
                 for s in a.option_strings]  # fmt: skip
    else:
        sub = _subcommands(state.parser)
        arguments = _arguments(state.parser)
        if sub is not None and not state.positionals:
            found = [name for name in sub.choices if not name.startswith("__")]  # not hidden
        elif len(state.positionals) < len(arguments):
            found = _values(arguments[len(state.positionals)], state)
        else:
            found = []
    if found == [FILES]:
        return found
    return sorted({w for w in found if w.startswith(current)})


def _kind(action: argparse.Action) -> str | None:
    """What an argument names, from its dest and metavar (the parser's own spelling)."""
    metavar = action.metavar if isinstance(action.metavar, str) else ""
    if action.dest == "family" or metavar == "FAMILY" or action.dest == "name":
        return "family"
    if action.dest == "op":
        return "op"
    if action.dest == "group":
        return "group"
    if action.dest == "netns":
        return "netns"
    if any(word in metavar for word in ("PATH", "FILE", "DIR", "TARBALL")) or metavar == "H":
        return "file"
    return None


def _values(action: argparse.Action, state: _Walk) -> list[str]:
    if action.choices is not None:
        return [str(c) for c in action.choices]
    kind = _kind(action)
    netns = state.values.get("netns")
    family = state.values.get("family") or state.values.get("name")
    try:
        if kind == "family":
            return family_names(netns)
        if kind == "op" and family:
            mode = state.path[-1] if state.path and state.path[-1] in ("do", "dump") else None
            return op_names(family, state.values.get("spec"), mode, netns)
        if kind == "group" and family:
            return group_names(family, state.values.get("spec"), netns)
    except (GenetlinkError, OSError):  # a completion that cannot be answered offers nothing
        return []
    if kind == "netns":
        return _namespaces()
    if kind == "file":
        return [FILES]
    return []


def family_names(netns: str | None = None) -> list[str]:
    """The running kernel's Generic Netlink families and every spec on the search path."""
    from genetlink.loader.search import list_specs

    names = {info.name for info in list_specs()}
    try:
        from genetlink.genl.nlctrl import families
        from genetlink.socket import NetlinkSocket
        from genetlink.wire.constants import NETLINK_GENERIC

        with NetlinkSocket(NETLINK_GENERIC, netns=netns) as sock:
            names.update(f.name for f in sock.run(families(sock.engine, timeout=2.0)))
    except (GenetlinkError, OSError):  # no kernel (or namespace) to ask: the specs still count
        pass
    return sorted(names)


def _model(family: str, spec: str | None, netns: str | None) -> Any:
    from genetlink.client.genl import KernelSchema, family_model

    model = family_model(family, spec_path=spec)
    if isinstance(model, KernelSchema):
        from genetlink.socket import NetlinkSocket
        from genetlink.wire.constants import NETLINK_GENERIC

        with NetlinkSocket(NETLINK_GENERIC, netns=netns) as sock:
            return sock.run(model.build(sock.engine, 2.0))
    return model


def op_names(family: str, spec: str | None = None, mode: str | None = None,
             netns: str | None = None) -> list[str]:  # fmt: skip
    """The family's operations (with a `do`, or a `dump`, when `mode` names one), from its
    spec or, without one, from the running kernel."""
    ops = _model(family, spec, netns).operations.values()
    return [op.name for op in ops if mode is None or getattr(op, mode) is not None]


def group_names(family: str, spec: str | None = None, netns: str | None = None) -> list[str]:
    """The family's multicast groups."""
    return list(_model(family, spec, netns).mcast_groups)


def _namespaces() -> list[str]:
    try:
        return sorted(os.listdir("/run/netns"))
    except OSError:
        return []


def cmd_completion(args: argparse.Namespace) -> int:
    """genetlink completion bash|zsh|fish: print the shell's completion script (load it as
    shown in `genetlink completion --help`'s examples)."""
    sys.stdout.write(SCRIPTS[args.shell])
    return 0


def cmd_complete(args: argparse.Namespace) -> int:
    """genetlink __complete WORD...: the words that may follow (what the scripts call)."""
    from genetlink.cli.main import build_parser

    words = args.words[1:] if args.words[:1] == ["--"] else args.words
    for word in candidates(build_parser(), words):
        sys.stdout.write(f"{word}\n")
    return 0


EXAMPLES = """\
load it:
  bash:  source <(genetlink completion bash)          (in ~/.bashrc)
  zsh:   source <(genetlink completion zsh)           (in ~/.zshrc, after compinit)
  fish:  genetlink completion fish > ~/.config/fish/completions/genetlink.fish
"""


def register(subparsers: Any) -> None:
    """Add `completion` to the `genetlink` command's subparsers."""
    parser = subparsers.add_parser(
        "completion", help="print a shell completion script (bash, zsh, fish)",
        description=cmd_completion.__doc__, epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument("shell", choices=SHELLS, metavar="SHELL", help="bash, zsh or fish")
    parser.set_defaults(func=cmd_completion)
    hidden = subparsers.add_parser("__complete", description=cmd_complete.__doc__)
    hidden.add_argument("words", nargs=argparse.REMAINDER)
    hidden.set_defaults(func=cmd_complete)


def complete_words(words: Iterable[str]) -> list[str]:
    """`candidates` for the full `genetlink` parser (for tests and other front ends)."""
    from genetlink.cli.main import build_parser

    return candidates(build_parser(), list(words))


__all__ = ["FILES", "SCRIPTS", "SHELLS", "candidates", "complete_words", "family_names",
           "group_names", "op_names", "register", "walk"]  # fmt: skip

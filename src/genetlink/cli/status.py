"""The exit statuses of the `genetlink` command, one meaning each, so that scripts can tell a
mistyped command line from a kernel that said no, and both from a spec that has drifted.

The numbers follow the shell's habits: argparse already exits 2 for a command line it cannot
parse, and 128 + N is a death by signal N (130: Ctrl-C).
"""

from __future__ import annotations

#: Done as asked (for `spec check`: the spec and the kernel agree).
OK = 0
#: A user or kernel error: unknown family or operation, bad --input, no permission, an
#: errno from the kernel, a spec that does not load. One line on stderr says which.
ERROR = 1
#: The command line itself is wrong (argparse: unknown option, missing or invalid argument).
USAGE = 2
#: `genetlink spec check`: the spec and the running kernel disagree (the findings are printed).
DRIFT = 3
#: Interrupted (SIGINT, Ctrl-C): 128 + 2, as the shell reports it.
INTERRUPTED = 130

#: The `--help` epilog (the README has the same table).
EPILOG = f"""\
exit status:
  {OK}    success (spec check: spec and kernel agree)
  {ERROR}    user or kernel error (one line on stderr: unknown family, bad input, errno, ...)
  {USAGE}    usage error: the command line cannot be parsed (argparse)
  {DRIFT}    spec check: the spec and the running kernel disagree
  {INTERRUPTED}  interrupted (Ctrl-C)
"""

__all__ = ["DRIFT", "EPILOG", "ERROR", "INTERRUPTED", "OK", "USAGE"]

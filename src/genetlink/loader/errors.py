"""The error raised for a spec that cannot be loaded."""

from __future__ import annotations

import os
import reprlib

from genetlink.wire.errors import GenetlinkError

_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxdict, _REPR.maxstring, _REPR.maxother = 2, 4, 4, 40, 40
_PREVIEW_CHARS = 60


class SpecError(GenetlinkError, ValueError):
    """A netlink YAML spec is malformed or refers to something it does not define.

    Attributes:
      source  the file (or the `source=` label of text) the spec came from
      path    the element inside the spec, e.g. ``attribute-sets[3].attributes[5].type``
              (empty for problems with the document as a whole)
      reason  what is wrong, in words
    """

    def __init__(self, source: str, path: str, reason: str) -> None:
        self.source = source
        self.path = path
        self.reason = reason
        where = f"{source}: {path}" if path else source
        super().__init__(f"{where}: {reason}")

    def __reduce__(self) -> tuple[type[SpecError], tuple[str, str, str]]:
        return (type(self), (self.source, self.path, self.reason))


def preview(value: object) -> str:
    """A short repr of a value for error messages: bounded in work and length, because YAML
    aliases can make a spec value huge (or contain itself)."""
    try:
        text = _REPR.repr(value)
    except ValueError:  # an int too large for str()
        text = f"<{type(value).__name__}>"
    return text if len(text) <= _PREVIEW_CHARS else text[: _PREVIEW_CHARS - 3] + "..."


def label(text: str) -> str:
    """``text`` for an error's source or path: as is when short, else its preview."""
    return text if len(text) <= _PREVIEW_CHARS else preview(text)


def path_argument(value: object, what: str, hint: str = "") -> str:
    """``value`` (str, bytes or os.PathLike) as a str path; else a SpecError naming ``what``."""
    try:
        return os.fsdecode(value)  # type: ignore[arg-type]
    except TypeError:
        kind = type(value).__name__
        reason = f"{what} is a str or os.PathLike, got {kind}{hint}"
        raise SpecError(preview(value), "", reason) from None

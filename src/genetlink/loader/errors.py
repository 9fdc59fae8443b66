"""The error raised for a spec that cannot be loaded."""

from __future__ import annotations

from genetlink.wire.errors import GenetlinkError


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

"""A received Generic Netlink message, read by number (when no codec names its attributes)."""

from __future__ import annotations

from ..wire.attrs import Attrs
from ..wire.genl import genl_attrs_start, genl_command
from ..wire.message import Message


class GenlMessage:
    """A Generic Netlink message: family id, command, version, and a lazy attribute view.

    `hdrsize` skips a family-specific fixed header between the genlmsghdr and the attributes
    (FamilyInfo.hdrsize); `header` gives those bytes.
    """

    __slots__ = ("_attrs", "cmd", "hdrsize", "message", "version")

    def __init__(self, message: Message, hdrsize: int = 0) -> None:
        self.message = message
        self.cmd, self.version = genl_command(message)
        self.hdrsize = hdrsize
        self._attrs: Attrs | None = None

    @property
    def family_id(self) -> int:
        """nlmsg_type: the id of the family that sent the message."""
        return self.message.type

    @property
    def header(self) -> bytes:
        """The family's fixed header (empty for most families)."""
        start = genl_attrs_start(self.message)
        return self.message.data[start : start + self.hdrsize]

    @property
    def attrs(self) -> Attrs:
        """The top-level attributes, indexed on first access."""
        if self._attrs is None:
            start = genl_attrs_start(self.message) + self.hdrsize
            self._attrs = Attrs(self.message.data, start, self.message.end)
        return self._attrs

    def __repr__(self) -> str:
        return f"GenlMessage(family={self.family_id}, cmd={self.cmd}, attrs={sorted(self.attrs)})"

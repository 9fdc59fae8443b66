"""A received Generic Netlink message, read by number (when no codec names its attributes)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar, overload

from ..wire.attrs import Attrs
from ..wire.genl import genl_attrs_start, genl_command
from ..wire.message import Message

T = TypeVar("T")


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


class Replies(Sequence[T], Generic[T]):
    """The messages of a dump (or do), decoded one by one when accessed; `.warnings` holds
    the ext-ACK warnings the kernel sent with the final ACK."""

    __slots__ = ("_cache", "_decode", "messages", "warnings")

    def __init__(self, messages: Sequence[Message], decode: Callable[[Message], T],
                 warnings: list[str] | None = None) -> None:  # fmt: skip
        self.messages = messages
        self.warnings = warnings or []
        self._decode = decode
        self._cache: dict[int, T] = {}

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self.messages)))]
        if index < 0:
            index += len(self.messages)
        item = self._cache.get(index)
        if item is None:
            item = self._decode(self.messages[index])
            self._cache[index] = item
        return item

    def __iter__(self) -> Iterator[T]:
        for index in range(len(self.messages)):
            yield self[index]

    def __len__(self) -> int:
        return len(self.messages)

    def __repr__(self) -> str:
        return f"Replies({len(self.messages)} messages)"

"""One error hierarchy for everything that can go wrong between us and the kernel.

`NetlinkError` carries all that the kernel said (errno and the extended ACK); it subclasses
`OSError` so `except OSError` and `err.errno == errno.ENOENT` work as users expect.
"""

from __future__ import annotations

import copy
import errno as _errno
import os
from typing import Any, Self


class GenetlinkError(Exception):
    """Base of every error this library raises on purpose: `except GenetlinkError` catches
    them all. Under it: `NetlinkError` (the kernel refused; also an `OSError`),
    `EncodeError` (bad input, nothing sent), `DecodeError` (malformed bytes from the wire),
    `SpecError` (a spec that does not load), `FamilyNotFound`, `GroupNotFound`,
    `DumpInterrupted`, `Truncated` and `Overrun`."""


def _strerror(code: int) -> str:
    """The errno's text; any number (a peer may send INT_MIN) gives a readable one."""
    if not code:
        return "Success"
    try:
        return os.strerror(code)
    except (ValueError, OverflowError):
        return f"Unknown error {code}"


class NetlinkError(GenetlinkError, OSError):
    """The kernel (or a peer) answered a request with a negative errno.

    Attributes beyond `errno`/`strerror`:
      operation   name of the request (family op or message type), when known
      msg_type    nlmsg_type of the request
      seq         sequence number of the request
      message     the extended-ACK text (NLMSGERR_ATTR_MSG), or None
      bad_offset  byte offset of the offending attribute in the request (NLMSGERR_ATTR_OFFS)
      attr_path   that attribute as a path (".header.dev-index"), when it could be resolved
      missing_type  attribute type the kernel wanted but did not get (NLMSGERR_ATTR_MISS_TYPE)
      missing_nest  offset of the nest where it was missing (NLMSGERR_ATTR_MISS_NEST)
      missing_path  the missing attribute as a path, when it could be resolved
      cookie      NLMSGERR_ATTR_COOKIE bytes
      policy      the policy of the offending attribute (dict of NL_POLICY_TYPE_ATTR_* by name)
      request     the request datagram as sent, for resolving offsets into attribute paths
    """

    def __init__(
        self,
        code: int,
        *,
        operation: str | None = None,
        msg_type: int | None = None,
        seq: int | None = None,
        message: str | None = None,
        bad_offset: int | None = None,
        attr_path: str | None = None,
        missing_type: int | None = None,
        missing_nest: int | None = None,
        missing_path: str | None = None,
        cookie: bytes | None = None,
        policy: dict[str, Any] | None = None,
        request: bytes | None = None,
    ) -> None:
        super().__init__(code, _strerror(code))
        self.operation = operation
        self.msg_type = msg_type
        self.seq = seq
        self.message = message
        self.bad_offset = bad_offset
        self.attr_path = attr_path
        self.missing_type = missing_type
        self.missing_nest = missing_nest
        self.missing_path = missing_path
        self.cookie = cookie
        self.policy = policy
        self.request = request

    def __str__(self) -> str:
        parts = [f"[Errno {self.errno}] {self.strerror}"]
        if self.operation:
            parts.append(f"operation {self.operation}")
        if self.message:
            parts.append(self.message)
        if self.attr_path or self.bad_offset is not None:
            where = self.attr_path or f"offset {self.bad_offset}"
            parts.append(f"bad attribute {where}")
        if self.missing_path or self.missing_type is not None:
            parts.append(f"missing attribute {self.missing_path or self.missing_type}")
        if self.policy:
            parts.append("policy " + ", ".join(f"{k}={v}" for k, v in self.policy.items()))
        return ": ".join(parts)

    def named(self, **names: Any) -> Self:
        """A copy of this error with names filled in (`operation`, `attr_path`,
        `missing_path`): what a client says once it has explained the error from the request
        it sent."""
        err = copy.copy(self)
        err.__dict__.update(names)
        return err

    def __reduce__(self) -> Any:
        return (_rebuild_netlink_error, (type(self), self.errno, dict(self.__dict__)))


def _rebuild_netlink_error(cls: type[NetlinkError], code: int, state: dict[str, Any]) -> Any:
    err = cls(code)
    err.__dict__.update(state)
    return err


class NetlinkPermissionError(NetlinkError, PermissionError):
    """EPERM/EACCES from the kernel: the operation needs privileges we lack."""


class NetlinkNotFoundError(NetlinkError, FileNotFoundError):
    """ENOENT from the kernel: the object (or family) asked for does not exist."""


class NetlinkExistsError(NetlinkError, FileExistsError):
    """EEXIST from the kernel: the object to create exists already."""


_BY_ERRNO: dict[int, type[NetlinkError]] = {
    _errno.EPERM: NetlinkPermissionError,
    _errno.EACCES: NetlinkPermissionError,
    _errno.ENOENT: NetlinkNotFoundError,
    _errno.EEXIST: NetlinkExistsError,
}


def netlink_error(code: int, **details: Any) -> NetlinkError:
    """Build the most specific NetlinkError subclass for a positive errno `code`."""
    return _BY_ERRNO.get(code, NetlinkError)(code, **details)


class DecodeError(GenetlinkError, ValueError):
    """Bytes from the wire do not form valid messages or attributes (a length past the
    datagram's end, an attribute too short for the value read from it, a nest that does not
    parse). Every decode path raises this, never a bare `struct.error` or `IndexError`."""

    def __init__(self, reason: str, offset: int | None = None) -> None:
        self.reason = reason
        self.offset = offset
        super().__init__(reason if offset is None else f"{reason} (at byte {offset})")


class EncodeError(GenetlinkError, ValueError):
    """A value given by the caller cannot be encoded (wrong type, out of range, unknown name)."""


class DumpInterrupted(GenetlinkError):
    """A dump came back with NLM_F_DUMP_INTR: the kernel's table changed while it was read.

    A collected dump is repeated first; after the allowed retries this carries the messages of
    the last attempt in `partial` (they may be inconsistent). A streamed dump cannot be
    repeated behind its reader: it is read to its end, then this is raised with `streamed`
    set and `partial` empty (what was delivered may be inconsistent: dump again).
    """

    def __init__(self, attempts: int, partial: list[Any], *, streamed: bool = False) -> None:
        self.attempts = attempts
        self.partial = partial
        self.streamed = streamed
        if streamed:
            text = ("dump interrupted by concurrent changes: the objects delivered may be "
                    "inconsistent; dump again")  # fmt: skip
        else:
            text = (f"dump interrupted by concurrent changes {attempts} times; "
                    f"{len(partial)} messages of the last attempt are in .partial")  # fmt: skip
        super().__init__(text)


class Overrun(GenetlinkError, OSError):
    """The socket's receive queue overflowed (ENOBUFS): messages were lost, how many is unknown.

    Delivered as an event in notification streams (so a consumer can resync); raised for a
    request whose reply may have been among the lost messages.
    """

    def __init__(self, detail: str = "receive queue overflowed, notifications were lost") -> None:
        super().__init__(_errno.ENOBUFS, detail)


class Truncated(GenetlinkError, OSError):
    """A datagram was larger than the receive buffer; its tail was cut off by the kernel.

    An OSError with errno EMSGSIZE, like the failed receive it reports.
    """

    def __init__(self, size: int, buffer_size: int, header: bytes = b"") -> None:
        self.size = size
        self.buffer_size = buffer_size
        self.header = header  # the datagram's first bytes, to tell whose answer was lost
        super().__init__(
            _errno.EMSGSIZE,
            f"datagram of {size} bytes truncated to the {buffer_size}-byte receive buffer "
            "(the buffer has grown for the next one)",
        )

    def __str__(self) -> str:
        return str(self.strerror)


class NetlinkWarning(UserWarning):
    """The kernel accepted a request but said something about it (an ext-ACK message on
    success), or a request's answer was not what its call expects. Issued with `warnings`, so
    a caller can filter them, log them (logging.captureWarnings) or turn them into errors."""

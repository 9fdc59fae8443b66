"""A handle on one family, written once: what `FamilyHandle` and `AsyncFamilyHandle` share.

A handle is a resolver (how the family is found: `GenlResolver`, `RawResolver`) plus a codec
(how its messages read: `SpecCodec`, `RawCodec`) over a request socket, with a separate socket
for notifications opened on the first `subscribe`. `HandleBase` holds everything but the
waiting: requests are exchanges (`genetlink.core.exchange`) that each front drives, so that
encoding, validation against the kernel's policy, a stale id re-resolved, ext-ACK attribute
paths, warnings and decoding are the same code on both fronts.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Generic, Protocol, TypedDict, TypeVar, overload

from ..core import exchange as ex
from ..core.engine import Engine, Notification
from ..core.exchange import Exchange
from ..genl.nlctrl import FamilyInfo, GroupNotFound, Policy, getpolicy
from ..genl.validate import validate_request
from ..wire import constants as c
from ..wire.errors import (
    EncodeError,
    GenetlinkError,
    NetlinkError,
    NetlinkWarning,
    Overrun,
)
from ..wire.message import Message
from ..wire.nfnetlink import outside_batch
from .codecs import Attributes, Codec, Encoded, NlctrlNamer, explain_paths
from .resolver import Resolver

log = logging.getLogger("genetlink.client")

R = TypeVar("R")

#: Seconds a request waits for its answer unless told otherwise.
DEFAULT_TIMEOUT = 10.0

#: Request flag names accepted by `flags=` (NLM_F_* without the prefix, lower case).
FLAG_NAMES: dict[str, int] = {**c.NEW_FLAGS, **c.DELETE_FLAGS, "echo": c.NLM_F_ECHO}

#: Request flags: a number, a name ("create"), "create|excl", or a list of names or numbers.
Flags = int | str | Iterable[str | int] | None


def parse_flags(flags: Flags) -> int:
    """Request flags from a number, a name ("create"), "create|excl", or a list of either."""
    if flags is None:
        return 0
    if isinstance(flags, int):
        return flags
    if isinstance(flags, str):
        items: Iterable[str | int] = flags.replace(",", "|").split("|")
    else:
        items = flags
    out = 0
    for item in items:
        if isinstance(item, int):
            out |= item
            continue
        if not isinstance(item, str):
            raise EncodeError(f"a request flag is a name or a number, not {item!r}")
        name = item.strip().lower().removeprefix("nlm_f_").replace("_", "-")
        if not name:
            continue
        if name not in FLAG_NAMES:
            raise EncodeError(f"unknown request flag {item!r} ({', '.join(FLAG_NAMES)})")
        out |= FLAG_NAMES[name]
    return out


class Replies(Sequence[R]):
    """The replies of a request, decoded one by one when accessed; `.warnings` holds the
    ext-ACK warnings the kernel sent with them (also issued as `NetlinkWarning`s)."""

    __slots__ = ("_cache", "_decode", "messages", "warnings")

    def __init__(self, messages: Sequence[Message], decode: Callable[[Message], R],
                 warnings: list[str] | None = None) -> None:  # fmt: skip
        self.messages = messages
        self.warnings = warnings or []
        self._decode = decode
        self._cache: dict[int, R] = {}

    @overload
    def __getitem__(self, index: int) -> R: ...
    @overload
    def __getitem__(self, index: slice) -> list[R]: ...

    def __getitem__(self, index: int | slice) -> R | list[R]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self.messages)))]
        if index < 0:
            index += len(self.messages)
        if index in self._cache:
            return self._cache[index]
        item = self._cache[index] = self._decode(self.messages[index])
        return item

    def __iter__(self) -> Iterator[R]:
        for index in range(len(self.messages)):
            yield self[index]

    def __len__(self) -> int:
        return len(self.messages)

    def __repr__(self) -> str:
        return f"Replies({len(self.messages)} messages)"


@dataclass(frozen=True, slots=True)
class Prepared:
    """A request ready to send: its encoding, and the message around it."""

    mode: str
    encoded: Encoded
    msg_type: int
    payload: bytes
    flags: int
    timeout: float | None
    validate: bool
    label: str  # "netdev dev-get": for warnings and timeouts


class Subscriber(Protocol):
    """What a handle needs of its notification socket (either front's socket has it)."""

    engine: Engine
    namers: dict[int | None, Callable[[Message], str]]

    def join(self, group: int) -> None:
        """Join a multicast group."""

    def leave(self, group: int) -> None:
        """Leave a multicast group."""

    def poll_notification(self) -> Notification | None:
        """The next notification that has arrived, without waiting."""

    def close(self) -> None:
        """Close the socket."""


S = TypeVar("S", bound=Subscriber)


class CallOptions(TypedDict, total=False):
    """The keyword options of `do`, `do_all` and `dump`.

    flags:    request flags to add: NLM_F_* numbers or names ("create|excl", ["replace"])
    timeout:  seconds to wait for the kernel (each datagram of a dump); default: the handle's
    validate: check the request against the running kernel's policy first (Generic Netlink):
              EncodeError naming the attribute, and nothing sent
    """

    flags: Flags
    timeout: float | None
    validate: bool


class Closable(Protocol):
    """Something a handle closes with itself (the client `open_family` made for it)."""

    def close(self) -> None:
        """Close it."""


def _label(family: str, operation: str) -> str:
    """"netdev dev-get"; "ethtool cmd 2" (a spec-less op's name has the family already)."""
    return operation if operation.startswith(f"{family} ") else f"{family} {operation}"


def _items(decode: Callable[[Message], R], family_id: int | None,
           delivered: list[bool]) -> Callable[[Message], R | None]:  # fmt: skip
    """What a streamed dump hands out for each message: the decoded object, or None for
    another family's message (replies may carry nlctrl's)."""

    def item(msg: Message) -> R | None:
        delivered[0] = True
        if family_id is not None and msg.type != family_id:
            return None
        return decode(msg)

    return item


class HandleBase(Generic[R, S]):
    """The front-independent part of a family handle (see `FamilyHandle`); S is the type of
    the front's sockets."""

    def __init__(
        self,
        resolver: Resolver,
        codec: Codec[R],
        sock: S,
        open_socket: Callable[[], S],
        *,
        timeout: float | None = DEFAULT_TIMEOUT,
        owner: Closable | None = None,
    ) -> None:
        self.resolver = resolver
        self.codec = codec
        #: the request socket (shared with the client the handle came from)
        self.sock = sock
        #: seconds a request waits for its answer when the call names no timeout
        self.timeout = timeout
        self._engine = sock.engine
        self._open_socket = open_socket
        if not resolver.is_genetlink:  # every message of the protocol is the family's
            sock.namers[None] = codec.describe
        else:  # the family's resolution, named too (the family's own codec, for nlctrl)
            sock.namers.setdefault(c.GENL_ID_CTRL, NlctrlNamer())
        self._owner = owner
        self._notify: S | None = None
        self._joined: dict[str, int] = {}  # groups joined by name, to join again after a reload
        self._policy: Policy | None = None  # the kernel's, fetched for validate=True

    # -- what the handle knows ----------------------------------------------------------------

    @property
    def name(self) -> str:
        """The family's name."""
        return self.resolver.name

    @property
    def info(self) -> FamilyInfo | None:
        """What nlctrl said about the family when it was last resolved (None: netlink-raw)."""
        return self.resolver.info

    @property
    def id(self) -> int | None:
        """The Generic Netlink family id (None: netlink-raw)."""
        info = self.resolver.info
        return None if info is None else info.id

    @property
    def groups(self) -> dict[str, int]:
        """Multicast group name -> number (from nlctrl, or the spec for netlink-raw)."""
        return dict(self.resolver.groups)

    @property
    def subscriptions(self) -> dict[str, int]:
        """The groups joined by name through this handle."""
        return dict(self._joined)

    # -- requests, as exchanges ---------------------------------------------------------------

    def _prepare(self, mode: str, op: str | int, attrs: Attributes,
                 options: CallOptions) -> Exchange[Prepared]:  # fmt: skip
        encoded = self.codec.encode(op, attrs, mode)
        bits = parse_flags(options.get("flags"))
        if mode == "do" and bits & c.NLM_F_DUMP == c.NLM_F_DUMP:
            raise EncodeError(f"{_label(self.name, encoded.name)}: NLM_F_DUMP asks for a dump: "
                              "use dump()")  # fmt: skip
        timeout = options.get("timeout")
        if timeout is None:
            timeout = self.timeout
        yield from self._resolve()
        validate = options.get("validate", False)
        if validate:
            yield from self._validate(mode, encoded, timeout)
        msg_type, payload = self.resolver.envelope(encoded.number, encoded.body)
        return Prepared(mode, encoded, msg_type, payload, bits, timeout, validate,
                        _label(self.name, encoded.name))  # fmt: skip

    def _resolve(self) -> Exchange[FamilyInfo | None]:
        """The family through the resolver; when it came back under another id meanwhile (the
        cache expired or was told), the groups are joined again and the policy fetched anew."""
        old = self.resolver.info
        info = yield from self.resolver.resolve()
        if info is not None:
            self.sock.namers[info.id] = self.codec.describe
        if old is not None and info is not None and info.id != old.id:
            self._policy = None
            self._rejoin()
        return info

    def _validate(self, mode: str, encoded: Encoded, timeout: float | None) -> Exchange[None]:
        """Check the request against the running kernel's policy (fetched once)."""
        if not self.resolver.is_genetlink:
            raise EncodeError(f"{self.name}: only Generic Netlink families report policies")
        if self._policy is None:
            self._policy = yield from getpolicy(self._engine, self.name, timeout=timeout)
        op = encoded.op
        validate_request(self._policy, encoded.number, mode, encoded.body,
                         header_size=self.codec.attrs_start(encoded),
                         namer=self.codec.namer(encoded), label=encoded.name,
                         strict=op is None or "strict" not in op.dont_validate)  # fmt: skip

    def _recover(self, prepared: Prepared, error: NetlinkError, attempt: int,
                 started: bool = False) -> Exchange[Prepared]:  # fmt: skip
        """After an error: the request again when the family moved (its module was reloaded),
        else the error raised, explained from the request that was sent."""
        if attempt == 1 and not started:
            try:
                moved = yield from self.resolver.moved(error)
            except NetlinkError as gone:  # FamilyNotFound: the family went away
                raise gone.named(operation=prepared.encoded.name) from error
            if moved:
                self._policy = None  # the new module may validate differently
                self._rejoin()
                if prepared.validate:
                    yield from self._validate(prepared.mode, prepared.encoded, prepared.timeout)
                msg_type, payload = self.resolver.envelope(prepared.encoded.number,
                                                           prepared.encoded.body)  # fmt: skip
                return replace(prepared, msg_type=msg_type, payload=payload)
        raise self._explain(prepared, error) from None

    def _explain(self, prepared: Prepared, error: NetlinkError) -> NetlinkError:
        """The kernel's error with the operation named and its offsets as attribute paths."""
        skip = self.resolver.body_offset
        encoded = prepared.encoded
        if error.request is not None and len(error.request) >= skip:
            encoded = replace(encoded, body=error.request[skip:])

        def inside(offset: int | None) -> int | None:
            return None if offset is None or offset < skip else offset - skip

        try:
            bad, missing = explain_paths(self.codec, encoded, inside(error.bad_offset),
                                         inside(error.missing_nest), error.missing_type)
        except GenetlinkError as inner:  # a path is a nicety; the kernel's error is what counts
            log.debug("could not name the attribute of %s: %s", encoded.name, inner)
            bad = missing = None
        explained = error.named(operation=encoded.name, attr_path=bad, missing_path=missing)
        family = self.codec.family
        if family is not None and family.protonum == c.NETLINK_NETFILTER and error.errno:
            hint = outside_batch(prepared.msg_type, encoded.name, error.errno, error.message)
            if hint is not None:
                explained = explained.named(message=hint)
        return explained

    def _request(self, prepared: Prepared) -> Exchange[ex.Response]:
        return ex.request(self._engine, prepared.msg_type, prepared.payload, prepared.flags,
                          operation=prepared.label, timeout=prepared.timeout)

    def _do_all(self, op: str | int, attrs: Attributes,
                options: CallOptions) -> Exchange[Replies[R]]:  # fmt: skip
        prepared = yield from self._prepare("do", op, attrs, options)
        for attempt in (1, 2):
            try:
                response = yield from self._request(prepared)
            except NetlinkError as error:
                prepared = yield from self._recover(prepared, error, attempt)
                continue
            return self._replies(prepared, response)
        raise AssertionError("unreachable")  # pragma: no cover

    def _replies(self, prepared: Prepared, response: ex.Response) -> Replies[R]:
        own = self.resolver.owns
        return Replies([m for m in response if own(m)],
                       self.codec.reply_decoder(prepared.encoded.op), response.warnings)

    def _do(self, op: str | int, attrs: Attributes, options: CallOptions) -> Exchange[R | None]:
        replies = yield from self._do_all(op, attrs, options)
        if len(replies) > 1:
            warnings.warn(NetlinkWarning(
                f"{self.name}: the kernel sent {len(replies)} replies to one request; do() "
                "returns the first, do_all() returns them all"), stacklevel=2)  # fmt: skip
        return replies[0] if replies else None

    def _dump(self, op: str | int, attrs: Attributes, options: CallOptions) -> Exchange[None]:
        prepared = yield from self._prepare("dump", op, attrs, options)
        decode = self.codec.reply_decoder(prepared.encoded.op)
        delivered = [False]  # once objects went out, an error cannot be retried unseen
        for attempt in (1, 2):
            family_id = prepared.msg_type if self.resolver.is_genetlink else None
            try:
                yield from ex.stream(self._engine, prepared.msg_type, prepared.payload,
                                     prepared.flags, operation=prepared.label,
                                     timeout=prepared.timeout,
                                     decode=_items(decode, family_id, delivered))  # fmt: skip
            except NetlinkError as error:
                prepared = yield from self._recover(prepared, error, attempt, delivered[0])
                continue
            return

    # -- notifications ------------------------------------------------------------------------

    def group_id(self, group: str | int) -> int:
        """The number of multicast group `group` (a name, or a number as is)."""
        if isinstance(group, int):
            return group
        groups = self.resolver.groups
        number = groups.get(group)
        if number is None:
            number = groups.get(group.replace("_", "-"))
        if number is None:
            raise GroupNotFound(self.name, group, groups)
        return number

    def subscribe(self, group: str | int) -> int:
        """Join multicast group `group` (a name, or a number) on the handle's notification
        socket, opened on first use; returns the group's number."""
        number = self.group_id(group)
        try:
            self._listener(create=True).join(number)
        except NetlinkError as exc:  # name the group as the caller did
            raise exc.named(operation=f"join {self.name} group {group!r} ({number})") from None
        if isinstance(group, str):
            self._joined[group] = number
        return number

    def unsubscribe(self, group: str | int) -> None:
        """Leave multicast group `group`."""
        number = self.group_id(group)
        if isinstance(group, str):
            self._joined.pop(group, None)
        if self._notify is not None:
            self._notify.leave(number)

    def _listener(self, create: bool = False) -> S:
        """The notification socket; GenetlinkError before any `subscribe`."""
        if self._notify is None:
            if not create:
                raise GenetlinkError(f"family {self.name}: subscribe() to a group first")
            sock = self._open_socket()
            sock.namers.update(self.sock.namers)
            try:
                for group in self.resolver.watch_groups:
                    sock.join(group)
            except BaseException:
                sock.close()
                raise
            self._notify = sock
        return self._notify

    def _rejoin(self) -> None:
        """Join our groups again by name: unregistering a family drops every membership of its
        groups (netlink_clear_multicast_users), and their numbers may change."""
        if self._notify is None:
            return
        groups = self.resolver.groups
        for group, old in list(self._joined.items()):
            new = groups.get(group)
            if new != old:
                self._notify.leave(old)
            if new is None:
                log.warning("family %s came back without group %s", self.name, group)
                del self._joined[group]
                continue
            self._notify.join(new)
            self._joined[group] = new

    def _accept(self, item: Notification) -> R | Overrun | None:
        """A notification decoded, an Overrun as is, None for another family's message."""
        if isinstance(item, Overrun):
            return item
        if self.resolver.announced(item):
            self._rejoin()
            return None
        if not self.resolver.owns(item):
            log.debug("skipped a message of another family (type %d)", item.type)
            return None
        return self.codec.decode(item, None)

    def _notifications(self, timeout: float | None) -> Exchange[None]:
        return ex.notifications(self._listener().engine, timeout, self._accept)

    def decode(self, msg: Message) -> R:
        """Decode one message of this family (its operation found from its id)."""
        return self.codec.decode(msg, None)

    # -- life cycle ---------------------------------------------------------------------------

    def close(self) -> None:
        """Close the notification socket (and the client, when the handle owns one)."""
        if self._notify is not None:
            self._notify.close()
            self._notify = None
        if self._owner is not None:
            self._owner.close()

    def __repr__(self) -> str:
        info = self.resolver.info
        where = f"id {info.id}" if info is not None else "netlink-raw"
        spec = "spec" if self.codec.family is not None else "no spec"
        return f"{type(self).__name__}({self.name}, {where}, {spec})"


__all__ = ["DEFAULT_TIMEOUT", "FLAG_NAMES", "CallOptions", "Flags", "HandleBase", "Prepared",
           "Replies", "Subscriber", "parse_flags"]  # fmt: skip

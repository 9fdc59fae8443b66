"""One entry point for any family a YAML spec describes: Generic Netlink or netlink-raw.

    with open_family("netdev") as netdev:
        for dev in netdev.dump("dev-get"):
            print(dev["ifindex"], dev["xdp-features"])
    with open_family("rt-link", netns="blue") as rtnl:
        rtnl.do("newlink", {...}, flags="create|excl")

The spec is found through `genetlink.loader.search` (a name on the spec search path, or a
path). Generic Netlink families are resolved by name with CTRL_CMD_GETFAMILY on the same
socket through `genetlink.genl.nlctrl` (multicast group ids come from that answer);
netlink-raw families (rtnetlink...) speak straight to the spec's `protonum` and use the
spec's group numbers.

`FamilyClientBase` holds all but the socket calls (encoding, decoding, error naming, groups),
with requests as flows (`genetlink.genl.flow`); `FamilyClient` runs them on a blocking socket,
`genetlink.aio_family.AsyncFamilyClient` on an asyncio one.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Generic, TypeVar

from genetlink.codec.family import Decoded, FamilyCodec
from genetlink.genl.client import Subscriber
from genetlink.genl.flow import Call, Flow, run
from genetlink.genl.nlctrl import (
    NOTIFY_GROUP,
    STALE_ERRNOS,
    FamilyInfo,
    FamilyNotFound,
    Policy,
    family_event,
    getfamily_flow,
)
from genetlink.genl.validate import validation_flow
from genetlink.loader.search import load_family
from genetlink.schema.model import Family, Operation
from genetlink.socket import NetlinkSocket
from genetlink.wire import constants as c
from genetlink.wire.errors import EncodeError, GenetlinkError, NetlinkError, Overrun
from genetlink.wire.genl import GENLMSGHDR
from genetlink.wire.message import Message

log = logging.getLogger("genetlink.family")

S = TypeVar("S", bound=Subscriber)
C = TypeVar("C", bound="FamilyClientBase[Any]")

#: Request flag names accepted by `FamilyClient.do(..., flags=...)`.
FLAG_NAMES: dict[str, int] = {**c.NEW_FLAGS, **c.DELETE_FLAGS, "echo": c.NLM_F_ECHO}


def parse_flags(flags: int | str | Iterable[str | int] | None) -> int:
    """Request flags from a number, a name ("create"), "create|excl", or a list of either."""
    if flags is None:
        return 0
    if isinstance(flags, int):
        return flags
    items: Iterable[str | int] = flags.replace(",", "|").split("|") if isinstance(
        flags, str) else flags  # fmt: skip
    out = 0
    for item in items:
        if isinstance(item, int):
            out |= item
            continue
        name = item.strip().lower().removeprefix("nlm_f_").replace("_", "-")
        if not name:
            continue
        if name not in FLAG_NAMES:
            raise EncodeError(f"unknown request flag {item!r} ({', '.join(FLAG_NAMES)})")
        out |= FLAG_NAMES[name]
    return out


#: Seconds a request waits for its answer unless told otherwise.
DEFAULT_TIMEOUT = 10.0


class FamilyClientBase(Generic[S]):
    """The front-independent part of a spec-driven family client (see `FamilyClient`)."""

    def __init__(self, family: Family, sock: S, *, family_id: int | None = None,
                 groups: Mapping[str, int] | None = None,
                 timeout: float | None = DEFAULT_TIMEOUT) -> None:  # fmt: skip
        self.family = family
        self.codec = FamilyCodec(family)
        self.sock = sock
        #: the Generic Netlink family id (None for netlink-raw)
        self.family_id = family_id
        #: seconds a request waits for its answer when the call names no timeout
        self.timeout = timeout
        self._groups = dict(groups or {})
        self._joined: dict[str, int] = {}  # groups subscribed by name, to re-join after a reload
        self._policy: Policy | None = None  # the kernel's, fetched for validate=True
        self._notify_ops = self._notification_ops()

    @property
    def name(self) -> str:
        """The family's name as the spec gives it."""
        return self.family.name

    @property
    def groups(self) -> dict[str, int]:
        """Multicast group name -> number (from nlctrl, or the spec for netlink-raw)."""
        if self.family.is_genetlink:
            return dict(self._groups)
        return {g.name: g.value for g in self.family.mcast_groups.values() if g.value is not None}

    def _notification_ops(self) -> dict[int, Operation]:
        """Message id -> op for messages the kernel sends on its own (notifications first)."""
        ops: dict[int, Operation] = {}
        for op in self.family.operations.values():
            value = op.reply_value if op.reply_value is not None else op.value
            if op.is_notification and value is not None:
                ops.setdefault(value, op)
        return ops

    # -- sending ----------------------------------------------------------------------------

    def _message(self, op: Operation, values: Mapping[str, Any] | None, mode: str
                 ) -> tuple[int, bytes]:  # fmt: skip
        """(nlmsg_type, payload) of a request; EncodeError before anything is sent."""
        value, body = self.codec.encode(op, values, mode)
        if self.family_id is None:
            return value, body
        header = GENLMSGHDR.pack(value, self.family.version or 1, 0)
        return self.family_id, header + body

    def _named(self, exc: NetlinkError, op: Operation) -> NetlinkError:
        """Fill in the operation name and the bad/missing attribute paths of a kernel error."""
        exc.operation = op.name
        request = exc.request
        if request is None:
            return exc
        skip = c.NLMSG_HDRLEN + (c.GENL_HDRLEN if self.family_id is not None else 0)
        body = request[skip:]
        try:
            if exc.bad_offset is not None and exc.bad_offset >= skip:
                exc.attr_path = self.codec.attr_path(op, body, exc.bad_offset - skip) or None
            if exc.missing_type is not None:
                nest = exc.missing_nest - skip if exc.missing_nest is not None else None
                exc.missing_path = self.codec.missing_path(op, body, nest, exc.missing_type)
        except GenetlinkError as inner:  # a path is a nicety; the kernel's error is what counts
            log.debug("could not name the attribute of %s: %s", op.name, inner)
        return exc

    def _exchange(self, mode: str, op: str | Operation, values: Mapping[str, Any] | None,
                  flags: int | str | Iterable[str | int] | None, timeout: float | None,
                  validate: bool = False) -> Flow[list[Decoded]]:  # fmt: skip
        """A request or dump: every reply decoded, or NetlinkError named by the spec.

        A Generic Netlink family that answers ENOENT/EOPNOTSUPP is looked up again: when it
        came back under another id (its module was reloaded), the request goes once more.
        With `validate`, the request is first checked against the running kernel's policy.
        """
        operation = self.codec.operation(op)
        if timeout is None:
            timeout = self.timeout
        if validate:
            if not self.family.is_genetlink:
                raise EncodeError(f"{self.name}: only Generic Netlink families report policies")
            number, body = self.codec.encode(operation, values, mode)
            self._policy = yield from validation_flow(self._policy, self.family.name, number,
                                                      mode, body, self.codec, operation.name,
                                                      timeout)  # fmt: skip
        for attempt in (1, 2):
            msg_type, payload = self._message(operation, values, mode)
            call = Call(mode == "dump", msg_type, payload, parse_flags(flags), operation.name,
                        timeout)  # fmt: skip
            try:
                replies = yield call
            except NetlinkError as exc:
                if attempt == 1 and (yield from self._moved(exc)):
                    continue
                raise self._named(exc, operation) from None
            return [self.codec.decode(m, operation) for m in replies]
        raise AssertionError("unreachable")  # pragma: no cover

    def _moved(self, exc: NetlinkError) -> Flow[bool]:
        """True when the family now has another id (updated here); FamilyNotFound when gone."""
        if self.family_id is None or exc.errno not in STALE_ERRNOS:
            return False
        info = yield from getfamily_flow(self.family.name, self.timeout)
        if info.id == self.family_id:
            return False  # the kernel's real answer
        log.info("family %s moved from id %d to %d", self.name, self.family_id, info.id)
        self._update(info)
        self._policy = None  # the new module may validate differently
        return True

    def _update(self, info: FamilyInfo) -> None:
        """Take the family's new id and group numbers; re-join the groups we had joined."""
        self.family_id = info.id
        self._groups = {group.name: group.id for group in info.groups}
        for name, old in list(self._joined.items()):
            new = self._groups.get(name)
            if new != old:
                self.sock.leave(old)
            if new is None:
                log.warning("family %s came back without group %s", self.name, name)
                del self._joined[name]
                continue
            self.sock.join(new)
            self._joined[name] = new

    def _do(self, op: str | Operation, values: Mapping[str, Any] | None,
            flags: int | str | Iterable[str | int] | None, timeout: float | None,
            validate: bool = False) -> Flow[Decoded | list[Decoded] | None]:  # fmt: skip
        decoded = yield from self._exchange("do", op, values, flags, timeout, validate)
        if not decoded:
            return None
        return decoded[0] if len(decoded) == 1 else decoded

    # -- notifications ----------------------------------------------------------------------

    def group_id(self, group: str | int) -> int:
        """The number of multicast group `group` (a name from the spec, or a number)."""
        if isinstance(group, int):
            return group
        groups = self.groups
        number = groups.get(group)
        if number is None:
            number = groups.get(group.replace("_", "-"))
        if number is None:
            known = ", ".join(groups) or "none"
            raise EncodeError(f"family {self.name} has no multicast group {group!r} ({known})")
        return number

    def subscribe(self, group: str | int) -> int:
        """Join multicast group `group` (by name); returns its number."""
        number = self.group_id(group)
        if self.family.is_genetlink and not self._joined and self.family.name != "nlctrl":
            # nlctrl's announcements too: a re-registered family gets its groups re-joined
            self.sock.join(NOTIFY_GROUP)
        self.sock.join(number)
        if isinstance(group, str):
            self._joined[group] = number
        return number

    def unsubscribe(self, group: str | int) -> None:
        """Leave multicast group `group`."""
        self.sock.leave(self.group_id(group))
        if isinstance(group, str):
            self._joined.pop(group, None)

    def decode(self, msg: Message) -> Decoded:
        """Decode a message from the kernel; the op is found from its message id."""
        if self.family.is_genetlink:
            start = msg.payload_start
            if msg.end - start < c.GENL_HDRLEN:
                return self.codec.decode(msg)  # raises the DecodeError
            value = msg.data[start]
        else:
            value = msg.type
        op = self._notify_ops.get(value) or self.codec.reply_op(value)
        return self.codec.decode(msg, op)

    def _accept(self, item: Message | Overrun) -> Decoded | Overrun | None:
        """A notification decoded, an Overrun as is, None for another family's message."""
        if isinstance(item, Overrun):
            return item
        if self.family_id is None or item.type == self.family_id:
            return self.decode(item)
        if item.type == c.GENL_ID_CTRL and self._joined:
            fresh = family_event(item, self.family.name)
            if fresh is not None:
                self._update(fresh)
            return None
        log.debug("skipped a message of another family (id %d)", item.type)
        return None

    # -- life cycle ---------------------------------------------------------------------------

    def close(self) -> None:
        """Close the socket."""
        self.sock.close()

    def __repr__(self) -> str:
        where = f"id {self.family_id}" if self.family_id is not None else "netlink-raw"
        kind = type(self).__name__
        return f"{kind}({self.name}, {where}, protocol {self.family.protonum})"


class FamilyClient(FamilyClientBase[NetlinkSocket]):
    """Requests, dumps and notifications of one spec-described family on one socket.

    Values go in as dicts with the spec's names; answers come back as lazily decoded
    `Decoded` mappings. Build one with `open_family`.
    """

    def do(self, op: str | Operation, values: Mapping[str, Any] | None = None, *,
           flags: int | str | Iterable[str | int] | None = 0, timeout: float | None = None,
           validate: bool = False) -> Decoded | list[Decoded] | None:  # fmt: skip
        """Send a request and wait for the ACK.

        Returns the decoded reply, a list when the kernel sent several, None when it sent only
        the ACK. `flags` adds request flags: NLM_F_* numbers or names ("create|excl",
        ["create", "replace"], "echo"). Raises NetlinkError with `.operation` and, when the
        kernel pointed at an attribute, `.attr_path`/`.missing_path` by name. `validate` checks
        the request against the running kernel's policy first (EncodeError, nothing sent).
        """
        return run(self._do(op, values, flags, timeout, validate), self.sock)

    def dump(self, op: str | Operation, values: Mapping[str, Any] | None = None, *,
             flags: int | str | Iterable[str | int] | None = 0, timeout: float | None = None,
             validate: bool = False) -> list[Decoded]:  # fmt: skip
        """Dump: every reply up to NLMSG_DONE, each decoded lazily (`.to_dict()` for all)."""
        return run(self._exchange("dump", op, values, flags, timeout, validate), self.sock)

    def notifications(self, timeout: float | None = None) -> Iterator[Decoded | Overrun]:
        """Notifications of the joined groups as they arrive, decoded; `Overrun` items mean
        some were lost (resync). Stops after `timeout` seconds without a message."""
        for item in self.sock.notifications(timeout):
            if (decoded := self._accept(item)) is not None:
                yield decoded

    def __enter__(self) -> FamilyClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def load_model(name_or_family: str | os.PathLike[str] | Family, *,
               spec_path: str | os.PathLike[str] | None = None,
               env: Mapping[str, str] | None = None) -> Family:  # fmt: skip
    """The family model: given, or loaded from a spec name on the search path or a file."""
    if isinstance(name_or_family, Family):
        return name_or_family
    return load_family(os.fspath(name_or_family), path=spec_path, env=env)


def connect_flow(make: Callable[..., C], family: Family, sock: S,
                 timeout: float | None = DEFAULT_TIMEOUT) -> Flow[C]:  # fmt: skip
    """A client on `sock`: Generic Netlink families are resolved through nlctrl first (their
    id and multicast groups). The socket is closed when that fails."""
    try:
        if not family.is_genetlink:
            return make(family, sock)
        info = yield from getfamily_flow(family.name, timeout)
    except BaseException:
        sock.close()
        raise
    groups = {group.name: group.id for group in info.groups}
    log.debug("family %s has id %d, groups %s", family.name, info.id, groups)
    return make(family, sock, family_id=info.id, groups=groups)


def open_family(
    name_or_family: str | os.PathLike[str] | Family,
    *,
    spec_path: str | os.PathLike[str] | None = None,
    netns: str | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    **socket_options: Any,
) -> FamilyClient:
    """Open a client for a family: a spec name on the search path, a spec file, or a Family.

    `netns` opens the socket in that network namespace; `env` replaces os.environ for the spec
    search (GENETLINK_SPEC_PATH); `timeout` is how long a request waits for its answer unless
    the call says otherwise. Other keyword arguments go to `NetlinkSocket`. Raises SpecError
    when no spec is found and FamilyNotFound when the kernel lacks the family.
    """
    family = load_model(name_or_family, spec_path=spec_path, env=env)
    sock = NetlinkSocket(family.protonum, netns=netns, **socket_options)
    make = functools.partial(FamilyClient, timeout=timeout)
    return run(connect_flow(make, family, sock, timeout), sock)


__all__ = [
    "FLAG_NAMES",
    "FamilyClient",
    "FamilyClientBase",
    "FamilyNotFound",
    "connect_flow",
    "load_model",
    "open_family",
    "parse_flags",
]

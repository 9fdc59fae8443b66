"""The Generic Netlink client: families by name, do, dump, subscribe, notifications.

    with GenlClient() as client:
        netdev = client.family("netdev", codec)          # codec: names instead of numbers
        dev = netdev.do("dev-get", {"ifindex": 1})
        for dev in netdev.dump("dev-get"): ...
        netdev.subscribe("mgmt")
        for event in netdev.notifications(timeout=5): ...

Requests go over one socket; notifications arrive on a separate socket per family handle,
opened on the first `subscribe` (the seed's advice: a busy multicast group must not delay or
overrun request replies).

`GenlClientBase`/`GenlFamilyBase` hold everything but the socket calls: request building,
reply decoding, error naming, family resolution and re-resolution, as flows
(`genetlink.genl.flow`). `GenlClient`/`GenlFamily` run them on blocking sockets;
`genetlink.genl.aio_client` runs the same flows on asyncio sockets.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypedDict, TypeVar

from ..socket import NetlinkSocket, Response
from ..wire import constants as c
from ..wire.attrs import AttrBuilder, attr_path
from ..wire.errors import GenetlinkError, NetlinkError, Overrun
from ..wire.genl import GENLMSGHDR
from ..wire.message import Message
from .cache import FamilyCache, FamilyTable, Watcher
from .flow import Call, Flow, run
from .message import GenlMessage, Replies
from .nlctrl import (
    NOTIFY_GROUP,
    STALE_ERRNOS,
    FamilyInfo,
    FamilyNotFound,
    GroupNotFound,
    Policy,
    families_flow,
    family_event,
    get_policy,
)
from .validate import validation_flow

if TYPE_CHECKING:
    from ..codec.family import FamilyCodec
    from ..schema.model import Family

log = logging.getLogger("genetlink.genl")

#: Errors meaning "this family id does not (or no longer) speak this command".
_HEADERS = c.NLMSG_HDRLEN + c.GENL_HDRLEN

Attributes = bytes | AttrBuilder | Mapping[str, Any] | None


class Subscriber(Watcher, Protocol):
    """What a family handle needs of its notification socket (either front's socket has it)."""

    def leave(self, group: int) -> None:
        """Leave a multicast group."""


S = TypeVar("S", bound=Subscriber)


class ClientOptions(TypedDict, total=False):
    """The keyword options of a Generic Netlink client (documented at `GenlClient`)."""

    timeout: float | None
    cache_ttl: float | None
    watch_families: bool
    rcvbuf: int | None
    transport_factory: Callable[[], Any] | None


class GenlClientBase(Generic[S]):
    """The front-independent part of a Generic Netlink client (options: see `GenlClient`)."""

    def __init__(
        self,
        netns: str | None = None,
        *,
        timeout: float | None = 10.0,
        cache_ttl: float | None = 300.0,
        watch_families: bool = True,
        rcvbuf: int | None = None,
        transport_factory: Callable[[], Any] | None = None,
    ) -> None:
        self.netns = netns
        self.timeout = timeout
        self.rcvbuf = rcvbuf
        self.transport_factory = transport_factory
        self._families: list[GenlFamilyBase[S]] = []
        self.sock: S = self._open_socket()
        self.cache: FamilyTable[S] = self._new_cache(
            netns=netns, watch=watch_families, ttl=cache_ttl, timeout=timeout,
            open_socket=self._open_socket,
        )  # fmt: skip

    def _new_cache(self, **options: Any) -> FamilyTable[S]:
        """The family cache of this front over `self.sock`."""
        raise NotImplementedError

    def _open_socket(self, **options: Any) -> S:
        """A new NETLINK_GENERIC socket of this front in the client's namespace."""
        raise NotImplementedError

    def _transport(self) -> Any:
        return self.transport_factory() if self.transport_factory is not None else None

    @staticmethod
    def _codec(codec: FamilyCodec | Family | None) -> FamilyCodec | None:
        """A FamilyCodec from a codec or a schema Family (built only when a model is given)."""
        if codec is None or hasattr(codec, "decode_genl"):
            return codec  # type: ignore[return-value]
        from ..codec.family import FamilyCodec

        return FamilyCodec(codec)

    def close(self) -> None:
        """Close every socket of the client and of its family handles."""
        for handle in self._families:
            handle.close()
        self._families.clear()
        self.cache.close()
        self.sock.close()

    def __repr__(self) -> str:
        where = f" in {self.netns}" if self.netns else ""
        return f"{type(self).__name__}(port {getattr(self.sock, 'port', '?')}{where})"


class GenlFamilyBase(Generic[S]):
    """The front-independent part of a family handle (see `GenlFamily`): what to send, how to
    read the answers and the errors, as flows the front runs on its socket."""

    def __init__(self, client: GenlClientBase[S], name: str,
                 codec: FamilyCodec | None = None) -> None:  # fmt: skip
        self.client = client
        self.name = name
        self.codec = codec
        self._notify: S | None = None
        self._groups: dict[str, int] = {}
        self._info: FamilyInfo | None = None
        self._policy: Policy | None = None  # the kernel's, fetched for validate=True

    @property
    def subscriptions(self) -> dict[str, int]:
        """The groups joined through this handle, name -> number."""
        return dict(self._groups)

    # -- flows --------------------------------------------------------------------------------

    def _lookup(self) -> Flow[FamilyInfo]:
        """The family's FamilyInfo through the client's cache (remembered for notifications)."""
        info = yield from self.client.cache.get_flow(self.name)
        self._remember(info)
        return info

    def _remember(self, info: FamilyInfo) -> None:
        """Keep `info`; when the family came back under new numbers, re-join our groups."""
        previous, self._info = self._info, info
        if previous is not None and previous.id != info.id:
            self._rejoin(info)

    def _rejoin(self, info: FamilyInfo) -> None:
        """Join our groups again by name: unregistering a family drops every membership of its
        groups (netlink_clear_multicast_users), and their numbers may change."""
        if self._notify is None:
            return
        for group, old in list(self._groups.items()):
            try:
                new = info.group(group).id
            except GroupNotFound:
                log.warning("family %s came back without group %s", self.name, group)
                del self._groups[group]
                continue
            if new != old:
                self._notify.leave(old)
            self._notify.join(new)
            self._groups[group] = new

    def _request(self, mode: str, cmd: int | str, attrs: Attributes, flags: int,
                 timeout: float | None, validate: bool = False) -> Flow[Replies[Any]]:  # fmt: skip
        """A do or dump; once more with a fresh id when the cached one stopped answering.

        With `validate`, the request is first checked against the running kernel's policy
        for the operation (fetched once per handle): EncodeError before anything is sent.
        """
        number, operation, body = self._encode(cmd, attrs, mode)
        if timeout is None:
            timeout = self.client.timeout
        if validate:
            self._policy = yield from validation_flow(self._policy, self.name, number, mode, body,
                                                      self.codec, operation, timeout)  # fmt: skip
        info = yield from self._lookup()
        for attempt in (1, 2):
            payload = GENLMSGHDR.pack(number, info.version, 0) + body
            try:
                response = yield Call(mode == "dump", info.id, payload, flags, operation, timeout)
            except NetlinkError as err:
                fresh = (yield from self._recheck(info, err)) if attempt == 1 else None
                if fresh is None:
                    self._explain(err, operation, body, info)
                    raise
                info = fresh
                continue
            return self._replies(response, info)
        raise AssertionError("unreachable")  # pragma: no cover

    def _recheck(self, info: FamilyInfo, err: NetlinkError) -> Flow[FamilyInfo | None]:
        """After ENOENT/EOPNOTSUPP: re-resolve the family; the new info if its id changed.

        The same id means the error is the kernel's real answer (e.g. no such device).
        """
        if err.errno not in STALE_ERRNOS:
            return None
        self.client.cache.invalidate(self.name)
        try:
            fresh = yield from self._lookup()
        except FamilyNotFound as gone:
            gone.operation = err.operation
            raise gone from err
        if fresh.id == info.id:
            return None
        log.info("family %s moved from id %d to %d; retrying", self.name, info.id, fresh.id)
        self._policy = None  # the new module may validate differently
        return fresh

    def _subscribe(self, group: str) -> Flow[int]:
        """Join `group` on this handle's notification socket (opened on first use)."""
        group_id = (yield from self._lookup()).group(group).id
        if self._notify is None:
            self._notify = self.client._open_socket(rcvbuf=self.client.rcvbuf)
            # nlctrl's announcements too: a re-registered family gets its groups re-joined
            self._notify.join(NOTIFY_GROUP)
        self._notify.join(group_id)
        self._groups[group] = group_id
        return group_id

    def _unsubscribe(self, group: str) -> Flow[None]:
        group_id = self._groups.pop(group, None)
        if group_id is None:
            group_id = (yield from self._lookup()).group(group).id
        if self._notify is not None:
            self._notify.leave(group_id)

    # -- requests: pure parts ---------------------------------------------------------------

    def _encode(self, cmd: int | str, attrs: Attributes, mode: str) -> tuple[int, str, bytes]:
        """(command number, operation name for errors, body after the genlmsghdr)."""
        codec = self.codec
        if isinstance(attrs, AttrBuilder):
            attrs = attrs.bytes()
        if codec is None:
            if not isinstance(cmd, int):
                raise GenetlinkError(f"family {self.name} has no codec: give commands as numbers")
            if attrs is not None and not isinstance(attrs, bytes | bytearray):
                raise GenetlinkError(f"family {self.name} has no codec: give attributes as bytes")
            return cmd, f"{self.name} cmd {cmd}", bytes(attrs or b"")
        if isinstance(cmd, int):
            op = codec.family.op_by_request(cmd)
            name = op.name if op is not None else f"{self.name} cmd {cmd}"
            if attrs is None or isinstance(attrs, bytes | bytearray):
                return cmd, name, bytes(attrs or b"")
            if op is None:
                raise GenetlinkError(f"family {self.name} has no operation numbered {cmd}")
            cmd = op.name
        if attrs is None or isinstance(attrs, Mapping):
            number, body = codec.encode(cmd, attrs, mode=mode)
            return number, codec.operation(cmd).name, body
        number, _ = codec.encode(cmd, None, mode=mode)
        return number, codec.operation(cmd).name, bytes(attrs)

    def _explain(self, err: NetlinkError, operation: str, body: bytes, info: FamilyInfo) -> None:
        """Name the operation and turn ext-ACK offsets into attribute paths."""
        err.operation = operation
        if err.request is not None and len(err.request) >= _HEADERS:
            body = err.request[_HEADERS:]
        if err.bad_offset is not None and err.bad_offset >= _HEADERS:
            path = self._path(operation, body, err.bad_offset - _HEADERS, info)
            err.attr_path = path or None
        if err.missing_type is not None:
            nest = None
            if err.missing_nest is not None and err.missing_nest >= _HEADERS:
                nest = err.missing_nest - _HEADERS
            err.missing_path = self._missing(operation, body, nest, err.missing_type, info)

    def _known_op(self, operation: str) -> bool:
        codec = self.codec
        return codec is not None and operation in codec.family.operations

    def _path(self, operation: str, body: bytes, offset: int, info: FamilyInfo) -> str:
        """The attribute at `offset` of `body`: by name with a codec, else ".1.2"."""
        if self.codec is not None and self._known_op(operation):
            return self.codec.attr_path(operation, body, offset)
        numbers = attr_path(body, info.hdrsize, len(body), offset)
        return "." + ".".join(map(str, numbers)) if numbers else ""

    def _missing(self, operation: str, body: bytes, nest: int | None, missing: int,
                 info: FamilyInfo) -> str:  # fmt: skip
        """A missing attribute: its nest (by offset, or the top level) plus its number."""
        if self.codec is not None and self._known_op(operation):
            return self.codec.missing_path(operation, body, nest, missing)
        numbers = [] if nest is None else attr_path(body, info.hdrsize, len(body), nest)
        return "." + ".".join(map(str, [*numbers, missing]))

    # -- answers ------------------------------------------------------------------------------

    def _replies(self, response: Response, info: FamilyInfo) -> Replies[Any]:
        messages = [m for m in response if m.type == info.id]
        return Replies(messages, self._decoder(info), list(response.warnings))

    def _decoder(self, info: FamilyInfo) -> Callable[[Message], Any]:
        codec = self.codec
        if codec is not None:
            return codec.decode_genl
        hdrsize = info.hdrsize
        return lambda msg: GenlMessage(msg, hdrsize)

    def _listener(self) -> S:
        """The notification socket; GenetlinkError before any `subscribe`."""
        if self._notify is None:
            raise GenetlinkError(f"family {self.name}: subscribe() to a group first")
        return self._notify

    def _accept(self, item: Message | Overrun) -> Any:
        """A notification decoded, an Overrun as is, None for another family's message."""
        if isinstance(item, Overrun):
            return item
        if item.type == c.GENL_ID_CTRL and self.name != "nlctrl":
            fresh = family_event(item, self.name)
            if fresh is not None:
                log.info("family %s registered again as id %d", self.name, fresh.id)
                self.client.cache.invalidate(self.name)
                self._info = fresh
                self._rejoin(fresh)
            return None
        info = self._info
        if info is None or item.type != info.id:
            return None  # another family's group (possible after an id change)
        return self._decoder(info)(item)

    def close(self) -> None:
        """Close the notification socket (the client owns the request socket)."""
        if self._notify is not None:
            self._notify.close()
            self._notify = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, codec={'yes' if self.codec else 'no'})"


class GenlClient(GenlClientBase[NetlinkSocket]):
    """A Generic Netlink connection (in network namespace `netns` when given).

    timeout:        default seconds to wait for an answer to a request (None: forever)
    cache_ttl:      seconds a resolved family id is trusted without an nlctrl notification
    watch_families: listen to nlctrl's "notify" group to refresh the family cache
    rcvbuf:         receive buffer size of the notification sockets
    transport_factory: makes the socket-like object under each socket the client opens
                    (test doubles: `FakeKernel(...).transport`)
    """

    cache: FamilyCache

    def _new_cache(self, **options: Any) -> FamilyCache:
        return FamilyCache(self.sock, **options)

    def _open_socket(self, **options: Any) -> NetlinkSocket:
        return NetlinkSocket(c.NETLINK_GENERIC, netns=self.netns, transport=self._transport(),
                             **options)  # fmt: skip

    def family(self, name: str, codec: FamilyCodec | Family | None = None) -> GenlFamily:
        """A handle on family `name`, resolved now (FamilyNotFound when it does not exist).

        `codec` (a schema FamilyCodec, or a schema Family to build one from) lets commands,
        attributes and groups be given by name and decodes replies to mappings.
        """
        handle = GenlFamily(self, name, self._codec(codec))
        self._families.append(handle)
        return handle

    def resolve(self, name: str) -> FamilyInfo:
        """The family's id, version, operations and groups (cached)."""
        return self.cache.get(name)

    def families(self) -> list[FamilyInfo]:
        """Every family registered in this namespace."""
        return run(families_flow(self.timeout), self.sock)

    def policy(self, family: str | int, op: int | None = None) -> Policy:
        """The kernel's attribute policies of a family, or of one of its operations."""
        return get_policy(self.sock, family, op, timeout=self.timeout)

    def __enter__(self) -> GenlClient:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class GenlFamily(GenlFamilyBase[NetlinkSocket]):
    """One family, by name, through a `GenlClient`: requests and notifications.

    `cmd` arguments are command numbers, or op names when the family has a codec. `attrs` are
    raw attribute bytes / an AttrBuilder, or with a codec a dict of attribute names to values.
    Replies are `Decoded` mappings with a codec, else `GenlMessage` views.
    """

    client: GenlClient

    def __init__(self, client: GenlClient, name: str, codec: FamilyCodec | None = None) -> None:
        super().__init__(client, name, codec)
        self.info  # noqa: B018 - resolve now, so an unknown family fails at once

    def _run(self, flow: Flow[Any]) -> Any:
        return run(flow, self.client.sock)

    @property
    def info(self) -> FamilyInfo:
        """What nlctrl says about the family (cached; refreshed on nlctrl events)."""
        info: FamilyInfo = self._run(self._lookup())
        return info

    @property
    def id(self) -> int:
        """The family id (nlmsg_type of its messages)."""
        return self.info.id

    def do(self, cmd: int | str, attrs: Attributes = None, *, flags: int = 0,
           timeout: float | None = None, validate: bool = False) -> Any:  # fmt: skip
        """Send a "do" request and wait for its ACK; the (first) reply, or None when the kernel
        only acknowledged. NetlinkError (with operation and attribute paths) on failure.
        `validate` checks the request against the running kernel's policy first."""
        replies = self.do_all(cmd, attrs, flags=flags, timeout=timeout, validate=validate)
        return replies[0] if replies else None

    def do_all(self, cmd: int | str, attrs: Attributes = None, *, flags: int = 0,
               timeout: float | None = None, validate: bool = False) -> Replies[Any]:  # fmt: skip
        """A "do" request returning every reply message (a few commands send several)."""
        flow = self._request("do", cmd, attrs, flags, timeout, validate)
        replies: Replies[Any] = self._run(flow)
        return replies

    def dump(self, cmd: int | str, attrs: Attributes = None, *, flags: int = 0,
             timeout: float | None = None, validate: bool = False) -> Replies[Any]:  # fmt: skip
        """A dump: every object up to NLMSG_DONE, each decoded when first accessed."""
        flow = self._request("dump", cmd, attrs, flags, timeout, validate)
        replies: Replies[Any] = self._run(flow)
        return replies

    def decode(self, msg: Message) -> Any:
        """Decode one message of this family (Decoded with a codec, else GenlMessage)."""
        return self._decoder(self.info)(msg)

    def subscribe(self, group: str) -> int:
        """Join multicast group `group` (by name); returns its number."""
        group_id: int = self._run(self._subscribe(group))
        return group_id

    def unsubscribe(self, group: str) -> None:
        """Leave multicast group `group`."""
        self._run(self._unsubscribe(group))

    def notifications(self, timeout: float | None = None) -> Iterator[Any]:
        """Notifications of the subscribed groups as they arrive, decoded.

        Blocks; stops after `timeout` seconds without one (None: never). An `Overrun` item means
        notifications were lost (ENOBUFS): resynchronise (e.g. dump again), then go on.
        """
        sock = self._listener()
        while (item := sock.next_notification(timeout)) is not None:
            if (decoded := self._accept(item)) is not None:
                yield decoded

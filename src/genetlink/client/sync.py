"""The blocking clients: `FamilyHandle`, `GenlClient` and `open_family`.

    with open_family("netdev") as netdev:                  # any family a spec describes
        for dev in netdev.dump("dev-get"):
            print(dev["ifindex"])
    with GenlClient() as genl:                            # Generic Netlink by name
        ethtool = genl.family("ethtool")
        print(genl.policy("ethtool"))
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar, Unpack, overload

from ..codec.family import Decoded, FamilyCodec
from ..genl.drift import DriftReport
from ..genl.message import GenlMessage
from ..genl.nlctrl import FamilyInfo, Policy, families, getpolicy
from ..schema.model import Family
from ..socket import NetlinkSocket
from ..wire import constants as c
from ..wire.errors import Overrun
from .batch import Batch
from .codecs import Attributes
from .core import DEFAULT_TIMEOUT, CallOptions, HandleBase, Replies
from .genl import CodecSource, GenlClientBase, KernelSchema, family_model, make_codec, spec_handle

R = TypeVar("R")


class FamilyHandle(HandleBase[R, NetlinkSocket]):
    """One family on the running kernel: requests, dumps and notifications.

    Get one from `open_family` (by spec) or `GenlClient.family` (by name, with or without a
    spec). With a spec, operations and attributes go by the spec's names (`dev-index`;
    `dev_index` works too) and replies are lazily decoded `Decoded` mappings; without one,
    commands are numbers, attributes bytes or an `AttrBuilder`, and replies `GenlMessage`
    views. Errors from the kernel are `NetlinkError`s naming the operation and, when the
    kernel points at one, the attribute by path; ext-ACK warnings are `NetlinkWarning`s.
    """

    def resolve(self) -> FamilyInfo | None:
        """Look the family up now (through the client's cache); None for netlink-raw."""
        return self.sock.run(self._resolve())

    def do(self, op: str | int, attrs: Attributes = None,
           **options: Unpack[CallOptions]) -> R | None:  # fmt: skip
        """Send one request and wait for its ACK: the reply, or None when the kernel only
        acknowledged.

        `op` is the operation's name (or number); `attrs` a dict by the spec's names (header
        members and attributes alike), or without a spec bytes or an `AttrBuilder`. Options:
        `flags`, `timeout`, `validate` (see `CallOptions`). Raises `EncodeError` before
        sending when `attrs` do not fit the spec (or, with `validate=True`, the kernel's
        policy), `NetlinkError` when the kernel refuses (errno, ext-ACK message, attribute
        path), `TimeoutError` when no answer comes in time. A request to a family whose id
        went stale is resolved again and sent once more."""
        return self.sock.run(self._do(op, attrs, options))

    def do_all(self, op: str | int, attrs: Attributes = None,
               **options: Unpack[CallOptions]) -> Replies[R]:  # fmt: skip
        """Send one request whose answer is several replies (a `do` that the kernel answers
        with a list) and return them all, decoded when accessed, in a `Replies` sequence that
        also keeps the ext-ACK warnings of the answer. Arguments and errors as for `do`."""
        return self.sock.run(self._do_all(op, attrs, options))

    def dump(self, op: str | int, attrs: Attributes = None,
             **options: Unpack[CallOptions]) -> Iterator[R]:  # fmt: skip
        """A dump, streamed: an iterator of the objects as their datagrams arrive, up to
        NLMSG_DONE (never earlier, whatever flags the replies carry). `attrs` filters as the
        operation's dump request allows. Errors come from iterating: `NetlinkError`, or
        `DumpInterrupted` at the end when the kernel's table changed during the dump (the
        objects seen are then not a consistent snapshot: dump again)."""
        return self.sock.iterate(self._dump(op, attrs, options))

    def batch(self, *, genid: int | None = None, check: bool = False,
              timeout: float | None = None) -> Batch[R]:  # fmt: skip
        """An nfnetlink transaction (nftables): `with handle.batch() as batch: batch.add(...)`
        sends every request added as one batch when the block ends; the kernel applies all
        or none (BatchError names the requests it refused). `genid`: only if the ruleset is
        still at that generation (ERESTART otherwise); `check`: validate only, apply nothing."""
        return Batch(self, genid=genid, check=check, timeout=timeout)

    def notifications(self, timeout: float | None = None) -> Iterator[R | Overrun]:
        """Notifications of the subscribed groups as they arrive, decoded; stops after
        `timeout` seconds without one (None: never). An `Overrun` item means some were lost
        (ENOBUFS): resynchronise (dump again), then go on."""
        return self._listener().iterate(self._notifications(timeout))

    def __enter__(self) -> FamilyHandle[R]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class GenlClient(GenlClientBase[NetlinkSocket, FamilyHandle[Any]]):
    """A Generic Netlink connection (in network namespace `netns` when given).

    timeout:        default seconds to wait for an answer (None: forever)
    cache_ttl:      seconds a resolved family is trusted without an nlctrl notification
    watch_families: listen to nlctrl's "notify" group to refresh the family cache
    transport_factory: makes the socket-like object under each socket the client opens
                    (test doubles: `FakeKernel(...).transport`)
    Other keyword arguments go to every socket the client opens (`rcvbuf`, ...).
    """

    def _open_socket(self) -> NetlinkSocket:
        return NetlinkSocket(c.NETLINK_GENERIC, netns=self.netns, transport=self._transport(),
                             **self.socket_options)  # fmt: skip

    @overload
    def family(self, name: str, codec: None = None) -> FamilyHandle[GenlMessage]: ...
    @overload
    def family(self, name: str, codec: Family | FamilyCodec) -> FamilyHandle[Decoded]: ...

    def family(self, name: str, codec: CodecSource = None) -> FamilyHandle[Any]:
        """A handle on family `name`, resolved now (FamilyNotFound when it does not exist).

        `codec` (a schema Family, or a FamilyCodec) names operations, attributes and groups
        and decodes replies to `Decoded` mappings; without it they are `GenlMessage` views.
        """
        resolver = self._resolver(name, codec)
        handle = FamilyHandle(resolver, make_codec(name, codec, resolver), self.sock,
                              self._open_socket, timeout=self.timeout)  # fmt: skip
        handle.resolve()
        return self._keep(handle)

    def resolve(self, name: str) -> FamilyInfo:
        """What nlctrl says about family `name` (a `FamilyInfo`: id, version, hdrsize,
        maxattr, operations, multicast groups), from the cache when fresh, else by a
        CTRL_CMD_GETFAMILY request (which lets the kernel load the family's module). Raises
        `FamilyNotFound` when the kernel has no such family."""
        return self.sock.run(self.cache.get(name))

    def refresh(self, name: str) -> FamilyInfo:
        """Like `resolve`, but asks nlctrl again (CTRL_CMD_GETFAMILY) whatever is cached,
        and caches the answer."""
        return self.sock.run(self.cache.refresh(name))

    def families(self) -> list[FamilyInfo]:
        """Every Generic Netlink family registered in this network namespace, as
        `FamilyInfo`s (a CTRL_CMD_GETFAMILY dump; needs no privilege)."""
        return self.sock.run(families(self.sock.engine, self.timeout))

    def policy(self, family: str | int, op: int | None = None) -> Policy:
        """The attribute policies the running kernel applies to `family` (a name or an id),
        or to operation number `op` only: a `Policy` from CTRL_CMD_GETPOLICY (types,
        lengths, ranges, nesting), the authority that `validate=True` checks against."""
        return self.sock.run(getpolicy(self.sock.engine, family, op, self.timeout))

    def drift(self, family: Family) -> DriftReport:
        """Where the spec `family` (a schema `Family`, as `load_family` gives) and the
        running kernel disagree: operations or attributes only one of them has, types and
        limits, as a `DriftReport` (empty when they agree; `genetlink spec check` prints
        it and exits 3 when not)."""
        return self.sock.run(self._drift(family))

    def __enter__(self) -> GenlClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_family(
    name_or_family: str | os.PathLike[str] | Family,
    *,
    spec_path: str | os.PathLike[str] | None = None,
    netns: str | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    transport_factory: Callable[[], Any] | None = None,
    **socket_options: Any,
) -> FamilyHandle[Decoded]:
    """A handle on a family described by a spec: a name on the spec search path, a spec
    file, or a Family. Generic Netlink families are resolved by name through nlctrl;
    netlink-raw families (rtnetlink, ...) use the spec's protocol and group numbers.

    `netns` opens the sockets in that network namespace; `env` replaces os.environ for the
    spec search (GENETLINK_SPEC_PATH); `timeout` is how long a request waits unless the call
    says otherwise; other keyword arguments go to every socket (`rcvbuf`, ...). Raises
    SpecError when no spec is found and FamilyNotFound when the kernel lacks the family.
    """
    family = family_model(name_or_family, spec_path=spec_path, env=env)
    if isinstance(family, KernelSchema):
        transport = transport_factory() if transport_factory is not None else None
        with NetlinkSocket(c.NETLINK_GENERIC, netns=netns, transport=transport,
                           **socket_options) as sock:  # fmt: skip
            family = sock.run(family.build(sock.engine, timeout))

    def open_socket() -> NetlinkSocket:
        transport = transport_factory() if transport_factory is not None else None
        return NetlinkSocket(family.protonum, netns=netns, transport=transport, **socket_options)

    handle: FamilyHandle[Decoded] = spec_handle(
        family, FamilyHandle, GenlClient, open_socket, timeout=timeout, netns=netns,
        transport_factory=transport_factory, **socket_options,
    )  # fmt: skip
    try:
        handle.resolve()
    except BaseException:
        handle.close()
        raise
    return handle


__all__ = ["FamilyHandle", "GenlClient", "open_family"]

"""The asyncio clients: `AsyncFamilyHandle`, `AsyncGenlClient` and `open_family_async`.

The same handles and clients as `genetlink.client.sync`, with the same methods and answers:
those that wait for the kernel are awaited, dumps and notifications are async iterators.

    async with await open_family_async("netdev") as netdev:
        async for dev in netdev.dump("dev-get"):
            print(dev["ifindex"])
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any, TypeVar, Unpack, overload

from ..aio import DEFAULT_IN_FLIGHT, AsyncNetlinkSocket
from ..codec.family import Decoded, FamilyCodec
from ..genl.drift import DriftReport
from ..genl.message import GenlMessage
from ..genl.nlctrl import FamilyInfo, Policy, families, getpolicy
from ..schema.model import Family
from ..wire import constants as c
from ..wire.errors import Overrun
from .batch import AsyncBatch
from .codecs import Attributes
from .core import DEFAULT_TIMEOUT, CallOptions, HandleBase, Replies
from .genl import CodecSource, GenlClientBase, KernelSchema, family_model, make_codec, spec_handle

R = TypeVar("R")


class AsyncFamilyHandle(HandleBase[R, AsyncNetlinkSocket]):
    """`FamilyHandle` for asyncio: the same methods, awaited (dumps and notifications are
    async iterators). Several requests may run at once on the one socket (at most the
    socket's `max_in_flight` wait for answers at once); dumps queue behind each other."""

    async def resolve(self) -> FamilyInfo | None:
        """Look the family up now (see `FamilyHandle.resolve`)."""
        return await self.sock.run(self._resolve())

    async def do(self, op: str | int, attrs: Attributes = None,
                 **options: Unpack[CallOptions]) -> R | None:  # fmt: skip
        """A request: the reply, or None after a plain ACK (see `FamilyHandle.do`)."""
        return await self.sock.run(self._do(op, attrs, options))

    async def do_all(self, op: str | int, attrs: Attributes = None,
                     **options: Unpack[CallOptions]) -> Replies[R]:  # fmt: skip
        """A request answered by several replies: every one (see `FamilyHandle.do_all`)."""
        return await self.sock.run(self._do_all(op, attrs, options))

    def dump(self, op: str | int, attrs: Attributes = None,
             **options: Unpack[CallOptions]) -> AsyncIterator[R]:  # fmt: skip
        """A dump, streamed: `async for obj in handle.dump(...)` (see `FamilyHandle.dump`)."""
        return self.sock.iterate(self._dump(op, attrs, options))

    def batch(self, *, genid: int | None = None, check: bool = False,
              timeout: float | None = None) -> AsyncBatch[R]:  # fmt: skip
        """An nfnetlink transaction: `async with handle.batch() as batch: batch.add(...)`
        (see `FamilyHandle.batch`); the batch is sent, awaited, when the block ends."""
        return AsyncBatch(self, genid=genid, check=check, timeout=timeout)

    def notifications(self, timeout: float | None = None) -> AsyncIterator[R | Overrun]:
        """Notifications of the subscribed groups: `async for event in ...` (see
        `FamilyHandle.notifications`)."""
        return self._listener().iterate(self._notifications(timeout))

    async def __aenter__(self) -> AsyncFamilyHandle[R]:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()


class AsyncGenlClient(GenlClientBase[AsyncNetlinkSocket, AsyncFamilyHandle[Any]]):
    """A Generic Netlink connection for asyncio; the options are those of `GenlClient`, plus
    `max_in_flight` (requests waiting for answers at once on the request socket).

    Use as `async with AsyncGenlClient(...) as client`, or call `close()`.
    """

    def __init__(self, netns: str | None = None, *, max_in_flight: int = DEFAULT_IN_FLIGHT,
                 **options: Any) -> None:  # fmt: skip
        self.max_in_flight = max_in_flight
        super().__init__(netns, **options)

    def _open_socket(self) -> AsyncNetlinkSocket:
        return AsyncNetlinkSocket(c.NETLINK_GENERIC, netns=self.netns,
                                  max_in_flight=self.max_in_flight, transport=self._transport(),
                                  **self.socket_options)  # fmt: skip

    @overload
    async def family(self, name: str, codec: None = None) -> AsyncFamilyHandle[GenlMessage]: ...
    @overload
    async def family(self, name: str,
                     codec: Family | FamilyCodec) -> AsyncFamilyHandle[Decoded]: ...  # fmt: skip

    async def family(self, name: str, codec: CodecSource = None) -> AsyncFamilyHandle[Any]:
        """A handle on family `name`, resolved now (see `GenlClient.family`)."""
        resolver = self._resolver(name, codec)
        handle = AsyncFamilyHandle(resolver, make_codec(name, codec, resolver), self.sock,
                                   self._open_socket, timeout=self.timeout)  # fmt: skip
        await handle.resolve()
        return self._keep(handle)

    async def resolve(self, name: str) -> FamilyInfo:
        """The family's id, version, operations and groups (cached)."""
        return await self.sock.run(self.cache.get(name))

    async def refresh(self, name: str) -> FamilyInfo:
        """Ask nlctrl again, whatever is cached."""
        return await self.sock.run(self.cache.refresh(name))

    async def families(self) -> list[FamilyInfo]:
        """Every family registered in this namespace."""
        return await self.sock.run(families(self.sock.engine, self.timeout))

    async def policy(self, family: str | int, op: int | None = None) -> Policy:
        """The kernel's attribute policies of a family, or of one of its operations."""
        return await self.sock.run(getpolicy(self.sock.engine, family, op, self.timeout))

    async def drift(self, family: Family) -> DriftReport:
        """Where the spec `family` and the running kernel's policy disagree."""
        return await self.sock.run(self._drift(family))

    async def __aenter__(self) -> AsyncGenlClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()


async def open_family_async(
    name_or_family: str | os.PathLike[str] | Family,
    *,
    spec_path: str | os.PathLike[str] | None = None,
    netns: str | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    max_in_flight: int = DEFAULT_IN_FLIGHT,
    transport_factory: Callable[[], Any] | None = None,
    **socket_options: Any,
) -> AsyncFamilyHandle[Decoded]:
    """An asyncio handle on a family described by a spec; the arguments are those of
    `open_family`, plus `max_in_flight`."""
    family = family_model(name_or_family, spec_path=spec_path, env=env)
    if isinstance(family, KernelSchema):
        transport = transport_factory() if transport_factory is not None else None
        async with AsyncNetlinkSocket(c.NETLINK_GENERIC, netns=netns, transport=transport,
                                      **socket_options) as sock:  # fmt: skip
            family = await sock.run(family.build(sock.engine, timeout))

    def open_socket() -> AsyncNetlinkSocket:
        transport = transport_factory() if transport_factory is not None else None
        return AsyncNetlinkSocket(family.protonum, netns=netns, max_in_flight=max_in_flight,
                                  transport=transport, **socket_options)  # fmt: skip

    handle: AsyncFamilyHandle[Decoded] = spec_handle(
        family, AsyncFamilyHandle, AsyncGenlClient, open_socket, timeout=timeout, netns=netns,
        max_in_flight=max_in_flight, transport_factory=transport_factory, **socket_options,
    )  # fmt: skip
    try:
        await handle.resolve()
    except BaseException:
        handle.close()
        raise
    return handle


__all__ = ["AsyncFamilyHandle", "AsyncGenlClient", "open_family_async"]

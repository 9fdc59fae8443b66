"""The asyncio Generic Netlink client: the flows of `genetlink.genl.client` on asyncio sockets.

    async with AsyncGenlClient() as client:
        netdev = await client.family("netdev", codec)
        dev = await netdev.do("dev-get", {"ifindex": 1})
        devs = await netdev.dump("dev-get")
        await netdev.subscribe("mgmt")
        async for event in netdev.notifications(timeout=5): ...

Requests, reply decoding, error naming and family resolution are those of `GenlClient`
(`GenlClientBase`/`GenlFamilyBase`); only the socket calls are awaited here. Many requests may
be in flight at once (`asyncio.gather`); dumps on the request socket run one after the other,
as the kernel requires; a cancelled request leaves the client usable.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Unpack

from ..aio import AsyncNetlinkSocket
from ..wire import constants as c
from ..wire.errors import GenetlinkError, Overrun
from ..wire.message import Message
from .cache import FamilyTable
from .client import Attributes, ClientOptions, GenlClientBase, GenlFamilyBase
from .flow import Flow, run_async
from .message import Replies
from .nlctrl import FamilyInfo, Policy, families_flow, getpolicy_flow

if TYPE_CHECKING:
    from ..codec.family import FamilyCodec
    from ..schema.model import Family

#: Requests in flight per client by default. Measured here: 225 netdev dev-get requests sent
#: at once overflowed the default 208 KiB receive queue (reply + ACK skbs per request); 32
#: leaves room for replies several times that size.
DEFAULT_IN_FLIGHT = 32


class AsyncFamilyCache(FamilyTable[AsyncNetlinkSocket]):
    """`FamilyCache` for the asyncio front: the same table and lookups, awaited.

    The nlctrl notification socket is read by the event loop; lookups apply what it queued.
    """

    #: bounds the lookups in flight together with the client's requests (see run_async)
    window: asyncio.Semaphore | None = None

    async def get(self, name: str) -> FamilyInfo:
        """The family called `name`, resolved when not cached; FamilyNotFound if absent."""
        return await run_async(self.get_flow(name), self.sock, self.window)

    async def refresh(self, name: str) -> FamilyInfo:
        """Ask nlctrl again, whatever is cached."""
        return await run_async(self.refresh_flow(name), self.sock, self.window)

    def _open_watcher(self) -> AsyncNetlinkSocket:
        watcher = super()._open_watcher()
        # Read from now on: nobody awaits this socket, the loop's reader fills its queue.
        watcher.attach()
        return watcher

    def _new_socket(self) -> AsyncNetlinkSocket:
        return AsyncNetlinkSocket(c.NETLINK_GENERIC, netns=self.netns)

    def _next_event(self, watcher: AsyncNetlinkSocket) -> Message | Overrun | None:
        queue = watcher.engine.notifications
        return queue.popleft() if queue else None


class AsyncGenlClient(GenlClientBase[AsyncNetlinkSocket]):
    """A Generic Netlink connection for asyncio; the options are those of `GenlClient`, and

    max_in_flight:  how many requests may wait for their answers at once; more wait their
                    turn, so that the replies never overflow the receive queue (ENOBUFS)

    Use as `async with AsyncGenlClient(...) as client`, or call `close()`.
    """

    cache: AsyncFamilyCache

    def __init__(self, netns: str | None = None, *, max_in_flight: int = DEFAULT_IN_FLIGHT,
                 **options: Unpack[ClientOptions]) -> None:  # fmt: skip
        self.window = asyncio.Semaphore(max_in_flight)
        super().__init__(netns, **options)

    def _new_cache(self, **options: Any) -> AsyncFamilyCache:
        cache = AsyncFamilyCache(self.sock, **options)
        cache.window = self.window
        return cache

    def _open_socket(self, **options: Any) -> AsyncNetlinkSocket:
        return AsyncNetlinkSocket(c.NETLINK_GENERIC, netns=self.netns,
                                  transport=self._transport(), **options)  # fmt: skip

    async def family(self, name: str,
                     codec: FamilyCodec | Family | None = None) -> AsyncGenlFamily:  # fmt: skip
        """A handle on family `name`, resolved now (FamilyNotFound when it does not exist).

        `codec` (a schema FamilyCodec, or a schema Family) names commands, attributes and
        groups and decodes replies to mappings, as for `GenlClient.family`.
        """
        handle = AsyncGenlFamily(self, name, self._codec(codec))
        await handle.resolve()
        self._families.append(handle)
        return handle

    async def resolve(self, name: str) -> FamilyInfo:
        """The family's id, version, operations and groups (cached)."""
        return await self.cache.get(name)

    async def families(self) -> list[FamilyInfo]:
        """Every family registered in this namespace."""
        return await run_async(families_flow(self.timeout), self.sock, self.window)

    async def policy(self, family: str | int, op: int | None = None) -> Policy:
        """The kernel's attribute policies of a family or of one operation (CTRL_CMD_GETPOLICY)."""
        return await run_async(getpolicy_flow(family, op, self.timeout), self.sock, self.window)

    async def __aenter__(self) -> AsyncGenlClient:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self.close()


class AsyncGenlFamily(GenlFamilyBase[AsyncNetlinkSocket]):
    """One family through an `AsyncGenlClient`; the arguments and answers of `GenlFamily`.

    Get one with `await client.family(name, codec)`.
    """

    client: AsyncGenlClient

    async def _run(self, flow: Flow[Any]) -> Any:
        return await run_async(flow, self.client.sock, self.client.window)

    async def resolve(self) -> FamilyInfo:
        """What nlctrl says about the family now (through the client's cache)."""
        info: FamilyInfo = await self._run(self._lookup())
        return info

    @property
    def info(self) -> FamilyInfo:
        """The FamilyInfo of the last resolution (each request resolves through the cache)."""
        if self._info is None:
            raise GenetlinkError(f"family {self.name}: not resolved yet (await resolve())")
        return self._info

    @property
    def id(self) -> int:
        """The family id (nlmsg_type of its messages)."""
        return self.info.id

    async def do(self, cmd: int | str, attrs: Attributes = None, *, flags: int = 0,
                 timeout: float | None = None, validate: bool = False) -> Any:  # fmt: skip
        """A "do" request: the (first) reply, or None when the kernel only acknowledged
        (see `GenlFamily.do`)."""
        replies = await self.do_all(cmd, attrs, flags=flags, timeout=timeout, validate=validate)
        return replies[0] if replies else None

    async def do_all(self, cmd: int | str, attrs: Attributes = None, *, flags: int = 0,
                     timeout: float | None = None,
                     validate: bool = False) -> Replies[Any]:  # fmt: skip
        """A "do" request returning every reply message."""
        flow = self._request("do", cmd, attrs, flags, timeout, validate)
        replies: Replies[Any] = await self._run(flow)
        return replies

    async def dump(self, cmd: int | str, attrs: Attributes = None, *, flags: int = 0,
                   timeout: float | None = None,
                   validate: bool = False) -> Replies[Any]:  # fmt: skip
        """A dump: every object up to NLMSG_DONE, each decoded when first accessed."""
        flow = self._request("dump", cmd, attrs, flags, timeout, validate)
        replies: Replies[Any] = await self._run(flow)
        return replies

    def decode(self, msg: Message) -> Any:
        """Decode one message of this family (Decoded with a codec, else GenlMessage)."""
        return self._decoder(self.info)(msg)

    async def subscribe(self, group: str) -> int:
        """Join multicast group `group` (by name) on this handle's own socket; its number."""
        group_id: int = await self._run(self._subscribe(group))
        return group_id

    async def unsubscribe(self, group: str) -> None:
        """Leave multicast group `group`."""
        await self._run(self._unsubscribe(group))

    async def notifications(self, timeout: float | None = None) -> AsyncIterator[Any]:
        """Notifications of the subscribed groups, decoded, as they arrive; ends after `timeout`
        seconds without one (None: never). `Overrun` items mean some were lost: resync."""
        sock = self._listener()
        while (item := await sock.next_notification(timeout)) is not None:
            if (decoded := self._accept(item)) is not None:
                yield decoded


__all__ = ["DEFAULT_IN_FLIGHT", "AsyncFamilyCache", "AsyncGenlClient", "AsyncGenlFamily"]

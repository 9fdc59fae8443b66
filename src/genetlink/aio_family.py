"""The asyncio counterpart of `genetlink.family`: any spec-described family, awaited.

    async with await open_family_async("netdev") as netdev:
        for dev in await netdev.dump("dev-get"):
            print(dev["ifindex"])
        netdev.subscribe("mgmt")
        async for event in netdev.notifications(timeout=5): ...

Encoding, decoding, error naming and family resolution are `FamilyClientBase`'s and
`connect_flow`'s (genetlink.family); only the socket calls are awaited here.
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any

from genetlink.aio import AsyncNetlinkSocket
from genetlink.codec.family import Decoded
from genetlink.family import DEFAULT_TIMEOUT, FamilyClientBase, connect_flow, load_model
from genetlink.genl.aio_client import DEFAULT_IN_FLIGHT
from genetlink.genl.flow import run_async
from genetlink.schema.model import Family, Operation
from genetlink.wire.errors import Overrun

Flags = int | str | Iterable[str | int] | None


class AsyncFamilyClient(FamilyClientBase[AsyncNetlinkSocket]):
    """`FamilyClient` for asyncio: the same verbs, awaited; build one with `open_family_async`.

    Several requests may run at once on the one socket (at most `max_in_flight` wait for
    their answers, so that replies never overflow the receive queue); dumps queue behind
    each other.
    """

    def __init__(self, family: Family, sock: AsyncNetlinkSocket, *,
                 family_id: int | None = None, groups: Mapping[str, int] | None = None,
                 max_in_flight: int = DEFAULT_IN_FLIGHT,
                 timeout: float | None = DEFAULT_TIMEOUT) -> None:  # fmt: skip
        super().__init__(family, sock, family_id=family_id, groups=groups, timeout=timeout)
        self.window = asyncio.Semaphore(max_in_flight)

    async def do(self, op: str | Operation, values: Mapping[str, Any] | None = None, *,
                 flags: Flags = 0, timeout: float | None = None,
                 validate: bool = False) -> Decoded | list[Decoded] | None:  # fmt: skip
        """Send a request and wait for the ACK (see `FamilyClient.do`)."""
        flow = self._do(op, values, flags, timeout, validate)
        return await run_async(flow, self.sock, self.window)

    async def dump(self, op: str | Operation, values: Mapping[str, Any] | None = None, *,
                   flags: Flags = 0, timeout: float | None = None,
                   validate: bool = False) -> list[Decoded]:  # fmt: skip
        """Dump: every reply up to NLMSG_DONE, each decoded lazily."""
        flow = self._exchange("dump", op, values, flags, timeout, validate)
        return await run_async(flow, self.sock, self.window)

    async def notifications(self, timeout: float | None = None
                            ) -> AsyncIterator[Decoded | Overrun]:  # fmt: skip
        """Notifications of the joined groups, decoded, as they arrive; `Overrun` items mean
        some were lost (resync). Ends after `timeout` seconds without a message."""
        async for item in self.sock.notifications(timeout):
            if (decoded := self._accept(item)) is not None:
                yield decoded

    async def __aenter__(self) -> AsyncFamilyClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()


async def open_family_async(
    name_or_family: str | os.PathLike[str] | Family,
    *,
    spec_path: str | os.PathLike[str] | None = None,
    netns: str | None = None,
    env: Mapping[str, str] | None = None,
    max_in_flight: int = DEFAULT_IN_FLIGHT,
    timeout: float | None = DEFAULT_TIMEOUT,
    **socket_options: Any,
) -> AsyncFamilyClient:
    """Open an asyncio client for a family; the arguments are those of `open_family`, plus
    `max_in_flight` (see `AsyncFamilyClient`); others go to `AsyncNetlinkSocket`."""
    family = load_model(name_or_family, spec_path=spec_path, env=env)
    sock = await AsyncNetlinkSocket.open(family.protonum, netns=netns, **socket_options)
    make = functools.partial(AsyncFamilyClient, max_in_flight=max_in_flight, timeout=timeout)
    return await run_async(connect_flow(make, family, sock, timeout), sock)


__all__ = ["AsyncFamilyClient", "open_family_async"]

"""A cache of resolved families, kept fresh by nlctrl's own notifications.

Family ids are assigned when a module registers its family, so they change when a module is
reloaded. The cache listens on nlctrl's "notify" group (CTRL_CMD_NEWFAMILY/DELFAMILY) with a
socket of its own that is drained before every lookup without blocking, expires entries after
`ttl` seconds, and lets callers invalidate a name whose id stopped answering.

`FamilyTable` is the part both fronts share (entries, expiry, nlctrl events, and the lookups
as flows, see `genetlink.genl.flow`); `FamilyCache` runs it on a blocking socket and
`genetlink.genl.aio_client.AsyncFamilyCache` on an asyncio one.
"""

from __future__ import annotations

import logging
import select
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from ..wire import constants as c
from ..wire.errors import DecodeError, Overrun
from ..wire.genl import genl_command
from ..wire.message import Message
from .flow import Flow, run
from .nlctrl import FamilyInfo, decode_family, getfamily_flow

if TYPE_CHECKING:
    from ..core.engine import Engine
    from ..socket import NetlinkSocket

log = logging.getLogger("genetlink.genl")

_FAMILY_EVENTS = (
    c.CTRL_CMD_NEWFAMILY,
    c.CTRL_CMD_DELFAMILY,
    c.CTRL_CMD_NEWMCAST_GRP,
    c.CTRL_CMD_DELMCAST_GRP,
)


class Watcher(Protocol):
    """What the cache needs of its notification socket (either front's socket has it)."""

    engine: Engine

    def join(self, group: int) -> None:
        """Join a multicast group."""

    def close(self) -> None:
        """Close the socket."""


W = TypeVar("W", bound=Watcher)


class FamilyTable(Generic[W]):
    """Families by name with expiry and nlctrl events, independent of the socket front;
    lookups go through `sock` (a NETLINK_GENERIC socket).

    netns:  the namespace of the notification socket (that of `sock`)
    watch:  open a second socket joined to nlctrl's "notify" group, so that module loads and
            unloads refresh the cache (disable to save the socket)
    ttl:    seconds an entry is trusted without a notification (None: until invalidated)
    open_socket: makes the notification socket instead (test doubles plug in here)
    """

    def __init__(
        self,
        sock: W,
        *,
        netns: str | None = None,
        watch: bool = True,
        ttl: float | None = 300.0,
        timeout: float | None = 5.0,
        clock: Callable[[], float] = time.monotonic,
        open_socket: Callable[[], W] | None = None,
    ) -> None:
        self.sock = sock
        self.netns = netns
        self.watch = watch
        self.ttl = ttl
        self.timeout = timeout
        self._clock = clock
        self._open_socket = open_socket
        self._entries: dict[str, tuple[FamilyInfo, float]] = {}
        self._watcher: W | None = None
        self.lookups = 0  # requests sent to nlctrl, for tests and curiosity

    def get_flow(self, name: str) -> Flow[FamilyInfo]:
        """The flow of `get`: the cached entry when fresh, else a lookup."""
        self.poll()
        entry = self._entries.get(name)
        now = self._clock()
        if entry is not None and (self.ttl is None or now - entry[1] < self.ttl):
            return entry[0]
        return (yield from self.refresh_flow(name))

    def refresh_flow(self, name: str) -> Flow[FamilyInfo]:
        """The flow of `refresh`: ask nlctrl (CTRL_CMD_GETFAMILY do) whatever is cached."""
        yield from self._watch_flow()
        self.lookups += 1
        try:
            info = yield from getfamily_flow(name, self.timeout)
        except BaseException:
            self._entries.pop(name, None)
            raise
        self._entries[name] = (info, self._clock())
        return info

    def invalidate(self, name: str | None = None) -> None:
        """Forget `name` (or everything): its next lookup asks the kernel."""
        if name is None:
            self._entries.clear()
        else:
            self._entries.pop(name, None)

    def cached(self, name: str) -> FamilyInfo | None:
        """The cached entry for `name` without asking the kernel (None when absent)."""
        entry = self._entries.get(name)
        return None if entry is None else entry[0]

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    # -- nlctrl notifications ---------------------------------------------------------------

    def _watch_flow(self) -> Flow[None]:
        """Open the notification socket on first use; nlctrl's group id comes from nlctrl."""
        if not self.watch or self._watcher is not None:
            return
        info = yield from getfamily_flow("nlctrl", self.timeout)
        if self._watcher is not None:
            return  # another flow opened it while this one waited (asyncio)
        watcher = self._open_watcher()
        try:
            watcher.join(info.group("notify").id)
        except BaseException:
            watcher.close()
            raise
        self._watcher = watcher

    def _open_watcher(self) -> W:
        if self._open_socket is not None:
            return self._open_socket()
        return self._new_socket()

    def _new_socket(self) -> W:
        """A new NETLINK_GENERIC socket of the front in use, in `netns`."""
        raise NotImplementedError

    def _next_event(self, watcher: W) -> Message | Overrun | None:
        """The next nlctrl notification that has already arrived, without blocking."""
        raise NotImplementedError

    def poll(self) -> int:
        """Apply the nlctrl notifications that have arrived; never blocks. Returns how many."""
        watcher = self._watcher
        handled = 0
        while watcher is not None and (item := self._next_event(watcher)) is not None:
            self._apply(item)
            handled += 1
        return handled

    def _apply(self, item: Message | Overrun) -> None:
        if isinstance(item, Overrun):
            log.info("nlctrl notifications overran; forgetting every cached family")
            self._entries.clear()
            return
        try:
            cmd, _ = genl_command(item)
            if item.type != c.GENL_ID_CTRL or cmd not in _FAMILY_EVENTS:
                return
            info = decode_family(item)
        except DecodeError as exc:
            log.warning("ignored a malformed nlctrl notification: %s", exc)
            return
        log.debug("nlctrl event %d for family %s (id %d)", cmd, info.name, info.id)
        self._entries.pop(info.name, None)

    def close(self) -> None:
        """Close the notification socket (the request socket belongs to the caller)."""
        if self._watcher is not None:
            self._watcher.close()
            self._watcher = None


class FamilyCache(FamilyTable["NetlinkSocket"]):
    """Families by name, resolved on first use through a blocking socket (options: see
    `FamilyTable`)."""

    def get(self, name: str) -> FamilyInfo:
        """The family called `name`; resolved (CTRL_CMD_GETFAMILY do) when not cached.

        Raises FamilyNotFound when the kernel has no such family.
        """
        return run(self.get_flow(name), self.sock)

    def refresh(self, name: str) -> FamilyInfo:
        """Ask nlctrl again, whatever is cached."""
        return run(self.refresh_flow(name), self.sock)

    def _new_socket(self) -> NetlinkSocket:
        from ..socket import NetlinkSocket  # the genl layer sits on the socket front

        return NetlinkSocket(c.NETLINK_GENERIC, netns=self.netns)

    def _next_event(self, watcher: NetlinkSocket) -> Message | Overrun | None:
        if watcher.engine.notifications or select.select([watcher], [], [], 0)[0]:
            return watcher.next_notification(timeout=0.5)
        return None

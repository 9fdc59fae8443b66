"""A cache of resolved families, kept fresh by nlctrl's own notifications.

Family ids are assigned when a module registers its family, so they change when a module is
reloaded. The cache listens on nlctrl's "notify" group (CTRL_CMD_NEWFAMILY/DELFAMILY) with a
socket of its own that is drained before every lookup without waiting, expires entries after
`ttl` seconds, and lets callers invalidate a name whose id stopped answering. Lookups are
exchanges over the request socket's engine, so either front runs them:

    cache = FamilyCache(sock.engine, open_watcher=lambda: NetlinkSocket(NETLINK_GENERIC))
    info = sock.run(cache.get("netdev"))
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Protocol

from ..core.engine import Engine, Notification
from ..core.exchange import Exchange
from ..wire import constants as c
from ..wire.errors import DecodeError, Overrun
from ..wire.genl import genl_command
from .nlctrl import NOTIFY_GROUP, FamilyInfo, decode_family, getfamily

log = logging.getLogger("genetlink.genl")

_FAMILY_EVENTS = (
    c.CTRL_CMD_NEWFAMILY,
    c.CTRL_CMD_DELFAMILY,
    c.CTRL_CMD_NEWMCAST_GRP,
    c.CTRL_CMD_DELMCAST_GRP,
)


class Watcher(Protocol):
    """What the cache needs of its notification socket (either front's socket has it)."""

    def join(self, group: int) -> None:
        """Join a multicast group."""

    def poll_notification(self) -> Notification | None:
        """The next notification that has arrived, without waiting."""

    def close(self) -> None:
        """Close the socket."""


class FamilyCache:
    """Families by name with expiry and nlctrl events; lookups are exchanges over `engine`
    (that of a NETLINK_GENERIC socket).

    open_watcher: opens the notification socket (on the first lookup), joined to nlctrl's
            "notify" group so that module loads and unloads refresh the cache; None: no
            watching (entries then live for `ttl`, or until invalidated)
    ttl:    seconds an entry is trusted without a notification (None: until invalidated)
    timeout: seconds a lookup waits for nlctrl's answer
    """

    def __init__(
        self,
        engine: Engine,
        *,
        open_watcher: Callable[[], Watcher] | None = None,
        ttl: float | None = 300.0,
        timeout: float | None = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.ttl = ttl
        self.timeout = timeout
        self._open_watcher = open_watcher
        self._clock = clock
        self._entries: dict[str, tuple[FamilyInfo, float]] = {}
        self._watcher: Watcher | None = None
        self.lookups = 0  # requests sent to nlctrl, for tests and curiosity

    def get(self, name: str) -> Exchange[FamilyInfo]:
        """The family called `name`: the cached entry when fresh, else a lookup
        (CTRL_CMD_GETFAMILY do). FamilyNotFound when the kernel has no such family."""
        self.poll()
        entry = self._entries.get(name)
        if entry is not None and (self.ttl is None or self._clock() - entry[1] < self.ttl):
            return entry[0]
        return (yield from self.refresh(name))

    def refresh(self, name: str) -> Exchange[FamilyInfo]:
        """Ask nlctrl, whatever is cached."""
        self._watch()
        self.lookups += 1
        try:
            info = yield from getfamily(self.engine, name, self.timeout)
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

    def _watch(self) -> None:
        """Open the notification socket on first use (nlctrl's group id is fixed)."""
        if self._open_watcher is None or self._watcher is not None:
            return
        watcher = self._open_watcher()
        try:
            watcher.join(NOTIFY_GROUP)
        except BaseException:
            watcher.close()
            raise
        self._watcher = watcher

    def poll(self) -> int:
        """Apply the nlctrl notifications that have arrived; never waits. Returns how many."""
        watcher = self._watcher
        handled = 0
        while watcher is not None and (item := watcher.poll_notification()) is not None:
            self._apply(item)
            handled += 1
        return handled

    def _apply(self, item: Notification) -> None:
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


__all__ = ["FamilyCache", "Watcher"]

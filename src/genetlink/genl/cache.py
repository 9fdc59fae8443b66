"""A cache of resolved families, kept fresh by nlctrl's own notifications.

Family ids are assigned when a module registers its family, so they change when a module is
reloaded. The cache listens on nlctrl's "notify" group (CTRL_CMD_NEWFAMILY/DELFAMILY) with a
socket of its own that is drained before every lookup without blocking, expires entries after
`ttl` seconds, and lets callers invalidate a name whose id stopped answering.
"""

from __future__ import annotations

import logging
import select
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..wire import constants as c
from ..wire.errors import DecodeError, Overrun
from ..wire.genl import genl_command
from ..wire.message import Message
from .nlctrl import FamilyInfo, decode_family, get_family

if TYPE_CHECKING:
    from ..socket import NetlinkSocket

log = logging.getLogger("genetlink.genl")

_FAMILY_EVENTS = (
    c.CTRL_CMD_NEWFAMILY,
    c.CTRL_CMD_DELFAMILY,
    c.CTRL_CMD_NEWMCAST_GRP,
    c.CTRL_CMD_DELMCAST_GRP,
)


class FamilyCache:
    """Families by name, resolved on first use through `sock` (a NETLINK_GENERIC socket).

    watch:  open a second socket in `netns` joined to nlctrl's "notify" group, so that module
            loads and unloads refresh the cache (disable to save the socket)
    ttl:    seconds an entry is trusted without a notification (None: until invalidated)
    """

    def __init__(
        self,
        sock: NetlinkSocket,
        *,
        netns: str | None = None,
        watch: bool = True,
        ttl: float | None = 300.0,
        timeout: float | None = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sock = sock
        self.netns = netns
        self.watch = watch
        self.ttl = ttl
        self.timeout = timeout
        self._clock = clock
        self._entries: dict[str, tuple[FamilyInfo, float]] = {}
        self._watcher: NetlinkSocket | None = None
        self.lookups = 0  # requests sent to nlctrl, for tests and curiosity

    def get(self, name: str) -> FamilyInfo:
        """The family called `name`; resolved (CTRL_CMD_GETFAMILY do) when not cached.

        Raises FamilyNotFound when the kernel has no such family.
        """
        self.poll()
        entry = self._entries.get(name)
        now = self._clock()
        if entry is not None and (self.ttl is None or now - entry[1] < self.ttl):
            return entry[0]
        return self.refresh(name)

    def refresh(self, name: str) -> FamilyInfo:
        """Ask nlctrl again, whatever is cached."""
        self._open_watcher()
        self.lookups += 1
        try:
            info = get_family(self.sock, name, timeout=self.timeout)
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

    def _open_watcher(self) -> None:
        if not self.watch or self._watcher is not None:
            return
        from ..socket import NetlinkSocket  # the genl layer sits on the socket front

        watcher = NetlinkSocket(c.NETLINK_GENERIC, netns=self.netns)
        try:
            info = get_family(watcher, "nlctrl", timeout=self.timeout)
            watcher.join(info.group("notify").id)
        except BaseException:
            watcher.close()
            raise
        self._watcher = watcher

    def poll(self) -> int:
        """Apply the nlctrl notifications that have arrived; never blocks. Returns how many."""
        watcher = self._watcher
        if watcher is None:
            return 0
        handled = 0
        queue = watcher.engine.notifications
        while queue or select.select([watcher], [], [], 0)[0]:
            item = watcher.next_notification(timeout=0.5)
            if item is None:
                break
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

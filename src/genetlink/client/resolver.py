"""How a handle finds its family on the running kernel.

`GenlResolver`: a Generic Netlink family by name, through nlctrl and the client's cache. Its id
and group numbers are assigned at registration, so they are looked up, re-resolved when the id
stops answering (ENOENT/EOPNOTSUPP), and followed through nlctrl's announcements.
`RawResolver`: a netlink-raw family (rtnetlink, ...): the protocol and group numbers are the
spec's and never change. Both build the message to send around an encoded request.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from ..core.exchange import Exchange
from ..genl.cache import FamilyCache
from ..genl.nlctrl import NOTIFY_GROUP, STALE_ERRNOS, FamilyInfo, family_event
from ..schema.model import Family
from ..wire import constants as c
from ..wire.errors import GenetlinkError, NetlinkError
from ..wire.genl import genl_payload
from ..wire.message import Message

log = logging.getLogger("genetlink.client")


class GenlResolver:
    """A Generic Netlink family by name; `info` is what nlctrl said last (None before)."""

    #: bytes between the start of a message and the codec's body (nlmsghdr + genlmsghdr)
    body_offset = c.NLMSG_HDRLEN + c.GENL_HDRLEN
    is_genetlink = True

    def __init__(self, name: str, cache: FamilyCache, version: int | None = None) -> None:
        self.name = name
        self.cache = cache
        self.version = version  # the spec's; else the kernel's
        self.info: FamilyInfo | None = None

    def resolve(self) -> Exchange[FamilyInfo]:
        """The family through the cache (nlctrl when not cached)."""
        info = yield from self.cache.get(self.name)
        self.info = info
        return info

    def envelope(self, number: int, body: bytes) -> tuple[int, bytes]:
        """(nlmsg_type, payload) of a request: the family id, and genlmsghdr + body."""
        info = self._known()
        version = self.version if self.version is not None else info.version
        return info.id, genl_payload(number, version or 1, body)

    def owns(self, msg: Message) -> bool:
        """True for messages of this family (a reply may carry others, e.g. nlctrl's)."""
        return self.info is not None and msg.type == self.info.id

    def moved(self, error: NetlinkError) -> Exchange[bool]:
        """After ENOENT/EOPNOTSUPP: True when the family came back under another id (and the
        request is worth repeating); FamilyNotFound when it is gone."""
        old = self.info
        if old is None or error.errno not in STALE_ERRNOS:
            return False
        self.cache.invalidate(self.name)
        fresh = yield from self.resolve()
        if fresh.id == old.id:
            return False  # the kernel's real answer (no such device, ...)
        log.info("family %s moved from id %d to %d", self.name, old.id, fresh.id)
        return True

    def announced(self, msg: Message) -> bool:
        """True when `msg` is nlctrl announcing this family registered again (taken in)."""
        if msg.type != c.GENL_ID_CTRL or self.name == "nlctrl":
            return False
        fresh = family_event(msg, self.name)
        if fresh is None:
            return False
        log.info("family %s registered again as id %d", self.name, fresh.id)
        self.cache.invalidate(self.name)
        self.info = fresh
        return True

    @property
    def groups(self) -> dict[str, int]:
        """Multicast group name -> number, as nlctrl reported them."""
        return {g.name: g.id for g in self._known().groups}

    @property
    def watch_groups(self) -> tuple[int, ...]:
        """Groups a notification socket joins besides the caller's: nlctrl's announcements,
        so that groups are joined again after the family is re-registered."""
        return () if self.name == "nlctrl" else (NOTIFY_GROUP,)

    def _known(self) -> FamilyInfo:
        if self.info is None:
            raise GenetlinkError(f"family {self.name} is not resolved yet")
        return self.info


class RawResolver:
    """A netlink-raw family: its protocol and group numbers come from the spec."""

    body_offset = c.NLMSG_HDRLEN
    is_genetlink = False
    info = None
    watch_groups: tuple[int, ...] = ()

    def __init__(self, family: Family) -> None:
        self.name = family.name
        self.groups: Mapping[str, int] = {
            g.name: g.value for g in family.mcast_groups.values() if g.value is not None
        }

    def resolve(self) -> Exchange[None]:
        """Nothing to look up."""
        return
        yield  # an exchange that asks for nothing

    def envelope(self, number: int, body: bytes) -> tuple[int, bytes]:
        """The number is the nlmsg_type; the body is the payload."""
        return number, body

    def owns(self, msg: Message) -> bool:
        """Every message of the protocol is the family's."""
        return True

    def moved(self, error: NetlinkError) -> Exchange[bool]:
        """Numbers never move."""
        return False
        yield  # an exchange that asks for nothing

    def announced(self, msg: Message) -> bool:
        """No registrations to follow."""
        return False


Resolver = GenlResolver | RawResolver

__all__ = ["GenlResolver", "RawResolver", "Resolver"]

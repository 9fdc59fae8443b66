"""A fake kernel of Generic Netlink: nlctrl and the families served on it.

`GenlKernel` is a `FakeKernel` (its sockets, multicast and faults apply unchanged) whose
handler is Generic Netlink: the kernel's netlink_rcv_skb and genl_rcv_msg route each request
by family id to a `ServedFamily`. nlctrl is one too, served from the package's nlctrl.yaml
with the kernel's own policy: it answers CTRL_CMD_GETFAMILY (do by name or id, dump) and
CTRL_CMD_GETPOLICY for every registered family from its model, and announces families and
groups coming and going to its "notify" group. Family ids and group ids are allocated as the
kernel allocates them.

    kernel = GenlKernel()
    genltest = kernel.serve("genltest")          # a ServedFamily, registered
    with GenlClient(transport_factory=kernel.transport) as client: ...
"""

from __future__ import annotations

import errno
import os
import threading
from collections.abc import Collection, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ..genl.nlctrl import FamilyInfo, Policy
from ..schema.model import Family
from ..wire import constants as c
from ..wire.message import Message
from . import replies
from .fake import FakeKernel
from .nlctrl import family_values, nlctrl_policy, nlctrl_spec, policy_values
from .serve import Reply, Request, ServedFamily

if TYPE_CHECKING:
    from ..socket import NetlinkSocket

#: The kernel's family ids: nlctrl's, then allocated cyclically from GENL_START_ALLOC.
GENL_START_ALLOC = c.GENL_ID_PMCRAID + 1
GENL_MAX_ID = 1023
#: Group ids the kernel never allocates (0, 1 and those of the families with fixed ids);
#: given explicitly, they are taken.
RESERVED_GROUPS = frozenset({0, 1, c.GENL_ID_CTRL, c.GENL_ID_VFS_DQUOT, c.GENL_ID_PMCRAID})


class GenlKernel(FakeKernel):
    """A fake kernel of Generic Netlink: nlctrl and the families `serve`d on it.

    `nlctrl` is the controller's own `ServedFamily` (id 0x10, group "notify" 0x10). Faults,
    sockets and multicast are FakeKernel's.
    """

    def __init__(self) -> None:
        super().__init__(self._route)
        self._registry = threading.Lock()
        self._by_id: dict[int, ServedFamily] = {}
        self._by_name: dict[str, ServedFamily] = {}
        self._taken_groups: set[int] = set()
        self._next_id = GENL_START_ALLOC
        # getfamily is checked liberally (GENL_DONT_VALIDATE_STRICT), its dump not at all
        self.nlctrl = ServedFamily(self, nlctrl_spec(), policy=nlctrl_policy(),
                                   dont_validate={"getfamily": ("strict", "dump")})  # fmt: skip
        self.nlctrl.do("getfamily")(self._getfamily)
        self.nlctrl.dump("getfamily")(self._families)
        self.nlctrl.dump("getpolicy")(self._getpolicy)
        self._register(self.nlctrl, c.GENL_ID_CTRL, {"notify": c.GENL_ID_CTRL})

    def serve(self, family: Family | str | os.PathLike[str], *, family_id: int | None = None,
              groups: Mapping[str, int] | None = None, policy: Policy | None = None,
              validate: bool = True, per_datagram: int | None = None,
              dont_validate: Mapping[str, Collection[str]] | None = None,
              ) -> ServedFamily:  # fmt: skip
        """Serve a family (a model, or a spec name or path as `open_family` takes them) and
        register it; the options are `ServedFamily`'s and `register`'s."""
        if not isinstance(family, Family):
            from ..loader.search import load_family  # YAML only when a spec is looked for

            family = load_family(os.fspath(family))
        served = ServedFamily(self, family, policy=policy, validate=validate,
                              per_datagram=per_datagram, dont_validate=dont_validate)  # fmt: skip
        served.register(family_id, groups)
        return served

    @property
    def families(self) -> dict[str, ServedFamily]:
        """The registered families by name, nlctrl included."""
        with self._registry:
            return dict(self._by_name)

    def socket(self, protocol: int = c.NETLINK_GENERIC, **options: Any) -> NetlinkSocket:
        """A `NetlinkSocket` (NETLINK_GENERIC unless told) over a new transport."""
        return super().socket(protocol, **options)

    # -- the registry --------------------------------------------------------------------------

    def _register(self, served: ServedFamily, family_id: int | None,
                  groups: Mapping[str, int]) -> FamilyInfo:  # fmt: skip
        with self._registry:
            if served.name in self._by_name:
                raise ValueError(f"a family {served.name} is registered already")
            if family_id is None:
                family_id = self._allocate_id()
            elif family_id in self._by_id:
                raise ValueError(f"family id {family_id} is taken")
            wanted = [groups[n] for n in served.family.mcast_groups if n in groups]
            taken = self._taken_groups.intersection(wanted)
            if taken or len(set(wanted)) < len(wanted):
                raise ValueError(f"group ids {sorted(taken or wanted)} are taken")
            ids: dict[str, int] = {}
            for name in served.family.mcast_groups:
                ids[name] = groups[name] if name in groups else self._allocate_group(wanted)
                self._taken_groups.add(ids[name])
            served.info = served._info(family_id, ids)
            self._by_id[family_id] = self._by_name[served.name] = served
            return served.info

    def _allocate_id(self) -> int:
        """The next free id from where the last one was given (idr_alloc_cyclic)."""
        span = GENL_MAX_ID - GENL_START_ALLOC + 1
        for step in range(span):
            family_id = GENL_START_ALLOC + (self._next_id - GENL_START_ALLOC + step) % span
            if family_id not in self._by_id:
                self._next_id = family_id + 1
                return family_id
        raise OSError(errno.ENOSPC, "no family id left")

    def _allocate_group(self, wanted: list[int]) -> int:
        """The lowest free group id (the kernel's mc_groups bitmap), none of `wanted`."""
        group = 2
        while group in self._taken_groups or group in RESERVED_GROUPS or group in wanted:
            group += 1
        return group

    def _unregister(self, served: ServedFamily) -> None:
        with self._registry:
            info = served._registered()
            del self._by_id[info.id], self._by_name[served.name]
            self._taken_groups -= {g.id for g in info.groups}
            served.info = None

    def _lookup(self, request: Request, *, name_first: bool) -> ServedFamily:
        """The family a request to nlctrl names: by name or id (which one wins when both are
        given differs between getfamily and getpolicy, as in the kernel); EINVAL for neither,
        ENOENT for no such family."""
        name, family_id = request.get("family-name"), request.get("family-id")
        if name is None and family_id is None:
            raise ServedFamily.error(errno.EINVAL)
        with self._registry:
            if name is not None and (name_first or family_id is None):
                found = self._by_name.get(name)
            else:
                found = self._by_id.get(family_id) if family_id is not None else None
        if found is None:
            raise ServedFamily.error(errno.ENOENT)
        return found

    # -- nlctrl ---------------------------------------------------------------------------------

    def _route(self, msg: Message) -> list[bytes]:
        """The kernel's netlink_rcv_skb: only requests are handled, control messages skipped
        (each ACKed when asked); then genl_rcv_msg: the family by id."""
        with self._registry:
            served = self._by_id.get(msg.type)
        if not msg.flags & c.NLM_F_REQUEST or (served is None and msg.type < c.NLMSG_MIN_TYPE):
            return [replies.ack(msg)] if msg.flags & c.NLM_F_ACK else []
        if served is None:
            return [replies.error(msg, errno.ENOENT)]
        return served.answer(msg)

    def _getfamily(self, request: Request) -> Reply:
        served = self._lookup(request, name_first=True)
        return Reply("newfamily", family_values(served._registered()))

    def _families(self, request: Request) -> Iterator[Reply]:
        with self._registry:
            served = sorted(self._by_id.items())
        for _, family in served:
            yield Reply("newfamily", family_values(family._registered()))

    def _getpolicy(self, request: Request) -> list[dict[str, Any]]:
        served = self._lookup(request, name_first=False)
        info = served._registered()
        op = request.get("op")
        if op is not None and info.op(op) is None:
            raise ServedFamily.error(errno.ENOENT, attribute="op")
        found = policy_values(served.policy, info, op)
        if not found:
            raise ServedFamily.error(errno.ENODATA)
        return found


def serve_family(family: Family | str | os.PathLike[str], *, family_id: int | None = None,
                 groups: Mapping[str, int] | None = None, policy: Policy | None = None,
                 validate: bool = True, per_datagram: int | None = None,
                 dont_validate: Mapping[str, Collection[str]] | None = None,
                 ) -> ServedFamily:  # fmt: skip
    """Serve one family on a new `GenlKernel` (`served.kernel`); options as for `serve`."""
    return GenlKernel().serve(family, family_id=family_id, groups=groups, policy=policy,
                              validate=validate, per_datagram=per_datagram,
                              dont_validate=dont_validate)  # fmt: skip


__all__ = ["GENL_START_ALLOC", "RESERVED_GROUPS", "GenlKernel", "serve_family"]

"""nlctrl, the Generic Netlink controller: families, operations, groups and policies.

Decoded by hand with `wire.attrs.Attrs` so that resolving a family never needs a spec, YAML or
the schema codec (include/uapi/linux/genetlink.h, net/netlink/genetlink.c).
"""

from __future__ import annotations

import errno
import logging
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any, NamedTuple

from ..core import exchange as ex
from ..core.engine import Engine
from ..core.exchange import Exchange
from ..wire import constants as c
from ..wire.attrs import AttrBuilder, Attrs, iter_attrs
from ..wire.codecs import SCALARS, decode_string
from ..wire.constants import NLA_TYPE_MASK
from ..wire.errors import DecodeError, GenetlinkError, NetlinkError, NetlinkNotFoundError
from ..wire.genl import genl_attrs_start, genl_command, genl_payload
from ..wire.message import Message
from ..wire.policy import decode_policy

_U16 = SCALARS["u16"].unpack_from
_U32 = SCALARS["u32"].unpack_from


#: Operation flag bits (CTRL_ATTR_OP_FLAGS) by the names the kernel's nlctrl spec uses.
OP_FLAGS: dict[str, int] = {
    "admin-perm": c.GENL_ADMIN_PERM,
    "do": c.GENL_CMD_CAP_DO,
    "dump": c.GENL_CMD_CAP_DUMP,
    "has-policy": c.GENL_CMD_CAP_HASPOL,
    "uns-admin-perm": c.GENL_UNS_ADMIN_PERM,
}

log = logging.getLogger("genetlink.genl")

# nlctrl's own genlmsghdr version (genl_ctrl.version in genetlink.c); the kernel ignores it.
_CTRL_VERSION = 2


_KNOWN_OP_FLAGS = sum(OP_FLAGS.values())
# The names of every combination of the known bits, worked out once: FamilyInfo.to_dict names
# the flags of every op, which cost as much as the GETFAMILY request itself.
_OP_FLAG_NAMES = {
    bits: tuple(name for name, bit in OP_FLAGS.items() if bits & bit)
    for bits in range(_KNOWN_OP_FLAGS + 1)
    if not bits & ~_KNOWN_OP_FLAGS
}


def op_flag_names(flags: int) -> tuple[str, ...]:
    """Names of the set operation flag bits; unknown bits appear as hex numbers."""
    names = _OP_FLAG_NAMES[flags & _KNOWN_OP_FLAGS]
    rest = flags & ~_KNOWN_OP_FLAGS
    return (*names, hex(rest)) if rest else names


class FamilyNotFound(NetlinkNotFoundError):
    """No Generic Netlink family of that name (or id) exists in this network namespace."""

    def __init__(self, name: str | int, **details: Any) -> None:
        super().__init__(errno.ENOENT, **details)
        self.family = name

    def __str__(self) -> str:
        return f"family {self.family} not found"

    def __reduce__(self) -> Any:
        return (_rebuild_not_found, (self.family, dict(self.__dict__)))


def _rebuild_not_found(name: str | int, state: dict[str, Any]) -> FamilyNotFound:
    err = FamilyNotFound(name)
    err.__dict__.update(state)
    return err


class GroupNotFound(GenetlinkError, LookupError):
    """The family has no multicast group of that name."""

    def __init__(self, family: str, group: str, known: Iterable[str]) -> None:
        self.family = family
        self.group = group
        names = ", ".join(known) or "none"
        super().__init__(f"family {family} has no multicast group {group!r} (groups: {names})")


class OpInfo(NamedTuple):
    """One operation of a family: its command number and CTRL_ATTR_OP_FLAGS bits."""

    id: int
    flags: int

    @property
    def flag_names(self) -> tuple[str, ...]:
        """The flags by name: admin-perm, do, dump, has-policy, uns-admin-perm."""
        return op_flag_names(self.flags)

    def has(self, name: str) -> bool:
        """True when the named flag ("do", "dump", "admin-perm", ...) is set."""
        return bool(self.flags & OP_FLAGS[name])


class GroupInfo(NamedTuple):
    """A multicast group: its name and the group number to join."""

    name: str
    id: int


@dataclass(frozen=True, slots=True)
class FamilyInfo:
    """What nlctrl reports for one family (its CTRL_CMD_NEWFAMILY answer): the family's
    `id` (its message type), `name`, `version`, `hdrsize` (a fixed header after the
    genlmsghdr, 0 for most), `maxattr`, its operations (`ops`: command number and flags)
    and multicast `groups` (name and number; `group(name)` finds one)."""

    id: int
    name: str
    version: int = 0
    hdrsize: int = 0
    maxattr: int = 0
    ops: tuple[OpInfo, ...] = ()
    groups: tuple[GroupInfo, ...] = ()

    def op(self, op_id: int) -> OpInfo | None:
        """The operation with command number `op_id`, or None."""
        return next((op for op in self.ops if op.id == op_id), None)

    def group(self, name: str) -> GroupInfo:
        """The multicast group called `name`; GroupNotFound otherwise."""
        for group in self.groups:
            if group.name == name:
                return group
        raise GroupNotFound(self.name, name, (g.name for g in self.groups))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (op flags as lists of names)."""
        return {
            "name": self.name,
            "id": self.id,
            "version": self.version,
            "hdrsize": self.hdrsize,
            "maxattr": self.maxattr,
            "ops": [{"id": op.id, "flags": list(op_flag_names(op.flags))} for op in self.ops],
            "groups": [{"name": g.name, "id": g.id} for g in self.groups],
        }


@dataclass(frozen=True, slots=True)
class AttrPolicy:
    """The kernel's validation policy of one attribute (NL_POLICY_TYPE_ATTR_*).

    `type` is the policy type by name ("u32", "nul-string", "nested", ...). Value limits are
    read at the width the kernel sent them: signed ones from the _S attributes, unsigned ones
    from the _U attributes, so a u64 maximum is never negative. `policy_idx`/`policy_maxtype`
    point at the nested attribute set (an index into `Policy.sets`).
    """

    type: str
    min_value: int | None = None
    max_value: int | None = None
    min_length: int | None = None
    max_length: int | None = None
    policy_idx: int | None = None
    policy_maxtype: int | None = None
    bitfield32_mask: int | None = None
    mask: int | None = None

    @classmethod
    def from_attrs(cls, attrs: Attrs) -> AttrPolicy:
        """Decode an NL_POLICY_TYPE_ATTR_* nest; DecodeError when it names no type."""
        raw = decode_policy(attrs)
        if "type" not in raw:
            raise DecodeError("attribute policy without NL_POLICY_TYPE_ATTR_TYPE", attrs.start)
        return cls(**{key.replace("-", "_"): value for key, value in raw.items()})

    def to_dict(self) -> dict[str, Any]:
        """The type and the limits that are set, keyed by kebab-case names."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                out[f.name.replace("_", "-")] = value
        return out

    def __str__(self) -> str:
        limits = ", ".join(f"{k}={v}" for k, v in self.to_dict().items() if k != "type")
        return f"{self.type} ({limits})" if limits else self.type


class OpPolicy(NamedTuple):
    """Which policy set validates an operation's do and dump requests (None: no policy)."""

    do: int | None
    dump: int | None


@dataclass(slots=True)
class Policy:
    """A family's (or one operation's) policies from CTRL_CMD_GETPOLICY.

    sets: policy index -> attribute number -> AttrPolicy (nested policies are further indexes)
    ops:  operation id -> OpPolicy(do index, dump index)
    """

    family_id: int | None = None
    sets: dict[int, dict[int, AttrPolicy]] = field(default_factory=dict)
    ops: dict[int, OpPolicy] = field(default_factory=dict)

    def op(self, op_id: int, mode: str = "do") -> dict[int, AttrPolicy] | None:
        """The attribute policies of an operation's `mode` ("do" or "dump") request."""
        entry = self.ops.get(op_id)
        index = None if entry is None else getattr(entry, mode)
        return None if index is None else self.sets.get(index, {})

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: {"ops": {id: {"do": idx, "dump": idx}}, "sets": {idx: {attr: {...}}}}."""
        return {
            "ops": {
                str(op): {k: v for k, v in entry._asdict().items() if v is not None}
                for op, entry in sorted(self.ops.items())
            },
            "sets": {
                str(index): {str(n): p.to_dict() for n, p in sorted(attrs.items())}
                for index, attrs in sorted(self.sets.items())
            },
        }


# -- decoding ------------------------------------------------------------------------------


def _attrs(msg: Message) -> Attrs:
    genl_command(msg)  # raises DecodeError when the genlmsghdr is missing
    return Attrs(msg.data, genl_attrs_start(msg), msg.end)


# The kernel writes every op entry as {nla hdr, CTRL_ATTR_OP_ID u32, CTRL_ATTR_OP_FLAGS u32}:
# one unpack reads such an entry; anything else takes the general walk.
_OP_ENTRY = struct.Struct("=HHHHIHHI")
_OP_LAYOUT = (_OP_ENTRY.size, 8, c.CTRL_ATTR_OP_ID, 8, c.CTRL_ATTR_OP_FLAGS)


def _ops(data: bytes, start: int, end: int) -> tuple[OpInfo, ...]:
    ops: list[OpInfo] = []
    append = ops.append
    unpack = _OP_ENTRY.unpack_from
    size = _OP_ENTRY.size
    new = tuple.__new__  # OpInfo's own __new__ is Python code; this is the C constructor
    offset = start
    while end - offset >= size:
        length, _, len_id, t_id, op_id, len_flags, t_flags, flags = unpack(data, offset)
        if (length, len_id, t_id & NLA_TYPE_MASK, len_flags, t_flags & NLA_TYPE_MASK) != _OP_LAYOUT:
            break
        append(new(OpInfo, (op_id, flags)))
        offset += size
    for _, entry_start, entry_end in iter_attrs(data, offset, end):
        op_id = flags = None
        for attr_type, s, e in iter_attrs(data, entry_start, entry_end):
            if e - s == 4:
                if attr_type & NLA_TYPE_MASK == c.CTRL_ATTR_OP_ID:
                    op_id = _U32(data, s)[0]
                elif attr_type & NLA_TYPE_MASK == c.CTRL_ATTR_OP_FLAGS:
                    flags = _U32(data, s)[0]
        if op_id is not None:
            append(OpInfo(op_id, flags or 0))
    return tuple(ops)


def _groups(data: bytes, start: int, end: int) -> tuple[GroupInfo, ...]:
    groups = []
    for _, entry_start, entry_end in iter_attrs(data, start, end):
        name = group_id = None
        for attr_type, s, e in iter_attrs(data, entry_start, entry_end):
            if attr_type & NLA_TYPE_MASK == c.CTRL_ATTR_MCAST_GRP_NAME:
                name = decode_string(data, s, e)
            elif attr_type & NLA_TYPE_MASK == c.CTRL_ATTR_MCAST_GRP_ID and e - s == 4:
                group_id = _U32(data, s)[0]
        if name is not None and group_id is not None:
            groups.append(GroupInfo(name, group_id))
    return tuple(groups)


def decode_family(msg: Message) -> FamilyInfo:
    """A FamilyInfo from a CTRL_CMD_NEWFAMILY/DELFAMILY message (reply or notification).

    One pass over the attributes (this sits on the path of every lookup by name).
    """
    genl_command(msg)  # raises DecodeError when the genlmsghdr is missing
    data = msg.data
    family_id = name = None
    numbers = {c.CTRL_ATTR_VERSION: 0, c.CTRL_ATTR_HDRSIZE: 0, c.CTRL_ATTR_MAXATTR: 0}
    ops: tuple[OpInfo, ...] = ()
    groups: tuple[GroupInfo, ...] = ()
    for attr_type, s, e in iter_attrs(data, genl_attrs_start(msg), msg.end):
        attr_type &= NLA_TYPE_MASK
        if attr_type == c.CTRL_ATTR_FAMILY_ID and e - s >= 2:
            family_id = _U16(data, s)[0]
        elif attr_type == c.CTRL_ATTR_FAMILY_NAME:
            name = decode_string(data, s, e)
        elif attr_type in numbers and e - s == 4:
            numbers[attr_type] = _U32(data, s)[0]
        elif attr_type == c.CTRL_ATTR_OPS:
            ops = _ops(data, s, e)
        elif attr_type == c.CTRL_ATTR_MCAST_GROUPS:
            groups = _groups(data, s, e)
    if family_id is None or name is None:
        raise DecodeError("nlctrl family message without id or name", msg.start)
    return FamilyInfo(
        id=family_id,
        name=name,
        version=numbers[c.CTRL_ATTR_VERSION],
        hdrsize=numbers[c.CTRL_ATTR_HDRSIZE],
        maxattr=numbers[c.CTRL_ATTR_MAXATTR],
        ops=ops,
        groups=groups,
    )


#: nlctrl's "notify" group: the controller's group id is fixed (genetlink.c: GENL_ID_CTRL).
NOTIFY_GROUP = c.GENL_ID_CTRL
#: Errors that may mean a cached family id went stale (the family was re-registered).
STALE_ERRNOS = (errno.ENOENT, errno.EOPNOTSUPP)


def family_event(msg: Message, name: str) -> FamilyInfo | None:
    """The family's new FamilyInfo when `msg` is nlctrl announcing that family `name` was
    registered (again); None for any other message."""
    if msg.type != c.GENL_ID_CTRL or msg.end - msg.payload_start < c.GENL_HDRLEN:
        return None
    if msg.data[msg.payload_start] != c.CTRL_CMD_NEWFAMILY:
        return None
    info = decode_family(msg)
    return info if info.name == name else None


def decode_policy_message(
    msg: Message, policy: Policy, op_entries: list[tuple[int, OpPolicy]] | None = None
) -> None:
    """Merge one CTRL_CMD_GETPOLICY reply into `policy`.

    The kernel sends one message per operation (CTRL_ATTR_OP_POLICY: op -> {do, dump} index)
    and one per attribute of each policy set (CTRL_ATTR_POLICY: index -> attr -> policy nest).
    Operation entries are also appended to `op_entries` in arrival order (see `get_policy`).
    """
    attrs = _attrs(msg)
    family_id = attrs.u16(c.CTRL_ATTR_FAMILY_ID)
    if family_id is not None:
        policy.family_id = family_id
    op_policy = attrs.nested(c.CTRL_ATTR_OP_POLICY)
    if op_policy is not None:
        for op_id, start, end in op_policy.items():
            entry = Attrs(msg.data, start, end)
            pair = OpPolicy(entry.u32(c.CTRL_ATTR_POLICY_DO), entry.u32(c.CTRL_ATTR_POLICY_DUMP))
            policy.ops[op_id] = pair
            if op_entries is not None:
                op_entries.append((op_id, pair))
    sets = attrs.nested(c.CTRL_ATTR_POLICY)
    if sets is not None:
        for index, start, end in sets.items():
            target = policy.sets.setdefault(index, {})
            for number, attr_start, attr_end in Attrs(msg.data, start, end).items():
                target[number] = AttrPolicy.from_attrs(Attrs(msg.data, attr_start, attr_end))


def _fix_op_ids(
    policy: Policy, entries: list[tuple[int, OpPolicy]], op: int | None, info: FamilyInfo | None
) -> None:
    """Give dump-only operations their real ids.

    ctrl_dumppolicy_put_op() numbers the op nest with the *do* half's cmd, which is zeroed for
    a dump-only op, so such ops arrive as op 0 (seen on 6.18). One op asked for: it is that op.
    A whole family: the entries come in the order of the family's ops that have a policy.
    """
    if op is not None:
        policy.ops = {op: entries[-1][1]} if entries else {}
        return
    if info is None or all(op_id != 0 for op_id, _ in entries):
        return
    with_policy = [o.id for o in info.ops if o.has("has-policy")]
    if len(with_policy) != len(entries):
        log.debug("cannot map %d op policies onto %d ops of %s", len(entries),
                  len(with_policy), info.name)  # fmt: skip
        return
    policy.ops = {real: pair for real, (_, pair) in zip(with_policy, entries, strict=True)}


# -- requests ------------------------------------------------------------------------------


def _request(cmd: int, build: AttrBuilder | None = None) -> bytes:
    return genl_payload(cmd, _CTRL_VERSION, build.bytes() if build is not None else b"")


def _select(family: str | int) -> AttrBuilder:
    build = AttrBuilder()
    if isinstance(family, int):
        build.put_u16(c.CTRL_ATTR_FAMILY_ID, family)
    else:
        build.put_string(c.CTRL_ATTR_FAMILY_NAME, family)
    return build


# -- requests, as exchanges (run by either front: see genetlink.core.exchange) ---------------


def getfamily(engine: Engine, family: str | int,
              timeout: float | None = 5.0) -> Exchange[FamilyInfo]:  # fmt: skip
    """Resolve a family by name or id (a CTRL_CMD_GETFAMILY *do*, so the kernel may autoload
    its module); FamilyNotFound when the namespace has no such family.

        info = sock.run(getfamily(sock.engine, "netdev"))
    """
    payload = _request(c.CTRL_CMD_GETFAMILY, _select(family))
    try:
        replies = yield from ex.request(engine, c.GENL_ID_CTRL, payload, operation="getfamily",
                                        timeout=timeout)  # fmt: skip
    except NetlinkNotFoundError as exc:
        raise FamilyNotFound(family, operation="getfamily", seq=exc.seq,
                             message=exc.message) from exc  # fmt: skip
    for msg in replies:
        if msg.type == c.GENL_ID_CTRL:
            return decode_family(msg)
    raise DecodeError(f"nlctrl answered getfamily {family} without a family message")


def families(engine: Engine, timeout: float | None = 5.0) -> Exchange[list[FamilyInfo]]:
    """Every family registered in the namespace (CTRL_CMD_GETFAMILY dump)."""
    payload = _request(c.CTRL_CMD_GETFAMILY)
    replies = yield from ex.dump(engine, c.GENL_ID_CTRL, payload, operation="getfamily",
                                 timeout=timeout)  # fmt: skip
    return [decode_family(msg) for msg in replies if msg.type == c.GENL_ID_CTRL]


def getpolicy(engine: Engine, family: str | int, op: int | None = None,
              timeout: float | None = 5.0) -> Exchange[Policy]:  # fmt: skip
    """The attribute policies of a family, or of one operation (CTRL_CMD_GETPOLICY dump).

    A family (or operation) without any policy gives an empty Policy: the kernel answers
    ENODATA there. An unknown family raises FamilyNotFound; an unknown operation raises
    NetlinkNotFoundError (the kernel marks CTRL_ATTR_OP as the bad attribute).
    """
    build = _select(family)
    if op is not None:
        build.put_u32(c.CTRL_ATTR_OP, op)
    try:
        replies = yield from ex.dump(engine, c.GENL_ID_CTRL,
                                     _request(c.CTRL_CMD_GETPOLICY, build),
                                     operation="getpolicy", timeout=timeout)  # fmt: skip
    except NetlinkError as exc:
        if exc.errno == errno.ENODATA:
            return Policy(family if isinstance(family, int) else None)
        if exc.errno == errno.ENOENT and exc.bad_offset is None:
            raise FamilyNotFound(family, operation="getpolicy", seq=exc.seq) from exc
        raise
    policy = Policy()
    entries: list[tuple[int, OpPolicy]] = []
    for msg in replies:
        if msg.type == c.GENL_ID_CTRL:
            decode_policy_message(msg, policy, entries)
    if op is None and any(op_id == 0 for op_id, _ in entries):
        info = yield from getfamily(engine, family, timeout)
        if info.op(0) is None or len(entries) > 1:
            _fix_op_ids(policy, entries, None, info)
    else:
        _fix_op_ids(policy, entries, op, None)
    for pair in policy.ops.values():
        for index in pair:
            if index is not None:
                policy.sets.setdefault(index, {})  # a policy without attributes sends none
    return policy


__all__ = [
    "NOTIFY_GROUP",
    "OP_FLAGS",
    "STALE_ERRNOS",
    "AttrPolicy",
    "FamilyInfo",
    "FamilyNotFound",
    "GroupInfo",
    "GroupNotFound",
    "OpInfo",
    "OpPolicy",
    "Policy",
    "decode_family",
    "decode_policy_message",
    "families",
    "family_event",
    "getfamily",
    "getpolicy",
    "op_flag_names",
]

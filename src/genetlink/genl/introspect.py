"""A family model from the running kernel: nlctrl's operations, groups and policies, named
from the family's uapi header.

    kernel = sock.run(introspect(sock.engine, "thermal"))      # FamilyInfo + Policy
    family = build_schema(kernel, find_family_header("thermal"))
    codec = FamilyCodec(family)                                 # like a spec's

Or in one step: ``draft_family("thermal")`` (blocking, its own socket), or the exchange
``kernel_family(engine, name)`` for a client's socket of either front.

The kernel says what exists (op ids and flags, groups, attribute numbers and types, nesting
through policy indexes); the header only gives names. A name is used only where the header
links it to the kernel's number unambiguously:

- operations: the command enum (``<PREFIX>CMD_*``/``<PREFIX>MSG_*``) that names most of the
  kernel's op ids (ethtool's user-to-kernel ``ETHTOOL_MSG_*`` enum rather than its reply
  enum, whose ``*_REPLY`` members give the reply ids: ethtool is drafted directional);
- an operation's attributes: the family's attribute enum (``<PREFIX>ATTR_*``/``<PREFIX>A_*``),
  or one enum per operation (``ETHTOOL_MSG_LINKINFO_GET`` -> ``ETHTOOL_A_LINKINFO_*``,
  ``WG_CMD_GET_DEVICE`` -> ``WGDEVICE_A_*``) when the family's ops have their own;
- nested sets: a policy index takes the enum that the nest attribute's name (or its comment,
  ``/* nest - _A_HEADER_* */``) names, when every number the kernel's policy lists fits the
  enum; two attributes that point the same index at different enums leave it unnamed.

Everything else keeps its number: an op without a name is ``cmd-N``, an attribute ``"N"``.
Attributes only the header knows (reply-only) keep their names; their type comes from the
header's comment (``/* u32 */``, ``/* be16 */``) when it says one, else they are binary; a
nest whose contents nothing names holds the empty set ``unknown-nest`` (its attributes decode
by number). Messages the kernel sends on its own become notifications: an event enum's
members (THERMAL_GENL_EVENT_*, with the event group), a reply enum's *_NTF members, and in a
family of one attribute space the header's commands the kernel has no handler for
(NL80211_CMD_NEW_WIPHY, the answer to GET_WIPHY).
"""

from __future__ import annotations

import dataclasses
import datetime
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..core.engine import Engine
from ..core.exchange import Exchange
from ..schema.model import Family
from ..wire.codecs import RANGES, SIZES
from ..wire.constants import NLA_TYPE_MASK
from ..wire.errors import GenetlinkError
from .nlctrl import AttrPolicy, FamilyInfo, OpInfo, Policy, getfamily, getpolicy
from .uapi import INCLUDE_DIR, CEnum, EnumMember, FamilyHeader, Header, header_for, spec_style

#: Words that end (ethtool: LINKINFO_GET) or start (wireguard: GET_DEVICE) an op name and
#: leave the name of the object it acts on.
_VERBS = frozenset({"GET", "SET", "ACT", "NEW", "DEL", "ADD", "DUMP", "CREATE", "DESTROY",
                    "DELETE", "FLUSH"})  # fmt: skip
_INTS = frozenset({*SIZES, "uint", "sint"})

#: Header comment words that say an attribute's type (``/* u32 */``, ``/* NLA_NUL_STRING */``).
_COMMENT_TYPES: dict[str, tuple[str, str | None]] = {
    **{t: (t, None) for t in SIZES},
    **{f"__{t}": (t, None) for t in SIZES},
    **{f"nla_{t}": (t, None) for t in SIZES},
    **{f"be{n}": (f"u{n}", "big-endian") for n in (16, 32, 64)},
    **{f"__be{n}": (f"u{n}", "big-endian") for n in (16, 32, 64)},
    "string": ("string", None), "nla_string": ("string", None),
    "nla_nul_string": ("string", None), "flag": ("flag", None), "nla_flag": ("flag", None),
    "nest": ("nest", None), "nested": ("nest", None), "nla_nested": ("nest", None),
    "binary": ("binary", None), "nla_binary": ("binary", None),
}  # fmt: skip

UNKNOWN_NEST = "unknown-nest"


class DraftError(GenetlinkError, ValueError):
    """The kernel's description of a family cannot be turned into a model."""


@dataclass(frozen=True, slots=True)
class KernelFamily:
    """What the running kernel says about a family: nlctrl's FamilyInfo and Policy."""

    info: FamilyInfo
    policy: Policy


def introspect(engine: Engine, family: str | int,
               timeout: float | None = 5.0) -> Exchange[KernelFamily]:  # fmt: skip
    """The family's registration and policies (CTRL_CMD_GETFAMILY, CTRL_CMD_GETPOLICY);
    FamilyNotFound when the namespace has no such family."""
    info = yield from getfamily(engine, family, timeout)
    policy = yield from getpolicy(engine, info.name, timeout=timeout)
    return KernelFamily(info, policy)


def kernel_family(engine: Engine, family: str, *, header: str | os.PathLike[str] | None = None,
                  include_dir: str | None = INCLUDE_DIR,
                  timeout: float | None = 5.0) -> Exchange[Family]:  # fmt: skip
    """A Family for `family` built from the running kernel and its header (found under
    `include_dir`, or `header` when given): what to use when no spec is found.

        family = client.sock.run(kernel_family(client.sock.engine, "thermal"))
    """
    kernel = yield from introspect(engine, family, timeout)
    return build_schema(kernel, header_for(kernel.info.name, header, include_dir=include_dir))


def draft_family(family: str, *, header: str | os.PathLike[str] | None = None,
                 netns: str | None = None, include_dir: str | None = INCLUDE_DIR,
                 timeout: float | None = 5.0) -> Family:  # fmt: skip
    """`kernel_family` over a socket of its own (blocking)."""
    from ..socket import NetlinkSocket
    from ..wire.constants import NETLINK_GENERIC

    with NetlinkSocket(NETLINK_GENERIC, netns=netns) as sock:
        return sock.run(kernel_family(sock.engine, family, header=header,
                                      include_dir=include_dir, timeout=timeout))  # fmt: skip


# -- names from the header ------------------------------------------------------------------


def _singular(word: str) -> str | None:
    return word[:-1] if word.endswith("S") and not word.endswith("SS") and len(word) > 2 else None


class _Names:
    """The header's enums as seen from one family (its naming prefix)."""

    def __init__(self, found: FamilyHeader | None) -> None:
        self.header: Header | None = found.header if found is not None else None
        self.prefix = found.prefix if found is not None else ""
        self.joined = self.prefix.rstrip("_")  # WG_ -> WG, for WGDEVICE_A_
        self.enums: tuple[CEnum, ...] = self.header.enums if self.header is not None else ()
        self.top: set[int] = set()  # ids of the enums operations use at their top level

    def with_prefix(self, prefix: str) -> tuple[CEnum, ...]:
        if self.header is None:
            return ()
        return self.header.by_prefix.get(prefix, ())

    def one(self, prefix: str) -> CEnum | None:
        found = self.with_prefix(prefix)
        return found[0] if len(found) == 1 else None

    # operations

    def command_enums(self) -> tuple[list[CEnum], list[CEnum]]:
        """(request enums, reply enums) under the prefix: ``<P>CMD_``/``<P>MSG_`` enums; a
        reply enum is one whose members mostly end in _REPLY or _NTF (ethtool's)."""
        requests: list[CEnum] = []
        replies: list[CEnum] = []
        for e in self.enums:
            if e.prefix not in (self.prefix + "CMD_", self.prefix + "MSG_"):
                continue
            named = [m for m in e.named if m.value != 0]
            kernel_side = sum(m.name.endswith(("_REPLY", "_NTF")) for m in named)
            (replies if named and kernel_side * 2 > len(named) else requests).append(e)
        return requests, replies

    def command_enum(self, op_ids: Iterable[int]) -> CEnum | None:
        """The request enum naming the most kernel op ids (None: none, or a tie)."""
        ids = list(op_ids)
        scored = sorted(((sum(i in e.by_value for i in ids), n) for n, e in
                         enumerate(self.command_enums()[0])), reverse=True)  # fmt: skip
        if not scored or scored[0][0] == 0 or (len(scored) > 1 and scored[1][0] == scored[0][0]):
            return None
        return self.command_enums()[0][scored[0][1]]

    def reply_enum(self) -> CEnum | None:
        replies = self.command_enums()[1]
        return replies[0] if len(replies) == 1 else None

    # attribute sets

    def global_enum(self) -> CEnum | None:
        """The family's attribute enum (``<P>ATTR_*``/``<P>A_*``); of several with that
        prefix (nl80211's reg-rule attributes share NL80211_ATTR_), the one clearly largest."""
        found = [*self.with_prefix(self.prefix + "ATTR_"), *self.with_prefix(self.prefix + "A_")]
        if len(found) <= 1:
            return found[0] if found else None
        found.sort(key=lambda e: len(e.named), reverse=True)
        return found[0] if len(found[0].named) > len(found[1].named) else None

    def op_enum(self, cmd: CEnum, member: EnumMember) -> CEnum | None:
        """The enum of one operation's own attributes: LINKINFO_GET -> <P>A_LINKINFO_*,
        GET_DEVICE -> <P-without-underscore>DEVICE_A_* (wireguard's WGDEVICE_A_)."""
        words = member.name[len(cmd.prefix) :].split("_")
        patterns: list[str] = []
        if len(words) > 1 and words[-1] in _VERBS:
            thing = "_".join(words[:-1])
            patterns += [f"{self.prefix}A_{thing}_", f"{self.prefix}{thing}_ATTR_"]
        if len(words) > 1 and words[0] in _VERBS:
            thing = "_".join(words[1:])
            patterns += [f"{self.joined}{thing}_A_", f"{self.joined}{thing}_ATTR_"]
        hits = {id(e): e for p in patterns if (e := self.one(p)) is not None and _attribute_like(e)}
        return next(iter(hits.values())) if len(hits) == 1 else None

    def nested_enum(self, parent: CEnum, member: EnumMember, maxtype: int | None,
                    numbers: Iterable[int], nest: bool) -> CEnum | None:  # fmt: skip
        """The enum naming the attributes inside nest attribute `member` of `parent`, or None.

        Rules, strongest first; the first that finds anything decides, and it must find one:
        1. the header says so: the comment's reference (``nest - _A_HEADER_*``) and, where the
           kernel's policy checks it, the member's name as a prefix (``ETHTOOL_A_BITSET_BITS_*``),
           or in the singular (``ETHTOOL_A_PAUSE_STAT_*``); these must agree;
        2. the conventions ``<P>A_<X>_``, ``<P><X>_ATTR_``, ``<P><X>_A_``, ``<P><X>_`` for the
           member's short name X, then (checked) for its singular (PEERS -> WGPEER_A_).
        Names alone mislead where the kernel cannot check them: nlctrl's CTRL_ATTR_POLICY does
        not hold CTRL_ATTR_POLICY_*, and CTRL_ATTR_OPS holds an array of CTRL_ATTR_OP_* (an
        array or a nest, only a policy tells);
        3. a one-word comment naming ``<P>A_<WORD>_`` (ethtool's ``/* bitset */``).
        Candidates must be attribute enums that fit the kernel's numbers (of several, the one
        whose max is `maxtype`); neither the parent (a comment that points a nest at its own
        enum is a slip, as ETHTOOL_A_STRINGS_STRING's) nor an operation's own enum (the
        conventions would nest ETHTOOL_A_STATS_* in ETHTOOL_A_PAUSE_STATS) ever is.
        """
        numbers = list(numbers)
        checked = maxtype is not None  # the kernel's policy describes this nest

        def pick(candidates: Iterable[CEnum]) -> list[CEnum]:
            """The candidates that fit (one whose max is `maxtype`, of several)."""
            fits = {id(e): e for e in candidates
                    if e is not parent and id(e) not in self.top and _attribute_like(e)
                    and _fits(e, numbers, maxtype)}  # fmt: skip
            found = list(fits.values())
            exact = [e for e in found if maxtype is not None and e.max == maxtype]
            return exact if len(found) > 1 and len(exact) == 1 else found

        stated: list[CEnum] = []
        refs = re.findall(r"([A-Z0-9_]*_[A-Z0-9]+)_?\s*\*|([A-Z0-9_]*_(?:A|ATTR)_[A-Z0-9_]+)",
                          member.comment)  # fmt: skip
        for ref in (a or b for a, b in refs):
            ref = ref.rstrip("_") + "_"
            stated += pick(e for e in self.enums if e.prefix.endswith(ref))
        singular = _singular(member.name)
        if checked:
            stated += pick(self.with_prefix(member.name + "_"))
            if singular:  # ETHTOOL_A_PAUSE_STATS holding ETHTOOL_A_PAUSE_STAT_*
                stated += pick(self.with_prefix(singular + "_"))
        rules: list[list[CEnum]] = [stated]
        short = member.name[len(parent.prefix) :]
        for thing in (short, _singular(short) if checked else None):
            if thing:
                patterns = (f"{self.prefix}A_{thing}_", f"{self.prefix}{thing}_ATTR_",
                            f"{self.prefix}{thing}_A_", f"{self.joined}{thing}_A_",
                            f"{self.joined}{thing}_ATTR_", f"{self.prefix}{thing}_")  # fmt: skip
                rules.append(pick(e for p in dict.fromkeys(patterns) for e in self.with_prefix(p)))
        word = re.fullmatch(r"\s*([A-Za-z][A-Za-z0-9]*)\s*", member.comment)
        if nest and word and word.group(1).lower() not in _COMMENT_TYPES:
            rules.append(pick(self.with_prefix(f"{self.prefix}A_{word.group(1).upper()}_")))
        for found in rules:
            distinct = {id(e): e for e in found}
            if distinct:  # one enum, or the header is ambiguous here: no name
                return found[0] if len(distinct) == 1 else None
        return None

    def event_enums(self) -> tuple[CEnum, CEnum | None] | None:
        """(the event enum, the enum of its attributes) under the prefix or a shorter one:
        THERMAL_GENL_EVENT_* with THERMAL_GENL_ATTR_*, MPTCP_EVENT_* with MPTCP_ATTR_*."""
        words = self.prefix.rstrip("_").split("_")
        for n in range(len(words), 0, -1):
            base = "_".join(words[:n]) + "_"
            events = self.one(base + "EVENT_")
            if events is not None:
                return events, self.one(base + "ATTR_") or self.one(base + "A_")
        return None


def _fits(e: CEnum, numbers: list[int], maxtype: int | None) -> bool:
    """The kernel's attribute numbers fit enum `e`: each one up to the enum's max is a member
    (numbers above it are newer than the header), and the enum is no bigger than the kernel's
    set when its size (`maxtype`) is known."""
    if not e.by_value or (maxtype is not None and e.max > maxtype):
        return False
    return all(n in e.by_value for n in numbers if n <= e.max)


def _attribute_like(e: CEnum) -> bool:
    """An enum of attribute numbers: nothing but an UNSPEC/INVALID placeholder at 0 (value
    enums such as NL80211_KEY_RX_TX = 0 share prefixes with attribute enums)."""
    zero = e.by_value.get(0)
    return zero is None or zero.name.endswith(("_UNSPEC", "_INVALID", "_UNSPECIFIED"))


# -- the draft ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Attr:
    value: int
    name: str
    spec: dict[str, Any]
    from_policy: bool = False


@dataclass(slots=True)
class _Set:
    name: str
    enum: CEnum | None
    attrs: dict[int, _Attr] = field(default_factory=dict)
    doc: str = ""


class _Draft:
    """Builds the spec-shaped dict of a family from the kernel's view and the header's names."""

    def __init__(self, kernel: KernelFamily, found: FamilyHeader | None) -> None:
        ops: dict[int, OpInfo] = {}
        for op in kernel.info.ops:  # a kernel that lists an op twice: the first one counts
            ops.setdefault(op.id, op)
        self.info = dataclasses.replace(kernel.info, ops=tuple(ops.values()))
        self.policy = kernel.policy
        self.names = _Names(found)
        self.found = found
        self.sets: dict[str, _Set] = {}
        self.enum_sets: dict[int, str] = {}  # id(enum) -> set name
        self.index_sets: dict[int, str] = {}  # policy index -> set name
        self.index_enum: dict[int, CEnum] = {}
        self.cmd = self.names.command_enum(op.id for op in self.info.ops)
        self.replies = self.names.reply_enum() if self.cmd is not None else None
        self.global_enum = self.names.global_enum()
        self.op_names: dict[int, str] = {}
        self.op_members: dict[int, EnumMember] = {}
        for op in self.info.ops:
            member = self.cmd.by_value.get(op.id) if self.cmd is not None else None
            if member is not None:
                self.op_members[op.id] = member
        self.per_op = self.cmd is not None and any(
            self.names.op_enum(self.cmd, m) is not None for m in self.op_members.values()
        )
        self.names.top = {id(e) for op in self.info.ops if (e := self.op_enum(op)) is not None}

    # which enum names an op's top-level attributes

    def op_enum(self, op: OpInfo) -> CEnum | None:
        member = self.op_members.get(op.id)
        if self.info.maxattr > 0 and self.global_enum is not None:
            return self.global_enum  # one policy for the whole family
        if self.per_op:
            return self.names.op_enum(self.cmd, member) if member and self.cmd else None
        return self.global_enum if member is not None else None

    def link_indexes(self) -> None:
        """Policy index -> enum, from the ops' enums and then, level by level, the nests'
        names; an index two sources name differently stays unnamed."""
        top: dict[int, dict[int, CEnum]] = {}
        for op in self.info.ops:
            enum = self.op_enum(op)
            entry = self.policy.ops.get(op.id)
            if enum is None or entry is None:
                continue
            for index in entry:
                if index is not None and index in self.policy.sets:
                    top.setdefault(index, {})[id(enum)] = enum
        mapping: dict[int, CEnum] = {}
        for _ in range(16):  # nests are rarely deeper than a handful of levels
            evidence = {i: dict(es) for i, es in top.items()}
            for index, enum in mapping.items():
                for number, pol in self.policy.sets.get(index, {}).items():
                    if pol.policy_idx is None or number not in enum.by_value:
                        continue
                    inner = self.names.nested_enum(
                        enum, enum.by_value[number], pol.policy_maxtype,
                        self.policy.sets.get(pol.policy_idx, {}), True,
                    )  # fmt: skip
                    if inner is not None:
                        evidence.setdefault(pol.policy_idx, {})[id(inner)] = inner
            fresh: dict[int, CEnum] = {}
            for index, found in evidence.items():
                numbers = list(self.policy.sets.get(index, {}))
                if len(found) == 1:
                    (enum,) = found.values()
                    if _fits(enum, numbers, None):
                        fresh[index] = enum
            if fresh == mapping:
                break
            mapping = fresh
        self.index_enum = mapping

    # sets

    def set_for_enum(self, enum: CEnum) -> str:
        name = self.enum_sets.get(id(enum))
        if name is None:
            name = self._unique(self._enum_set_name(enum))
            self.sets[name] = _Set(name, enum)
            self.enum_sets[id(enum)] = name
            for member in enum.named:
                if not 0 <= member.value <= NLA_TYPE_MASK or member.alias_of is not None:
                    continue  # no attribute number
                if enum.by_value.get(member.value) is member:
                    self._header_attr(self.sets[name], enum, member)
        return name

    def _enum_set_name(self, enum: CEnum) -> str:
        rest = enum.prefix
        for start in (self.names.prefix, self.names.joined):
            if start and rest.startswith(start):
                rest = rest[len(start) :]
                break
        words = [w for w in rest.split("_") if w and w not in ("A", "ATTR", "ATTRS")]
        return spec_style("_".join(words)) or spec_style(self.info.name) or "attrs"

    def _unique(self, name: str) -> str:
        base, n = name, 2
        while name in self.sets or name == UNKNOWN_NEST:
            name = f"{base}-{n}"
            n += 1
        return name

    def _header_attr(self, target: _Set, enum: CEnum, member: EnumMember) -> None:
        name = enum.short_name(member)
        if not name or name.isdigit() or any(a.name == name for a in target.attrs.values()):
            name = str(member.value)  # digits are how unnamed numbers are spelled
        spec: dict[str, Any]
        comment = _comment_type(member.comment)
        if member.value == 0:
            spec = {"type": "unused"}
        elif name == "pad" or name.endswith("-pad"):
            spec = {"type": "pad"}
        elif comment is not None:
            spec = {"type": comment[0]}
            if comment[1] is not None:
                spec["byte-order"] = comment[1]
        else:
            spec = {"type": "binary"}
        target.attrs[member.value] = _Attr(member.value, name, spec)

    def set_for_index(self, index: int) -> str:
        name = self.index_sets.get(index)
        if name is not None:
            return name
        enum = self.index_enum.get(index)
        if enum is not None:
            name = self.set_for_enum(enum)
        else:
            name = self._unique(f"policy-{index}")
            self.sets[name] = _Set(name, None, doc=f"policy {index} of the running kernel; "
                                   "the header names none of its attributes")  # fmt: skip
        self.index_sets[index] = name
        self._apply_policy(self.sets[name], self.policy.sets.get(index, {}))
        return name

    def _apply_policy(self, target: _Set, policies: Mapping[int, AttrPolicy]) -> None:
        for number, pol in sorted(policies.items()):
            spec = _policy_spec(pol)
            if pol.type in ("nested", "nested-array"):
                spec["nested-attributes"] = self._nested_set(target, number, pol)
            old = target.attrs.get(number)
            if old is not None and old.from_policy:
                if old.spec.get("type") != spec.get("type"):
                    continue  # two policies disagree: the first one's type stays
                if old.spec != spec:
                    old.spec.pop("checks", None)  # differing limits: claim none
                continue
            name = old.name if old is not None else str(number)
            target.attrs[number] = _Attr(number, name, spec, from_policy=True)

    def _nested_set(self, parent: _Set, number: int, pol: AttrPolicy) -> str:
        if pol.policy_idx is not None:
            return self.set_for_index(pol.policy_idx)
        enum = parent.enum
        member = enum.by_value.get(number) if enum is not None else None
        if enum is not None and member is not None:
            inner = self.names.nested_enum(enum, member, None, (), True)
            if inner is not None:
                return self.set_for_enum(inner)
        return self.unknown_nest()

    def unknown_nest(self) -> str:
        if UNKNOWN_NEST not in self.sets:
            self.sets[UNKNOWN_NEST] = _Set(
                UNKNOWN_NEST, None,
                doc="a nest whose attributes neither the kernel's policy nor the header name",
            )  # fmt: skip
        return UNKNOWN_NEST

    def finish_header_nests(self) -> None:
        """Reply-only nests of the header's sets (comment ``nest``, or a name that links an
        enum): give them their nested set. Sets added meanwhile are visited too."""
        done: set[str] = set()
        while True:
            todo = [s for s in self.sets.values() if s.name not in done and s.enum is not None]
            if not todo:
                return
            for target in todo:
                done.add(target.name)
                enum = target.enum
                assert enum is not None
                for attr in list(target.attrs.values()):
                    if attr.from_policy or attr.spec["type"] not in ("nest", "binary"):
                        continue
                    member = enum.by_value.get(attr.value)
                    if member is None or attr.value == 0:
                        continue
                    is_nest = attr.spec["type"] == "nest"
                    inner = self.names.nested_enum(enum, member, None, (), is_nest)
                    if inner is not None and (is_nest or _names_nest(member)):
                        attr.spec = {"type": "nest", "nested-attributes": self.set_for_enum(inner)}
                    elif is_nest:
                        attr.spec["nested-attributes"] = self.unknown_nest()

    # operations

    def build(self, date: str) -> dict[str, Any]:
        self.link_indexes()
        ops = self._operations()
        self.finish_header_nests()
        header_path = self.found.header.path if self.found is not None else None
        doc = f"drafted from the running kernel on {date}, header {header_path or '(none)'}"
        spec: dict[str, Any] = {"name": self.info.name, "protocol": "genetlink-legacy"}
        if self.info.version != 1:
            spec["version"] = self.info.version
        spec["doc"] = doc
        if header_path is not None:
            spec["uapi-header"] = _uapi_name(header_path)
        spec["kernel-policy"] = "global" if self.info.maxattr > 0 else "split"
        if self.info.hdrsize:
            spec["definitions"] = [{
                "name": "fixed-header", "type": "struct",
                "doc": "the family's fixed header, as long as nlctrl says (no members known)",
                "members": [{"name": "data", "type": "binary", "len": self.info.hdrsize}],
            }]  # fmt: skip
        spec["attribute-sets"] = [_set_spec(s) for s in self.sets.values()]
        spec["operations"] = ops
        groups = dict.fromkeys(g.name for g in self.info.groups)  # once each, in kernel order
        spec["mcast-groups"] = {"list": [{"name": g} for g in groups]}
        if not self.info.groups:
            del spec["mcast-groups"]
        spec["protocol"] = _protocol(spec)
        return spec

    def _op_set(self, op: OpInfo) -> str | None:
        entry = self.policy.ops.get(op.id)
        indexes = [i for i in (entry or ()) if i is not None]
        if not indexes:
            enum = self.op_enum(op)
            return self.set_for_enum(enum) if enum is not None else None
        names = [self.set_for_index(i) for i in dict.fromkeys(indexes)]
        if len(set(names)) == 1:
            return names[0]
        linked = [n for n, i in zip(names, dict.fromkeys(indexes), strict=True)
                  if i in self.index_enum]  # fmt: skip
        if linked:
            return linked[0]  # do and dump name different enums: the do's
        merged = self._unique("policy-" + "-".join(map(str, dict.fromkeys(indexes))))
        self.sets[merged] = _Set(merged, None, doc="the do and dump policies of "
                                 f"{self.op_names.get(op.id, op.id)} together")  # fmt: skip
        for i in dict.fromkeys(indexes):
            self._apply_policy(self.sets[merged], self.policy.sets.get(i, {}))
        return merged

    def _operations(self) -> dict[str, Any]:
        taken: set[str] = set()
        for op in self.info.ops:
            member = self.op_members.get(op.id)
            name = self.cmd.short_name(member) if member is not None and self.cmd else ""
            if not name or name in taken:
                name = f"cmd-{op.id}"
            taken.add(name)
            self.op_names[op.id] = name
        directional = self.replies is not None
        out: list[dict[str, Any]] = []
        for op in self.info.ops:
            out.append(self._operation(op, directional))
        out.extend(self._notifications(directional, taken))
        ops: dict[str, Any] = {}
        if directional:
            ops["enum-model"] = "directional"
        if self.cmd is not None:
            ops["name-prefix"] = spec_style(self.cmd.prefix) + "-"
        if self.info.hdrsize:
            ops["fixed-header"] = "fixed-header"
        ops["list"] = out
        return ops

    def _operation(self, op: OpInfo, directional: bool) -> dict[str, Any]:
        name = self.op_names[op.id]
        spec: dict[str, Any] = {"name": name}
        if not directional:
            spec["value"] = op.id
        aset = self._op_set(op)
        if aset is not None:
            spec["attribute-set"] = aset
        flags = [f for f in ("admin-perm", "uns-admin-perm") if op.has(f)]
        if flags:
            spec["flags"] = flags
        entry = self.policy.ops.get(op.id)
        reply_value = self._reply_value(op) if directional else None
        modes = [m for m in ("do", "dump") if op.has(m)] or ["do"]
        for mode in modes:
            index = getattr(entry, mode) if entry is not None else None
            request: dict[str, Any] = {}
            if directional:
                request["value"] = op.id
            if index is not None and aset is not None and self.info.maxattr == 0:
                # per-op policies; one family-wide policy (maxattr > 0) would list every
                # attribute under every op
                names = self._names_in(aset, self.policy.sets.get(index, {}))
                if names:
                    request["attributes"] = names
            section: dict[str, Any] = {"request": request}
            if directional and reply_value is not None:
                section["reply"] = {"value": reply_value}
            spec[mode] = section
        return spec

    def _names_in(self, set_name: str, policies: Mapping[int, AttrPolicy]) -> list[str]:
        attrs = self.sets[set_name].attrs
        return [attrs[n].name for n in sorted(policies) if n in attrs]

    def _reply_value(self, op: OpInfo) -> int | None:
        member = self.op_members.get(op.id)
        if member is None or self.replies is None:
            return None
        reply = self.replies.by_name.get(member.name + "_REPLY")
        return reply.value if reply is not None and not reply.sentinel else None

    def _group(self) -> str | None:
        groups = [g.name for g in self.info.groups]
        events = [g for g in groups if "event" in g.lower()]
        if len(events) == 1:
            return events[0]
        return groups[0] if len(groups) == 1 else None

    def _notifications(self, directional: bool, taken: set[str]) -> list[dict[str, Any]]:
        """Messages the kernel sends on its own: the *_NTF members of a reply enum (ethtool,
        directional), or an event enum's members (THERMAL_GENL_EVENT_*, MPTCP_EVENT_*)."""
        if directional:
            return self._reply_notifications(taken)
        found = self.names.event_enums()
        out = self._events(*found, taken) if found is not None else []
        return out + self._unregistered_commands(taken, {n["value"] for n in out})

    def _reply_notifications(self, taken: set[str]) -> list[dict[str, Any]]:
        replies = self.replies
        assert replies is not None
        group = self._group()
        ops_by_member = {self.op_members[i].name: name for i, name in self.op_names.items()
                         if i in self.op_members}  # fmt: skip
        out: list[dict[str, Any]] = []
        for member in replies.named:
            name = replies.short_name(member)
            if (not member.name.endswith("_NTF") or name in taken
                    or replies.by_value.get(member.value) is not member):  # fmt: skip
                continue
            taken.add(name)
            spec: dict[str, Any] = {"name": name, "value": member.value}
            # its own enum (FOO_A_CABLE_TEST_NTF_*), else the attributes of the op it reports
            own = self.names.one(f"{self.names.prefix}A_{member.name[len(replies.prefix) :]}_")
            stem = member.name.removesuffix("_NTF")
            target = next((ops_by_member[stem + verb] for verb in ("_GET", "_SET", "_ACT")
                           if stem + verb in ops_by_member), None)  # fmt: skip
            if own is None and target is not None:
                spec["notify"] = target
            else:
                if own is not None:
                    spec["attribute-set"] = self.set_for_enum(own)
                spec["event"] = {"attributes": []}
            if group is not None:
                spec["mcgrp"] = group
            out.append(spec)
        return out

    def _unregistered_commands(self, taken: set[str], used: set[int]) -> list[dict[str, Any]]:
        """Commands of the header the kernel registers no handler for are messages it only
        sends (NL80211_CMD_NEW_WIPHY answers GET_WIPHY, GENLTEST_CMD_NOTIFY goes to its
        group): in a family of one attribute space, their attributes are that space's."""
        if self.cmd is None or self.global_enum is None or self.per_op:
            return []
        registered = {op.id for op in self.info.ops}
        group = self._group()
        out: list[dict[str, Any]] = []
        for member in self.cmd.named:
            name = self.cmd.short_name(member)
            if (not 0 < member.value <= 0xFF or member.value in registered
                    or member.value in used or name in taken
                    or self.cmd.by_value.get(member.value) is not member):  # fmt: skip
                continue
            taken.add(name)
            used.add(member.value)
            spec: dict[str, Any] = {"name": name, "value": member.value,
                                    "attribute-set": self.set_for_enum(self.global_enum),
                                    "event": {"attributes": []}}  # fmt: skip
            if group is not None:
                spec["mcgrp"] = group
            out.append(spec)
        return out

    def _events(self, events: CEnum, attrs: CEnum | None,
                taken: set[str]) -> list[dict[str, Any]]:  # fmt: skip
        group = self._group()
        out: list[dict[str, Any]] = []
        for member in events.named:
            if not 0 < member.value <= 0xFF or events.by_value.get(member.value) is not member:
                continue  # genlmsghdr.cmd is one byte
            name = events.short_name(member)
            if name in taken:
                name += "-ntf"
            if name in taken:
                continue
            taken.add(name)
            spec: dict[str, Any] = {"name": name, "value": member.value}
            if attrs is not None:
                spec["attribute-set"] = self.set_for_enum(attrs)
            spec["event"] = {"attributes": []}
            if group is not None:
                spec["mcgrp"] = group
            out.append(spec)
        return out


def _names_nest(member: EnumMember) -> bool:
    """A reply-only attribute whose type the header does not say may still be a nest when its
    name links an enum: only where the comment does not say otherwise."""
    return _comment_type(member.comment) is None


def _comment_type(comment: str) -> tuple[str, str | None] | None:
    word = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)", comment)
    return _COMMENT_TYPES.get(word.group(1).lower()) if word else None


def _policy_spec(pol: AttrPolicy) -> dict[str, Any]:
    """An attribute's type and checks from its kernel policy."""
    kind = pol.type
    checks: dict[str, Any] = {}
    spec: dict[str, Any]
    if kind in _INTS:
        spec = {"type": kind}
        low, high = RANGES.get(kind, RANGES["u64" if kind == "uint" else "s64"])
        if pol.min_value is not None and pol.min_value != low:
            checks["min"] = pol.min_value
        if pol.max_value is not None and pol.max_value != high:
            checks["max"] = pol.max_value
    elif kind in ("string", "nul-string"):
        spec = {"type": "string"}
        if kind == "string":
            checks["unterminated-ok"] = True  # NLA_STRING: the kernel takes it without a NUL
        if pol.max_length is not None:
            checks["max-len"] = pol.max_length
    elif kind == "flag":
        spec = {"type": "flag"}
    elif kind == "nested":
        spec = {"type": "nest"}
    elif kind == "nested-array":
        spec = {"type": "indexed-array", "sub-type": "nest"}
    elif kind == "bitfield32":
        spec = {"type": "bitfield32"}
    else:  # binary, and anything newer than this reader: kept as bytes
        spec = {"type": "binary"}
        if kind == "binary":
            lo, hi = pol.min_length, pol.max_length
            if lo is not None and lo == hi:
                checks["exact-len"] = lo
            else:
                if lo:
                    checks["min-len"] = lo
                if hi is not None:
                    checks["max-len"] = hi
    if checks:
        spec["checks"] = checks
    return spec


def _set_spec(s: _Set) -> dict[str, Any]:
    out: dict[str, Any] = {"name": s.name}
    if s.enum is not None and s.enum.prefix:
        out["name-prefix"] = spec_style(s.enum.prefix) + "-"
    if s.doc:
        out["doc"] = s.doc
    out["attributes"] = [{"name": a.name, "value": a.value, **a.spec}
                         for _, a in sorted(s.attrs.items())]  # fmt: skip
    return out


_PLAIN_TYPES = frozenset({"unused", "pad", "flag", "binary", "uint", "sint", "u8", "u16", "u32",
                          "u64", "s32", "s64", "string", "nest"})  # fmt: skip


def _protocol(spec: Mapping[str, Any]) -> str:
    """``genetlink`` when the draft needs nothing of genetlink-legacy (directional ids, a
    version, a fixed header, s8/s16/bitfield32/indexed-array, unterminated-ok, uns-admin-perm)."""
    ops = spec["operations"]
    if ops.get("enum-model") == "directional" or "version" in spec or "definitions" in spec:
        return "genetlink-legacy"
    for aset in spec["attribute-sets"]:
        for attr in aset["attributes"]:
            if attr["type"] not in _PLAIN_TYPES or "unterminated-ok" in attr.get("checks", {}):
                return "genetlink-legacy"
    if any("uns-admin-perm" in op.get("flags", ()) for op in ops["list"]):
        return "genetlink-legacy"
    return "genetlink"


def _uapi_name(path: str) -> str:
    """`linux/foo.h` for a header of the system's include directory, else the path."""
    parent, name = os.path.split(path)
    return f"linux/{name}" if os.path.abspath(parent) == INCLUDE_DIR else path


def build_spec(kernel: KernelFamily, found: FamilyHeader | None, *,
               date: str | None = None) -> dict[str, Any]:  # fmt: skip
    """The family as a spec-shaped dict (what the YAML loader reads), for `build_schema` or
    to write out as YAML (``genetlink spec draft``). `date` goes into its doc (default: today)."""
    day = date or datetime.date.today().isoformat()
    return _Draft(kernel, found).build(day)


def build_schema(kernel: KernelFamily, found: FamilyHeader | None, *,
                 date: str | None = None) -> Family:  # fmt: skip
    """A Family from the kernel's description and the header's names (see the module doc).
    DraftError when the result does not load."""
    from ..loader.errors import SpecError
    from ..loader.spec import build_family

    try:
        spec = build_spec(kernel, found, date=date)
    except RecursionError as exc:  # policies nested past the interpreter's stack
        raise DraftError(f"the policies of {kernel.info.name} nest too deep") from exc
    where = found.header.path if found is not None else "no header"
    try:
        return build_family(spec, source=f"<kernel {kernel.info.name}, {where}>")
    except SpecError as exc:
        raise DraftError(f"the draft of {kernel.info.name} does not load: {exc}") from exc

__all__ = [
    "UNKNOWN_NEST",
    "DraftError",
    "KernelFamily",
    "build_schema",
    "build_spec",
    "draft_family",
    "introspect",
    "kernel_family",
]

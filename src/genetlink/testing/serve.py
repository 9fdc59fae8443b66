"""Generic Netlink families served from their specs on a fake kernel: tests without root.

    served = serve_family("genltest")            # a spec name or path, or a Family

    @served.do("echo")
    def echo(request: Request) -> dict[str, str]:
        return {"msg": "Hello from Kernel Space, Netlink!"}

    with open_family("genltest", transport_factory=served.kernel.transport) as genltest:
        genltest.do("echo", {"msg": "hi"})
    served.notify("mcgrp", "notify", {"msg": "ping"})

A `GenlKernel` (see `genl_kernel`) answers nlctrl for every family served on it; requests to
a family go to its `ServedFamily`, which checks them as the kernel would and routes them to
handlers that take the request decoded and return replies as dicts:

- an unknown family id: ENOENT; a message too short for its headers: EINVAL; an op the spec
  does not have, or has not in that mode (do/dump), or that has no handler: EOPNOTSUPP;
- requests are validated against the family's policy (derived from the spec, see
  `testing.policy`; strict unless the op says `dont-validate`): EINVAL or ERANGE with the
  kernel's ext-ACK (message, the offending attribute's offset and its policy);
- a do handler returns one reply (a dict), several (a list), None (an ACK when asked) or
  `NO_ANSWER`; a dump handler returns or yields dicts. `Reply(op, values)` answers with a
  message of another op of the family (nlctrl answers getfamily with newfamily messages);
- a handler raises `served.error(errno, message=..., attribute="nest.name")` (any
  NetlinkError: its `attr_path`/`missing_path` name attributes of the request) for an
  NLMSG_ERROR whose ext-ACK points at that attribute; in a dump, before its first item
  (as the kernel's start callback) or after (the dump ends with that error in NLMSG_DONE);
- a handler that fails otherwise (any other exception, a reply its spec cannot encode) is
  answered EIO naming the exception, so the client gets a `NetlinkError` and never waits;
  the exception is kept in `served.failures` (and logged) for the test to look at.

Families can be unregistered and registered again under a new id (a module reload): nlctrl
announces it to its "notify" group, as the kernel does, and the group memberships go.
"""

from __future__ import annotations

import errno
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import replace
from enum import Enum
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, TypeVar, cast

from ..codec.encode import lookup
from ..codec.family import FamilyCodec
from ..genl.nlctrl import OP_FLAGS, FamilyInfo, GroupInfo, OpInfo, Policy
from ..schema.model import Family, Operation, OperationMode
from ..wire import constants as c
from ..wire.attrs import Attrs
from ..wire.errors import DecodeError, GenetlinkError, NetlinkError, netlink_error
from ..wire.genl import genl_payload
from ..wire.message import Message, build_message
from . import replies
from .fake import log
from .nlctrl import attr_policy_values, family_values, group_values
from .policy import check_request, family_policy, main_set

if TYPE_CHECKING:
    from .genl_kernel import GenlKernel

_ADMIN_FLAGS = ("admin-perm", "uns-admin-perm")


class _Silence(Enum):
    NO_ANSWER = "no answer"


#: What a do handler returns to answer nothing at all, not even the ACK (a kernel that is
#: slow to answer; a test answers later with `kernel.deliver`).
NO_ANSWER: Literal[_Silence.NO_ANSWER] = _Silence.NO_ANSWER


class Reply(NamedTuple):
    """A reply that is a message of another op of the family (its command and attributes)."""

    op: str
    values: Mapping[str, Any]


class Request(Mapping[str, Any]):
    """A request as a handler sees it: its attributes (and fixed-header members) by name,
    decoded on access as a kernel handler reads them (a malformed one it reads answers EINVAL).

    op: the operation's name; mode: "do" or "dump"; attrs: the `Decoded` mapping;
    message: the parsed request (seq, port, flags); `warn(text)` sends `text` as an ext-ACK
    warning with the ACK (or the NLMSG_DONE).
    """

    __slots__ = ("attrs", "message", "mode", "op", "warning")

    def __init__(self, op: str, mode: str, attrs: Mapping[str, Any], message: Message) -> None:
        self.op = op
        self.mode = mode
        self.attrs = attrs
        self.message = message
        self.warning: str | None = None

    def warn(self, text: str) -> None:
        """Answer with an ext-ACK warning (NL_SET_ERR_MSG on success)."""
        self.warning = text

    def __getitem__(self, key: str) -> Any:
        return self.attrs[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.attrs)

    def __len__(self) -> int:
        return len(self.attrs)

    def __repr__(self) -> str:
        return f"Request({self.op} {self.mode}, {dict(self.attrs)!r})"


Answer = Mapping[str, Any] | Reply
DoResult = Answer | Iterable[Answer] | Literal[_Silence.NO_ANSWER] | None
DoHandler = Callable[[Request], DoResult]
DumpHandler = Callable[[Request], Iterable[Answer]]
D = TypeVar("D", bound=DoHandler)
P = TypeVar("P", bound=DumpHandler)


class ServedFamily:
    """One family served on a `GenlKernel`, from its model (see the module's docstring).

    policy:   the policy it reports and checks requests against (default: from the spec)
    validate: check requests against it (False: handlers get them as they came)
    dont_validate: op name -> the checks the kernel skips for it ("strict", "dump",
              "dump-strict"), instead of the spec's `dont-validate`
    per_datagram: dump messages per datagram (None: as many as fit NLMSG_GOODSIZE bytes)
    requests: every request that reached a handler, in order
    failures: every exception a handler raised that was not a NetlinkError (answered EIO)
    """

    def __init__(self, kernel: GenlKernel, family: Family, *, policy: Policy | None = None,
                 validate: bool = True, per_datagram: int | None = None,
                 dont_validate: Mapping[str, Collection[str]] | None = None) -> None:  # fmt: skip
        if not family.is_genetlink:
            raise ValueError(f"family {family.name} is netlink-raw, not Generic Netlink")
        self.kernel = kernel
        self.family = family
        self.codec = FamilyCodec(family)
        self.policy = family_policy(family) if policy is None else policy
        self.validate = validate
        self._skip = {op.name: frozenset((dont_validate or {}).get(op.name, op.dont_validate))
                      for op in family.operations.values()}  # fmt: skip
        self.per_datagram = per_datagram
        self.requests: list[Request] = []
        self.failures: list[Exception] = []
        self.info: FamilyInfo | None = None  # while registered
        self._handlers: dict[tuple[str, str], Callable[[Request], Any]] = {}
        self._ops = _ops(family, self.policy)
        header = family.structs.get(family.fixed_header or "")
        self._hdrsize = header.size if header is not None else 0
        whole = main_set(family) if family.kernel_policy == "global" else None
        self._maxattr = family.attribute_sets[whole].max_value if whole is not None else 0

    @property
    def name(self) -> str:
        """The family's name."""
        return self.family.name

    @property
    def id(self) -> int:
        """The family id it is registered under."""
        return self._registered().id

    @property
    def groups(self) -> dict[str, int]:
        """Multicast group name -> id, as registered."""
        return {g.name: g.id for g in self._registered().groups}

    # -- handlers --------------------------------------------------------------------------

    def do(self, op: str) -> Callable[[D], D]:
        """Decorator: `handler(request)` answers the op's do requests."""
        return self._route(op, "do")

    def dump(self, op: str) -> Callable[[P], P]:
        """Decorator: `handler(request)` returns (or yields) the op's dump replies."""
        return self._route(op, "dump")

    def _route(self, op_name: str, mode: str) -> Callable[[Any], Any]:
        op = self.codec.operation(op_name)
        if getattr(op, mode) is None:
            raise ValueError(f"family {self.name}: operation {op.name} has no {mode}")

        def register(handler: Any) -> Any:
            self._handlers[(op.name, mode)] = handler
            return handler

        return register

    @staticmethod
    def error(code: int, *, message: str | None = None, attribute: str | None = None,
              missing: str | None = None) -> NetlinkError:  # fmt: skip
        """The error for a handler to raise: errno `code`, an ext-ACK `message`, the request's
        `attribute` it is about and the one `missing` from it, by name ("nest.name")."""
        return netlink_error(code, message=message, attr_path=attribute, missing_path=missing)

    # -- messages from the kernel ------------------------------------------------------------

    def message(self, op: str, values: Mapping[str, Any] | None = None, *, flags: int = 0,
                seq: int = 0, port: int = 0) -> bytes:  # fmt: skip
        """A message of the family (nlmsghdr and all), as the kernel sends `op`'s."""
        payload = self._payload(self.codec.operation(op), "do", values or {})
        return build_message(self.id, flags, seq, port, payload)

    def notify(self, group: str, op: str, values: Mapping[str, Any] | None = None) -> int:
        """Multicast a message of `op` to `group` (by name); returns how many sockets got it."""
        group_id = self._registered().group(group).id
        return self.kernel.multicast(group_id, self.message(op, values))

    def _payload(self, op: Operation, mode: str, answer: Answer) -> bytes:
        """genlmsghdr and body of `answer` to a request of `op` in `mode`."""
        half: OperationMode | None = getattr(op, mode)
        if isinstance(answer, Reply):
            op, half, values = self.codec.operation(answer.op), None, answer.values
        else:
            values = answer
        reply = half.reply if half is not None else None
        ids = (reply.value if reply is not None else None, op.reply_value, op.request_value)
        cmd = next(i for i in ids if i is not None)
        # FamilyCodec encodes requests: a request of this id is laid out as the kernel's message
        _, body = self.codec.encode(replace(op, request_value=cmd, do=None, dump=None),
                                    dict(values))  # fmt: skip
        return genl_payload(cmd, self.family.version, body)

    # -- registration ------------------------------------------------------------------------

    def register(self, family_id: int | None = None,
                 groups: Mapping[str, int] | None = None) -> FamilyInfo:  # fmt: skip
        """Register under `family_id` (None: the next id the kernel would give) with group ids
        from `groups` (the rest allocated); nlctrl announces the family and its groups."""
        info = self.kernel._register(self, family_id, groups or {})
        nlctrl = self.kernel.nlctrl
        nlctrl.notify("notify", "newfamily", family_values(info))
        for group in info.groups:
            nlctrl.notify("notify", "newmcast-grp", group_values(info, group))
        return info

    def unregister(self) -> None:
        """Unregister: the groups go (their members leave them), then the family; nlctrl
        announces each. Requests to the old id get ENOENT."""
        info = self._registered()
        nlctrl = self.kernel.nlctrl
        for group in info.groups:
            self.kernel.clear_group(group.id)
            nlctrl.notify("notify", "delmcast-grp", group_values(info, group))
        self.kernel._unregister(self)
        nlctrl.notify("notify", "delfamily", family_values(info))

    def reregister(self, family_id: int | None = None,
                   groups: Mapping[str, int] | None = None) -> FamilyInfo:  # fmt: skip
        """A module reload: `unregister()`, then `register()` (by default under a new id)."""
        self.unregister()
        return self.register(family_id, groups)

    def _info(self, family_id: int, groups: dict[str, int]) -> FamilyInfo:
        return FamilyInfo(family_id, self.name, self.family.version, self._hdrsize, self._maxattr,
                          self._ops, tuple(GroupInfo(n, i) for n, i in groups.items()))  # fmt: skip

    def _registered(self) -> FamilyInfo:
        if self.info is None:
            raise GenetlinkError(f"family {self.name} is not registered")
        return self.info

    # -- requests ----------------------------------------------------------------------------

    def answer(self, msg: Message) -> list[bytes]:
        """The datagrams the kernel sends back for request `msg` to this family."""
        if msg.end - msg.payload_start < c.GENL_HDRLEN + self._hdrsize:
            return [replies.error(msg, errno.EINVAL)]
        cmd = msg.data[msg.payload_start]
        mode = "dump" if msg.flags & c.NLM_F_DUMP == c.NLM_F_DUMP else "do"
        op = self.family.op_by_request(cmd)
        if op is None or getattr(op, mode) is None:
            return [replies.error(msg, errno.EOPNOTSUPP)]
        handler = self._handlers.get((op.name, mode))
        if handler is None:
            text = f"{self.name} {op.name}: no {mode} handler is served"
            return [replies.error(msg, errno.EOPNOTSUPP, message=text)]
        refused = self._check(msg, op, cmd, mode)
        if refused is not None:
            return [refused]
        # decoded on access, as a kernel handler reads only the attributes it looks at; keys
        # are names, only numbers the spec does not know (lenient ops) are ints
        values = self.codec.decode_genl(msg, op)
        request = Request(op.name, mode, cast(Mapping[str, Any], values), msg)
        self.requests.append(request)
        try:
            if mode == "dump":
                return self._dump(request, op, handler)
            return self._do(request, op, handler)
        except Exception as exc:  # a handler's bug: an answer all the same, never a silence
            self.failures.append(exc)
            log.warning("%s %s %s handler failed", self.name, op.name, mode, exc_info=exc)
            text = f"{self.name} {op.name}: the {mode} handler failed: {type(exc).__name__}: {exc}"
            return [replies.error(msg, errno.EIO, message=text[:200])]

    def _check(self, msg: Message, op: Operation, cmd: int, mode: str) -> bytes | None:
        """The kernel's refusal of a request its policy does not accept (None: accepted)."""
        skip = self._skip[op.name]
        if not self.validate or (mode == "dump" and "dump" in skip):
            return None
        lenient = "strict" in skip or (mode == "dump" and "dump-strict" in skip)
        start = msg.payload_start + c.GENL_HDRLEN
        found = check_request(self.policy, cmd, mode, msg.data[start : msg.end],
                              header_size=op.fixed_header_size, strict=not lenient)  # fmt: skip
        if found is None:
            return None
        offset = None if found.offset is None else start + found.offset - msg.start
        policy = None
        if found.policy is not None:
            values = attr_policy_values(found.policy)
            policy = self.kernel.nlctrl.codec.encode_attrs("policy-attrs", values)
        return replies.error(msg, found.errno, message=found.message, bad_offset=offset,
                             policy=policy)  # fmt: skip

    def _do(self, request: Request, op: Operation,
            handler: Callable[[Request], Any]) -> list[bytes]:  # fmt: skip
        msg = request.message
        try:
            result = handler(request)
        except DecodeError as exc:  # an attribute the handler read is malformed
            return [replies.error(msg, errno.EINVAL, message=str(exc))]
        except NetlinkError as err:
            return [self._refusal(request, err)]
        if result is NO_ANSWER:
            return []
        if result is None:
            answers = []
        elif isinstance(result, Mapping | Reply):
            answers = [result]
        else:
            answers = list(result)
        # genlmsg_reply() sends each reply in a datagram of its own; the ACK comes after
        out = [replies.reply(msg, self.id, self._payload(op, "do", a)) for a in answers]
        if msg.flags & c.NLM_F_ACK:
            out.append(replies.ack(msg, message=request.warning))
        return out

    def _dump(self, request: Request, op: Operation,
              handler: Callable[[Request], Any]) -> list[bytes]:  # fmt: skip
        payloads: list[bytes] = []
        code, text = 0, request.warning
        try:
            for answer in handler(request):
                payloads.append(self._payload(op, "dump", answer))
        except DecodeError as exc:  # an attribute the handler read is malformed
            return [replies.error(request.message, errno.EINVAL, message=str(exc))]
        except NetlinkError as err:
            if not payloads:  # refused at the start: an NLMSG_ERROR, as from the start callback
                return [self._refusal(request, err)]
            code, text = -_errno(err), err.message
        size = replies.NLMSG_GOODSIZE if self.per_datagram is None else None
        return replies.dump(request.message, self.id, payloads, per_datagram=self.per_datagram,
                            max_size=size, error=code, message=text or request.warning)  # fmt: skip

    def _refusal(self, request: Request, err: NetlinkError) -> bytes:
        """NLMSG_ERROR for a handler's error; its attribute paths become offsets."""
        bad, nest, missing = err.bad_offset, err.missing_nest, err.missing_type
        if err.attr_path:
            bad = self._find(request, err.attr_path)[2]
            if bad is None:
                text = f"{self.name} {request.op}: the request has no {err.attr_path}"
                raise ValueError(text)
        if err.missing_path:
            nest, missing, _ = self._find(request, err.missing_path)
        return replies.error(request.message, _errno(err), message=err.message,
                             bad_offset=bad, missing_type=missing, missing_nest=nest,
                             cookie=err.cookie)  # fmt: skip

    def _find(self, request: Request, path: str) -> tuple[int | None, int, int | None]:
        """(offset of the enclosing nest, number, offset) of attribute `path` of the request;
        offsets from the nlmsghdr, None where the request has no such attribute."""
        msg = request.message
        op = self.codec.operation(request.op)
        set_name = op.attribute_set
        start = msg.payload_start + c.GENL_HDRLEN + ((op.fixed_header_size + 3) & ~3)
        end, nest = msg.end, None
        names = path.lstrip(".").split(".")
        for depth, name in enumerate(names):
            aset = self.family.attribute_sets.get(set_name or "")
            attr = lookup(aset.attributes, name) if aset is not None else None
            if attr is None:
                raise ValueError(f"{self.name} {request.op}: no attribute {path!r}")
            span = Attrs(msg.data, start, end).span(attr.value)
            offset = None if span is None else span[0] - c.NLA_HDRLEN - msg.start
            if depth == len(names) - 1:
                return nest, attr.value, offset
            if span is None:
                raise ValueError(f"{self.name} {request.op}: the request has no {name}")
            nest, (start, end), set_name = offset, span, attr.nested_attributes
        raise AssertionError("unreachable")  # pragma: no cover

    def __repr__(self) -> str:
        where = f"id {self.info.id}" if self.info is not None else "unregistered"
        return f"ServedFamily({self.name}, {where})"


def _errno(err: NetlinkError) -> int:
    return err.errno if err.errno is not None else errno.EINVAL


def _ops(family: Family, policy: Policy) -> tuple[OpInfo, ...]:
    """The ops nlctrl reports: do/dump as the spec has them, has-policy as `policy` has."""
    out: list[OpInfo] = []
    for cmd, op in family.request_ops.items():
        flags = sum(OP_FLAGS[f] for f in _ADMIN_FLAGS if f in op.flags)
        flags |= (c.GENL_CMD_CAP_DO if op.do is not None else 0) | (
            c.GENL_CMD_CAP_DUMP if op.dump is not None else 0)  # fmt: skip
        entry = policy.ops.get(cmd)
        if entry is not None and (entry.do is not None or entry.dump is not None):
            flags |= c.GENL_CMD_CAP_HASPOL
        out.append(OpInfo(cmd, flags))
    return tuple(out)


__all__ = ["NO_ANSWER", "Reply", "Request", "ServedFamily"]

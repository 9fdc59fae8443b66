"""The family model: attribute sets, sub-messages, operations, multicast groups, the family.

Everything is resolved at load time (attribute numbers, enum values, operation ids per
direction, subset inheritance, struct sizes), so consumers never re-implement spec rules.
All objects are immutable; mappings are read-only views that keep spec order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from genetlink.schema.definitions import Const, Definition, EnumDefinition, Struct


@dataclass(frozen=True, slots=True)
class Checks:
    """Kernel input validation of an attribute (``checks``), numbers resolved.

    ``min``/``max`` are value limits (``u32-max`` and constant names resolved);
    ``min_len``/``max_len``/``exact_len`` are payload lengths (``max_len`` of a string does
    not count the NUL); ``flags_mask`` is the mask of the named flags (``flags_mask_name``).
    """

    min: int | None = None
    max: int | None = None
    min_len: int | None = None
    max_len: int | None = None
    exact_len: int | None = None
    unterminated_ok: bool = False
    flags_mask: int | None = None
    flags_mask_name: str | None = None


NO_CHECKS = Checks()


@dataclass(frozen=True, slots=True)
class Attribute:
    """One attribute of a set, with its number (``value``) and everything needed to code it.

    ``type``: one of `types.ATTRIBUTE_TYPES` (``array-nest`` arrives as ``indexed-array``
    with ``sub_type="nest"``). ``nested_attributes`` names the set inside a ``nest``,
    ``indexed-array`` (of nests) or ``nest-type-value``. ``enum_as_flags`` is True when the
    named enum is a ``flags`` definition or the spec asks for ``enum-as-flags``.
    ``selector`` names the attribute whose value picks the format of ``sub_message``; it is
    a sibling or, failing that, an attribute of an enclosing nest. ``len`` is the payload
    length when fixed (scalar size, struct size, or ``checks.exact-len``), else None.
    """

    name: str
    value: int
    type: str
    doc: str = ""
    byte_order: str | None = None
    sub_type: str | None = None
    nested_attributes: str | None = None
    type_value: tuple[str, ...] = ()
    enum: str | None = None
    enum_as_flags: bool = False
    struct: str | None = None
    display_hint: str | None = None
    multi_attr: bool = False
    checks: Checks = NO_CHECKS
    selector: str | None = None
    sub_message: str | None = None
    len: int | None = None


@dataclass(frozen=True, slots=True)
class AttributeSet:
    """An attribute space: attributes by name (spec order) and by number.

    A fractional set (``subset_of``) holds a subset of its parent's attributes with the
    parent's numbers and, unless it overrides them, the parent's types and nesting.
    ``name_prefix`` is the spec's C prefix (inherited by subsets), None when not given.
    """

    name: str
    attributes: Mapping[str, Attribute]
    by_value: Mapping[int, Attribute]
    subset_of: str | None = None
    name_prefix: str | None = None
    doc: str = ""

    def __getitem__(self, name: str) -> Attribute:
        return self.attributes[name]

    def __contains__(self, name: object) -> bool:
        return name in self.attributes

    @property
    def max_value(self) -> int:
        """The highest attribute number in the set (0 for an empty set)."""
        return max(self.by_value, default=0)


@dataclass(frozen=True, slots=True)
class SubMessageFormat:
    """One format of a sub-message: the ``value`` of the selector that picks it, an optional
    fixed header (struct name and size) and an optional attribute set."""

    value: str
    fixed_header: str | None = None
    fixed_header_size: int = 0
    attribute_set: str | None = None


@dataclass(frozen=True, slots=True)
class SubMessage:
    """A ``sub-messages`` entry: formats keyed by selector value (always a str)."""

    name: str
    formats: Mapping[str, SubMessageFormat]


@dataclass(frozen=True, slots=True)
class MessageSpec:
    """One direction of a ``do``/``dump``: the message id and the attribute names allowed."""

    value: int | None
    attributes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OperationMode:
    """A ``do`` or ``dump`` of an operation; ``request``/``reply`` None when absent."""

    request: MessageSpec | None = None
    reply: MessageSpec | None = None


@dataclass(frozen=True, slots=True)
class Operation:
    """A message type of the family: a command, a notification or an event.

    ``value`` is the op's own number: always set in the unified model, and in the
    directional one only where the spec gives it at op level (notifications).

    ``request_value`` is the id of messages to the kernel (None for notifications and
    events), ``reply_value`` the id of messages from the kernel (None when the kernel sends
    none, e.g. a directional set without reply). In the unified model both equal the
    op's ``value``. ``attribute_set`` and ``fixed_header`` are resolved: a notification
    takes them from the op it ``notify``-s, and any op falls back to the family's
    ``operations.fixed-header``. ``notification_attributes`` is the ``event`` list, or the
    reply attributes of the ``notify`` target.
    """

    name: str
    value: int | None
    request_value: int | None
    reply_value: int | None
    attribute_set: str | None = None
    fixed_header: str | None = None
    fixed_header_size: int = 0
    do: OperationMode | None = None
    dump: OperationMode | None = None
    notify: str | None = None
    event: tuple[str, ...] | None = None
    notification_attributes: tuple[str, ...] | None = None
    mcgrp: str | None = None
    flags: frozenset[str] = frozenset()
    dont_validate: frozenset[str] = frozenset()
    config_cond: str | None = None
    doc: str = ""

    @property
    def is_notification(self) -> bool:
        """True for ``notify``/``event`` ops (sent by the kernel to a multicast group)."""
        return self.notify is not None or self.event is not None


@dataclass(frozen=True, slots=True)
class McastGroup:
    """A multicast group; ``value`` is fixed for netlink-raw and None for Generic Netlink
    (resolved at run time by name through nlctrl)."""

    name: str
    value: int | None = None
    flags: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Family:
    """A netlink family as described by one spec, fully resolved.

    ``protocol`` is the schema level; ``protonum`` the netlink protocol number (16,
    NETLINK_GENERIC, for the genetlink levels). ``msg_id_model`` is ``unified`` or
    ``directional``. ``request_ops`` maps a to-kernel id to its op (first in spec order);
    ``reply_ops`` maps a from-kernel id to every op that uses it, in spec order (several
    ops share one in the directional model, e.g. rt-link's getlink reply and newlink-ntf).
    """

    name: str
    protocol: str
    protonum: int
    version: int
    msg_id_model: str
    definitions: Mapping[str, Definition]
    consts: Mapping[str, Const]
    enums: Mapping[str, EnumDefinition]
    structs: Mapping[str, Struct]
    attribute_sets: Mapping[str, AttributeSet]
    sub_messages: Mapping[str, SubMessage]
    operations: Mapping[str, Operation]
    request_ops: Mapping[int, Operation]
    reply_ops: Mapping[int, tuple[Operation, ...]]
    mcast_groups: Mapping[str, McastGroup]
    fixed_header: str | None = None
    doc: str = ""
    uapi_header: str | None = None
    kernel_policy: str = "split"
    source: str = "<spec>"

    @property
    def is_genetlink(self) -> bool:
        """True when messages carry a genlmsghdr (every level but netlink-raw)."""
        return self.protocol != "netlink-raw"

    def op_by_request(self, value: int) -> Operation | None:
        """The operation whose request (to-kernel) id is ``value``."""
        return self.request_ops.get(value)

    def op_by_reply(self, value: int) -> Operation | None:
        """The first operation whose reply/notification (from-kernel) id is ``value``."""
        ops = self.reply_ops.get(value)
        return ops[0] if ops else None

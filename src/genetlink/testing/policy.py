"""The kernel's policy of a family served from its spec, and the kernel's check of requests.

    policy = family_policy(load_family("genltest"))   # what CTRL_CMD_GETPOLICY would report
    check_request(policy, 1, "do", body)              # None, or the kernel's refusal

`family_policy` writes the policy the kernel's generated code (ynl-gen) registers for a spec:
the spec type mapped onto an NL_POLICY_TYPE_* (the inverse of `genl.drift.TYPE_MAP`), value
ranges (full ones for unchecked integers, as the kernel reports them; an enum's own range),
masks of flags, lengths, nests through policy indexes; one policy per request (`split`, the
default), per operation (`per-op`) or for the whole family (`global`); requests without
attributes get the kernel's reject-all policy (an empty set). It reads the spec's
checks with drift's own rules, so a served family shows no drift against its spec.

`check_request` validates as the kernel does (strict unless the op says `dont-validate`) and
answers what validate_nla() would: the errno (ERANGE, its default, for values and lengths
outside the limits; EINVAL for a wrong length under strict checking, a nul-string without its
NUL, a reserved bit, an unknown attribute), its ext-ACK message, the offending attribute and
its policy.
"""

from __future__ import annotations

import errno
import struct
from dataclasses import replace
from typing import NamedTuple

from ..genl.drift import INT_RANGES, Comparer, DriftReport, spec_lengths
from ..genl.nlctrl import AttrPolicy, OpPolicy, Policy
from ..genl.validate import validate_request
from ..schema.model import Attribute, Family, OperationMode
from ..wire.attrs import iter_attrs
from ..wire.codecs import SIZES
from ..wire.constants import NLA_HDRLEN, NLA_TYPE_MASK
from ..wire.errors import DecodeError, EncodeError

#: Spec type -> the kernel policy type ynl-gen gives it (each one of drift's TYPE_MAP).
POLICY_TYPES: dict[str, str] = {
    **{t: t for t in INT_RANGES},
    "string": "nul-string",
    "binary": "binary",
    "flag": "flag",
    "nest": "nested",
    "indexed-array": "nested-array",
    "nest-type-value": "nested",
    "sub-message": "binary",
    "bitfield32": "bitfield32",
}

# The kernel's ext-ACK texts (lib/nlattr.c).
UNKNOWN = "Unknown attribute type"
UNSUPPORTED = "Unsupported attribute"
OUT_OF_RANGE = "integer out of range"
FAILED = "Attribute failed policy validation"
LEFTOVER = "bytes leftover after parsing attributes"
BAD_LENGTH = "invalid attribute length"
RESERVED_BIT = "reserved bit set"
BINARY_SIZE = "binary attribute size out of range"

_PROBE = -1  # the policy index of the one-attribute policies check_request tries


class _Sets:
    """Policy sets by index, each made once: a request's attributes, or a whole nested set."""

    def __init__(self, family: Family) -> None:
        self.family = family
        self.rules = Comparer(family, Policy(), DriftReport(family.name))  # drift's reading
        self.sets: dict[int, dict[int, AttrPolicy]] = {}
        self._made: dict[tuple[str, tuple[str, ...] | None], int] = {}

    def index(self, set_name: str, names: tuple[str, ...] | None = None) -> int:
        """The index of the policy of `names` in `set_name` (None: every attribute)."""
        key = (set_name, names)
        if key in self._made:
            return self._made[key]
        index = self._made[key] = len(self._made)
        self.sets[index] = {}  # taken before it is filled: a set may nest itself
        aset = self.family.attribute_sets[set_name]
        attrs = aset.attributes.values() if names is None else [aset[n] for n in names]
        for attr in attrs:
            rule = self.attr(attr)
            if rule is not None:
                self.sets[index][attr.value] = rule
        return index

    def reject_all(self) -> int:
        """The index of genl_policy_reject_all: what the kernel gives an op without a policy
        of its own (ynl-gen leaves resv_start_op at 0: every op is validated). Its NLA_REJECT
        entries are not dumped, so it reads as an empty set."""
        key = ("", ())
        if key not in self._made:
            self._made[key] = len(self._made)
            self.sets[self._made[key]] = {}
        return self._made[key]

    def attr(self, attr: Attribute) -> AttrPolicy | None:
        kind = POLICY_TYPES.get(attr.type)
        if kind is None:  # pad, unused: not accepted in requests
            return None
        mask = self.rules.flags_mask(attr)
        if kind in INT_RANGES:
            if mask is not None:
                return AttrPolicy(kind, mask=mask)
            low, high = self.rules.enum_range(attr) or INT_RANGES[kind]
            checks = attr.checks
            return AttrPolicy(kind, low if checks.min is None else checks.min,
                              high if checks.max is None else checks.max)  # fmt: skip
        if kind in ("nul-string", "binary"):
            if attr.checks.unterminated_ok and kind == "nul-string":
                kind = "string"
            low_len, high_len = spec_lengths(attr)
            return AttrPolicy(kind, min_length=low_len, max_length=high_len)
        if kind == "bitfield32":
            return AttrPolicy(kind, bitfield32_mask=mask)
        inner = attr.nested_attributes
        if attr.type in ("nest", "indexed-array") and inner is not None:
            if attr.type == "indexed-array" and attr.sub_type != "nest":
                return AttrPolicy(kind)
            size = self.family.attribute_sets[inner].max_value
            return AttrPolicy(kind, policy_idx=self.index(inner), policy_maxtype=size)
        return AttrPolicy(kind)


def main_set(family: Family) -> str | None:
    """The attribute set of the family's requests: what a `global` policy covers."""
    return next((op.attribute_set for op in family.request_ops.values() if op.attribute_set),
                None)  # fmt: skip


def family_policy(family: Family) -> Policy:
    """The policy the kernel would report for `family` (ops by their command numbers)."""
    sets = _Sets(family)
    whole = main_set(family) if family.kernel_policy == "global" else None
    ops: dict[int, OpPolicy] = {}
    for cmd, op in family.request_ops.items():
        names = {m: _names(half) for m in ("do", "dump") if (half := getattr(op, m)) is not None}
        if family.kernel_policy == "per-op":  # one policy for both halves of the op
            both = tuple(dict.fromkeys(n for half in names.values() for n in half))
            names = dict.fromkeys(names, both)
        pair: dict[str, int | None] = {"do": None, "dump": None}
        for mode, listed in names.items():
            if whole is not None:
                pair[mode] = sets.index(whole)
            elif listed and op.attribute_set is not None:
                pair[mode] = sets.index(op.attribute_set, listed)
            else:
                pair[mode] = sets.reject_all()
        ops[cmd] = OpPolicy(pair["do"], pair["dump"])
    return Policy(None, sets.sets, ops)


def _names(half: OperationMode) -> tuple[str, ...]:
    return half.request.attributes if half.request is not None else ()


class Violation(NamedTuple):
    """The kernel's refusal of a request: errno, ext-ACK text, the offending attribute's
    offset in the body (None: not one attribute) and its policy (None: not reported)."""

    errno: int
    message: str
    offset: int | None = None
    policy: AttrPolicy | None = None


def check_request(policy: Policy, op_id: int, mode: str, body: bytes, *, header_size: int = 0,
                  strict: bool = True) -> Violation | None:  # fmt: skip
    """How the kernel refuses `body` (what follows the genlmsghdr) of op `op_id`'s `mode`
    request under `policy`; None when it passes. `validate_request` decides; this finds the
    innermost attribute it refuses, by checking attributes one at a time."""
    rules = policy.op(op_id, mode)
    try:
        validate_request(policy, op_id, mode, body, header_size=header_size, strict=strict)
        return None
    except DecodeError:
        return Violation(errno.EINVAL, LEFTOVER)
    except EncodeError:
        pass
    start = (header_size + 3) & ~3
    # None: what validate_request refuses, the kernel lets pass (liberal checking reads a
    # fixed-size integer sent longer than its type)
    return _culprit(policy, rules or {}, body, start, len(body), strict)


def _culprit(policy: Policy, rules: dict[int, AttrPolicy], body: bytes, start: int, end: int,
             strict: bool) -> Violation | None:  # fmt: skip
    top = max(rules, default=0)
    for raw_type, s, e in iter_attrs(body, start, end):
        number, header = raw_type & NLA_TYPE_MASK, s - NLA_HDRLEN
        rule = rules.get(number)
        if rule is None or rule.type == "invalid":
            if not strict:  # liberal checking skips what it has no policy for
                continue
            return Violation(errno.EINVAL, UNKNOWN if number > top else UNSUPPORTED, header)
        one = body[header:e]
        fixed = SIZES.get(rule.type)
        if not strict and fixed is not None and e - s > fixed:
            # liberal checking reads a fixed-size integer from its first bytes (the kernel
            # only warns about the length)
            one = struct.pack("=HH", NLA_HDRLEN + fixed, raw_type) + body[s : s + fixed]
        if _passes(policy, number, rule, one, strict):
            continue
        inner = _inside(policy, rule, body, s, e, strict)
        return inner or _refusal(policy, number, rule, one, strict, header)
    return None


def _refusal(policy: Policy, number: int, rule: AttrPolicy, attr: bytes, strict: bool,
             header: int) -> Violation:  # fmt: skip
    """What validate_nla (lib/nlattr.c) answers for one attribute `rule` refuses: its default
    errno is ERANGE; EINVAL for a wrong length under strict checking, a string without its
    NUL (a nul-string too long has none where it must), or a reserved bit of a mask."""
    size = len(attr) - NLA_HDRLEN
    fixed = SIZES.get(rule.type)
    if (fixed is not None and strict and size != fixed) or (
            rule.type in ("uint", "sint") and size not in (4, 8)):  # fmt: skip
        return Violation(errno.EINVAL, BAD_LENGTH, header, rule)
    if rule.mask is not None:
        if not _passes(policy, number, replace(rule, mask=None), attr, strict):
            return Violation(errno.ERANGE, FAILED, header, rule)
        return Violation(errno.EINVAL, RESERVED_BIT, header)  # the kernel gives no policy here
    loose = replace(rule, min_value=None, max_value=None, min_length=None, max_length=None)
    if not _passes(policy, number, loose, attr, strict):
        code = errno.EINVAL if rule.type in ("nul-string", "bitfield32") else errno.ERANGE
        return Violation(code, FAILED, header, rule)
    if rule.type in INT_RANGES:
        return Violation(errno.ERANGE, OUT_OF_RANGE, header, rule)
    if rule.type == "nul-string":  # too long: no NUL within max-length + 1 bytes
        return Violation(errno.EINVAL, FAILED, header, rule)
    if rule.type == "binary" and rule.min_length is not None:  # a range, not a plain len
        return Violation(errno.ERANGE, BINARY_SIZE, header, rule)
    return Violation(errno.ERANGE, FAILED, header, rule)


def _inside(policy: Policy, rule: AttrPolicy, body: bytes, s: int, e: int,
            strict: bool) -> Violation | None:  # fmt: skip
    """The culprit inside a nest (or a nested array's entries), if one is refused there."""
    if rule.policy_idx is None or rule.type not in ("nested", "nested-array"):
        return None
    rules = policy.sets.get(rule.policy_idx, {})
    if rule.type == "nested":
        return _culprit(policy, rules, body, s, e, strict)
    for _, entry_s, entry_e in iter_attrs(body, s, e):
        found = _culprit(policy, rules, body, entry_s, entry_e, strict)
        if found is not None:
            return found
    return None


def _passes(policy: Policy, number: int, rule: AttrPolicy, attr: bytes, strict: bool) -> bool:
    """Whether one attribute passes `rule` (its nests checked by `policy`'s sets)."""
    probe = Policy(None, {**policy.sets, _PROBE: {number: rule}}, {0: OpPolicy(_PROBE, None)})
    try:
        validate_request(probe, 0, "do", attr, strict=strict)
    except (EncodeError, DecodeError):
        return False
    return True


__all__ = ["POLICY_TYPES", "Violation", "check_request", "family_policy", "main_set"]

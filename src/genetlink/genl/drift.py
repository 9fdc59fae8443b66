"""Spec drift: where a YAML spec and the running kernel's policy disagree.

    report = compare(load_family("netdev"), policy, info)   # or GenlClient.drift(family)
    for finding in report.findings:
        ...  # finding.kind, finding.path ("dev-get.do.request.ifindex"), finding.spec, .kernel

The kernel's policy (CTRL_CMD_GETPOLICY) is the authority; a spec may be older or newer than
the running kernel. Findings are data; nothing here prints.

Kinds of finding:
  op-missing    the spec has an operation the kernel does not (spec newer, or module absent)
  op-extra      the kernel has an operation the spec does not name (spec older)
  mode-missing  the spec has a do/dump the kernel's operation does not offer
  no-policy     the spec names request attributes but the kernel reports no policy for them
  attr-missing  the spec names a request attribute the kernel's policy lacks (spec newer)
  attr-extra    the kernel accepts an attribute the spec does not name (spec older)
  type          the spec type does not map onto the kernel's policy type
  limit         value range, length or mask differ

Inside nests only attr-extra, type and limit are reported: a nested attribute set usually
serves replies too, so spec attributes the kernel does not accept there are not drift.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from ..schema.model import Attribute, AttributeSet, Family, Operation
from ..wire.codecs import RANGES, SIZES
from .nlctrl import AttrPolicy, FamilyInfo, Policy

log = logging.getLogger("genetlink.genl")

_FIXED_INTS = tuple(SIZES)

#: Spec type -> the kernel policy types that implement it.
TYPE_MAP: dict[str, frozenset[str]] = {
    **{t: frozenset({t}) for t in _FIXED_INTS},
    "string": frozenset({"string", "nul-string"}),
    "flag": frozenset({"flag"}),
    "binary": frozenset({"binary", "bitfield32", *_FIXED_INTS}),
    "nest": frozenset({"nested"}),
    "indexed-array": frozenset({"nested-array", "nested"}),
    "nest-type-value": frozenset({"nested", "nested-array"}),
    "sub-message": frozenset({"nested", "binary"}),
    "uint": frozenset({"uint", "u32", "u64"}),
    "sint": frozenset({"sint", "s32", "s64"}),
    "bitfield32": frozenset({"bitfield32"}),
}

#: Integer policy types and their full range (what the kernel reports for an unchecked one).
INT_RANGES: dict[str, tuple[int, int]] = {t: RANGES[t] for t in (*_FIXED_INTS, "uint", "sint")}

_LENGTH_TYPES = frozenset({"string", "nul-string", "binary"})

KINDS = ("op-missing", "op-extra", "mode-missing", "no-policy", "attr-missing", "attr-extra",
         "type", "limit")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Finding:
    """One disagreement: its kind (see `KINDS`), where, and what each side says."""

    kind: str
    path: str
    spec: Any = None
    kernel: Any = None
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: kind, path, and spec/kernel/detail when set."""
        out: dict[str, Any] = {"kind": self.kind, "path": self.path}
        for key in ("spec", "kernel", "detail"):
            value = getattr(self, key)
            if value not in (None, ""):
                out[key] = value
        return out

    def __str__(self) -> str:
        sides = []
        if self.spec is not None:
            sides.append(f"spec {self.spec}")
        if self.kernel is not None:
            sides.append(f"kernel {self.kernel}")
        text = f"{self.kind}: {self.path}"
        if sides:
            text += f" ({'; '.join(sides)})"
        return f"{text}: {self.detail}" if self.detail else text


@dataclass(slots=True)
class DriftReport:
    """The findings of one spec against one kernel family (`GenlClient.drift`): `findings`,
    a list of `Finding`s (kind, dotted path such as `dev-get.do.request.ifindex`, what the
    spec and the kernel each say), empty (and the report false) when they agree. Kinds:
    op-missing / op-extra (an operation only the spec / only the kernel has), mode-missing,
    no-policy, attr-missing / attr-extra, type, limit. `at(path)` and `of_kind(kind)` pick
    findings out."""

    family: str
    source: str = "<spec>"
    family_id: int | None = None
    findings: list[Finding] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.findings)

    def of_kind(self, kind: str) -> list[Finding]:
        """The findings of one kind."""
        return [f for f in self.findings if f.kind == kind]

    def at(self, path: str) -> list[Finding]:
        """The findings at `path` or below it."""
        return [f for f in self.findings if f.path == path or f.path.startswith(path + ".")]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: family, spec source, kernel id, counts per kind and the findings."""
        counts: dict[str, int] = {}
        for f in self.findings:
            counts[f.kind] = counts.get(f.kind, 0) + 1
        return {
            "family": self.family,
            "spec": self.source,
            "family-id": self.family_id,
            "counts": counts,
            "findings": [f.to_dict() for f in self.findings],
        }


class Comparer:
    """Walks a spec's operations against the kernel's policy, collecting findings (also the
    reading of a spec's types and limits that genetlink.testing builds policies from)."""

    def __init__(self, family: Family, policy: Policy, report: DriftReport) -> None:
        self.family = family
        self.policy = policy
        self.report = report

    def add(self, kind: str, path: str, spec: Any = None, kernel: Any = None,
            detail: str = "") -> None:  # fmt: skip
        self.report.findings.append(Finding(kind, path, spec, kernel, detail))

    def operation(self, op: Operation, info: FamilyInfo, op_id: int) -> None:
        kernel_op = info.op(op_id)
        assert kernel_op is not None
        for mode in ("do", "dump"):
            spec_mode = getattr(op, mode)
            if spec_mode is None or spec_mode.request is None:
                continue
            path = f"{op.name}.{mode}"
            if not kernel_op.has(mode):
                self.add("mode-missing", path, detail=f"the kernel's {op.name} has no {mode}")
                continue
            names = spec_mode.request.attributes
            attrs = self.policy.op(op_id, mode)
            if attrs is None:
                if names:
                    self.add("no-policy", f"{path}.request", spec=list(names),
                             detail="the kernel reports no policy for this request")  # fmt: skip
                continue
            self.request(op, names, attrs, f"{path}.request")

    def request(self, op: Operation, names: tuple[str, ...], attrs: dict[int, AttrPolicy],
                path: str) -> None:  # fmt: skip
        aset = self.family.attribute_sets.get(op.attribute_set or "")
        named: dict[int, Attribute] = {}
        for name in names:
            attr = aset.attributes.get(name) if aset is not None else None
            if attr is not None:
                named[attr.value] = attr
        for number, attr in named.items():
            kernel = attrs.get(number)
            if kernel is None or kernel.type == "invalid":
                why = ("the kernel ignores this request's attributes" if not attrs
                       else f"the kernel does not accept attribute {number}")  # fmt: skip
                self.add("attr-missing", f"{path}.{attr.name}", spec=attr.type, detail=why)
                continue
            self.attribute(attr, kernel, f"{path}.{attr.name}", set())
        # A family-wide kernel policy lists every attribute for every op: only numbers the
        # spec's set lacks altogether are drift then.
        whole_set = self.family.kernel_policy == "global"
        for number, kernel in sorted(attrs.items()):
            if number in named or kernel.type == "invalid":
                continue
            known = aset.by_value.get(number) if aset is not None else None
            if whole_set and known is not None:
                continue
            label = known.name if known is not None else str(number)
            why = ("the spec's request does not list it" if known is not None
                   else "the spec's attribute set has no such number")  # fmt: skip
            self.add("attr-extra", f"{path}.{label}", kernel=str(kernel), detail=why)

    def attribute(self, attr: Attribute, kernel: AttrPolicy, path: str,
                  seen: set[tuple[str, int]]) -> None:  # fmt: skip
        if kernel.type not in TYPE_MAP.get(attr.type, frozenset()):
            self.add("type", path, spec=attr.type, kernel=kernel.type)
            return
        self.limits(attr, kernel, path)
        if attr.nested_attributes is not None and kernel.policy_idx is not None:
            self.nest(attr.nested_attributes, kernel.policy_idx, path, seen)

    def limits(self, attr: Attribute, kernel: AttrPolicy, path: str) -> None:
        checks = attr.checks
        full = INT_RANGES.get(kernel.type)
        if full is not None and kernel.mask is None:
            low, high = self.enum_range(attr) or full
            spec_range = (low if checks.min is None else checks.min,
                          high if checks.max is None else checks.max)  # fmt: skip
            kernel_range = (full[0] if kernel.min_value is None else kernel.min_value,
                            full[1] if kernel.max_value is None else kernel.max_value)  # fmt: skip
            if spec_range != kernel_range:
                self.add("limit", path, spec=_range(spec_range), kernel=_range(kernel_range),
                         detail="value range")  # fmt: skip
        if kernel.mask is not None and self.flags_mask(attr) != kernel.mask:
            self.add("limit", path, spec=_hex(self.flags_mask(attr)), kernel=hex(kernel.mask),
                     detail="flags mask")  # fmt: skip
        if kernel.type in _LENGTH_TYPES:
            spec_len = spec_lengths(attr)
            kernel_len = (kernel.min_length, kernel.max_length)
            if spec_len != kernel_len:
                self.add("limit", path, spec=_lengths(spec_len), kernel=_lengths(kernel_len),
                         detail="payload length")  # fmt: skip

    def enum_range(self, attr: Attribute) -> tuple[int, int] | None:
        """An enum attribute's implied range (the kernel's generated policies check it)."""
        enum = self.family.enums.get(attr.enum or "")
        if enum is None or enum.is_flags or attr.enum_as_flags or not enum.values:
            return None
        return min(enum.values.values()), max(enum.values.values())

    def flags_mask(self, attr: Attribute) -> int | None:
        """The spec's flags-mask check, or the mask of the flags enum the attribute uses."""
        if attr.checks.flags_mask is not None:
            return attr.checks.flags_mask
        enum = self.family.enums.get(attr.enum or "")
        if enum is not None and (enum.is_flags or attr.enum_as_flags):
            return enum.mask
        return None

    def nest(self, set_name: str, index: int, path: str, seen: set[tuple[str, int]]) -> None:
        if (set_name, index) in seen:
            return  # recursive nests (a set containing itself) end here
        seen = seen | {(set_name, index)}
        aset: AttributeSet | None = self.family.attribute_sets.get(set_name)
        attrs = self.policy.sets.get(index, {})
        for number, kernel in sorted(attrs.items()):
            if kernel.type == "invalid":
                continue
            attr = aset.by_value.get(number) if aset is not None else None
            if attr is None:
                self.add("attr-extra", f"{path}.{number}", kernel=str(kernel),
                         detail=f"the spec's set {set_name} has no such number")  # fmt: skip
                continue
            self.attribute(attr, kernel, f"{path}.{attr.name}", seen)


def spec_lengths(attr: Attribute) -> tuple[int | None, int | None]:
    """The (min, max) payload length a spec gives an attribute (None: not limited)."""
    checks = attr.checks
    if checks.exact_len is not None:
        return checks.exact_len, checks.exact_len
    low, high = checks.min_len, checks.max_len
    if attr.struct is not None and attr.len is not None and low is None and high is None:
        return attr.len, attr.len
    return low, high


def _range(pair: tuple[int, int]) -> str:
    return f"{pair[0]}..{pair[1]}"


def _lengths(pair: tuple[int | None, int | None]) -> str:
    low, high = pair
    if low is None and high is None:
        return "any"
    if low == high:
        return f"exactly {low}"
    return f"{'0' if low is None else low}..{'any' if high is None else high}"


def _hex(value: int | None) -> str:
    return "none" if value is None else hex(value)


def compare(family: Family, policy: Policy, info: FamilyInfo) -> DriftReport:
    """Where `family` (a spec) and the kernel (`policy`, `info` of the same family) disagree."""
    report = DriftReport(family.name, family.source, info.id)
    comparer = Comparer(family, policy, report)
    spec_ids: set[int] = set()
    for op in family.operations.values():
        if op.is_notification or op.request_value is None:
            continue
        spec_ids.add(op.request_value)
        if info.op(op.request_value) is None:
            comparer.add("op-missing", op.name, spec=op.request_value,
                         detail="the kernel has no such operation")  # fmt: skip
            continue
        comparer.operation(op, info, op.request_value)
    for kernel_op in info.ops:
        if kernel_op.id not in spec_ids:
            comparer.add("op-extra", str(kernel_op.id), kernel=list(kernel_op.flag_names),
                         detail="the spec has no operation with this id")  # fmt: skip
    log.debug("drift %s: %d findings", family.name, len(report.findings))
    return report


__all__ = ["INT_RANGES", "KINDS", "TYPE_MAP", "DriftReport", "Finding", "compare"]  # fmt: skip

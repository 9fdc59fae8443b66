"""How far a drafted family (genetlink.genl.introspect) is from a real spec of it.

    report = compare_names(draft, load_spec("netdev.yaml"))
    report.ops.wrong, report.attrs.right, report.types.same; report.wrong  # the details

Both are matched on wire numbers, never on names: an operation by its request id (a
notification by its reply id), an attribute by its number inside the sets the two models use
at the same place (an op's attribute set, then the nests below it). So the figures say how
many of the kernel's numbers the draft names as the spec does (`right`), leaves as numbers
(`number`, fine where the header is silent or ambiguous) or names differently (`wrong`, a
bug). Numbers only one side has are counted apart (`draft_only`, `spec_only`): kernels and
specs of different releases differ.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from ..schema.model import Attribute, AttributeSet, Family, Operation
from .drift import TYPE_MAP

#: The kernel policy types a draft's attribute type stands for (the inverse of its mapping).
_POLICY_OF: dict[str, frozenset[str]] = {
    "string": frozenset({"string", "nul-string"}),
    "nest": frozenset({"nested"}),
    "indexed-array": frozenset({"nested-array"}),
}


@dataclass(slots=True)
class Tally:
    """Names matched on numbers: as the spec's, left as numbers, different from the spec's;
    and numbers that only the draft or only the spec has."""

    right: int = 0
    number: int = 0
    wrong: int = 0
    draft_only: int = 0
    spec_only: int = 0

    @property
    def compared(self) -> int:
        """Numbers both sides have."""
        return self.right + self.number + self.wrong

    def to_dict(self) -> dict[str, int]:
        """The five counts by name."""
        return {"right": self.right, "number": self.number, "wrong": self.wrong,
                "draft-only": self.draft_only, "spec-only": self.spec_only}  # fmt: skip


@dataclass(slots=True)
class TypeTally:
    """Attribute types where both sides have the number: the same type; a different type that
    maps onto the same kernel policy (string for a spec's binary with a string policy...);
    `finer`: the spec says binary where the draft knows more (a nest the spec does not
    model); binary in the draft because neither the policy nor the header says (`unknown`);
    different."""

    same: int = 0
    compatible: int = 0
    finer: int = 0
    unknown: int = 0
    differ: int = 0

    def to_dict(self) -> dict[str, int]:
        """The five counts by name."""
        return {"same": self.same, "compatible": self.compatible, "finer": self.finer,
                "unknown": self.unknown, "differ": self.differ}  # fmt: skip


@dataclass(slots=True)
class NameReport:
    """The comparison of one draft with one spec (see the module doc)."""

    family: str
    ops: Tally = field(default_factory=Tally)
    notifications: Tally = field(default_factory=Tally)
    attrs: Tally = field(default_factory=Tally)
    types: TypeTally = field(default_factory=TypeTally)
    wrong: list[str] = field(default_factory=list)
    type_differences: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready figures and the wrong names."""
        return {
            "family": self.family,
            "ops": self.ops.to_dict(),
            "notifications": self.notifications.to_dict(),
            "attributes": self.attrs.to_dict(),
            "types": self.types.to_dict(),
            "wrong": list(self.wrong),
            "type-differences": list(self.type_differences),
        }

    def summary(self) -> str:
        """One line of figures."""
        o, n, a, t = self.ops, self.notifications, self.attrs, self.types
        return (f"{self.family}: ops {o.right} right, {o.number} numbers, {o.wrong} wrong "
                f"({o.draft_only} draft-only, {o.spec_only} spec-only); notifications "
                f"{n.right}/{n.number}/{n.wrong}; attributes {a.right} right, {a.number} "
                f"numbers, {a.wrong} wrong ({a.draft_only} draft-only, {a.spec_only} "
                f"spec-only); types {t.same} same, {t.compatible} compatible, {t.finer} finer, "
                f"{t.unknown} unknown, {t.differ} differ")  # fmt: skip


def _is_number(name: str, value: int) -> bool:
    return name == str(value) or name == f"cmd-{value}"


def _tally(tally: Tally, report: NameReport, where: str, draft: str, spec: str,
           value: int) -> None:  # fmt: skip
    if draft == spec:
        tally.right += 1
    elif _is_number(draft, value):
        tally.number += 1
    else:
        tally.wrong += 1
        report.wrong.append(f"{where}: draft {draft!r}, spec {spec!r}")


def _type_of(report: NameReport, where: str, d: Attribute, s: Attribute) -> None:
    types = report.types
    if {d.type, s.type} == {"nest", "indexed-array"}:  # a level of indexes more or less
        types.differ += 1
        report.type_differences.append(f"{where}: draft {d.type}, spec {s.type}")
    elif d.type == s.type:
        types.same += 1
    elif d.type == "binary":
        types.unknown += 1
    elif s.type == "binary" and d.type in ("nest", "indexed-array", "pad"):
        types.finer += 1
    elif _POLICY_OF.get(d.type, frozenset({d.type})) & TYPE_MAP.get(s.type, frozenset()):
        types.compatible += 1
    else:
        types.differ += 1
        report.type_differences.append(f"{where}: draft {d.type}, spec {s.type}")


def _ops(family: Family) -> tuple[dict[int, Operation], dict[int, Operation]]:
    """(request id -> op, notification reply id -> op), first in spec order."""
    requests: dict[int, Operation] = {}
    notes: dict[int, Operation] = {}
    for op in family.operations.values():
        if op.is_notification:
            value = op.reply_value if op.reply_value is not None else op.value
            if value is not None:
                notes.setdefault(value, op)
        elif op.request_value is not None:
            requests.setdefault(op.request_value, op)
    return requests, notes


def compare_names(draft: Family, spec: Family) -> NameReport:
    """Compare a drafted model with a spec's, on numbers (see the module doc)."""
    report = NameReport(draft.name)
    pairs: deque[tuple[str, str, str]] = deque()  # (draft set, spec set, where)
    for kind, tally in (("op", report.ops), ("notification", report.notifications)):
        index = 0 if kind == "op" else 1
        mine, theirs = _ops(draft)[index], _ops(spec)[index]
        for value, op in sorted(mine.items()):
            other = theirs.get(value)
            if other is None:
                tally.draft_only += 1
                continue
            _tally(tally, report, f"{kind} {value}", op.name, other.name, value)
            if op.attribute_set and other.attribute_set:
                pairs.append((op.attribute_set, other.attribute_set, other.name))
        tally.spec_only += sum(1 for value in theirs if value not in mine)
    seen: set[tuple[str, str]] = set()
    while pairs:
        mine_name, their_name, where = pairs.popleft()
        if (mine_name, their_name) in seen:
            continue
        seen.add((mine_name, their_name))
        _compare_sets(report, draft.attribute_sets[mine_name], spec.attribute_sets[their_name],
                      where, pairs)  # fmt: skip
    return report


def _compare_sets(report: NameReport, mine: AttributeSet, theirs: AttributeSet, where: str,
                  pairs: deque[tuple[str, str, str]]) -> None:  # fmt: skip
    tally = report.attrs
    for value, attr in sorted(mine.by_value.items()):
        if attr.type == "unused":
            continue
        other = theirs.by_value.get(value)
        if other is None or other.type == "unused":
            tally.draft_only += 1
            continue
        path = f"{where}.{other.name} ({theirs.name} {value})"
        _tally(tally, report, path, attr.name, other.name, value)
        _type_of(report, path, attr, other)
        if attr.nested_attributes and other.nested_attributes and attr.type == other.type:
            pairs.append((attr.nested_attributes, other.nested_attributes, f"{where}.{other.name}"))
    tally.spec_only += sum(1 for value, other in theirs.by_value.items()
                           if value not in mine.by_value and other.type != "unused")  # fmt: skip


__all__ = ["NameReport", "Tally", "TypeTally", "compare_names"]

"""Names for what `genetlink family NAME --policy` prints: the kernel reports operations,
policy sets and attributes by number; a spec (or, without one, the family's uapi header, as
the kernel schema built from it) names them.

A policy set is named by following the kernel's own links: an operation's do/dump policy is
its attribute set, and a nested attribute's policy index is the set the model nests there.
Where two links name one index differently (ops that share an empty policy), or nothing links
an index, or the model does not know a number, the number stands: names are never guessed.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from genetlink.genl.nlctrl import FamilyInfo, Policy
from genetlink.schema.model import Attribute, AttributeSet, Family


@dataclass(slots=True)
class PolicyNames:
    """Operation, policy-set and attribute names of one family, where the model has them."""

    source: str
    ops: dict[int, str] = field(default_factory=dict)
    sets: dict[int, str] = field(default_factory=dict)  # policy index -> attribute set
    attributes: dict[int, dict[int, Attribute]] = field(default_factory=dict)

    def op(self, number: int) -> str:
        """`getfamily`, or the number when nothing names it."""
        return self.ops.get(number, str(number))

    def attribute(self, index: int, number: int) -> Attribute | None:
        """The model's attribute `number` of policy set `index`."""
        return self.attributes.get(index, {}).get(number)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: {"source", "ops": {id: name}, "policy-sets": {index: {"name",
        "attributes": {number: name}}}}."""
        return {
            "source": self.source,
            "ops": {str(k): v for k, v in sorted(self.ops.items())},
            "policy-sets": {
                str(index): {"name": name, "attributes": {
                    str(n): a.name for n, a in sorted(self.attributes.get(index, {}).items())
                }}
                for index, name in sorted(self.sets.items())
            },
        }  # fmt: skip


def name_policy(family: Family, info: FamilyInfo, policy: Policy) -> PolicyNames:
    """Name `info`'s operations and `policy`'s sets from `family` (a spec or kernel schema)."""
    names = PolicyNames(family.source)
    queue: deque[tuple[int, AttributeSet]] = deque()
    for op in info.ops:
        model = family.op_by_request(op.id)
        if model is None:
            continue
        names.ops[op.id] = model.name
        entry = policy.ops.get(op.id)
        aset = family.attribute_sets.get(model.attribute_set or "")
        if entry is not None and aset is not None:
            queue.extend((index, aset) for index in entry if index is not None)
    claims: dict[int, dict[str, AttributeSet]] = {}
    while queue:
        index, aset = queue.popleft()
        if index not in policy.sets or aset.name in claims.setdefault(index, {}):
            continue
        claims[index][aset.name] = aset
        for number, pol in policy.sets[index].items():
            attr = aset.by_value.get(number)
            inner = family.attribute_sets.get(attr.nested_attributes or "") if attr else None
            if pol.policy_idx is not None and inner is not None:
                queue.append((pol.policy_idx, inner))
    for index, found in claims.items():
        if len(found) != 1:
            continue  # two sets claim the index (ops sharing an empty policy): no name
        (aset,) = found.values()
        names.sets[index] = aset.name
        names.attributes[index] = {n: aset.by_value[n] for n in policy.sets[index]
                                   if n in aset.by_value}  # fmt: skip
    return names


def enum_text(family: Family, attr: Attribute) -> str:
    """`enum xdp-act: 1 basic, 2 redirect, ...` for an attribute with a named enum or flags
    ("" when it has none the model defines)."""
    enum = family.enums.get(attr.enum or "")
    if enum is None:
        return ""
    values = enum.flag_values if attr.enum_as_flags else enum.values
    kind = "flags" if attr.enum_as_flags or enum.is_flags else "enum"
    listed = ", ".join(f"{_number(v, kind)} {name}" for name, v in values.items())
    return f"{kind} {enum.name}: {listed}"


def _number(value: int, kind: str) -> str:
    return f"0x{value:x}" if kind == "flags" else str(value)


def load_names(name: str, spec: str | None, sock: Any, info: FamilyInfo,
               policy: Policy) -> tuple[PolicyNames | None, Family | None]:  # fmt: skip
    """The names for `info`/`policy` from the family's spec (`spec` or the search path) or,
    without one, from the kernel schema (names of its uapi header); (None, None) when
    neither can be had."""
    from genetlink.client.genl import KernelSchema, family_model
    from genetlink.wire.errors import GenetlinkError

    try:
        model = family_model(name, spec_path=spec)
        if isinstance(model, KernelSchema):
            model = sock.run(model.build(sock.engine, 5.0))
    except (GenetlinkError, OSError):
        return None, None
    if not model.is_genetlink:
        return None, None
    return name_policy(model, info, policy), model


__all__ = ["PolicyNames", "enum_text", "load_names", "name_policy"]

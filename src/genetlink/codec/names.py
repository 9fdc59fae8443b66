"""How decoded values are keyed where a fixed header and attributes share one mapping.

A message's fixed-header members and its attributes are keyed by their spec names in one
mapping. Where a member and an attribute of the set that follows have the same name (rt-rule:
fib_rule_hdr.table, a u8, and FRA_TABLE, a u32; tc netem: tc_netem_qopt.loss and
TCA_NETEM_LOSS), the attribute keeps the plain name and the member is keyed "header.NAME" in
every message of that kind, whether the attribute came or not. The encoder takes the same
keys; "header.NAME" always names the member.
"""

from __future__ import annotations

from genetlink.schema.model import Family

HEADER_PREFIX = "header."


def header_clashes(family: Family, struct_name: str, set_name: str | None) -> frozenset[str]:
    """Members of the struct `struct_name` named like an attribute of `set_name` (pads aside):
    those keyed "header.NAME". Callers keep the answer: it depends on the spec only."""
    aset = family.attribute_sets.get(set_name or "")
    if aset is None:
        return frozenset()
    attrs = aset.attributes
    return frozenset(m.name for m in family.structs[struct_name].members
                     if m.type != "pad" and m.name in attrs
                     and attrs[m.name].type not in ("pad", "unused"))  # fmt: skip

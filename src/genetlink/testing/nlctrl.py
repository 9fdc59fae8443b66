"""nlctrl's messages as values of its own spec (the package's nlctrl.yaml).

A fake kernel serves nlctrl like any other family: its answers are dicts that the codec of
nlctrl.yaml encodes, so they are built independently of `genl.nlctrl`'s hand-written decoder.

    values = family_values(info)                  # a CTRL_CMD_NEWFAMILY body, from a FamilyInfo
    dump = policy_values(policy, info)            # the CTRL_CMD_GETPOLICY dump of a family
"""

from __future__ import annotations

import functools
from collections import deque
from importlib import resources
from typing import Any

from ..genl.nlctrl import AttrPolicy, FamilyInfo, GroupInfo, OpPolicy, Policy
from ..schema.model import Family
from ..wire import constants as c

_SIGNED = frozenset({"s8", "s16", "s32", "s64", "sint"})


@functools.cache
def nlctrl_spec() -> Family:
    """The package's nlctrl spec (loaded once)."""
    from ..loader.spec import load_spec_text  # YAML only once a fake kernel is made

    text = resources.files("genetlink").joinpath("specs", "nlctrl.yaml").read_text()
    return load_spec_text(text, source="genetlink/specs/nlctrl.yaml")


def nlctrl_policy() -> Policy:
    """nlctrl's policy as net/netlink/genetlink.c registers it (split ops): ctrl_policy_family
    for both halves of getfamily, ctrl_policy_policy for getpolicy; names are at most
    GENL_NAMSIZ - 1 bytes."""
    family_id = AttrPolicy("u16", 0, 0xFFFF)
    name = AttrPolicy("nul-string", max_length=c.GENL_NAMSIZ - 1)
    family = {c.CTRL_ATTR_FAMILY_ID: family_id, c.CTRL_ATTR_FAMILY_NAME: name}
    policy = {**family, c.CTRL_ATTR_OP: AttrPolicy("u32", 0, 0xFFFFFFFF)}
    ops = {c.CTRL_CMD_GETFAMILY: OpPolicy(0, 0), c.CTRL_CMD_GETPOLICY: OpPolicy(None, 1)}
    return Policy(None, {0: family, 1: policy}, ops)


def family_values(info: FamilyInfo) -> dict[str, Any]:
    """What nlctrl says about a family (ctrl_fill_info), in the order the kernel writes it;
    ops and groups only when there are some."""
    out: dict[str, Any] = {"family-name": info.name, "family-id": info.id,
                           "version": info.version, "hdrsize": info.hdrsize,
                           "maxattr": info.maxattr}  # fmt: skip
    if info.ops:
        out["ops"] = [{"id": op.id, "flags": op.flags} for op in info.ops]
    if info.groups:
        out["mcast-groups"] = [{"id": g.id, "name": g.name} for g in info.groups]
    return out


def group_values(info: FamilyInfo, group: GroupInfo) -> dict[str, Any]:
    """A CTRL_CMD_NEWMCAST_GRP/DELMCAST_GRP body: the family and the one group."""
    return {"family-name": info.name, "family-id": info.id,
            "mcast-groups": [{"id": group.id, "name": group.name}]}  # fmt: skip


def attr_policy_values(policy: AttrPolicy) -> dict[str, Any]:
    """An attribute's policy as NL_POLICY_TYPE_ATTR_* values: limits of signed types in the
    _S attributes, of the others in the _U ones, as the kernel writes them."""
    width = "-s" if policy.type in _SIGNED else "-u"
    out: dict[str, Any] = {"type": policy.type}
    for key, value in policy.to_dict().items():
        if key != "type":
            out[key + width if key in ("min-value", "max-value") else key] = value
    return out


def policy_values(policy: Policy, info: FamilyInfo, op: int | None = None) -> list[dict[str, Any]]:
    """The CTRL_CMD_GETPOLICY dump of a family (or of its op `op`): one message per op with
    a policy, then one per attribute of every policy set those reach.

    The kernel numbers an op's entry by the cmd of its do half, zeroed for an op without a
    do (ctrl_dumppolicy_put_op): such ops arrive as op 0, and clients map them back.
    """
    order = [o.id for o in info.ops] + [i for i in policy.ops if info.op(i) is None]
    chosen = [i for i in order if i in policy.ops and (op is None or i == op)]
    out: list[dict[str, Any]] = []
    roots: list[int] = []
    for op_id in chosen:
        pair = policy.ops[op_id]
        entry = {mode: index for mode, index in pair._asdict().items() if index is not None}
        if not entry:
            continue
        known = info.op(op_id)
        number = op_id if known is None or known.has("do") else 0
        out.append({"family-id": info.id, "op-policy": {number: entry}})
        roots += entry.values()
    for index in _reachable(policy, roots):
        for number, rule in sorted(policy.sets.get(index, {}).items()):
            values = attr_policy_values(rule)
            out.append({"family-id": info.id, "policy": {index: {number: values}}})
    return out


def _reachable(policy: Policy, roots: list[int]) -> list[int]:
    """Policy indexes reachable from `roots` through nests, in index order."""
    seen: set[int] = set()
    todo = deque(roots)
    while todo:
        index = todo.popleft()
        if index in seen:
            continue
        seen.add(index)
        todo.extend(r.policy_idx for r in policy.sets.get(index, {}).values()
                    if r.policy_idx is not None)  # fmt: skip
    return sorted(seen)


__all__ = ["attr_policy_values", "family_values", "group_values", "nlctrl_policy",
           "nlctrl_spec", "policy_values"]  # fmt: skip

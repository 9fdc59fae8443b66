"""Kernel policies made comparable: the served family's against the kernel's (host and VM)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from genetlink.genl import AttrPolicy, Policy


def resolved(policy: Policy, rules: Mapping[int, AttrPolicy] | None, depth: int = 0) -> Any:
    """`rules` with each nest's policy in place of its index (the kernel numbers its policy
    sets in the order it meets them, so two equal policies may number them differently)."""
    if rules is None or depth > 8:
        return rules
    return {number: (dataclasses.replace(rule, policy_idx=None),
                     resolved(policy, policy.sets.get(rule.policy_idx, {}), depth + 1)
                     if rule.policy_idx is not None else None)
            for number, rule in rules.items()}  # fmt: skip

"""Generic Netlink: nlctrl (families, groups, policies), the family cache, validation against
the kernel's policy, and spec drift. The clients on top are in `genetlink.client`.
"""

from .cache import FamilyCache
from .drift import DriftReport, Finding, compare
from .message import GenlMessage
from .nlctrl import (
    AttrPolicy,
    FamilyInfo,
    FamilyNotFound,
    GroupInfo,
    GroupNotFound,
    OpInfo,
    OpPolicy,
    Policy,
    families,
    getfamily,
    getpolicy,
)
from .validate import validate_request

__all__ = [
    "AttrPolicy",
    "DriftReport",
    "FamilyCache",
    "FamilyInfo",
    "FamilyNotFound",
    "Finding",
    "GenlMessage",
    "GroupInfo",
    "GroupNotFound",
    "OpInfo",
    "OpPolicy",
    "Policy",
    "compare",
    "families",
    "getfamily",
    "getpolicy",
    "validate_request",
]

"""Generic Netlink: nlctrl (families, groups, policies), a family cache, and the client API.

Start with `GenlClient`: ``client.family("netdev").dump(...)``, ``client.resolve(name)``.
"""

from .cache import FamilyCache
from .client import GenlClient, GenlFamily
from .message import GenlMessage, Replies
from .nlctrl import (
    AttrPolicy,
    FamilyInfo,
    FamilyNotFound,
    GroupInfo,
    GroupNotFound,
    OpInfo,
    OpPolicy,
    Policy,
    get_family,
    get_policy,
    list_families,
)

__all__ = [
    "AttrPolicy",
    "FamilyCache",
    "FamilyInfo",
    "FamilyNotFound",
    "GenlClient",
    "GenlFamily",
    "GenlMessage",
    "GroupInfo",
    "GroupNotFound",
    "OpInfo",
    "OpPolicy",
    "Policy",
    "Replies",
    "get_family",
    "get_policy",
    "list_families",
]

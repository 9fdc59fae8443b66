"""Clients: one handle per family, on either front.

`open_family(name)` (a spec-described family, Generic Netlink or netlink-raw) and
`GenlClient().family(name)` (any Generic Netlink family, with or without a spec) give the same
`FamilyHandle`; `open_family_async` and `AsyncGenlClient` give its asyncio twin
`AsyncFamilyHandle` (in `genetlink.client.aio`, so that importing this does not import asyncio).
"""

from .core import CallOptions, Flags, Replies, parse_flags
from .sync import FamilyHandle, GenlClient, open_family

__all__ = ["CallOptions", "FamilyHandle", "Flags", "GenlClient", "Replies", "open_family",
           "parse_flags"]  # fmt: skip

"""Decoded values to JSON-ready data: bytes as hex, addresses and UUIDs as text."""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Mapping
from typing import Any

from genetlink.wire.codecs import Bitfield32


def jsonable(value: Any) -> Any:
    """Convert a decoded value (nested dicts, lists, bytes, addresses...) for json.dumps."""
    if isinstance(value, Bitfield32):
        return {"value": value.value, "selector": value.selector}
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, (ipaddress.IPv4Address, ipaddress.IPv6Address, uuid.UUID)):
        return str(value)
    return value

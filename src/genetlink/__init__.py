"""genetlink: Netlink and Generic Netlink for Python.

    from genetlink import GenlClient, NetlinkSocket, open_family

    with open_family("netdev") as netdev:           # any family with a YAML spec
        for dev in netdev.dump("dev-get"):
            print(dev["ifindex"], dev["xdp-features"])

Names are imported on first use, so `import genetlink` stays cheap: it imports neither the
CLI, nor asyncio, nor YAML.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    "NetlinkSocket": "genetlink.socket",
    "Response": "genetlink.core.exchange",
    "AsyncNetlinkSocket": "genetlink.aio",
    "Capture": "genetlink.pcap",
    "CaptureError": "genetlink.pcap",
    "FamilyHandle": "genetlink.client.sync",
    "GenlClient": "genetlink.client.sync",
    "open_family": "genetlink.client.sync",
    "AsyncFamilyHandle": "genetlink.client.aio",
    "AsyncGenlClient": "genetlink.client.aio",
    "open_family_async": "genetlink.client.aio",
    "Replies": "genetlink.client.core",
    "CallOptions": "genetlink.client.core",
    "Batch": "genetlink.client.batch",
    "AsyncBatch": "genetlink.client.batch",
    "BatchError": "genetlink.client.batch",
    "BatchResult": "genetlink.client.batch",
    "BatchReply": "genetlink.client.batch",
    "FamilyInfo": "genetlink.genl.nlctrl",
    "FamilyNotFound": "genetlink.genl.nlctrl",
    "GroupNotFound": "genetlink.genl.nlctrl",
    "Policy": "genetlink.genl.nlctrl",
    "GenlMessage": "genetlink.genl.message",
    "DriftReport": "genetlink.genl.drift",
    "Family": "genetlink.schema.model",
    "load_spec": "genetlink.loader.spec",
    "load_family": "genetlink.loader.search",
    "declare_family": "genetlink.loader.declare",
    "SpecError": "genetlink.loader.errors",
    "SpecNotFound": "genetlink.loader.search",
    "FamilyCodec": "genetlink.codec.family",
    "Decoded": "genetlink.codec.family",
    "Message": "genetlink.wire.message",
    "Attrs": "genetlink.wire.attrs",
    "AttrBuilder": "genetlink.wire.attrs",
    "GenetlinkError": "genetlink.wire.errors",
    "NetlinkError": "genetlink.wire.errors",
    "NetlinkPermissionError": "genetlink.wire.errors",
    "NetlinkNotFoundError": "genetlink.wire.errors",
    "NetlinkExistsError": "genetlink.wire.errors",
    "NetlinkWarning": "genetlink.wire.errors",
    "DecodeError": "genetlink.wire.errors",
    "EncodeError": "genetlink.wire.errors",
    "DumpInterrupted": "genetlink.wire.errors",
    "Overrun": "genetlink.wire.errors",
    "Truncated": "genetlink.wire.errors",
}

__all__ = [
    "AsyncBatch",
    "AsyncFamilyHandle",
    "AsyncGenlClient",
    "AsyncNetlinkSocket",
    "AttrBuilder",
    "Attrs",
    "Batch",
    "BatchError",
    "BatchReply",
    "BatchResult",
    "CallOptions",
    "Capture",
    "CaptureError",
    "DecodeError",
    "Decoded",
    "DriftReport",
    "DumpInterrupted",
    "EncodeError",
    "Family",
    "FamilyCodec",
    "FamilyHandle",
    "FamilyInfo",
    "FamilyNotFound",
    "GenetlinkError",
    "GenlClient",
    "GenlMessage",
    "GroupNotFound",
    "Message",
    "NetlinkError",
    "NetlinkExistsError",
    "NetlinkNotFoundError",
    "NetlinkPermissionError",
    "NetlinkSocket",
    "NetlinkWarning",
    "Overrun",
    "Policy",
    "Replies",
    "Response",
    "SpecError",
    "SpecNotFound",
    "Truncated",
    "__version__",
    "declare_family",
    "load_family",
    "load_spec",
    "open_family",
    "open_family_async",
]

if TYPE_CHECKING:
    from genetlink.aio import AsyncNetlinkSocket
    from genetlink.client.aio import AsyncFamilyHandle, AsyncGenlClient, open_family_async
    from genetlink.client.batch import AsyncBatch, Batch, BatchError, BatchReply, BatchResult
    from genetlink.client.core import CallOptions, Replies
    from genetlink.client.sync import FamilyHandle, GenlClient, open_family
    from genetlink.codec.family import Decoded, FamilyCodec
    from genetlink.core.exchange import Response
    from genetlink.genl.drift import DriftReport
    from genetlink.genl.message import GenlMessage
    from genetlink.genl.nlctrl import FamilyInfo, FamilyNotFound, GroupNotFound, Policy
    from genetlink.loader.declare import declare_family
    from genetlink.loader.errors import SpecError
    from genetlink.loader.search import SpecNotFound, load_family
    from genetlink.loader.spec import load_spec
    from genetlink.pcap import Capture, CaptureError
    from genetlink.schema.model import Family
    from genetlink.socket import NetlinkSocket
    from genetlink.wire.attrs import AttrBuilder, Attrs
    from genetlink.wire.errors import (
        DecodeError,
        DumpInterrupted,
        EncodeError,
        GenetlinkError,
        NetlinkError,
        NetlinkExistsError,
        NetlinkNotFoundError,
        NetlinkPermissionError,
        NetlinkWarning,
        Overrun,
        Truncated,
    )
    from genetlink.wire.message import Message


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'genetlink' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(__all__)

"""genetlink: Netlink and Generic Netlink for Python.

    from genetlink import NetlinkSocket, GenlClient, open_family

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
    "Response": "genetlink.socket",
    "AsyncNetlinkSocket": "genetlink.aio",
    "AsyncGenlClient": "genetlink.genl.aio_client",
    "open_family_async": "genetlink.aio_family",
    "GenlClient": "genetlink.genl.client",
    "GenlFamily": "genetlink.genl.client",
    "FamilyCache": "genetlink.genl.cache",
    "FamilyInfo": "genetlink.genl.nlctrl",
    "FamilyNotFound": "genetlink.genl.nlctrl",
    "open_family": "genetlink.family",
    "FamilyClient": "genetlink.family",
    "Family": "genetlink.schema.model",
    "load_spec": "genetlink.loader.spec",
    "declare_family": "genetlink.loader.declare",
    "FamilyCodec": "genetlink.codec.family",
    "Decoded": "genetlink.codec.family",
    "SpecError": "genetlink.loader.errors",
    "Message": "genetlink.wire.message",
    "Attrs": "genetlink.wire.attrs",
    "AttrBuilder": "genetlink.wire.attrs",
    "GenetlinkError": "genetlink.wire.errors",
    "NetlinkError": "genetlink.wire.errors",
    "NetlinkPermissionError": "genetlink.wire.errors",
    "NetlinkNotFoundError": "genetlink.wire.errors",
    "NetlinkExistsError": "genetlink.wire.errors",
    "DecodeError": "genetlink.wire.errors",
    "EncodeError": "genetlink.wire.errors",
    "DumpInterrupted": "genetlink.wire.errors",
    "Overrun": "genetlink.wire.errors",
    "Truncated": "genetlink.wire.errors",
}

__all__ = [
    "AsyncGenlClient",
    "AsyncNetlinkSocket",
    "AttrBuilder",
    "Attrs",
    "DecodeError",
    "Decoded",
    "DumpInterrupted",
    "EncodeError",
    "Family",
    "FamilyCache",
    "FamilyClient",
    "FamilyCodec",
    "FamilyInfo",
    "FamilyNotFound",
    "GenetlinkError",
    "GenlClient",
    "GenlFamily",
    "Message",
    "NetlinkError",
    "NetlinkExistsError",
    "NetlinkNotFoundError",
    "NetlinkPermissionError",
    "NetlinkSocket",
    "Overrun",
    "Response",
    "SpecError",
    "Truncated",
    "__version__",
    "declare_family",
    "load_spec",
    "open_family",
    "open_family_async",
]

if TYPE_CHECKING:
    from genetlink.aio import AsyncNetlinkSocket
    from genetlink.aio_family import open_family_async
    from genetlink.codec.family import Decoded, FamilyCodec
    from genetlink.family import FamilyClient, open_family
    from genetlink.genl.aio_client import AsyncGenlClient
    from genetlink.genl.cache import FamilyCache
    from genetlink.genl.client import GenlClient, GenlFamily
    from genetlink.genl.nlctrl import FamilyInfo, FamilyNotFound
    from genetlink.loader.declare import declare_family
    from genetlink.loader.errors import SpecError
    from genetlink.loader.spec import load_spec
    from genetlink.schema.model import Family
    from genetlink.socket import NetlinkSocket, Response
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

"""Typed stubs of the netdev family, made by `genetlink stubs` from netdev.yaml.

    netdev = netdev_stubs.typed(open_family("netdev"))

Generated: run `genetlink stubs` again rather than edit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Literal, Protocol, TypeAlias, TypedDict, TypeVar, Unpack, overload

from genetlink import AsyncFamilyHandle, CallOptions, Decoded, FamilyHandle, Message, Overrun
from genetlink.stubs import AsyncHandleView, MessageView, RepliesView, SyncHandleView

_D = TypeVar("_D")

XdpAct: TypeAlias = Literal[
    "basic",
    "redirect",
    "ndo-xmit",
    "xsk-zerocopy",
    "hw-offload",
    "rx-sg",
    "ndo-xmit-sg",
]

XdpRxMetadata: TypeAlias = Literal["timestamp", "hash", "vlan-tag"]

XskFlags: TypeAlias = Literal["tx-timestamp", "tx-checksum", "tx-launch-time-fifo"]

QueueType: TypeAlias = Literal["rx", "tx"]

QstatsScope: TypeAlias = Literal["queue"]

NapiThreaded: TypeAlias = Literal["disabled", "enabled"]

# Attribute set dev.
DevAttrs = TypedDict(
    "DevAttrs",
    {
        "ifindex": "int",
        "xdp-features": "list[XdpAct | int]",
        "xdp-zc-max-segs": "int",
        "xdp-rx-metadata-features": "list[XdpRxMetadata | int]",
        "xsk-features": "list[XskFlags | int]",
    },
    total=False,
)


class IoUringProviderInfoAttrs(TypedDict, total=False):
    """Attribute set io-uring-provider-info."""


# Attribute set page-pool.
PagePoolAttrs = TypedDict(
    "PagePoolAttrs",
    {
        "id": "int",
        "ifindex": "int",
        "napi-id": "int",
        "inflight": "int",
        "inflight-mem": "int",
        "detach-time": "int",
        "dmabuf": "int",
        "io-uring": "IoUringProviderInfoAttrs",
    },
    total=False,
)


class PagePoolInfoAttrs(TypedDict, total=False):
    """Attribute set page-pool-info."""

    id: int
    ifindex: int


# Attribute set page-pool-stats.
PagePoolStatsAttrs = TypedDict(
    "PagePoolStatsAttrs",
    {
        "info": "PagePoolInfoAttrs",
        "alloc-fast": "int",
        "alloc-slow": "int",
        "alloc-slow-high-order": "int",
        "alloc-empty": "int",
        "alloc-refill": "int",
        "alloc-waive": "int",
        "recycle-cached": "int",
        "recycle-cache-full": "int",
        "recycle-ring": "int",
        "recycle-ring-full": "int",
        "recycle-released-refcnt": "int",
    },
    total=False,
)

# Attribute set napi.
NapiAttrs = TypedDict(
    "NapiAttrs",
    {
        "ifindex": "int",
        "id": "int",
        "irq": "int",
        "pid": "int",
        "defer-hard-irqs": "int",
        "gro-flush-timeout": "int",
        "irq-suspend-timeout": "int",
        "threaded": "NapiThreaded | int",
    },
    total=False,
)


class XskInfoAttrs(TypedDict, total=False):
    """Attribute set xsk-info."""


# Attribute set queue.
QueueAttrs = TypedDict(
    "QueueAttrs",
    {
        "id": "int",
        "ifindex": "int",
        "type": "QueueType | int",
        "napi-id": "int",
        "dmabuf": "int",
        "io-uring": "IoUringProviderInfoAttrs",
        "xsk": "XskInfoAttrs",
    },
    total=False,
)

# Attribute set qstats.
QstatsAttrs = TypedDict(
    "QstatsAttrs",
    {
        "ifindex": "int",
        "queue-type": "QueueType | int",
        "queue-id": "int",
        "scope": "list[QstatsScope | int]",
        "rx-packets": "int",
        "rx-bytes": "int",
        "tx-packets": "int",
        "tx-bytes": "int",
        "rx-alloc-fail": "int",
        "rx-hw-drops": "int",
        "rx-hw-drop-overruns": "int",
        "rx-csum-complete": "int",
        "rx-csum-unnecessary": "int",
        "rx-csum-none": "int",
        "rx-csum-bad": "int",
        "rx-hw-gro-packets": "int",
        "rx-hw-gro-bytes": "int",
        "rx-hw-gro-wire-packets": "int",
        "rx-hw-gro-wire-bytes": "int",
        "rx-hw-drop-ratelimits": "int",
        "tx-hw-drops": "int",
        "tx-hw-drop-errors": "int",
        "tx-csum-none": "int",
        "tx-needs-csum": "int",
        "tx-hw-gso-packets": "int",
        "tx-hw-gso-bytes": "int",
        "tx-hw-gso-wire-packets": "int",
        "tx-hw-gso-wire-bytes": "int",
        "tx-hw-drop-ratelimits": "int",
        "tx-stop": "int",
        "tx-wake": "int",
    },
    total=False,
)


class QueueIdAttrs(TypedDict, total=False):
    """Attribute set queue-id."""

    id: int
    type: QueueType | int


class DmabufAttrs(TypedDict, total=False):
    """Attribute set dmabuf."""

    ifindex: int
    queues: list[QueueIdAttrs]
    fd: int
    id: int


class DevAttrsMessage(MessageView, Protocol):
    """A decoded message, read-only: the values of DevAttrs."""

    @overload
    def __getitem__(self, key: Literal["ifindex", "xdp-zc-max-segs"]) -> int: ...
    @overload
    def __getitem__(self, key: Literal["xdp-features"]) -> list[XdpAct | int]: ...
    @overload
    def __getitem__(
        self,
        key: Literal["xdp-rx-metadata-features"],
    ) -> list[XdpRxMetadata | int]: ...
    @overload
    def __getitem__(self, key: Literal["xsk-features"]) -> list[XskFlags | int]: ...
    @overload
    def get(
        self,
        key: Literal["ifindex", "xdp-zc-max-segs"],
        default: None = None,
    ) -> int | None: ...
    @overload
    def get(self, key: Literal["ifindex", "xdp-zc-max-segs"], default: _D) -> int | _D: ...
    @overload
    def get(
        self,
        key: Literal["xdp-features"],
        default: None = None,
    ) -> list[XdpAct | int] | None: ...
    @overload
    def get(self, key: Literal["xdp-features"], default: _D) -> list[XdpAct | int] | _D: ...
    @overload
    def get(
        self,
        key: Literal["xdp-rx-metadata-features"],
        default: None = None,
    ) -> list[XdpRxMetadata | int] | None: ...
    @overload
    def get(
        self,
        key: Literal["xdp-rx-metadata-features"],
        default: _D,
    ) -> list[XdpRxMetadata | int] | _D: ...
    @overload
    def get(
        self,
        key: Literal["xsk-features"],
        default: None = None,
    ) -> list[XskFlags | int] | None: ...
    @overload
    def get(self, key: Literal["xsk-features"], default: _D) -> list[XskFlags | int] | _D: ...


class PagePoolAttrsMessage(MessageView, Protocol):
    """A decoded message, read-only: the values of PagePoolAttrs."""

    @overload
    def __getitem__(
        self,
        key: Literal[
            "id",
            "ifindex",
            "napi-id",
            "inflight",
            "inflight-mem",
            "detach-time",
            "dmabuf",
        ],
    ) -> int: ...
    @overload
    def __getitem__(self, key: Literal["io-uring"]) -> IoUringProviderInfoAttrs: ...
    @overload
    def get(
        self,
        key: Literal[
            "id",
            "ifindex",
            "napi-id",
            "inflight",
            "inflight-mem",
            "detach-time",
            "dmabuf",
        ],
        default: None = None,
    ) -> int | None: ...
    @overload
    def get(
        self,
        key: Literal[
            "id",
            "ifindex",
            "napi-id",
            "inflight",
            "inflight-mem",
            "detach-time",
            "dmabuf",
        ],
        default: _D,
    ) -> int | _D: ...
    @overload
    def get(
        self,
        key: Literal["io-uring"],
        default: None = None,
    ) -> IoUringProviderInfoAttrs | None: ...
    @overload
    def get(self, key: Literal["io-uring"], default: _D) -> IoUringProviderInfoAttrs | _D: ...


class PagePoolStatsAttrsMessage(MessageView, Protocol):
    """A decoded message, read-only: the values of PagePoolStatsAttrs."""

    @overload
    def __getitem__(self, key: Literal["info"]) -> PagePoolInfoAttrs: ...
    @overload
    def __getitem__(
        self,
        key: Literal[
            "alloc-fast",
            "alloc-slow",
            "alloc-slow-high-order",
            "alloc-empty",
            "alloc-refill",
            "alloc-waive",
            "recycle-cached",
            "recycle-cache-full",
            "recycle-ring",
            "recycle-ring-full",
            "recycle-released-refcnt",
        ],
    ) -> int: ...
    @overload
    def get(self, key: Literal["info"], default: None = None) -> PagePoolInfoAttrs | None: ...
    @overload
    def get(self, key: Literal["info"], default: _D) -> PagePoolInfoAttrs | _D: ...
    @overload
    def get(
        self,
        key: Literal[
            "alloc-fast",
            "alloc-slow",
            "alloc-slow-high-order",
            "alloc-empty",
            "alloc-refill",
            "alloc-waive",
            "recycle-cached",
            "recycle-cache-full",
            "recycle-ring",
            "recycle-ring-full",
            "recycle-released-refcnt",
        ],
        default: None = None,
    ) -> int | None: ...
    @overload
    def get(
        self,
        key: Literal[
            "alloc-fast",
            "alloc-slow",
            "alloc-slow-high-order",
            "alloc-empty",
            "alloc-refill",
            "alloc-waive",
            "recycle-cached",
            "recycle-cache-full",
            "recycle-ring",
            "recycle-ring-full",
            "recycle-released-refcnt",
        ],
        default: _D,
    ) -> int | _D: ...


class QueueAttrsMessage(MessageView, Protocol):
    """A decoded message, read-only: the values of QueueAttrs."""

    @overload
    def __getitem__(self, key: Literal["id", "ifindex", "napi-id", "dmabuf"]) -> int: ...
    @overload
    def __getitem__(self, key: Literal["type"]) -> QueueType | int: ...
    @overload
    def __getitem__(self, key: Literal["io-uring"]) -> IoUringProviderInfoAttrs: ...
    @overload
    def __getitem__(self, key: Literal["xsk"]) -> XskInfoAttrs: ...
    @overload
    def get(
        self,
        key: Literal["id", "ifindex", "napi-id", "dmabuf"],
        default: None = None,
    ) -> int | None: ...
    @overload
    def get(self, key: Literal["id", "ifindex", "napi-id", "dmabuf"], default: _D) -> int | _D: ...
    @overload
    def get(self, key: Literal["type"], default: None = None) -> QueueType | int | None: ...
    @overload
    def get(self, key: Literal["type"], default: _D) -> QueueType | int | _D: ...
    @overload
    def get(
        self,
        key: Literal["io-uring"],
        default: None = None,
    ) -> IoUringProviderInfoAttrs | None: ...
    @overload
    def get(self, key: Literal["io-uring"], default: _D) -> IoUringProviderInfoAttrs | _D: ...
    @overload
    def get(self, key: Literal["xsk"], default: None = None) -> XskInfoAttrs | None: ...
    @overload
    def get(self, key: Literal["xsk"], default: _D) -> XskInfoAttrs | _D: ...


class NapiAttrsMessage(MessageView, Protocol):
    """A decoded message, read-only: the values of NapiAttrs."""

    @overload
    def __getitem__(
        self,
        key: Literal[
            "ifindex",
            "id",
            "irq",
            "pid",
            "defer-hard-irqs",
            "gro-flush-timeout",
            "irq-suspend-timeout",
        ],
    ) -> int: ...
    @overload
    def __getitem__(self, key: Literal["threaded"]) -> NapiThreaded | int: ...
    @overload
    def get(
        self,
        key: Literal[
            "ifindex",
            "id",
            "irq",
            "pid",
            "defer-hard-irqs",
            "gro-flush-timeout",
            "irq-suspend-timeout",
        ],
        default: None = None,
    ) -> int | None: ...
    @overload
    def get(
        self,
        key: Literal[
            "ifindex",
            "id",
            "irq",
            "pid",
            "defer-hard-irqs",
            "gro-flush-timeout",
            "irq-suspend-timeout",
        ],
        default: _D,
    ) -> int | _D: ...
    @overload
    def get(self, key: Literal["threaded"], default: None = None) -> NapiThreaded | int | None: ...
    @overload
    def get(self, key: Literal["threaded"], default: _D) -> NapiThreaded | int | _D: ...


class QstatsAttrsMessage(MessageView, Protocol):
    """A decoded message, read-only: the values of QstatsAttrs."""

    @overload
    def __getitem__(
        self,
        key: Literal[
            "ifindex",
            "queue-id",
            "rx-packets",
            "rx-bytes",
            "tx-packets",
            "tx-bytes",
            "rx-alloc-fail",
            "rx-hw-drops",
            "rx-hw-drop-overruns",
            "rx-csum-complete",
            "rx-csum-unnecessary",
            "rx-csum-none",
            "rx-csum-bad",
            "rx-hw-gro-packets",
            "rx-hw-gro-bytes",
            "rx-hw-gro-wire-packets",
            "rx-hw-gro-wire-bytes",
            "rx-hw-drop-ratelimits",
            "tx-hw-drops",
            "tx-hw-drop-errors",
            "tx-csum-none",
            "tx-needs-csum",
            "tx-hw-gso-packets",
            "tx-hw-gso-bytes",
            "tx-hw-gso-wire-packets",
            "tx-hw-gso-wire-bytes",
            "tx-hw-drop-ratelimits",
            "tx-stop",
            "tx-wake",
        ],
    ) -> int: ...
    @overload
    def __getitem__(self, key: Literal["queue-type"]) -> QueueType | int: ...
    @overload
    def __getitem__(self, key: Literal["scope"]) -> list[QstatsScope | int]: ...
    @overload
    def get(
        self,
        key: Literal[
            "ifindex",
            "queue-id",
            "rx-packets",
            "rx-bytes",
            "tx-packets",
            "tx-bytes",
            "rx-alloc-fail",
            "rx-hw-drops",
            "rx-hw-drop-overruns",
            "rx-csum-complete",
            "rx-csum-unnecessary",
            "rx-csum-none",
            "rx-csum-bad",
            "rx-hw-gro-packets",
            "rx-hw-gro-bytes",
            "rx-hw-gro-wire-packets",
            "rx-hw-gro-wire-bytes",
            "rx-hw-drop-ratelimits",
            "tx-hw-drops",
            "tx-hw-drop-errors",
            "tx-csum-none",
            "tx-needs-csum",
            "tx-hw-gso-packets",
            "tx-hw-gso-bytes",
            "tx-hw-gso-wire-packets",
            "tx-hw-gso-wire-bytes",
            "tx-hw-drop-ratelimits",
            "tx-stop",
            "tx-wake",
        ],
        default: None = None,
    ) -> int | None: ...
    @overload
    def get(
        self,
        key: Literal[
            "ifindex",
            "queue-id",
            "rx-packets",
            "rx-bytes",
            "tx-packets",
            "tx-bytes",
            "rx-alloc-fail",
            "rx-hw-drops",
            "rx-hw-drop-overruns",
            "rx-csum-complete",
            "rx-csum-unnecessary",
            "rx-csum-none",
            "rx-csum-bad",
            "rx-hw-gro-packets",
            "rx-hw-gro-bytes",
            "rx-hw-gro-wire-packets",
            "rx-hw-gro-wire-bytes",
            "rx-hw-drop-ratelimits",
            "tx-hw-drops",
            "tx-hw-drop-errors",
            "tx-csum-none",
            "tx-needs-csum",
            "tx-hw-gso-packets",
            "tx-hw-gso-bytes",
            "tx-hw-gso-wire-packets",
            "tx-hw-gso-wire-bytes",
            "tx-hw-drop-ratelimits",
            "tx-stop",
            "tx-wake",
        ],
        default: _D,
    ) -> int | _D: ...
    @overload
    def get(self, key: Literal["queue-type"], default: None = None) -> QueueType | int | None: ...
    @overload
    def get(self, key: Literal["queue-type"], default: _D) -> QueueType | int | _D: ...
    @overload
    def get(
        self,
        key: Literal["scope"],
        default: None = None,
    ) -> list[QstatsScope | int] | None: ...
    @overload
    def get(self, key: Literal["scope"], default: _D) -> list[QstatsScope | int] | _D: ...


class DmabufAttrsMessage(MessageView, Protocol):
    """A decoded message, read-only: the values of DmabufAttrs."""

    @overload
    def __getitem__(self, key: Literal["ifindex", "fd", "id"]) -> int: ...
    @overload
    def __getitem__(self, key: Literal["queues"]) -> list[QueueIdAttrs]: ...
    @overload
    def get(self, key: Literal["ifindex", "fd", "id"], default: None = None) -> int | None: ...
    @overload
    def get(self, key: Literal["ifindex", "fd", "id"], default: _D) -> int | _D: ...
    @overload
    def get(self, key: Literal["queues"], default: None = None) -> list[QueueIdAttrs] | None: ...
    @overload
    def get(self, key: Literal["queues"], default: _D) -> list[QueueIdAttrs] | _D: ...


class AnyMessage(MessageView, Protocol):
    """Any message of the family (see `decode`)."""

    @overload
    def __getitem__(
        self,
        key: Literal[
            "ifindex",
            "xdp-zc-max-segs",
            "id",
            "napi-id",
            "inflight",
            "inflight-mem",
            "detach-time",
            "dmabuf",
            "alloc-fast",
            "alloc-slow",
            "alloc-slow-high-order",
            "alloc-empty",
            "alloc-refill",
            "alloc-waive",
            "recycle-cached",
            "recycle-cache-full",
            "recycle-ring",
            "recycle-ring-full",
            "recycle-released-refcnt",
            "irq",
            "pid",
            "defer-hard-irqs",
            "gro-flush-timeout",
            "irq-suspend-timeout",
            "queue-id",
            "rx-packets",
            "rx-bytes",
            "tx-packets",
            "tx-bytes",
            "rx-alloc-fail",
            "rx-hw-drops",
            "rx-hw-drop-overruns",
            "rx-csum-complete",
            "rx-csum-unnecessary",
            "rx-csum-none",
            "rx-csum-bad",
            "rx-hw-gro-packets",
            "rx-hw-gro-bytes",
            "rx-hw-gro-wire-packets",
            "rx-hw-gro-wire-bytes",
            "rx-hw-drop-ratelimits",
            "tx-hw-drops",
            "tx-hw-drop-errors",
            "tx-csum-none",
            "tx-needs-csum",
            "tx-hw-gso-packets",
            "tx-hw-gso-bytes",
            "tx-hw-gso-wire-packets",
            "tx-hw-gso-wire-bytes",
            "tx-hw-drop-ratelimits",
            "tx-stop",
            "tx-wake",
            "fd",
        ],
    ) -> int: ...
    @overload
    def __getitem__(self, key: Literal["xdp-features"]) -> list[XdpAct | int]: ...
    @overload
    def __getitem__(
        self,
        key: Literal["xdp-rx-metadata-features"],
    ) -> list[XdpRxMetadata | int]: ...
    @overload
    def __getitem__(self, key: Literal["xsk-features"]) -> list[XskFlags | int]: ...
    @overload
    def __getitem__(self, key: Literal["io-uring"]) -> IoUringProviderInfoAttrs: ...
    @overload
    def __getitem__(self, key: Literal["info"]) -> PagePoolInfoAttrs: ...
    @overload
    def __getitem__(self, key: Literal["type", "queue-type"]) -> QueueType | int: ...
    @overload
    def __getitem__(self, key: Literal["xsk"]) -> XskInfoAttrs: ...
    @overload
    def __getitem__(self, key: Literal["threaded"]) -> NapiThreaded | int: ...
    @overload
    def __getitem__(self, key: Literal["scope"]) -> list[QstatsScope | int]: ...
    @overload
    def __getitem__(self, key: Literal["queues"]) -> list[QueueIdAttrs]: ...
    @overload
    def get(
        self,
        key: Literal[
            "ifindex",
            "xdp-zc-max-segs",
            "id",
            "napi-id",
            "inflight",
            "inflight-mem",
            "detach-time",
            "dmabuf",
            "alloc-fast",
            "alloc-slow",
            "alloc-slow-high-order",
            "alloc-empty",
            "alloc-refill",
            "alloc-waive",
            "recycle-cached",
            "recycle-cache-full",
            "recycle-ring",
            "recycle-ring-full",
            "recycle-released-refcnt",
            "irq",
            "pid",
            "defer-hard-irqs",
            "gro-flush-timeout",
            "irq-suspend-timeout",
            "queue-id",
            "rx-packets",
            "rx-bytes",
            "tx-packets",
            "tx-bytes",
            "rx-alloc-fail",
            "rx-hw-drops",
            "rx-hw-drop-overruns",
            "rx-csum-complete",
            "rx-csum-unnecessary",
            "rx-csum-none",
            "rx-csum-bad",
            "rx-hw-gro-packets",
            "rx-hw-gro-bytes",
            "rx-hw-gro-wire-packets",
            "rx-hw-gro-wire-bytes",
            "rx-hw-drop-ratelimits",
            "tx-hw-drops",
            "tx-hw-drop-errors",
            "tx-csum-none",
            "tx-needs-csum",
            "tx-hw-gso-packets",
            "tx-hw-gso-bytes",
            "tx-hw-gso-wire-packets",
            "tx-hw-gso-wire-bytes",
            "tx-hw-drop-ratelimits",
            "tx-stop",
            "tx-wake",
            "fd",
        ],
        default: None = None,
    ) -> int | None: ...
    @overload
    def get(
        self,
        key: Literal[
            "ifindex",
            "xdp-zc-max-segs",
            "id",
            "napi-id",
            "inflight",
            "inflight-mem",
            "detach-time",
            "dmabuf",
            "alloc-fast",
            "alloc-slow",
            "alloc-slow-high-order",
            "alloc-empty",
            "alloc-refill",
            "alloc-waive",
            "recycle-cached",
            "recycle-cache-full",
            "recycle-ring",
            "recycle-ring-full",
            "recycle-released-refcnt",
            "irq",
            "pid",
            "defer-hard-irqs",
            "gro-flush-timeout",
            "irq-suspend-timeout",
            "queue-id",
            "rx-packets",
            "rx-bytes",
            "tx-packets",
            "tx-bytes",
            "rx-alloc-fail",
            "rx-hw-drops",
            "rx-hw-drop-overruns",
            "rx-csum-complete",
            "rx-csum-unnecessary",
            "rx-csum-none",
            "rx-csum-bad",
            "rx-hw-gro-packets",
            "rx-hw-gro-bytes",
            "rx-hw-gro-wire-packets",
            "rx-hw-gro-wire-bytes",
            "rx-hw-drop-ratelimits",
            "tx-hw-drops",
            "tx-hw-drop-errors",
            "tx-csum-none",
            "tx-needs-csum",
            "tx-hw-gso-packets",
            "tx-hw-gso-bytes",
            "tx-hw-gso-wire-packets",
            "tx-hw-gso-wire-bytes",
            "tx-hw-drop-ratelimits",
            "tx-stop",
            "tx-wake",
            "fd",
        ],
        default: _D,
    ) -> int | _D: ...
    @overload
    def get(
        self,
        key: Literal["xdp-features"],
        default: None = None,
    ) -> list[XdpAct | int] | None: ...
    @overload
    def get(self, key: Literal["xdp-features"], default: _D) -> list[XdpAct | int] | _D: ...
    @overload
    def get(
        self,
        key: Literal["xdp-rx-metadata-features"],
        default: None = None,
    ) -> list[XdpRxMetadata | int] | None: ...
    @overload
    def get(
        self,
        key: Literal["xdp-rx-metadata-features"],
        default: _D,
    ) -> list[XdpRxMetadata | int] | _D: ...
    @overload
    def get(
        self,
        key: Literal["xsk-features"],
        default: None = None,
    ) -> list[XskFlags | int] | None: ...
    @overload
    def get(self, key: Literal["xsk-features"], default: _D) -> list[XskFlags | int] | _D: ...
    @overload
    def get(
        self,
        key: Literal["io-uring"],
        default: None = None,
    ) -> IoUringProviderInfoAttrs | None: ...
    @overload
    def get(self, key: Literal["io-uring"], default: _D) -> IoUringProviderInfoAttrs | _D: ...
    @overload
    def get(self, key: Literal["info"], default: None = None) -> PagePoolInfoAttrs | None: ...
    @overload
    def get(self, key: Literal["info"], default: _D) -> PagePoolInfoAttrs | _D: ...
    @overload
    def get(
        self,
        key: Literal["type", "queue-type"],
        default: None = None,
    ) -> QueueType | int | None: ...
    @overload
    def get(self, key: Literal["type", "queue-type"], default: _D) -> QueueType | int | _D: ...
    @overload
    def get(self, key: Literal["xsk"], default: None = None) -> XskInfoAttrs | None: ...
    @overload
    def get(self, key: Literal["xsk"], default: _D) -> XskInfoAttrs | _D: ...
    @overload
    def get(self, key: Literal["threaded"], default: None = None) -> NapiThreaded | int | None: ...
    @overload
    def get(self, key: Literal["threaded"], default: _D) -> NapiThreaded | int | _D: ...
    @overload
    def get(
        self,
        key: Literal["scope"],
        default: None = None,
    ) -> list[QstatsScope | int] | None: ...
    @overload
    def get(self, key: Literal["scope"], default: _D) -> list[QstatsScope | int] | _D: ...
    @overload
    def get(self, key: Literal["queues"], default: None = None) -> list[QueueIdAttrs] | None: ...
    @overload
    def get(self, key: Literal["queues"], default: _D) -> list[QueueIdAttrs] | _D: ...


class Notification(MessageView, Protocol):
    """A notification of the family."""

    @overload
    def __getitem__(
        self,
        key: Literal[
            "ifindex",
            "xdp-zc-max-segs",
            "id",
            "napi-id",
            "inflight",
            "inflight-mem",
            "detach-time",
            "dmabuf",
        ],
    ) -> int: ...
    @overload
    def __getitem__(self, key: Literal["xdp-features"]) -> list[XdpAct | int]: ...
    @overload
    def __getitem__(
        self,
        key: Literal["xdp-rx-metadata-features"],
    ) -> list[XdpRxMetadata | int]: ...
    @overload
    def __getitem__(self, key: Literal["xsk-features"]) -> list[XskFlags | int]: ...
    @overload
    def __getitem__(self, key: Literal["io-uring"]) -> IoUringProviderInfoAttrs: ...
    @overload
    def get(
        self,
        key: Literal[
            "ifindex",
            "xdp-zc-max-segs",
            "id",
            "napi-id",
            "inflight",
            "inflight-mem",
            "detach-time",
            "dmabuf",
        ],
        default: None = None,
    ) -> int | None: ...
    @overload
    def get(
        self,
        key: Literal[
            "ifindex",
            "xdp-zc-max-segs",
            "id",
            "napi-id",
            "inflight",
            "inflight-mem",
            "detach-time",
            "dmabuf",
        ],
        default: _D,
    ) -> int | _D: ...
    @overload
    def get(
        self,
        key: Literal["xdp-features"],
        default: None = None,
    ) -> list[XdpAct | int] | None: ...
    @overload
    def get(self, key: Literal["xdp-features"], default: _D) -> list[XdpAct | int] | _D: ...
    @overload
    def get(
        self,
        key: Literal["xdp-rx-metadata-features"],
        default: None = None,
    ) -> list[XdpRxMetadata | int] | None: ...
    @overload
    def get(
        self,
        key: Literal["xdp-rx-metadata-features"],
        default: _D,
    ) -> list[XdpRxMetadata | int] | _D: ...
    @overload
    def get(
        self,
        key: Literal["xsk-features"],
        default: None = None,
    ) -> list[XskFlags | int] | None: ...
    @overload
    def get(self, key: Literal["xsk-features"], default: _D) -> list[XskFlags | int] | _D: ...
    @overload
    def get(
        self,
        key: Literal["io-uring"],
        default: None = None,
    ) -> IoUringProviderInfoAttrs | None: ...
    @overload
    def get(self, key: Literal["io-uring"], default: _D) -> IoUringProviderInfoAttrs | _D: ...


Op: TypeAlias = Literal[
    "dev-get",
    "dev-add-ntf",
    "dev-del-ntf",
    "dev-change-ntf",
    "page-pool-get",
    "page-pool-add-ntf",
    "page-pool-del-ntf",
    "page-pool-change-ntf",
    "page-pool-stats-get",
    "queue-get",
    "napi-get",
    "qstats-get",
    "bind-rx",
    "napi-set",
    "bind-tx",
]

DoOp: TypeAlias = Literal[
    "dev-get",
    "page-pool-get",
    "page-pool-stats-get",
    "queue-get",
    "napi-get",
    "bind-rx",
    "napi-set",
    "bind-tx",
]

DumpOp: TypeAlias = Literal[
    "dev-get",
    "page-pool-get",
    "page-pool-stats-get",
    "queue-get",
    "napi-get",
    "qstats-get",
]

Group: TypeAlias = Literal["mgmt", "page-pool"]


class NetdevHandle(SyncHandleView, Protocol):
    """A handle on netdev: `typed(open_family(...))`."""

    @overload
    def do(
        self,
        op: Literal["dev-get"],
        attrs: DevAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> DevAttrsMessage | None: ...
    @overload
    def do(
        self,
        op: Literal["page-pool-get"],
        attrs: PagePoolAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> PagePoolAttrsMessage | None: ...
    @overload
    def do(
        self,
        op: Literal["page-pool-stats-get"],
        attrs: PagePoolStatsAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> PagePoolStatsAttrsMessage | None: ...
    @overload
    def do(
        self,
        op: Literal["queue-get"],
        attrs: QueueAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> QueueAttrsMessage | None: ...
    @overload
    def do(
        self,
        op: Literal["napi-get", "napi-set"],
        attrs: NapiAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> NapiAttrsMessage | None: ...
    @overload
    def do(
        self,
        op: Literal["bind-rx", "bind-tx"],
        attrs: DmabufAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> DmabufAttrsMessage | None: ...
    @overload
    def do_all(
        self,
        op: Literal["dev-get"],
        attrs: DevAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> RepliesView[DevAttrsMessage]: ...
    @overload
    def do_all(
        self,
        op: Literal["page-pool-get"],
        attrs: PagePoolAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> RepliesView[PagePoolAttrsMessage]: ...
    @overload
    def do_all(
        self,
        op: Literal["page-pool-stats-get"],
        attrs: PagePoolStatsAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> RepliesView[PagePoolStatsAttrsMessage]: ...
    @overload
    def do_all(
        self,
        op: Literal["queue-get"],
        attrs: QueueAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> RepliesView[QueueAttrsMessage]: ...
    @overload
    def do_all(
        self,
        op: Literal["napi-get", "napi-set"],
        attrs: NapiAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> RepliesView[NapiAttrsMessage]: ...
    @overload
    def do_all(
        self,
        op: Literal["bind-rx", "bind-tx"],
        attrs: DmabufAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> RepliesView[DmabufAttrsMessage]: ...
    @overload
    def dump(
        self,
        op: Literal["dev-get"],
        attrs: DevAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> Iterator[DevAttrsMessage]: ...
    @overload
    def dump(
        self,
        op: Literal["page-pool-get"],
        attrs: PagePoolAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> Iterator[PagePoolAttrsMessage]: ...
    @overload
    def dump(
        self,
        op: Literal["page-pool-stats-get"],
        attrs: PagePoolStatsAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> Iterator[PagePoolStatsAttrsMessage]: ...
    @overload
    def dump(
        self,
        op: Literal["queue-get"],
        attrs: QueueAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> Iterator[QueueAttrsMessage]: ...
    @overload
    def dump(
        self,
        op: Literal["napi-get"],
        attrs: NapiAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> Iterator[NapiAttrsMessage]: ...
    @overload
    def dump(
        self,
        op: Literal["qstats-get"],
        attrs: QstatsAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> Iterator[QstatsAttrsMessage]: ...
    def group_id(self, group: Group | int) -> int: ...
    def subscribe(self, group: Group | int) -> int: ...
    def unsubscribe(self, group: Group | int) -> None: ...
    def notifications(self, timeout: float | None = None) -> Iterator[Notification | Overrun]: ...
    def decode(self, msg: Message) -> AnyMessage: ...
    def __enter__(self) -> NetdevHandle: ...


class AsyncNetdevHandle(AsyncHandleView, Protocol):
    """A handle on netdev: `typed(await open_family_async(...))`."""

    @overload
    async def do(
        self,
        op: Literal["dev-get"],
        attrs: DevAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> DevAttrsMessage | None: ...
    @overload
    async def do(
        self,
        op: Literal["page-pool-get"],
        attrs: PagePoolAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> PagePoolAttrsMessage | None: ...
    @overload
    async def do(
        self,
        op: Literal["page-pool-stats-get"],
        attrs: PagePoolStatsAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> PagePoolStatsAttrsMessage | None: ...
    @overload
    async def do(
        self,
        op: Literal["queue-get"],
        attrs: QueueAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> QueueAttrsMessage | None: ...
    @overload
    async def do(
        self,
        op: Literal["napi-get", "napi-set"],
        attrs: NapiAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> NapiAttrsMessage | None: ...
    @overload
    async def do(
        self,
        op: Literal["bind-rx", "bind-tx"],
        attrs: DmabufAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> DmabufAttrsMessage | None: ...
    @overload
    async def do_all(
        self,
        op: Literal["dev-get"],
        attrs: DevAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> RepliesView[DevAttrsMessage]: ...
    @overload
    async def do_all(
        self,
        op: Literal["page-pool-get"],
        attrs: PagePoolAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> RepliesView[PagePoolAttrsMessage]: ...
    @overload
    async def do_all(
        self,
        op: Literal["page-pool-stats-get"],
        attrs: PagePoolStatsAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> RepliesView[PagePoolStatsAttrsMessage]: ...
    @overload
    async def do_all(
        self,
        op: Literal["queue-get"],
        attrs: QueueAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> RepliesView[QueueAttrsMessage]: ...
    @overload
    async def do_all(
        self,
        op: Literal["napi-get", "napi-set"],
        attrs: NapiAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> RepliesView[NapiAttrsMessage]: ...
    @overload
    async def do_all(
        self,
        op: Literal["bind-rx", "bind-tx"],
        attrs: DmabufAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> RepliesView[DmabufAttrsMessage]: ...
    @overload
    def dump(
        self,
        op: Literal["dev-get"],
        attrs: DevAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> AsyncIterator[DevAttrsMessage]: ...
    @overload
    def dump(
        self,
        op: Literal["page-pool-get"],
        attrs: PagePoolAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> AsyncIterator[PagePoolAttrsMessage]: ...
    @overload
    def dump(
        self,
        op: Literal["page-pool-stats-get"],
        attrs: PagePoolStatsAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> AsyncIterator[PagePoolStatsAttrsMessage]: ...
    @overload
    def dump(
        self,
        op: Literal["queue-get"],
        attrs: QueueAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> AsyncIterator[QueueAttrsMessage]: ...
    @overload
    def dump(
        self,
        op: Literal["napi-get"],
        attrs: NapiAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> AsyncIterator[NapiAttrsMessage]: ...
    @overload
    def dump(
        self,
        op: Literal["qstats-get"],
        attrs: QstatsAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> AsyncIterator[QstatsAttrsMessage]: ...
    def group_id(self, group: Group | int) -> int: ...
    def subscribe(self, group: Group | int) -> int: ...
    def unsubscribe(self, group: Group | int) -> None: ...
    def notifications(
        self,
        timeout: float | None = None,
    ) -> AsyncIterator[Notification | Overrun]: ...
    def decode(self, msg: Message) -> AnyMessage: ...
    async def __aenter__(self) -> AsyncNetdevHandle: ...


@overload
def typed(handle: FamilyHandle[Decoded]) -> NetdevHandle: ...
@overload
def typed(handle: AsyncFamilyHandle[Decoded]) -> AsyncNetdevHandle: ...
def typed(
    handle: FamilyHandle[Decoded] | AsyncFamilyHandle[Decoded],
) -> NetdevHandle | AsyncNetdevHandle:
    """The netdev handle `handle`, typed by this module (the same object)."""
    if handle.name != "netdev":
        raise ValueError(f"typed(): a handle on {handle.name}, not netdev")
    return handle

"""The front-independent part of a Generic Netlink client, and how handles are put together.

A client owns one request socket (nlctrl lookups and every family's requests go over it), a
family cache that nlctrl's announcements keep fresh, and the handles it gave out. The fronts
(`GenlClient`, `AsyncGenlClient`) add only the waiting.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

from ..codec.family import FamilyCodec
from ..core.engine import Engine
from ..core.exchange import Exchange
from ..genl.cache import FamilyCache
from ..genl.drift import DriftReport, compare
from ..genl.nlctrl import FamilyInfo, FamilyNotFound, getpolicy
from ..loader.errors import SpecError
from ..schema.model import Family
from .codecs import Codec, RawCodec, SpecCodec
from .core import DEFAULT_TIMEOUT, Closable, Subscriber
from .resolver import GenlResolver, RawResolver

S = TypeVar("S", bound=Subscriber)
H = TypeVar("H", bound=Closable)

#: A codec for `family()`: a schema Family, a FamilyCodec built from one, or None (numbers).
CodecSource = Family | FamilyCodec | None


def family_model(name_or_family: str | os.PathLike[str] | Family, *,
                 spec_path: str | os.PathLike[str] | None = None,
                 env: Mapping[str, str] | None = None) -> Family | KernelSchema:  # fmt: skip
    """The family model: given, or loaded from a spec name on the search path or a file; for
    a bare name that no spec describes, a `KernelSchema` to build from the running kernel."""
    if isinstance(name_or_family, Family):
        return name_or_family
    from ..loader.search import SpecNotFound, load_family  # the loader only when it is needed

    try:
        return load_family(os.fspath(name_or_family), path=spec_path, env=env)
    except SpecNotFound as missing:
        if spec_path is not None or not isinstance(name_or_family, str) or "/" in name_or_family:
            raise
        return KernelSchema(name_or_family, missing)


class KernelSchema:
    """A Generic Netlink family no spec describes: its schema comes from the running kernel
    (CTRL_CMD_GETPOLICY, with names from its uapi header: `genetlink.genl.introspect`)."""

    def __init__(self, name: str, missing: SpecError) -> None:
        self.name = name
        self.missing = missing

    def build(self, engine: Engine, timeout: float | None) -> Exchange[Family]:
        """The model, built over `engine`; the SpecNotFound when the kernel lacks the family
        too (it names where specs were looked for, and how to install them)."""
        from ..genl.introspect import kernel_family

        try:
            return (yield from kernel_family(engine, self.name, timeout=timeout))
        except FamilyNotFound:
            raise self.missing from None


def make_codec(name: str, source: CodecSource, resolver: GenlResolver) -> Codec[Any]:
    """The handle's codec: from a model, or by number (fixed header size from nlctrl)."""
    if source is None:
        return RawCodec(name, lambda: resolver.info.hdrsize if resolver.info is not None else 0)
    return SpecCodec(source)


def _no_transport(options: Mapping[str, Any]) -> None:
    if "transport" in options:
        raise TypeError("a client opens several sockets: give transport_factory= (a callable "
                        "returning a transport), not transport=")  # fmt: skip


def spec_handle(family: Family, handle_type: Callable[..., H],
                client_type: Callable[..., GenlClientBase[Any, Any]],
                open_socket: Callable[[], Subscriber], *, timeout: float | None,
                **client_options: Any) -> H:  # fmt: skip
    """A handle (not resolved yet) on a spec-described family: over a client of its own for
    Generic Netlink (closed with the handle), over sockets of the spec's protocol for
    netlink-raw (`open_socket` makes them)."""
    _no_transport(client_options)
    if family.is_genetlink:
        client = client_type(timeout=timeout, watch_families=False, **client_options)
        resolver = client._resolver(family.name, family)
        return handle_type(resolver, SpecCodec(family), client.sock, client._open_socket,
                           timeout=timeout, owner=client)  # fmt: skip
    sock = open_socket()
    return handle_type(RawResolver(family), SpecCodec(family), sock, open_socket,
                       timeout=timeout, owner=sock)  # fmt: skip


class GenlClientBase(Generic[S, H]):
    """What `GenlClient` and `AsyncGenlClient` share (the options are documented there)."""

    def __init__(
        self,
        netns: str | None = None,
        *,
        timeout: float | None = DEFAULT_TIMEOUT,
        cache_ttl: float | None = 300.0,
        watch_families: bool = True,
        transport_factory: Callable[[], Any] | None = None,
        **socket_options: Any,
    ) -> None:
        _no_transport(socket_options)
        self.netns = netns
        self.timeout = timeout
        self.transport_factory = transport_factory
        self.socket_options = socket_options
        self._handles: list[H] = []
        self.sock: S = self._open_socket()
        self.cache = FamilyCache(
            self.sock.engine, open_watcher=self._open_socket if watch_families else None,
            ttl=cache_ttl, timeout=timeout,
        )  # fmt: skip

    def _open_socket(self) -> S:
        """A new NETLINK_GENERIC socket of the front, in the client's namespace."""
        raise NotImplementedError

    def _transport(self) -> Any:
        return self.transport_factory() if self.transport_factory is not None else None

    def _resolver(self, name: str, source: CodecSource) -> GenlResolver:
        version = None
        if source is not None:
            model = source.family if isinstance(source, FamilyCodec) else source
            version = model.version or None
        return GenlResolver(name, self.cache, version)

    def _keep(self, handle: H) -> H:
        self._handles.append(handle)
        return handle

    def _drift(self, family: Family) -> Exchange[DriftReport]:
        info: FamilyInfo = yield from self.cache.get(family.name)
        policy = yield from getpolicy(self.sock.engine, family.name, timeout=self.timeout)
        return compare(family, policy, info)

    def close(self) -> None:
        """Close every socket of the client and of the handles it gave out."""
        handles, self._handles = self._handles, []
        for handle in handles:
            handle.close()
        self.cache.close()
        self.sock.close()

    def __repr__(self) -> str:
        where = f" in {self.netns}" if self.netns else ""
        return f"{type(self).__name__}(port {getattr(self.sock, 'port', '?')}{where})"


__all__ = ["CodecSource", "GenlClientBase", "KernelSchema", "family_model", "make_codec",
           "spec_handle"]  # fmt: skip

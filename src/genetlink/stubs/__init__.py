"""Typed stubs from a family's spec: `genetlink stubs netdev` writes netdev_stubs.py, which
makes mypy and pyright check operation names, attribute names and value types.

    import netdev_stubs
    from genetlink import open_family

    with netdev_stubs.typed(open_family("netdev")) as netdev:      # a NetdevHandle
        dev = netdev.do("dev-get", {"ifindex": 1})                 # DevAttrsMessage | None
        if dev is not None:
            index: int = dev["ifindex"]
        names = [d["xdp-features"] for d in netdev.dump("dev-get")]

What a generated module holds:
- a TypedDict per attribute set and struct (total=False, kebab-case keys, so the functional
  syntax), and one per fixed header followed by a set (rt-link's ifinfomsg + link-attrs):
  request values, and what nests, structs and sub-messages decode to (plain dicts);
- a Literal alias per enum, and per sub-message the union of its formats (or bytes);
- per message kind a view (`DevAttrsMessage`): a Protocol with `__getitem__`/`get`
  overloaded by key. A reply is a `Decoded`, a read-only lazy Mapping: typed as a TypedDict
  it would promise what it lacks (item assignment, `copy`, `|`), and `FamilyHandle[Decoded]`
  could not be given the stub's type without a cast. `Decoded` satisfies the views as is;
- `Op`/`DoOp`/`DumpOp`/`Group` Literals, and the handle Protocols `NetdevHandle` and
  `AsyncNetdevHandle` with an overload per kind of request, which `FamilyHandle[Decoded]`
  and `AsyncFamilyHandle[Decoded]` satisfy (the generated module proves it when type
  checked: `typed` returns its argument unchanged, with no cast).

Value types are what `codec.decode` produces, which the encoder takes back: integers int,
enums a Literal of their names | int (unknown values stay numbers), flags a list of those,
strings str, binary bytes, IP addresses (display hints ipv4/ipv6/ipv4-or-v6) their text
(str; bytes for other lengths), MACs str, UUIDs uuid.UUID, flag attributes bool, bitfield32 a
Bitfield32, multi-attr and arrays lists, nest-type-value dicts keyed by number; fixed-header
members named like an attribute are keyed "header.NAME" (see `codec.names`).

A payload of a width its type cannot have (a u32 of 16 bytes: an IPv6 rule's `src` in
rt-rule) decodes to a `Mismatched` (bytes). By default the stubs give the spec's type, so
`dev["ifindex"]` is an int and such a payload is outside them; made with `mismatched`
(`--mismatched`), every attribute of a fixed width is `T | Mismatched`, exactly what the
codec returns, to be narrowed before use. Not typed either way: attributes the spec does not
name (keyed by number), snake_case names and numeric operations (accepted at run time).
"""

from genetlink.stubs.generate import module_name, render_stubs, write_stubs
from genetlink.stubs.source import camel
from genetlink.stubs.views import (
    AsyncHandleView,
    HandleView,
    MessageView,
    RepliesView,
    SyncHandleView,
)

__all__ = [
    "AsyncHandleView",
    "HandleView",
    "MessageView",
    "RepliesView",
    "SyncHandleView",
    "camel",
    "module_name",
    "render_stubs",
    "write_stubs",
]

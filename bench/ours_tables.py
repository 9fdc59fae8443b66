"""Hand-written decode tables for the bench's full-decode variants (our side).

A table maps an attribute number to (name, decoder); a decoder takes (data, start, end) of the
payload and returns a Python value. Numbers are the kernel's uapi values (if_link.h,
if_addr.h, rtnetlink.h, genetlink.h, ethtool_netlink.h, netdev.h). Attributes a table does not
know decode to raw bytes under their number, so nothing is dropped.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Callable
from typing import Any

from genetlink.wire.attrs import iter_attrs
from genetlink.wire.codecs import decode_string
from genetlink.wire.constants import NLA_TYPE_MASK

Decoder = Callable[[bytes, int, int], Any]
Table = dict[int, tuple[str, Decoder]]

_U16 = struct.Struct("=H").unpack_from
_U32 = struct.Struct("=I").unpack_from
_S32 = struct.Struct("=i").unpack_from
_U64 = struct.Struct("=Q").unpack_from
_ARRAYS: dict[str, struct.Struct] = {}


def u8(d: bytes, s: int, e: int) -> int:
    """u8 attribute."""
    return d[s]


def u16(d: bytes, s: int, e: int) -> int:
    """u16 attribute."""
    return int(_U16(d, s)[0])


def u32(d: bytes, s: int, e: int) -> int:
    """u32 attribute."""
    return int(_U32(d, s)[0])


def s32(d: bytes, s: int, e: int) -> int:
    """s32 attribute."""
    return int(_S32(d, s)[0])


def u64(d: bytes, s: int, e: int) -> int:
    """u64 attribute."""
    return int(_U64(d, s)[0])


def string(d: bytes, s: int, e: int) -> str:
    """NUL-terminated string attribute."""
    return decode_string(d, s, e)


def binary(d: bytes, s: int, e: int) -> bytes:
    """Opaque bytes (hardware addresses, ids)."""
    return d[s:e]


def ip(d: bytes, s: int, e: int) -> str:
    """An IPv4 or IPv6 address, by length."""
    return socket.inet_ntop(socket.AF_INET if e - s == 4 else socket.AF_INET6, d[s:e])


def array(code: str) -> Decoder:
    """A C array of one scalar type ('I', 'Q', 'i'), length taken from the payload."""
    size = struct.calcsize(code)

    def dec(d: bytes, s: int, e: int) -> tuple[int, ...]:
        n = (e - s) // size
        key = f"{n}{code}"
        st = _ARRAYS.get(key)
        if st is None:
            st = _ARRAYS[key] = struct.Struct("=" + key)
        return st.unpack_from(d, s)

    return dec


def cstruct(fmt: str, names: tuple[str, ...]) -> Decoder:
    """A fixed C struct decoded to a dict."""
    st = struct.Struct(fmt)

    def dec(d: bytes, s: int, e: int) -> dict[str, int]:
        return dict(zip(names, st.unpack_from(d, s), strict=True))

    return dec


def decode(d: bytes, s: int, e: int, table: Table) -> dict[Any, Any]:
    """Every attribute in d[s:e] through `table`; unknown numbers keep their raw bytes."""
    out: dict[Any, Any] = {}
    for t, ps, pe in iter_attrs(d, s, e):
        entry = table.get(t & NLA_TYPE_MASK)
        if entry is None:
            out[t & NLA_TYPE_MASK] = d[ps:pe]
        else:
            out[entry[0]] = entry[1](d, ps, pe)
    return out


def nest(table: Table) -> Decoder:
    """A nested attribute set."""
    return lambda d, s, e: decode(d, s, e, table)


def nest_array(table: Table) -> Decoder:
    """An indexed array of nests (nlctrl's ops and groups)."""
    return lambda d, s, e: [decode(d, ps, pe, table) for _t, ps, pe in iter_attrs(d, s, e)]


def nest_raw(d: bytes, s: int, e: int) -> dict[int, bytes]:
    """A nest whose contents depend on something we do not model: number -> bytes."""
    return {t & NLA_TYPE_MASK: d[ps:pe] for t, ps, pe in iter_attrs(d, s, e)}


def multi(table: Table) -> Decoder:
    """A nest of repeated attributes (IFLA_PROP_LIST): name -> list of values."""

    def dec(d: bytes, s: int, e: int) -> dict[Any, list[Any]]:
        out: dict[Any, list[Any]] = {}
        for t, ps, pe in iter_attrs(d, s, e):
            name, fn = table.get(t & NLA_TYPE_MASK, (t & NLA_TYPE_MASK, binary))
            out.setdefault(name, []).append(fn(d, ps, pe))
        return out

    return dec


def _table(*entries: tuple[int, str, Decoder]) -> Table:
    return {n: (name, fn) for n, name, fn in entries}


# -- rtnetlink links ----------------------------------------------------------------------
IFINFOMSG = struct.Struct("=BxHiII")  # family, type, index, flags, change
LINKINFO = _table((1, "kind", string), (2, "data", nest_raw), (3, "xstats", binary),
                  (4, "slave-kind", string), (5, "slave-data", nest_raw))
INET6 = _table((1, "flags", u32), (2, "conf", array("i")), (3, "stats", array("Q")),
               (4, "mcast", binary), (5, "cacheinfo", cstruct("=IIII", (
                   "max-reasm-len", "tstamp", "reachable-time", "retrans-time"))),
               (6, "icmp6stats", array("Q")), (7, "token", ip), (8, "addr-gen-mode", u8),
               (9, "ra-mtu", u32))
INET = _table((1, "conf", array("I")))
XDP = _table((1, "fd", s32), (2, "attached", u8), (3, "flags", u32), (4, "prog-id", u32),
             (5, "drv-prog-id", u32), (6, "skb-prog-id", u32), (7, "hw-prog-id", u32),
             (8, "expected-fd", s32))
AF_SPEC_TABLES: dict[int, tuple[str, Table]] = {2: ("inet", INET), 10: ("inet6", INET6)}


def af_spec(d: bytes, s: int, e: int) -> dict[Any, Any]:
    """IFLA_AF_SPEC: one nest per address family."""
    out: dict[Any, Any] = {}
    for t, ps, pe in iter_attrs(d, s, e):
        fam = t & NLA_TYPE_MASK
        entry = AF_SPEC_TABLES.get(fam)
        if entry is None:
            out[fam] = nest_raw(d, ps, pe)
        else:
            out[entry[0]] = decode(d, ps, pe, entry[1])
    return out


IFLA = _table(
    (1, "address", binary), (2, "broadcast", binary), (3, "ifname", string), (4, "mtu", u32),
    (5, "link", u32), (6, "qdisc", string), (7, "stats", array("I")), (8, "cost", binary),
    (9, "priority", binary), (10, "master", u32), (11, "wireless", binary),
    (12, "protinfo", nest_raw), (13, "txqlen", u32),
    (14, "map", cstruct("=QQQHBB", ("mem-start", "mem-end", "base-addr", "irq", "dma", "port"))),
    (15, "weight", u32), (16, "operstate", u8), (17, "linkmode", u8),
    (18, "linkinfo", nest(LINKINFO)), (19, "net-ns-pid", u32), (20, "ifalias", string),
    (21, "num-vf", u32), (22, "vfinfo-list", nest_raw), (23, "stats64", array("Q")),
    (24, "vf-ports", nest_raw), (25, "port-self", nest_raw), (26, "af-spec", af_spec),
    (27, "group", u32), (28, "net-ns-fd", u32), (29, "ext-mask", u32), (30, "promiscuity", u32),
    (31, "num-tx-queues", u32), (32, "num-rx-queues", u32), (33, "carrier", u8),
    (34, "phys-port-id", binary), (35, "carrier-changes", u32), (36, "phys-switch-id", binary),
    (37, "link-netnsid", s32), (38, "phys-port-name", string), (39, "proto-down", u8),
    (40, "gso-max-segs", u32), (41, "gso-max-size", u32), (42, "pad", binary),
    (43, "xdp", nest(XDP)), (44, "event", u32), (45, "new-netnsid", s32),
    (46, "target-netnsid", s32), (47, "carrier-up-count", u32), (48, "carrier-down-count", u32),
    (49, "new-ifindex", s32), (50, "min-mtu", u32), (51, "max-mtu", u32),
    (52, "prop-list", multi(_table((53, "alt-ifname", string)))), (53, "alt-ifname", string),
    (54, "perm-address", binary), (55, "proto-down-reason", nest_raw),
    (56, "parent-dev-name", string), (57, "parent-dev-bus-name", string),
    (58, "gro-max-size", u32), (59, "tso-max-size", u32), (60, "tso-max-segs", u32),
    (61, "allmulti", u32), (62, "devlink-port", nest_raw), (63, "gso-ipv4-max-size", u32),
    (64, "gro-ipv4-max-size", u32), (65, "dpll-pin", nest_raw),
    (66, "max-pacing-offload-horizon", u64), (67, "netns-immutable", u8),
    (68, "headroom", u16), (69, "tailroom", u16),
)

# -- rtnetlink addresses and routes -------------------------------------------------------
IFADDRMSG = struct.Struct("=BBBBI")  # family, prefixlen, flags, scope, index
IFA = _table(
    (1, "address", ip), (2, "local", ip), (3, "label", string), (4, "broadcast", ip),
    (5, "anycast", ip),
    (6, "cacheinfo", cstruct("=IIII", ("prefered", "valid", "cstamp", "tstamp"))),
    (7, "multicast", ip), (8, "flags", u32), (9, "rt-priority", u32),
    (10, "target-netnsid", s32), (11, "proto", u8),
)
RTMSG = struct.Struct("=BBBBBBBBI")  # family dst_len src_len tos table protocol scope type flags
RTA = _table(
    (1, "dst", ip), (2, "src", ip), (3, "iif", u32), (4, "oif", u32), (5, "gateway", ip),
    (6, "priority", u32), (7, "prefsrc", ip), (8, "metrics", nest_raw), (9, "multipath", binary),
    (11, "flow", u32),
    (12, "cacheinfo", cstruct("=IIiIIIII", (
        "clntref", "lastuse", "expires", "error", "used", "id", "ts", "tsage"))),
    (15, "table", u32), (16, "mark", u32), (18, "via", binary), (20, "pref", u8),
    (21, "encap-type", u16), (22, "encap", nest_raw), (23, "expires", u32), (25, "uid", u32),
    (26, "ttl-propagate", u8), (30, "nh-id", u32),
)

# -- generic netlink ----------------------------------------------------------------------
CTRL = _table(
    (1, "family-id", u16), (2, "family-name", string), (3, "version", u32), (4, "hdrsize", u32),
    (5, "maxattr", u32), (6, "ops", nest_array(_table((1, "id", u32), (2, "flags", u32)))),
    (7, "mcast-groups", nest_array(_table((1, "name", string), (2, "id", u32)))),
    (8, "policy", nest_raw), (9, "op-policy", nest_raw), (10, "op", u32),
)
ETHTOOL_HEADER = _table((1, "dev-index", u32), (2, "dev-name", string), (3, "flags", u32),
                        (4, "phy-index", u32))
ETHTOOL_LINKINFO = _table(
    (1, "header", nest(ETHTOOL_HEADER)), (2, "port", u8), (3, "phyaddr", u8),
    (4, "tp-mdix", u8), (5, "tp-mdix-ctrl", u8), (6, "transceiver", u8),
)
NETDEV_DEV = _table(
    (1, "ifindex", u32), (2, "pad", binary), (3, "xdp-features", u64),
    (4, "xdp-zc-max-segs", u32), (5, "xdp-rx-metadata-features", u64), (6, "xsk-features", u64),
)

"""Typed stubs of the rt-link family, made by `genetlink stubs` from rt-link.yaml.

    rt_link = rt_link_stubs.typed(open_family("rt-link"))

Generated: run `genetlink stubs` again rather than edit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Literal, Protocol, TypeAlias, TypedDict, TypeVar, Unpack, overload

from genetlink import AsyncFamilyHandle, CallOptions, Decoded, FamilyHandle, Message, Overrun
from genetlink.stubs import AsyncHandleView, MessageView, RepliesView, SyncHandleView

_D = TypeVar("_D")

IfinfoFlags: TypeAlias = Literal[
    "up",
    "broadcast",
    "debug",
    "loopback",
    "point-to-point",
    "no-trailers",
    "running",
    "no-arp",
    "promisc",
    "all-multi",
    "master",
    "slave",
    "multicast",
    "portsel",
    "auto-media",
    "dynamic",
    "lower-up",
    "dormant",
    "echo",
]

VlanProtocols: TypeAlias = Literal["8021q", "8021ad"]

Ipv4Devconf: TypeAlias = Literal[
    "forwarding",
    "mc-forwarding",
    "proxy-arp",
    "accept-redirects",
    "secure-redirects",
    "send-redirects",
    "shared-media",
    "rp-filter",
    "accept-source-route",
    "bootp-relay",
    "log-martians",
    "tag",
    "arpfilter",
    "medium-id",
    "noxfrm",
    "nopolicy",
    "force-igmp-version",
    "arp-announce",
    "arp-ignore",
    "promote-secondaries",
    "arp-accept",
    "arp-notify",
    "accept-local",
    "src-vmark",
    "proxy-arp-pvlan",
    "route-localnet",
    "igmpv2-unsolicited-report-interval",
    "igmpv3-unsolicited-report-interval",
    "ignore-routes-with-linkdown",
    "drop-unicast-in-l2-multicast",
    "drop-gratuitous-arp",
    "bc-forwarding",
    "arp-evict-nocarrier",
]

Ipv6Devconf: TypeAlias = Literal[
    "forwarding",
    "hoplimit",
    "mtu6",
    "accept-ra",
    "accept-redirects",
    "autoconf",
    "dad-transmits",
    "rtr-solicits",
    "rtr-solicit-interval",
    "rtr-solicit-delay",
    "use-tempaddr",
    "temp-valid-lft",
    "temp-prefered-lft",
    "regen-max-retry",
    "max-desync-factor",
    "max-addresses",
    "force-mld-version",
    "accept-ra-defrtr",
    "accept-ra-pinfo",
    "accept-ra-rtr-pref",
    "rtr-probe-interval",
    "accept-ra-rt-info-max-plen",
    "proxy-ndp",
    "optimistic-dad",
    "accept-source-route",
    "mc-forwarding",
    "disable-ipv6",
    "accept-dad",
    "force-tllao",
    "ndisc-notify",
    "mldv1-unsolicited-report-interval",
    "mldv2-unsolicited-report-interval",
    "suppress-frag-ndisc",
    "accept-ra-from-local",
    "use-optimistic",
    "accept-ra-mtu",
    "stable-secret",
    "use-oif-addrs-only",
    "accept-ra-min-hop-limit",
    "ignore-routes-with-linkdown",
    "drop-unicast-in-l2-multicast",
    "drop-unsolicited-na",
    "keep-addr-on-down",
    "rtr-solicit-max-interval",
    "seg6-enabled",
    "seg6-require-hmac",
    "enhanced-dad",
    "addr-gen-mode",
    "disable-policy",
    "accept-ra-rt-info-min-plen",
    "ndisc-tclass",
    "rpl-seg-enabled",
    "ra-defrtr-metric",
    "ioam6-enabled",
    "ioam6-id",
    "ioam6-id-wide",
    "ndisc-evict-nocarrier",
    "accept-untracked-na",
]

IflaIcmp6Stats: TypeAlias = Literal[
    "num",
    "inmsgs",
    "inerrors",
    "outmsgs",
    "outerrors",
    "csumerrors",
    "ratelimithost",
]

IflaInet6Stats: TypeAlias = Literal[
    "num",
    "inpkts",
    "inoctets",
    "indelivers",
    "outforwdatagrams",
    "outpkts",
    "outoctets",
    "inhdrerrors",
    "intoobigerrors",
    "innoroutes",
    "inaddrerrors",
    "inunknownprotos",
    "intruncatedpkts",
    "indiscards",
    "outdiscards",
    "outnoroutes",
    "reasmtimeout",
    "reasmreqds",
    "reasmoks",
    "reasmfails",
    "fragoks",
    "fragfails",
    "fragcreates",
    "inmcastpkts",
    "outmcastpkts",
    "inbcastpkts",
    "outbcastpkts",
    "inmcastoctets",
    "outmcastoctets",
    "inbcastoctets",
    "outbcastoctets",
    "csumerrors",
    "noectpkts",
    "ect1-pkts",
    "ect0-pkts",
    "cepkts",
    "reasm-overlaps",
]

VlanFlags: TypeAlias = Literal["reorder-hdr", "gvrp", "loose-binding", "mvrp", "bridge-binding"]

IflaVfLinkStateEnum: TypeAlias = Literal["auto", "enable", "disable"]

RtextFilter: TypeAlias = Literal[
    "vf",
    "brvlan",
    "brvlan-compressed",
    "skip-stats",
    "mrp",
    "cfm-config",
    "cfm-status",
    "mst",
]

NetkitPolicy: TypeAlias = Literal["forward", "blackhole"]

NetkitMode: TypeAlias = Literal["l2", "l3"]

NetkitScrub: TypeAlias = Literal["none", "default"]

OvpnMode: TypeAlias = Literal["p2p", "mp"]


class Rtgenmsg(TypedDict, total=False):
    """Struct rtgenmsg."""

    family: int


# Struct ifinfomsg.
Ifinfomsg = TypedDict(
    "Ifinfomsg",
    {
        "ifi-family": "int",
        "ifi-type": "int",
        "ifi-index": "int",
        "ifi-flags": "list[IfinfoFlags | int]",
        "ifi-change": "int",
    },
    total=False,
)


class IflaBridgeId(TypedDict, total=False):
    """Struct ifla-bridge-id."""

    prio: int
    addr: str


# Struct ifla-cacheinfo.
IflaCacheinfo = TypedDict(
    "IflaCacheinfo",
    {"max-reasm-len": "int", "tstamp": "int", "reachable-time": "int", "retrans-time": "int"},
    total=False,
)

# Struct rtnl-link-stats.
RtnlLinkStats = TypedDict(
    "RtnlLinkStats",
    {
        "rx-packets": "int",
        "tx-packets": "int",
        "rx-bytes": "int",
        "tx-bytes": "int",
        "rx-errors": "int",
        "tx-errors": "int",
        "rx-dropped": "int",
        "tx-dropped": "int",
        "multicast": "int",
        "collisions": "int",
        "rx-length-errors": "int",
        "rx-over-errors": "int",
        "rx-crc-errors": "int",
        "rx-frame-errors": "int",
        "rx-fifo-errors": "int",
        "rx-missed-errors": "int",
        "tx-aborted-errors": "int",
        "tx-carrier-errors": "int",
        "tx-fifo-errors": "int",
        "tx-heartbeat-errors": "int",
        "tx-window-errors": "int",
        "rx-compressed": "int",
        "tx-compressed": "int",
        "rx-nohandler": "int",
    },
    total=False,
)

# Struct rtnl-link-stats64.
RtnlLinkStats64 = TypedDict(
    "RtnlLinkStats64",
    {
        "rx-packets": "int",
        "tx-packets": "int",
        "rx-bytes": "int",
        "tx-bytes": "int",
        "rx-errors": "int",
        "tx-errors": "int",
        "rx-dropped": "int",
        "tx-dropped": "int",
        "multicast": "int",
        "collisions": "int",
        "rx-length-errors": "int",
        "rx-over-errors": "int",
        "rx-crc-errors": "int",
        "rx-frame-errors": "int",
        "rx-fifo-errors": "int",
        "rx-missed-errors": "int",
        "tx-aborted-errors": "int",
        "tx-carrier-errors": "int",
        "tx-fifo-errors": "int",
        "tx-heartbeat-errors": "int",
        "tx-window-errors": "int",
        "rx-compressed": "int",
        "tx-compressed": "int",
        "rx-nohandler": "int",
        "rx-otherhost-dropped": "int",
    },
    total=False,
)

# Struct rtnl-link-ifmap.
RtnlLinkIfmap = TypedDict(
    "RtnlLinkIfmap",
    {
        "mem-start": "int",
        "mem-end": "int",
        "base-addr": "int",
        "irq": "int",
        "dma": "int",
        "port": "int",
    },
    total=False,
)


class BrBooloptMulti(TypedDict, total=False):
    """Struct br-boolopt-multi."""

    optval: int
    optmask: int


# Struct if-stats-msg.
IfStatsMsg = TypedDict(
    "IfStatsMsg",
    {"family": "int", "ifindex": "int", "filter-mask": "int"},
    total=False,
)


class IflaVlanFlags(TypedDict, total=False):
    """Struct ifla-vlan-flags."""

    flags: list[VlanFlags | int]
    mask: int


# Struct ifla-vlan-qos-mapping.
IflaVlanQosMapping = TypedDict("IflaVlanQosMapping", {"from": "int", "to": "int"}, total=False)


class IflaGenevePortRange(TypedDict, total=False):
    """Struct ifla-geneve-port-range."""

    low: int
    high: int


class IflaVfMac(TypedDict, total=False):
    """Struct ifla-vf-mac."""

    vf: int
    mac: bytes


class IflaVfVlan(TypedDict, total=False):
    """Struct ifla-vf-vlan."""

    vf: int
    vlan: int
    qos: int


class IflaVfTxRate(TypedDict, total=False):
    """Struct ifla-vf-tx-rate."""

    vf: int
    rate: int


class IflaVfSpoofchk(TypedDict, total=False):
    """Struct ifla-vf-spoofchk."""

    vf: int
    setting: int


# Struct ifla-vf-link-state.
IflaVfLinkState = TypedDict(
    "IflaVfLinkState",
    {"vf": "int", "link-state": "IflaVfLinkStateEnum | int"},
    total=False,
)

# Struct ifla-vf-rate.
IflaVfRate = TypedDict(
    "IflaVfRate",
    {"vf": "int", "min-tx-rate": "int", "max-tx-rate": "int"},
    total=False,
)


class IflaVfRssQueryEn(TypedDict, total=False):
    """Struct ifla-vf-rss-query-en."""

    vf: int
    setting: int


class IflaVfTrust(TypedDict, total=False):
    """Struct ifla-vf-trust."""

    vf: int
    setting: int


class IflaVfGuid(TypedDict, total=False):
    """Struct ifla-vf-guid."""

    vf: int
    guid: int


# Struct ifla-vf-vlan-info.
IflaVfVlanInfo = TypedDict(
    "IflaVfVlanInfo",
    {"vf": "int", "vlan": "int", "qos": "int", "vlan-proto": "int"},
    total=False,
)

# Attribute set linkinfo-attrs.
LinkinfoAttrs = TypedDict(
    "LinkinfoAttrs",
    {
        "kind": "str",
        "data": "LinkinfoDataMsg",
        "xstats": "bytes",
        "slave-kind": "str",
        "slave-data": "LinkinfoMemberDataMsg",
    },
    total=False,
)

# Attribute set vf-stats-attrs.
VfStatsAttrs = TypedDict(
    "VfStatsAttrs",
    {
        "rx-packets": "int",
        "tx-packets": "int",
        "rx-bytes": "int",
        "tx-bytes": "int",
        "broadcast": "int",
        "multicast": "int",
        "rx-dropped": "int",
        "tx-dropped": "int",
    },
    total=False,
)


class VfVlanAttrs(TypedDict, total=False):
    """Attribute set vf-vlan-attrs."""

    info: list[IflaVfVlanInfo]


# Attribute set vfinfo-attrs.
VfinfoAttrs = TypedDict(
    "VfinfoAttrs",
    {
        "mac": "IflaVfMac",
        "vlan": "IflaVfVlan",
        "tx-rate": "IflaVfTxRate",
        "spoofchk": "IflaVfSpoofchk",
        "link-state": "IflaVfLinkState",
        "rate": "IflaVfRate",
        "rss-query-en": "IflaVfRssQueryEn",
        "stats": "VfStatsAttrs",
        "trust": "IflaVfTrust",
        "ib-node-guid": "IflaVfGuid",
        "ib-port-guid": "IflaVfGuid",
        "vlan-list": "VfVlanAttrs",
        "broadcast": "bytes",
    },
    total=False,
)


class VfinfoListAttrs(TypedDict, total=False):
    """Attribute set vfinfo-list-attrs."""

    info: list[VfinfoAttrs]


class VfPortsAttrs(TypedDict, total=False):
    """Attribute set vf-ports-attrs."""


class PortSelfAttrs(TypedDict, total=False):
    """Attribute set port-self-attrs."""


class IflaAttrs(TypedDict, total=False):
    """Attribute set ifla-attrs."""

    conf: list[int]


# Attribute set ifla6-attrs.
Ifla6Attrs = TypedDict(
    "Ifla6Attrs",
    {
        "flags": "int",
        "conf": "list[int]",
        "stats": "list[int]",
        "mcast": "bytes",
        "cacheinfo": "IflaCacheinfo",
        "icmp6stats": "list[int]",
        "token": "bytes",
        "addr-gen-mode": "int",
        "ra-mtu": "int",
    },
    total=False,
)

# Attribute set mctp-attrs.
MctpAttrs = TypedDict("MctpAttrs", {"net": "int", "phys-binding": "int"}, total=False)


class AfSpecAttrs(TypedDict, total=False):
    """Attribute set af-spec-attrs."""

    inet: IflaAttrs
    inet6: Ifla6Attrs
    mctp: MctpAttrs


# Attribute set xdp-attrs.
XdpAttrs = TypedDict(
    "XdpAttrs",
    {
        "fd": "int",
        "attached": "int",
        "flags": "int",
        "prog-id": "int",
        "drv-prog-id": "int",
        "skb-prog-id": "int",
        "hw-prog-id": "int",
        "expected-fd": "int",
    },
    total=False,
)

# Attribute set prop-list-link-attrs.
PropListLinkAttrs = TypedDict("PropListLinkAttrs", {"alt-ifname": "list[str]"}, total=False)


class LinkDpllPinAttrs(TypedDict, total=False):
    """Attribute set link-dpll-pin-attrs."""

    id: int


# Attribute set link-attrs.
LinkAttrs = TypedDict(
    "LinkAttrs",
    {
        "address": "str",
        "broadcast": "str",
        "ifname": "str",
        "mtu": "int",
        "link": "int",
        "qdisc": "str",
        "stats": "RtnlLinkStats",
        "cost": "str",
        "priority": "str",
        "master": "int",
        "wireless": "str",
        "protinfo": "str",
        "txqlen": "int",
        "map": "RtnlLinkIfmap",
        "weight": "int",
        "operstate": "int",
        "linkmode": "int",
        "linkinfo": "LinkinfoAttrs",
        "net-ns-pid": "int",
        "ifalias": "str",
        "num-vf": "int",
        "vfinfo-list": "VfinfoListAttrs",
        "stats64": "RtnlLinkStats64",
        "vf-ports": "VfPortsAttrs",
        "port-self": "PortSelfAttrs",
        "af-spec": "AfSpecAttrs",
        "group": "int",
        "net-ns-fd": "int",
        "ext-mask": "list[RtextFilter | int]",
        "promiscuity": "int",
        "num-tx-queues": "int",
        "num-rx-queues": "int",
        "carrier": "int",
        "phys-port-id": "bytes",
        "carrier-changes": "int",
        "phys-switch-id": "bytes",
        "link-netnsid": "int",
        "phys-port-name": "str",
        "proto-down": "int",
        "gso-max-segs": "int",
        "gso-max-size": "int",
        "xdp": "XdpAttrs",
        "event": "int",
        "new-netnsid": "int",
        "target-netnsid": "int",
        "carrier-up-count": "int",
        "carrier-down-count": "int",
        "new-ifindex": "int",
        "min-mtu": "int",
        "max-mtu": "int",
        "prop-list": "PropListLinkAttrs",
        "alt-ifname": "str",
        "perm-address": "str",
        "proto-down-reason": "str",
        "parent-dev-name": "str",
        "parent-dev-bus-name": "str",
        "gro-max-size": "int",
        "tso-max-size": "int",
        "tso-max-segs": "int",
        "allmulti": "int",
        "devlink-port": "bytes",
        "gso-ipv4-max-size": "int",
        "gro-ipv4-max-size": "int",
        "dpll-pin": "LinkDpllPinAttrs",
        "max-pacing-offload-horizon": "int",
        "netns-immutable": "int",
        "headroom": "int",
        "tailroom": "int",
    },
    total=False,
)

# Attribute set bond-ad-info-attrs.
BondAdInfoAttrs = TypedDict(
    "BondAdInfoAttrs",
    {
        "aggregator": "int",
        "num-ports": "int",
        "actor-key": "int",
        "partner-key": "int",
        "partner-mac": "str",
    },
    total=False,
)

# Attribute set linkinfo-bond-attrs.
LinkinfoBondAttrs = TypedDict(
    "LinkinfoBondAttrs",
    {
        "mode": "int",
        "active-slave": "int",
        "miimon": "int",
        "updelay": "int",
        "downdelay": "int",
        "use-carrier": "int",
        "arp-interval": "int",
        "arp-ip-target": "list[str]",
        "arp-validate": "int",
        "arp-all-targets": "int",
        "primary": "int",
        "primary-reselect": "int",
        "fail-over-mac": "int",
        "xmit-hash-policy": "int",
        "resend-igmp": "int",
        "num-peer-notif": "int",
        "all-slaves-active": "int",
        "min-links": "int",
        "lp-interval": "int",
        "packets-per-slave": "int",
        "ad-lacp-rate": "int",
        "ad-select": "int",
        "ad-info": "BondAdInfoAttrs",
        "ad-actor-sys-prio": "int",
        "ad-user-port-key": "int",
        "ad-actor-system": "str",
        "tlb-dynamic-lb": "int",
        "peer-notif-delay": "int",
        "ad-lacp-active": "int",
        "missed-max": "int",
        "ns-ip6-target": "list[str | bytes]",
        "coupled-control": "int",
    },
    total=False,
)

# Attribute set bond-slave-attrs.
BondSlaveAttrs = TypedDict(
    "BondSlaveAttrs",
    {
        "state": "int",
        "mii-status": "int",
        "link-failure-count": "int",
        "perm-hwaddr": "str",
        "queue-id": "int",
        "ad-aggregator-id": "int",
        "ad-actor-oper-port-state": "int",
        "ad-partner-oper-port-state": "int",
        "prio": "int",
    },
    total=False,
)

# Attribute set linkinfo-bridge-attrs.
LinkinfoBridgeAttrs = TypedDict(
    "LinkinfoBridgeAttrs",
    {
        "forward-delay": "int",
        "hello-time": "int",
        "max-age": "int",
        "ageing-time": "int",
        "stp-state": "int",
        "priority": "int",
        "vlan-filtering": "int",
        "vlan-protocol": "int",
        "group-fwd-mask": "int",
        "root-id": "IflaBridgeId",
        "bridge-id": "IflaBridgeId",
        "root-port": "int",
        "root-path-cost": "int",
        "topology-change": "int",
        "topology-change-detected": "int",
        "hello-timer": "int",
        "tcn-timer": "int",
        "topology-change-timer": "int",
        "gc-timer": "int",
        "group-addr": "str",
        "fdb-flush": "bytes",
        "mcast-router": "int",
        "mcast-snooping": "int",
        "mcast-query-use-ifaddr": "int",
        "mcast-querier": "int",
        "mcast-hash-elasticity": "int",
        "mcast-hash-max": "int",
        "mcast-last-member-cnt": "int",
        "mcast-startup-query-cnt": "int",
        "mcast-last-member-intvl": "int",
        "mcast-membership-intvl": "int",
        "mcast-querier-intvl": "int",
        "mcast-query-intvl": "int",
        "mcast-query-response-intvl": "int",
        "mcast-startup-query-intvl": "int",
        "nf-call-iptables": "int",
        "nf-call-ip6tables": "int",
        "nf-call-arptables": "int",
        "vlan-default-pvid": "int",
        "vlan-stats-enabled": "int",
        "mcast-stats-enabled": "int",
        "mcast-igmp-version": "int",
        "mcast-mld-version": "int",
        "vlan-stats-per-port": "int",
        "multi-boolopt": "BrBooloptMulti",
        "mcast-querier-state": "bytes",
        "fdb-n-learned": "int",
        "fdb-max-learned": "int",
    },
    total=False,
)

# Attribute set linkinfo-brport-attrs.
LinkinfoBrportAttrs = TypedDict(
    "LinkinfoBrportAttrs",
    {
        "state": "int",
        "priority": "int",
        "cost": "int",
        "mode": "bool",
        "guard": "bool",
        "protect": "bool",
        "fast-leave": "bool",
        "learning": "bool",
        "unicast-flood": "bool",
        "proxyarp": "bool",
        "learning-sync": "bool",
        "proxyarp-wifi": "bool",
        "root-id": "IflaBridgeId",
        "bridge-id": "IflaBridgeId",
        "designated-port": "int",
        "designated-cost": "int",
        "id": "int",
        "no": "int",
        "topology-change-ack": "int",
        "config-pending": "int",
        "message-age-timer": "int",
        "forward-delay-timer": "int",
        "hold-timer": "int",
        "flush": "bool",
        "multicast-router": "int",
        "mcast-flood": "bool",
        "mcast-to-ucast": "bool",
        "vlan-tunnel": "bool",
        "bcast-flood": "bool",
        "group-fwd-mask": "int",
        "neigh-suppress": "bool",
        "isolated": "bool",
        "backup-port": "int",
        "mrp-ring-open": "bool",
        "mrp-in-open": "bool",
        "mcast-eht-hosts-limit": "int",
        "mcast-eht-hosts-cnt": "int",
        "locked": "bool",
        "mab": "bool",
        "mcast-n-groups": "int",
        "mcast-max-groups": "int",
        "neigh-vlan-suppress": "bool",
        "backup-nhid": "int",
    },
    total=False,
)

# Attribute set linkinfo-gre-attrs.
LinkinfoGreAttrs = TypedDict(
    "LinkinfoGreAttrs",
    {
        "link": "int",
        "iflags": "int",
        "oflags": "int",
        "ikey": "int",
        "okey": "int",
        "local": "str | bytes",
        "remote": "str | bytes",
        "ttl": "int",
        "tos": "int",
        "pmtudisc": "int",
        "encap-limit": "int",
        "flowinfo": "int",
        "flags": "int",
        "encap-type": "int",
        "encap-flags": "int",
        "encap-sport": "int",
        "encap-dport": "int",
        "collect-metadata": "bool",
        "ignore-df": "int",
        "fwmark": "int",
        "erspan-index": "int",
        "erspan-ver": "int",
        "erspan-dir": "int",
        "erspan-hwid": "int",
    },
    total=False,
)

# Attribute set linkinfo-gre6-attrs.
LinkinfoGre6Attrs = TypedDict(
    "LinkinfoGre6Attrs",
    {
        "link": "int",
        "iflags": "int",
        "oflags": "int",
        "ikey": "int",
        "okey": "int",
        "local": "str | bytes",
        "remote": "str | bytes",
        "ttl": "int",
        "encap-limit": "int",
        "flowinfo": "int",
        "flags": "int",
        "encap-type": "int",
        "encap-flags": "int",
        "encap-sport": "int",
        "encap-dport": "int",
        "collect-metadata": "bool",
        "fwmark": "int",
        "erspan-index": "int",
        "erspan-ver": "int",
        "erspan-dir": "int",
        "erspan-hwid": "int",
    },
    total=False,
)


class LinkinfoVtiAttrs(TypedDict, total=False):
    """Attribute set linkinfo-vti-attrs."""

    link: int
    ikey: int
    okey: int
    local: str | bytes
    remote: str | bytes
    fwmark: int


class LinkinfoVti6Attrs(TypedDict, total=False):
    """Attribute set linkinfo-vti6-attrs."""

    link: int
    ikey: int
    okey: int
    local: str | bytes
    remote: str | bytes
    fwmark: int


# Attribute set linkinfo-geneve-attrs.
LinkinfoGeneveAttrs = TypedDict(
    "LinkinfoGeneveAttrs",
    {
        "id": "int",
        "remote": "str",
        "ttl": "int",
        "tos": "int",
        "port": "int",
        "collect-metadata": "bool",
        "remote6": "str | bytes",
        "udp-csum": "int",
        "udp-zero-csum6-tx": "int",
        "udp-zero-csum6-rx": "int",
        "label": "int",
        "ttl-inherit": "int",
        "df": "int",
        "inner-proto-inherit": "bool",
        "port-range": "IflaGenevePortRange",
    },
    total=False,
)

# Attribute set linkinfo-hsr-attrs.
LinkinfoHsrAttrs = TypedDict(
    "LinkinfoHsrAttrs",
    {
        "slave1": "int",
        "slave2": "int",
        "multicast-spec": "int",
        "supervision-addr": "str",
        "seq-nr": "int",
        "version": "int",
        "protocol": "int",
        "interlink": "int",
    },
    total=False,
)

# Attribute set linkinfo-iptun-attrs.
LinkinfoIptunAttrs = TypedDict(
    "LinkinfoIptunAttrs",
    {
        "link": "int",
        "local": "str | bytes",
        "remote": "str | bytes",
        "ttl": "int",
        "tos": "int",
        "encap-limit": "int",
        "flowinfo": "int",
        "flags": "int",
        "proto": "int",
        "pmtudisc": "int",
        "6rd-prefix": "str | bytes",
        "6rd-relay-prefix": "str",
        "6rd-prefixlen": "int",
        "6rd-relay-prefixlen": "int",
        "encap-type": "int",
        "encap-flags": "int",
        "encap-sport": "int",
        "encap-dport": "int",
        "collect-metadata": "bool",
        "fwmark": "int",
    },
    total=False,
)

# Attribute set linkinfo-ip6tnl-attrs.
LinkinfoIp6tnlAttrs = TypedDict(
    "LinkinfoIp6tnlAttrs",
    {
        "link": "int",
        "local": "str | bytes",
        "remote": "str | bytes",
        "ttl": "int",
        "encap-limit": "int",
        "flowinfo": "int",
        "flags": "int",
        "proto": "int",
        "encap-type": "int",
        "encap-flags": "int",
        "encap-sport": "int",
        "encap-dport": "int",
        "collect-metadata": "bool",
        "fwmark": "int",
    },
    total=False,
)

# Attribute set linkinfo-tun-attrs.
LinkinfoTunAttrs = TypedDict(
    "LinkinfoTunAttrs",
    {
        "owner": "int",
        "group": "int",
        "type": "int",
        "pi": "int",
        "vnet-hdr": "int",
        "persist": "int",
        "multi-queue": "int",
        "num-queues": "int",
        "num-disabled-queues": "int",
    },
    total=False,
)


class IflaVlanQosAttrs(TypedDict, total=False):
    """Attribute set ifla-vlan-qos."""

    mapping: list[IflaVlanQosMapping]


# Attribute set linkinfo-vlan-attrs.
LinkinfoVlanAttrs = TypedDict(
    "LinkinfoVlanAttrs",
    {
        "id": "int",
        "flags": "IflaVlanFlags",
        "egress-qos": "IflaVlanQosAttrs",
        "ingress-qos": "IflaVlanQosAttrs",
        "protocol": "VlanProtocols | int",
    },
    total=False,
)


class LinkinfoVrfAttrs(TypedDict, total=False):
    """Attribute set linkinfo-vrf-attrs."""

    table: int


class HwSInfoOneAttrs(TypedDict, total=False):
    """Attribute set hw-s-info-one."""

    request: int
    used: int


# Attribute set link-offload-xstats.
LinkOffloadXstatsAttrs = TypedDict(
    "LinkOffloadXstatsAttrs",
    {"cpu-hit": "bytes", "hw-s-info": "list[HwSInfoOneAttrs]", "l3-stats": "bytes"},
    total=False,
)

# Attribute set stats-attrs.
StatsAttrs = TypedDict(
    "StatsAttrs",
    {
        "link-64": "RtnlLinkStats64",
        "link-xstats": "bytes",
        "link-xstats-slave": "bytes",
        "link-offload-xstats": "LinkOffloadXstatsAttrs",
        "af-spec": "bytes",
    },
    total=False,
)

# Attribute set linkinfo-netkit-attrs.
LinkinfoNetkitAttrs = TypedDict(
    "LinkinfoNetkitAttrs",
    {
        "peer-info": "bytes",
        "primary": "int",
        "policy": "NetkitPolicy | int",
        "peer-policy": "NetkitPolicy | int",
        "mode": "NetkitMode | int",
        "scrub": "NetkitScrub | int",
        "peer-scrub": "NetkitScrub | int",
        "headroom": "int",
        "tailroom": "int",
    },
    total=False,
)


class LinkinfoOvpnAttrs(TypedDict, total=False):
    """Attribute set linkinfo-ovpn-attrs."""

    mode: OvpnMode | int


# Struct ifinfomsg, then attribute set link-attrs.
IfinfomsgLinkAttrs = TypedDict(
    "IfinfomsgLinkAttrs",
    {
        "ifi-family": "int",
        "ifi-type": "int",
        "ifi-index": "int",
        "ifi-flags": "list[IfinfoFlags | int]",
        "ifi-change": "int",
        "address": "str",
        "broadcast": "str",
        "ifname": "str",
        "mtu": "int",
        "link": "int",
        "qdisc": "str",
        "stats": "RtnlLinkStats",
        "cost": "str",
        "priority": "str",
        "master": "int",
        "wireless": "str",
        "protinfo": "str",
        "txqlen": "int",
        "map": "RtnlLinkIfmap",
        "weight": "int",
        "operstate": "int",
        "linkmode": "int",
        "linkinfo": "LinkinfoAttrs",
        "net-ns-pid": "int",
        "ifalias": "str",
        "num-vf": "int",
        "vfinfo-list": "VfinfoListAttrs",
        "stats64": "RtnlLinkStats64",
        "vf-ports": "VfPortsAttrs",
        "port-self": "PortSelfAttrs",
        "af-spec": "AfSpecAttrs",
        "group": "int",
        "net-ns-fd": "int",
        "ext-mask": "list[RtextFilter | int]",
        "promiscuity": "int",
        "num-tx-queues": "int",
        "num-rx-queues": "int",
        "carrier": "int",
        "phys-port-id": "bytes",
        "carrier-changes": "int",
        "phys-switch-id": "bytes",
        "link-netnsid": "int",
        "phys-port-name": "str",
        "proto-down": "int",
        "gso-max-segs": "int",
        "gso-max-size": "int",
        "xdp": "XdpAttrs",
        "event": "int",
        "new-netnsid": "int",
        "target-netnsid": "int",
        "carrier-up-count": "int",
        "carrier-down-count": "int",
        "new-ifindex": "int",
        "min-mtu": "int",
        "max-mtu": "int",
        "prop-list": "PropListLinkAttrs",
        "alt-ifname": "str",
        "perm-address": "str",
        "proto-down-reason": "str",
        "parent-dev-name": "str",
        "parent-dev-bus-name": "str",
        "gro-max-size": "int",
        "tso-max-size": "int",
        "tso-max-segs": "int",
        "allmulti": "int",
        "devlink-port": "bytes",
        "gso-ipv4-max-size": "int",
        "gro-ipv4-max-size": "int",
        "dpll-pin": "LinkDpllPinAttrs",
        "max-pacing-offload-horizon": "int",
        "netns-immutable": "int",
        "headroom": "int",
        "tailroom": "int",
    },
    total=False,
)

# Struct if-stats-msg, then attribute set stats-attrs.
IfStatsMsgStatsAttrs = TypedDict(
    "IfStatsMsgStatsAttrs",
    {
        "family": "int",
        "ifindex": "int",
        "filter-mask": "int",
        "link-64": "RtnlLinkStats64",
        "link-xstats": "bytes",
        "link-xstats-slave": "bytes",
        "link-offload-xstats": "LinkOffloadXstatsAttrs",
        "af-spec": "bytes",
    },
    total=False,
)

LinkinfoDataMsg: TypeAlias = (
    LinkinfoBondAttrs
    | LinkinfoBridgeAttrs
    | LinkinfoGreAttrs
    | LinkinfoGre6Attrs
    | LinkinfoGeneveAttrs
    | LinkinfoHsrAttrs
    | LinkinfoIptunAttrs
    | LinkinfoIp6tnlAttrs
    | LinkinfoTunAttrs
    | LinkinfoVlanAttrs
    | LinkinfoVrfAttrs
    | LinkinfoVtiAttrs
    | LinkinfoVti6Attrs
    | LinkinfoNetkitAttrs
    | LinkinfoOvpnAttrs
    | bytes
)

LinkinfoMemberDataMsg: TypeAlias = LinkinfoBrportAttrs | BondSlaveAttrs | bytes


class IfinfomsgLinkAttrsMessage(MessageView, Protocol):
    """A decoded message, read-only: the values of IfinfomsgLinkAttrs."""

    @overload
    def __getitem__(
        self,
        key: Literal[
            "ifi-family",
            "ifi-type",
            "ifi-index",
            "ifi-change",
            "mtu",
            "link",
            "master",
            "txqlen",
            "weight",
            "operstate",
            "linkmode",
            "net-ns-pid",
            "num-vf",
            "group",
            "net-ns-fd",
            "promiscuity",
            "num-tx-queues",
            "num-rx-queues",
            "carrier",
            "carrier-changes",
            "link-netnsid",
            "proto-down",
            "gso-max-segs",
            "gso-max-size",
            "event",
            "new-netnsid",
            "target-netnsid",
            "carrier-up-count",
            "carrier-down-count",
            "new-ifindex",
            "min-mtu",
            "max-mtu",
            "gro-max-size",
            "tso-max-size",
            "tso-max-segs",
            "allmulti",
            "gso-ipv4-max-size",
            "gro-ipv4-max-size",
            "max-pacing-offload-horizon",
            "netns-immutable",
            "headroom",
            "tailroom",
        ],
    ) -> int: ...
    @overload
    def __getitem__(self, key: Literal["ifi-flags"]) -> list[IfinfoFlags | int]: ...
    @overload
    def __getitem__(
        self,
        key: Literal[
            "address",
            "broadcast",
            "ifname",
            "qdisc",
            "cost",
            "priority",
            "wireless",
            "protinfo",
            "ifalias",
            "phys-port-name",
            "alt-ifname",
            "perm-address",
            "proto-down-reason",
            "parent-dev-name",
            "parent-dev-bus-name",
        ],
    ) -> str: ...
    @overload
    def __getitem__(self, key: Literal["stats"]) -> RtnlLinkStats: ...
    @overload
    def __getitem__(self, key: Literal["map"]) -> RtnlLinkIfmap: ...
    @overload
    def __getitem__(self, key: Literal["linkinfo"]) -> LinkinfoAttrs: ...
    @overload
    def __getitem__(self, key: Literal["vfinfo-list"]) -> VfinfoListAttrs: ...
    @overload
    def __getitem__(self, key: Literal["stats64"]) -> RtnlLinkStats64: ...
    @overload
    def __getitem__(self, key: Literal["vf-ports"]) -> VfPortsAttrs: ...
    @overload
    def __getitem__(self, key: Literal["port-self"]) -> PortSelfAttrs: ...
    @overload
    def __getitem__(self, key: Literal["af-spec"]) -> AfSpecAttrs: ...
    @overload
    def __getitem__(self, key: Literal["ext-mask"]) -> list[RtextFilter | int]: ...
    @overload
    def __getitem__(
        self,
        key: Literal["phys-port-id", "phys-switch-id", "devlink-port"],
    ) -> bytes: ...
    @overload
    def __getitem__(self, key: Literal["xdp"]) -> XdpAttrs: ...
    @overload
    def __getitem__(self, key: Literal["prop-list"]) -> PropListLinkAttrs: ...
    @overload
    def __getitem__(self, key: Literal["dpll-pin"]) -> LinkDpllPinAttrs: ...
    @overload
    def get(
        self,
        key: Literal[
            "ifi-family",
            "ifi-type",
            "ifi-index",
            "ifi-change",
            "mtu",
            "link",
            "master",
            "txqlen",
            "weight",
            "operstate",
            "linkmode",
            "net-ns-pid",
            "num-vf",
            "group",
            "net-ns-fd",
            "promiscuity",
            "num-tx-queues",
            "num-rx-queues",
            "carrier",
            "carrier-changes",
            "link-netnsid",
            "proto-down",
            "gso-max-segs",
            "gso-max-size",
            "event",
            "new-netnsid",
            "target-netnsid",
            "carrier-up-count",
            "carrier-down-count",
            "new-ifindex",
            "min-mtu",
            "max-mtu",
            "gro-max-size",
            "tso-max-size",
            "tso-max-segs",
            "allmulti",
            "gso-ipv4-max-size",
            "gro-ipv4-max-size",
            "max-pacing-offload-horizon",
            "netns-immutable",
            "headroom",
            "tailroom",
        ],
        default: None = None,
    ) -> int | None: ...
    @overload
    def get(
        self,
        key: Literal[
            "ifi-family",
            "ifi-type",
            "ifi-index",
            "ifi-change",
            "mtu",
            "link",
            "master",
            "txqlen",
            "weight",
            "operstate",
            "linkmode",
            "net-ns-pid",
            "num-vf",
            "group",
            "net-ns-fd",
            "promiscuity",
            "num-tx-queues",
            "num-rx-queues",
            "carrier",
            "carrier-changes",
            "link-netnsid",
            "proto-down",
            "gso-max-segs",
            "gso-max-size",
            "event",
            "new-netnsid",
            "target-netnsid",
            "carrier-up-count",
            "carrier-down-count",
            "new-ifindex",
            "min-mtu",
            "max-mtu",
            "gro-max-size",
            "tso-max-size",
            "tso-max-segs",
            "allmulti",
            "gso-ipv4-max-size",
            "gro-ipv4-max-size",
            "max-pacing-offload-horizon",
            "netns-immutable",
            "headroom",
            "tailroom",
        ],
        default: _D,
    ) -> int | _D: ...
    @overload
    def get(
        self,
        key: Literal["ifi-flags"],
        default: None = None,
    ) -> list[IfinfoFlags | int] | None: ...
    @overload
    def get(self, key: Literal["ifi-flags"], default: _D) -> list[IfinfoFlags | int] | _D: ...
    @overload
    def get(
        self,
        key: Literal[
            "address",
            "broadcast",
            "ifname",
            "qdisc",
            "cost",
            "priority",
            "wireless",
            "protinfo",
            "ifalias",
            "phys-port-name",
            "alt-ifname",
            "perm-address",
            "proto-down-reason",
            "parent-dev-name",
            "parent-dev-bus-name",
        ],
        default: None = None,
    ) -> str | None: ...
    @overload
    def get(
        self,
        key: Literal[
            "address",
            "broadcast",
            "ifname",
            "qdisc",
            "cost",
            "priority",
            "wireless",
            "protinfo",
            "ifalias",
            "phys-port-name",
            "alt-ifname",
            "perm-address",
            "proto-down-reason",
            "parent-dev-name",
            "parent-dev-bus-name",
        ],
        default: _D,
    ) -> str | _D: ...
    @overload
    def get(self, key: Literal["stats"], default: None = None) -> RtnlLinkStats | None: ...
    @overload
    def get(self, key: Literal["stats"], default: _D) -> RtnlLinkStats | _D: ...
    @overload
    def get(self, key: Literal["map"], default: None = None) -> RtnlLinkIfmap | None: ...
    @overload
    def get(self, key: Literal["map"], default: _D) -> RtnlLinkIfmap | _D: ...
    @overload
    def get(self, key: Literal["linkinfo"], default: None = None) -> LinkinfoAttrs | None: ...
    @overload
    def get(self, key: Literal["linkinfo"], default: _D) -> LinkinfoAttrs | _D: ...
    @overload
    def get(self, key: Literal["vfinfo-list"], default: None = None) -> VfinfoListAttrs | None: ...
    @overload
    def get(self, key: Literal["vfinfo-list"], default: _D) -> VfinfoListAttrs | _D: ...
    @overload
    def get(self, key: Literal["stats64"], default: None = None) -> RtnlLinkStats64 | None: ...
    @overload
    def get(self, key: Literal["stats64"], default: _D) -> RtnlLinkStats64 | _D: ...
    @overload
    def get(self, key: Literal["vf-ports"], default: None = None) -> VfPortsAttrs | None: ...
    @overload
    def get(self, key: Literal["vf-ports"], default: _D) -> VfPortsAttrs | _D: ...
    @overload
    def get(self, key: Literal["port-self"], default: None = None) -> PortSelfAttrs | None: ...
    @overload
    def get(self, key: Literal["port-self"], default: _D) -> PortSelfAttrs | _D: ...
    @overload
    def get(self, key: Literal["af-spec"], default: None = None) -> AfSpecAttrs | None: ...
    @overload
    def get(self, key: Literal["af-spec"], default: _D) -> AfSpecAttrs | _D: ...
    @overload
    def get(
        self,
        key: Literal["ext-mask"],
        default: None = None,
    ) -> list[RtextFilter | int] | None: ...
    @overload
    def get(self, key: Literal["ext-mask"], default: _D) -> list[RtextFilter | int] | _D: ...
    @overload
    def get(
        self,
        key: Literal["phys-port-id", "phys-switch-id", "devlink-port"],
        default: None = None,
    ) -> bytes | None: ...
    @overload
    def get(
        self,
        key: Literal["phys-port-id", "phys-switch-id", "devlink-port"],
        default: _D,
    ) -> bytes | _D: ...
    @overload
    def get(self, key: Literal["xdp"], default: None = None) -> XdpAttrs | None: ...
    @overload
    def get(self, key: Literal["xdp"], default: _D) -> XdpAttrs | _D: ...
    @overload
    def get(self, key: Literal["prop-list"], default: None = None) -> PropListLinkAttrs | None: ...
    @overload
    def get(self, key: Literal["prop-list"], default: _D) -> PropListLinkAttrs | _D: ...
    @overload
    def get(self, key: Literal["dpll-pin"], default: None = None) -> LinkDpllPinAttrs | None: ...
    @overload
    def get(self, key: Literal["dpll-pin"], default: _D) -> LinkDpllPinAttrs | _D: ...


class IfStatsMsgStatsAttrsMessage(MessageView, Protocol):
    """A decoded message, read-only: the values of IfStatsMsgStatsAttrs."""

    @overload
    def __getitem__(self, key: Literal["family", "ifindex", "filter-mask"]) -> int: ...
    @overload
    def __getitem__(self, key: Literal["link-64"]) -> RtnlLinkStats64: ...
    @overload
    def __getitem__(self, key: Literal["link-xstats", "link-xstats-slave", "af-spec"]) -> bytes: ...
    @overload
    def __getitem__(self, key: Literal["link-offload-xstats"]) -> LinkOffloadXstatsAttrs: ...
    @overload
    def get(
        self,
        key: Literal["family", "ifindex", "filter-mask"],
        default: None = None,
    ) -> int | None: ...
    @overload
    def get(self, key: Literal["family", "ifindex", "filter-mask"], default: _D) -> int | _D: ...
    @overload
    def get(self, key: Literal["link-64"], default: None = None) -> RtnlLinkStats64 | None: ...
    @overload
    def get(self, key: Literal["link-64"], default: _D) -> RtnlLinkStats64 | _D: ...
    @overload
    def get(
        self,
        key: Literal["link-xstats", "link-xstats-slave", "af-spec"],
        default: None = None,
    ) -> bytes | None: ...
    @overload
    def get(
        self,
        key: Literal["link-xstats", "link-xstats-slave", "af-spec"],
        default: _D,
    ) -> bytes | _D: ...
    @overload
    def get(
        self,
        key: Literal["link-offload-xstats"],
        default: None = None,
    ) -> LinkOffloadXstatsAttrs | None: ...
    @overload
    def get(
        self,
        key: Literal["link-offload-xstats"],
        default: _D,
    ) -> LinkOffloadXstatsAttrs | _D: ...


class AnyMessage(MessageView, Protocol):
    """Any message of the family (see `decode`)."""

    @overload
    def __getitem__(
        self,
        key: Literal[
            "ifi-family",
            "ifi-type",
            "ifi-index",
            "ifi-change",
            "mtu",
            "link",
            "master",
            "txqlen",
            "weight",
            "operstate",
            "linkmode",
            "net-ns-pid",
            "num-vf",
            "group",
            "net-ns-fd",
            "promiscuity",
            "num-tx-queues",
            "num-rx-queues",
            "carrier",
            "carrier-changes",
            "link-netnsid",
            "proto-down",
            "gso-max-segs",
            "gso-max-size",
            "event",
            "new-netnsid",
            "target-netnsid",
            "carrier-up-count",
            "carrier-down-count",
            "new-ifindex",
            "min-mtu",
            "max-mtu",
            "gro-max-size",
            "tso-max-size",
            "tso-max-segs",
            "allmulti",
            "gso-ipv4-max-size",
            "gro-ipv4-max-size",
            "max-pacing-offload-horizon",
            "netns-immutable",
            "headroom",
            "tailroom",
            "family",
            "ifindex",
            "filter-mask",
        ],
    ) -> int: ...
    @overload
    def __getitem__(self, key: Literal["ifi-flags"]) -> list[IfinfoFlags | int]: ...
    @overload
    def __getitem__(
        self,
        key: Literal[
            "address",
            "broadcast",
            "ifname",
            "qdisc",
            "cost",
            "priority",
            "wireless",
            "protinfo",
            "ifalias",
            "phys-port-name",
            "alt-ifname",
            "perm-address",
            "proto-down-reason",
            "parent-dev-name",
            "parent-dev-bus-name",
        ],
    ) -> str: ...
    @overload
    def __getitem__(self, key: Literal["stats"]) -> RtnlLinkStats: ...
    @overload
    def __getitem__(self, key: Literal["map"]) -> RtnlLinkIfmap: ...
    @overload
    def __getitem__(self, key: Literal["linkinfo"]) -> LinkinfoAttrs: ...
    @overload
    def __getitem__(self, key: Literal["vfinfo-list"]) -> VfinfoListAttrs: ...
    @overload
    def __getitem__(self, key: Literal["stats64", "link-64"]) -> RtnlLinkStats64: ...
    @overload
    def __getitem__(self, key: Literal["vf-ports"]) -> VfPortsAttrs: ...
    @overload
    def __getitem__(self, key: Literal["port-self"]) -> PortSelfAttrs: ...
    @overload
    def __getitem__(self, key: Literal["af-spec"]) -> AfSpecAttrs | bytes: ...
    @overload
    def __getitem__(self, key: Literal["ext-mask"]) -> list[RtextFilter | int]: ...
    @overload
    def __getitem__(
        self,
        key: Literal[
            "phys-port-id",
            "phys-switch-id",
            "devlink-port",
            "link-xstats",
            "link-xstats-slave",
        ],
    ) -> bytes: ...
    @overload
    def __getitem__(self, key: Literal["xdp"]) -> XdpAttrs: ...
    @overload
    def __getitem__(self, key: Literal["prop-list"]) -> PropListLinkAttrs: ...
    @overload
    def __getitem__(self, key: Literal["dpll-pin"]) -> LinkDpllPinAttrs: ...
    @overload
    def __getitem__(self, key: Literal["link-offload-xstats"]) -> LinkOffloadXstatsAttrs: ...
    @overload
    def get(
        self,
        key: Literal[
            "ifi-family",
            "ifi-type",
            "ifi-index",
            "ifi-change",
            "mtu",
            "link",
            "master",
            "txqlen",
            "weight",
            "operstate",
            "linkmode",
            "net-ns-pid",
            "num-vf",
            "group",
            "net-ns-fd",
            "promiscuity",
            "num-tx-queues",
            "num-rx-queues",
            "carrier",
            "carrier-changes",
            "link-netnsid",
            "proto-down",
            "gso-max-segs",
            "gso-max-size",
            "event",
            "new-netnsid",
            "target-netnsid",
            "carrier-up-count",
            "carrier-down-count",
            "new-ifindex",
            "min-mtu",
            "max-mtu",
            "gro-max-size",
            "tso-max-size",
            "tso-max-segs",
            "allmulti",
            "gso-ipv4-max-size",
            "gro-ipv4-max-size",
            "max-pacing-offload-horizon",
            "netns-immutable",
            "headroom",
            "tailroom",
            "family",
            "ifindex",
            "filter-mask",
        ],
        default: None = None,
    ) -> int | None: ...
    @overload
    def get(
        self,
        key: Literal[
            "ifi-family",
            "ifi-type",
            "ifi-index",
            "ifi-change",
            "mtu",
            "link",
            "master",
            "txqlen",
            "weight",
            "operstate",
            "linkmode",
            "net-ns-pid",
            "num-vf",
            "group",
            "net-ns-fd",
            "promiscuity",
            "num-tx-queues",
            "num-rx-queues",
            "carrier",
            "carrier-changes",
            "link-netnsid",
            "proto-down",
            "gso-max-segs",
            "gso-max-size",
            "event",
            "new-netnsid",
            "target-netnsid",
            "carrier-up-count",
            "carrier-down-count",
            "new-ifindex",
            "min-mtu",
            "max-mtu",
            "gro-max-size",
            "tso-max-size",
            "tso-max-segs",
            "allmulti",
            "gso-ipv4-max-size",
            "gro-ipv4-max-size",
            "max-pacing-offload-horizon",
            "netns-immutable",
            "headroom",
            "tailroom",
            "family",
            "ifindex",
            "filter-mask",
        ],
        default: _D,
    ) -> int | _D: ...
    @overload
    def get(
        self,
        key: Literal["ifi-flags"],
        default: None = None,
    ) -> list[IfinfoFlags | int] | None: ...
    @overload
    def get(self, key: Literal["ifi-flags"], default: _D) -> list[IfinfoFlags | int] | _D: ...
    @overload
    def get(
        self,
        key: Literal[
            "address",
            "broadcast",
            "ifname",
            "qdisc",
            "cost",
            "priority",
            "wireless",
            "protinfo",
            "ifalias",
            "phys-port-name",
            "alt-ifname",
            "perm-address",
            "proto-down-reason",
            "parent-dev-name",
            "parent-dev-bus-name",
        ],
        default: None = None,
    ) -> str | None: ...
    @overload
    def get(
        self,
        key: Literal[
            "address",
            "broadcast",
            "ifname",
            "qdisc",
            "cost",
            "priority",
            "wireless",
            "protinfo",
            "ifalias",
            "phys-port-name",
            "alt-ifname",
            "perm-address",
            "proto-down-reason",
            "parent-dev-name",
            "parent-dev-bus-name",
        ],
        default: _D,
    ) -> str | _D: ...
    @overload
    def get(self, key: Literal["stats"], default: None = None) -> RtnlLinkStats | None: ...
    @overload
    def get(self, key: Literal["stats"], default: _D) -> RtnlLinkStats | _D: ...
    @overload
    def get(self, key: Literal["map"], default: None = None) -> RtnlLinkIfmap | None: ...
    @overload
    def get(self, key: Literal["map"], default: _D) -> RtnlLinkIfmap | _D: ...
    @overload
    def get(self, key: Literal["linkinfo"], default: None = None) -> LinkinfoAttrs | None: ...
    @overload
    def get(self, key: Literal["linkinfo"], default: _D) -> LinkinfoAttrs | _D: ...
    @overload
    def get(self, key: Literal["vfinfo-list"], default: None = None) -> VfinfoListAttrs | None: ...
    @overload
    def get(self, key: Literal["vfinfo-list"], default: _D) -> VfinfoListAttrs | _D: ...
    @overload
    def get(
        self,
        key: Literal["stats64", "link-64"],
        default: None = None,
    ) -> RtnlLinkStats64 | None: ...
    @overload
    def get(self, key: Literal["stats64", "link-64"], default: _D) -> RtnlLinkStats64 | _D: ...
    @overload
    def get(self, key: Literal["vf-ports"], default: None = None) -> VfPortsAttrs | None: ...
    @overload
    def get(self, key: Literal["vf-ports"], default: _D) -> VfPortsAttrs | _D: ...
    @overload
    def get(self, key: Literal["port-self"], default: None = None) -> PortSelfAttrs | None: ...
    @overload
    def get(self, key: Literal["port-self"], default: _D) -> PortSelfAttrs | _D: ...
    @overload
    def get(self, key: Literal["af-spec"], default: None = None) -> AfSpecAttrs | bytes | None: ...
    @overload
    def get(self, key: Literal["af-spec"], default: _D) -> AfSpecAttrs | bytes | _D: ...
    @overload
    def get(
        self,
        key: Literal["ext-mask"],
        default: None = None,
    ) -> list[RtextFilter | int] | None: ...
    @overload
    def get(self, key: Literal["ext-mask"], default: _D) -> list[RtextFilter | int] | _D: ...
    @overload
    def get(
        self,
        key: Literal[
            "phys-port-id",
            "phys-switch-id",
            "devlink-port",
            "link-xstats",
            "link-xstats-slave",
        ],
        default: None = None,
    ) -> bytes | None: ...
    @overload
    def get(
        self,
        key: Literal[
            "phys-port-id",
            "phys-switch-id",
            "devlink-port",
            "link-xstats",
            "link-xstats-slave",
        ],
        default: _D,
    ) -> bytes | _D: ...
    @overload
    def get(self, key: Literal["xdp"], default: None = None) -> XdpAttrs | None: ...
    @overload
    def get(self, key: Literal["xdp"], default: _D) -> XdpAttrs | _D: ...
    @overload
    def get(self, key: Literal["prop-list"], default: None = None) -> PropListLinkAttrs | None: ...
    @overload
    def get(self, key: Literal["prop-list"], default: _D) -> PropListLinkAttrs | _D: ...
    @overload
    def get(self, key: Literal["dpll-pin"], default: None = None) -> LinkDpllPinAttrs | None: ...
    @overload
    def get(self, key: Literal["dpll-pin"], default: _D) -> LinkDpllPinAttrs | _D: ...
    @overload
    def get(
        self,
        key: Literal["link-offload-xstats"],
        default: None = None,
    ) -> LinkOffloadXstatsAttrs | None: ...
    @overload
    def get(
        self,
        key: Literal["link-offload-xstats"],
        default: _D,
    ) -> LinkOffloadXstatsAttrs | _D: ...


class Notification(MessageView, Protocol):
    """A notification of the family."""

    @overload
    def __getitem__(
        self,
        key: Literal[
            "ifi-family",
            "ifi-type",
            "ifi-index",
            "ifi-change",
            "mtu",
            "link",
            "master",
            "txqlen",
            "weight",
            "operstate",
            "linkmode",
            "net-ns-pid",
            "num-vf",
            "group",
            "net-ns-fd",
            "promiscuity",
            "num-tx-queues",
            "num-rx-queues",
            "carrier",
            "carrier-changes",
            "link-netnsid",
            "proto-down",
            "gso-max-segs",
            "gso-max-size",
            "event",
            "new-netnsid",
            "target-netnsid",
            "carrier-up-count",
            "carrier-down-count",
            "new-ifindex",
            "min-mtu",
            "max-mtu",
            "gro-max-size",
            "tso-max-size",
            "tso-max-segs",
            "allmulti",
            "gso-ipv4-max-size",
            "gro-ipv4-max-size",
            "max-pacing-offload-horizon",
            "netns-immutable",
            "headroom",
            "tailroom",
        ],
    ) -> int: ...
    @overload
    def __getitem__(self, key: Literal["ifi-flags"]) -> list[IfinfoFlags | int]: ...
    @overload
    def __getitem__(
        self,
        key: Literal[
            "address",
            "broadcast",
            "ifname",
            "qdisc",
            "cost",
            "priority",
            "wireless",
            "protinfo",
            "ifalias",
            "phys-port-name",
            "alt-ifname",
            "perm-address",
            "proto-down-reason",
            "parent-dev-name",
            "parent-dev-bus-name",
        ],
    ) -> str: ...
    @overload
    def __getitem__(self, key: Literal["stats"]) -> RtnlLinkStats: ...
    @overload
    def __getitem__(self, key: Literal["map"]) -> RtnlLinkIfmap: ...
    @overload
    def __getitem__(self, key: Literal["linkinfo"]) -> LinkinfoAttrs: ...
    @overload
    def __getitem__(self, key: Literal["vfinfo-list"]) -> VfinfoListAttrs: ...
    @overload
    def __getitem__(self, key: Literal["stats64"]) -> RtnlLinkStats64: ...
    @overload
    def __getitem__(self, key: Literal["vf-ports"]) -> VfPortsAttrs: ...
    @overload
    def __getitem__(self, key: Literal["port-self"]) -> PortSelfAttrs: ...
    @overload
    def __getitem__(self, key: Literal["af-spec"]) -> AfSpecAttrs: ...
    @overload
    def __getitem__(self, key: Literal["ext-mask"]) -> list[RtextFilter | int]: ...
    @overload
    def __getitem__(
        self,
        key: Literal["phys-port-id", "phys-switch-id", "devlink-port"],
    ) -> bytes: ...
    @overload
    def __getitem__(self, key: Literal["xdp"]) -> XdpAttrs: ...
    @overload
    def __getitem__(self, key: Literal["prop-list"]) -> PropListLinkAttrs: ...
    @overload
    def __getitem__(self, key: Literal["dpll-pin"]) -> LinkDpllPinAttrs: ...
    @overload
    def get(
        self,
        key: Literal[
            "ifi-family",
            "ifi-type",
            "ifi-index",
            "ifi-change",
            "mtu",
            "link",
            "master",
            "txqlen",
            "weight",
            "operstate",
            "linkmode",
            "net-ns-pid",
            "num-vf",
            "group",
            "net-ns-fd",
            "promiscuity",
            "num-tx-queues",
            "num-rx-queues",
            "carrier",
            "carrier-changes",
            "link-netnsid",
            "proto-down",
            "gso-max-segs",
            "gso-max-size",
            "event",
            "new-netnsid",
            "target-netnsid",
            "carrier-up-count",
            "carrier-down-count",
            "new-ifindex",
            "min-mtu",
            "max-mtu",
            "gro-max-size",
            "tso-max-size",
            "tso-max-segs",
            "allmulti",
            "gso-ipv4-max-size",
            "gro-ipv4-max-size",
            "max-pacing-offload-horizon",
            "netns-immutable",
            "headroom",
            "tailroom",
        ],
        default: None = None,
    ) -> int | None: ...
    @overload
    def get(
        self,
        key: Literal[
            "ifi-family",
            "ifi-type",
            "ifi-index",
            "ifi-change",
            "mtu",
            "link",
            "master",
            "txqlen",
            "weight",
            "operstate",
            "linkmode",
            "net-ns-pid",
            "num-vf",
            "group",
            "net-ns-fd",
            "promiscuity",
            "num-tx-queues",
            "num-rx-queues",
            "carrier",
            "carrier-changes",
            "link-netnsid",
            "proto-down",
            "gso-max-segs",
            "gso-max-size",
            "event",
            "new-netnsid",
            "target-netnsid",
            "carrier-up-count",
            "carrier-down-count",
            "new-ifindex",
            "min-mtu",
            "max-mtu",
            "gro-max-size",
            "tso-max-size",
            "tso-max-segs",
            "allmulti",
            "gso-ipv4-max-size",
            "gro-ipv4-max-size",
            "max-pacing-offload-horizon",
            "netns-immutable",
            "headroom",
            "tailroom",
        ],
        default: _D,
    ) -> int | _D: ...
    @overload
    def get(
        self,
        key: Literal["ifi-flags"],
        default: None = None,
    ) -> list[IfinfoFlags | int] | None: ...
    @overload
    def get(self, key: Literal["ifi-flags"], default: _D) -> list[IfinfoFlags | int] | _D: ...
    @overload
    def get(
        self,
        key: Literal[
            "address",
            "broadcast",
            "ifname",
            "qdisc",
            "cost",
            "priority",
            "wireless",
            "protinfo",
            "ifalias",
            "phys-port-name",
            "alt-ifname",
            "perm-address",
            "proto-down-reason",
            "parent-dev-name",
            "parent-dev-bus-name",
        ],
        default: None = None,
    ) -> str | None: ...
    @overload
    def get(
        self,
        key: Literal[
            "address",
            "broadcast",
            "ifname",
            "qdisc",
            "cost",
            "priority",
            "wireless",
            "protinfo",
            "ifalias",
            "phys-port-name",
            "alt-ifname",
            "perm-address",
            "proto-down-reason",
            "parent-dev-name",
            "parent-dev-bus-name",
        ],
        default: _D,
    ) -> str | _D: ...
    @overload
    def get(self, key: Literal["stats"], default: None = None) -> RtnlLinkStats | None: ...
    @overload
    def get(self, key: Literal["stats"], default: _D) -> RtnlLinkStats | _D: ...
    @overload
    def get(self, key: Literal["map"], default: None = None) -> RtnlLinkIfmap | None: ...
    @overload
    def get(self, key: Literal["map"], default: _D) -> RtnlLinkIfmap | _D: ...
    @overload
    def get(self, key: Literal["linkinfo"], default: None = None) -> LinkinfoAttrs | None: ...
    @overload
    def get(self, key: Literal["linkinfo"], default: _D) -> LinkinfoAttrs | _D: ...
    @overload
    def get(self, key: Literal["vfinfo-list"], default: None = None) -> VfinfoListAttrs | None: ...
    @overload
    def get(self, key: Literal["vfinfo-list"], default: _D) -> VfinfoListAttrs | _D: ...
    @overload
    def get(self, key: Literal["stats64"], default: None = None) -> RtnlLinkStats64 | None: ...
    @overload
    def get(self, key: Literal["stats64"], default: _D) -> RtnlLinkStats64 | _D: ...
    @overload
    def get(self, key: Literal["vf-ports"], default: None = None) -> VfPortsAttrs | None: ...
    @overload
    def get(self, key: Literal["vf-ports"], default: _D) -> VfPortsAttrs | _D: ...
    @overload
    def get(self, key: Literal["port-self"], default: None = None) -> PortSelfAttrs | None: ...
    @overload
    def get(self, key: Literal["port-self"], default: _D) -> PortSelfAttrs | _D: ...
    @overload
    def get(self, key: Literal["af-spec"], default: None = None) -> AfSpecAttrs | None: ...
    @overload
    def get(self, key: Literal["af-spec"], default: _D) -> AfSpecAttrs | _D: ...
    @overload
    def get(
        self,
        key: Literal["ext-mask"],
        default: None = None,
    ) -> list[RtextFilter | int] | None: ...
    @overload
    def get(self, key: Literal["ext-mask"], default: _D) -> list[RtextFilter | int] | _D: ...
    @overload
    def get(
        self,
        key: Literal["phys-port-id", "phys-switch-id", "devlink-port"],
        default: None = None,
    ) -> bytes | None: ...
    @overload
    def get(
        self,
        key: Literal["phys-port-id", "phys-switch-id", "devlink-port"],
        default: _D,
    ) -> bytes | _D: ...
    @overload
    def get(self, key: Literal["xdp"], default: None = None) -> XdpAttrs | None: ...
    @overload
    def get(self, key: Literal["xdp"], default: _D) -> XdpAttrs | _D: ...
    @overload
    def get(self, key: Literal["prop-list"], default: None = None) -> PropListLinkAttrs | None: ...
    @overload
    def get(self, key: Literal["prop-list"], default: _D) -> PropListLinkAttrs | _D: ...
    @overload
    def get(self, key: Literal["dpll-pin"], default: None = None) -> LinkDpllPinAttrs | None: ...
    @overload
    def get(self, key: Literal["dpll-pin"], default: _D) -> LinkDpllPinAttrs | _D: ...


Op: TypeAlias = Literal["newlink", "newlink-ntf", "dellink", "getlink", "setlink", "getstats"]

DoOp: TypeAlias = Literal["newlink", "dellink", "getlink", "setlink", "getstats"]

DumpOp: TypeAlias = Literal["getlink", "getstats"]

Group: TypeAlias = Literal["rtnlgrp-link", "rtnlgrp-stats"]


class RtLinkHandle(SyncHandleView, Protocol):
    """A handle on rt-link: `typed(open_family(...))`."""

    @overload
    def do(
        self,
        op: Literal["newlink", "dellink", "getlink", "setlink"],
        attrs: IfinfomsgLinkAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> IfinfomsgLinkAttrsMessage | None: ...
    @overload
    def do(
        self,
        op: Literal["getstats"],
        attrs: IfStatsMsgStatsAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> IfStatsMsgStatsAttrsMessage | None: ...
    @overload
    def do_all(
        self,
        op: Literal["newlink", "dellink", "getlink", "setlink"],
        attrs: IfinfomsgLinkAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> RepliesView[IfinfomsgLinkAttrsMessage]: ...
    @overload
    def do_all(
        self,
        op: Literal["getstats"],
        attrs: IfStatsMsgStatsAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> RepliesView[IfStatsMsgStatsAttrsMessage]: ...
    @overload
    def dump(
        self,
        op: Literal["getlink"],
        attrs: IfinfomsgLinkAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> Iterator[IfinfomsgLinkAttrsMessage]: ...
    @overload
    def dump(
        self,
        op: Literal["getstats"],
        attrs: IfStatsMsgStatsAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> Iterator[IfStatsMsgStatsAttrsMessage]: ...
    def group_id(self, group: Group | int) -> int: ...
    def subscribe(self, group: Group | int) -> int: ...
    def unsubscribe(self, group: Group | int) -> None: ...
    def notifications(self, timeout: float | None = None) -> Iterator[Notification | Overrun]: ...
    def decode(self, msg: Message) -> AnyMessage: ...
    def __enter__(self) -> RtLinkHandle: ...


class AsyncRtLinkHandle(AsyncHandleView, Protocol):
    """A handle on rt-link: `typed(await open_family_async(...))`."""

    @overload
    async def do(
        self,
        op: Literal["newlink", "dellink", "getlink", "setlink"],
        attrs: IfinfomsgLinkAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> IfinfomsgLinkAttrsMessage | None: ...
    @overload
    async def do(
        self,
        op: Literal["getstats"],
        attrs: IfStatsMsgStatsAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> IfStatsMsgStatsAttrsMessage | None: ...
    @overload
    async def do_all(
        self,
        op: Literal["newlink", "dellink", "getlink", "setlink"],
        attrs: IfinfomsgLinkAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> RepliesView[IfinfomsgLinkAttrsMessage]: ...
    @overload
    async def do_all(
        self,
        op: Literal["getstats"],
        attrs: IfStatsMsgStatsAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> RepliesView[IfStatsMsgStatsAttrsMessage]: ...
    @overload
    def dump(
        self,
        op: Literal["getlink"],
        attrs: IfinfomsgLinkAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> AsyncIterator[IfinfomsgLinkAttrsMessage]: ...
    @overload
    def dump(
        self,
        op: Literal["getstats"],
        attrs: IfStatsMsgStatsAttrs | None = None,
        **options: Unpack[CallOptions],
    ) -> AsyncIterator[IfStatsMsgStatsAttrsMessage]: ...
    def group_id(self, group: Group | int) -> int: ...
    def subscribe(self, group: Group | int) -> int: ...
    def unsubscribe(self, group: Group | int) -> None: ...
    def notifications(
        self,
        timeout: float | None = None,
    ) -> AsyncIterator[Notification | Overrun]: ...
    def decode(self, msg: Message) -> AnyMessage: ...
    async def __aenter__(self) -> AsyncRtLinkHandle: ...


@overload
def typed(handle: FamilyHandle[Decoded]) -> RtLinkHandle: ...
@overload
def typed(handle: AsyncFamilyHandle[Decoded]) -> AsyncRtLinkHandle: ...
def typed(
    handle: FamilyHandle[Decoded] | AsyncFamilyHandle[Decoded],
) -> RtLinkHandle | AsyncRtLinkHandle:
    """The rt-link handle `handle`, typed by this module (the same object)."""
    if handle.name != "rt-link":
        raise ValueError(f"typed(): a handle on {handle.name}, not rt-link")
    return handle

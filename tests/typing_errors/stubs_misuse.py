"""Mistakes that generated stubs must catch: tests/unit/test_stubs.py type-checks this file
(with netdev_stubs.py and rt_link_stubs.py beside it) and expects an error on every line
marked `# error: <mypy code> <pyright rule>`, and on no other line. Never run.
"""

from __future__ import annotations

import netdev_mismatched_stubs
import netdev_stubs
import rt_link_stubs

from genetlink import open_family
from genetlink.codec import Mismatched


def misuse() -> None:
    netdev = netdev_stubs.typed(open_family("netdev"))
    netdev.do("dev-gte", {"ifindex": 1})  # error: call-overload reportCallIssue
    netdev.do("dev-get", {"ifindex": 1, "ifindx": 2})  # error: call-overload reportCallIssue
    netdev.do("dev-get", {"ifindex": "lo"})  # error: call-overload reportCallIssue
    netdev.dump("dev-add-ntf")  # error: call-overload reportCallIssue
    netdev.subscribe("mgnt")  # error: arg-type reportArgumentType
    dev = netdev.do("dev-get", {"ifindex": 1})
    assert dev is not None
    dev["ifindx"]  # error: call-overload reportCallIssue
    name: str = dev["ifindex"]  # error: assignment reportAssignmentType
    features: list[int] = dev["xdp-features"]  # error: assignment reportAssignmentType
    dev["ifindex"] = 2  # error: index reportIndexIssue
    rtnl = rt_link_stubs.typed(open_family("rt-link"))
    rtnl.do("newlink", {"linkinfo": {"kind": 1}})  # error: call-overload reportCallIssue
    rtnl.do("getlink", {"ifi-flags": ["upp"]})  # error: call-overload reportCallIssue
    link = rtnl.do("getlink", {"ifname": "lo"})
    assert link is not None
    mtu: str = link["mtu"]  # error: assignment reportAssignmentType
    link["linkinfo"]["kindd"]  # error: typeddict-item reportGeneralTypeIssues
    print(name, features, mtu)
    exact = netdev_mismatched_stubs.typed(open_family("netdev"))
    for each in exact.dump("dev-get"):
        index: int = each["ifindex"]  # error: assignment reportAssignmentType
        value = each["ifindex"]
        if not isinstance(value, Mismatched):  # --mismatched: narrow first
            known: int = value
            print(index, known)

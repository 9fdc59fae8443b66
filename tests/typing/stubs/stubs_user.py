"""User code typed by generated stubs: netdev_stubs.py and rt_link_stubs.py next to it are
`genetlink stubs` output for the kernel's netdev and rt-link specs (tests/unit/test_stubs.py
checks they are what the generator makes now).

`make lint` type-checks this with mypy --strict (no casts, no ignores); tests/unit/test_stubs.py
with pyright --strict as well; tests/kernel/test_stubs_kernel.py runs it as root in a network
namespace. Needs GENETLINK_SPEC_PATH to find the specs the stubs came from.
"""

from __future__ import annotations

import asyncio

import netdev_stubs
import rt_link_stubs
from netdev_stubs import DevAttrsMessage, NetdevHandle, XdpAct
from rt_link_stubs import IfinfoFlags, IfinfomsgLinkAttrsMessage, RtLinkHandle

from genetlink import Overrun, open_family, open_family_async

LINK = "stubs0"


def features(dev: DevAttrsMessage) -> list[XdpAct | int]:
    """A device's XDP features: names, or numbers for bits the spec does not know."""
    return dev.get("xdp-features", [])


def devices(netdev: NetdevHandle) -> dict[int, list[XdpAct | int]]:
    return {dev["ifindex"]: features(dev) for dev in netdev.dump("dev-get")}


def is_up(link: IfinfomsgLinkAttrsMessage) -> bool:
    flags: list[IfinfoFlags | int] = link["ifi-flags"]  # a fixed-header member
    return "up" in flags


def links(rtnl: RtLinkHandle) -> dict[str, int]:
    """Interface name -> MTU, from a dump."""
    return {link["ifname"]: link["mtu"] for link in rtnl.dump("getlink")}


def blocking() -> int:
    with netdev_stubs.typed(open_family("netdev")) as netdev:
        known = devices(netdev)
        lo = netdev.do("dev-get", {"ifindex": min(known)})
        assert lo is not None and lo.op == "dev-get"
        index: int = lo["ifindex"]
        assert lo.attrs.span(1) is not None  # by number too: NETDEV_A_DEV_IFINDEX
        every = netdev.do_all("dev-get", {"ifindex": index})
        first: DevAttrsMessage = every[0]
        warned: list[str] = every.warnings
        assert first["ifindex"] == index and not warned and "ifindex" in first
        group: int = netdev.subscribe("mgmt")
        assert netdev.subscriptions == {"mgmt": group}
        events = 0
        for event in netdev.notifications(timeout=0.1):
            if isinstance(event, Overrun):
                break
            changed: int | None = event.get("ifindex")
            events += changed is not None
    declared: NetdevHandle = open_family("netdev")  # mypy keeps the declared type
    declared.close()
    with rt_link_stubs.typed(open_family("rt-link")) as rtnl:
        rtnl.do("newlink", {"ifname": LINK, "mtu": 1400, "linkinfo": {"kind": "ifb"}},
                flags="create|excl")  # fmt: skip
        link = rtnl.do("getlink", {"ifname": LINK})
        assert link is not None
        name: str = link["ifname"]
        mac: str | None = link.get("address")  # display hint mac: "aa:bb:..."
        kind: str | None = link["linkinfo"].get("kind")
        packets: int = link["stats64"].get("rx-packets", 0)
        assert (name, kind, packets, is_up(link)) == (LINK, "ifb", 0, False) and mac
        assert links(rtnl)[LINK] == 1400
        rtnl.do("dellink", {"ifname": LINK})
    return len(known) + events


async def asynchronous() -> int:
    async with netdev_stubs.typed(await open_family_async("netdev")) as netdev:
        indexes = [dev["ifindex"] async for dev in netdev.dump("dev-get")]
        replies = await asyncio.gather(*(netdev.do("dev-get", {"ifindex": i}) for i in indexes))
        found: list[int] = [reply["ifindex"] for reply in replies if reply is not None]
        assert found == indexes
        netdev.subscribe("mgmt")
        lines = [event async for event in netdev.notifications(timeout=0.1)]
    async with rt_link_stubs.typed(await open_family_async("rt-link")) as rtnl:
        mtus = {link["ifname"]: link["mtu"] async for link in rtnl.dump("getlink")}
        assert mtus["lo"] > 0
    return len(found) + len(lines)


def main() -> None:
    print(blocking() + asyncio.run(asynchronous()))


if __name__ == "__main__":
    main()

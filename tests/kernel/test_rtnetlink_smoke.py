"""RTM_GETLINK on the real kernel, decoded with a hand-written table (no specs), checked
against `ip -j link` in a namespace of veth pairs; and a dump of thousands of links that must
end at NLMSG_DONE and not one message earlier.
"""

from __future__ import annotations

import json
import struct
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from genetlink.socket import NetlinkSocket
from genetlink.wire.attrs import Attrs
from genetlink.wire.message import Message

pytestmark = pytest.mark.root

RTM_GETLINK = 18
IFINFOMSG = struct.Struct("=BxHiII")  # family, pad, type, index, flags, change: 16 bytes

# The minimal attribute table: number -> (name, getter)
IFLA: dict[int, tuple[str, Callable[[Attrs, int], Any]]] = {
    1: ("address", lambda a, n: (a.get(n) or b"").hex(":")),
    3: ("ifname", Attrs.string),
    4: ("mtu", Attrs.u32),
    5: ("link", Attrs.u32),
    13: ("txqlen", Attrs.u32),
    27: ("group", Attrs.u32),
}


def decode_link(msg: Message) -> dict[str, Any]:
    _family, link_type, index, flags, _change = IFINFOMSG.unpack_from(msg.data, msg.payload_start)
    attrs = Attrs(msg.data, msg.payload_start + IFINFOMSG.size, msg.end)
    link: dict[str, Any] = {"ifindex": index, "type": link_type, "flags": flags}
    for number, (name, getter) in IFLA.items():
        if number in attrs:
            link[name] = getter(attrs, number)
    return link


def ip(netns: str, *args: str) -> str:
    done = subprocess.run(["ip", "-n", netns, *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def batch(netns: str, lines: list[str], tmp_path: Path) -> None:
    path = tmp_path / "batch.ip"
    path.write_text("\n".join(lines) + "\n")
    ip(netns, "-batch", str(path))


def test_getlink_dump_matches_ip(netns: str, tmp_path: Path) -> None:
    lines = [f"link add sv{i}a type veth peer name sv{i}b" for i in range(20)]
    lines += [f"link set dev sv{i}a mtu {1300 + i}" for i in range(20)]
    lines += [f"link set dev sv{i}b txqlen {100 + i}" for i in range(20)]
    batch(netns, lines, tmp_path)
    expected = {
        link["ifindex"]: (link["ifname"], link["mtu"], link.get("address"), link.get("txqlen"))
        for link in json.loads(ip(netns, "-j", "link", "show"))
    }
    with NetlinkSocket(netns=netns) as s:
        messages = s.dump(RTM_GETLINK, IFINFOMSG.pack(0, 0, 0, 0, 0), timeout=10)
    links = [decode_link(m) for m in messages]
    got = {
        link["ifindex"]: (link["ifname"], link["mtu"], link.get("address"), link.get("txqlen"))
        for link in links
    }
    assert len(expected) == 41
    assert got == expected
    assert {link["ifname"]: link["mtu"] for link in links}["sv7a"] == 1307


def test_dump_of_two_thousand_links_counts_every_one(netns: str, tmp_path: Path) -> None:
    pairs = 1000
    batch(netns, [f"link add bv{i}a type veth peer name bv{i}b" for i in range(pairs)], tmp_path)
    start = time.monotonic()
    with NetlinkSocket(netns=netns) as s:
        messages = s.dump(RTM_GETLINK, IFINFOMSG.pack(0, 0, 0, 0, 0), timeout=20)
        names = {decode_link(m)["ifname"] for m in messages}
        # and a second time on the same socket: the first dump left nothing behind
        again = s.dump(RTM_GETLINK, IFINFOMSG.pack(0, 0, 0, 0, 0), timeout=20)
        assert s.engine.pending == {} and not s.engine.notifications
    assert len(messages) == len(names) == 2 * pairs + 1
    assert len(again) == 2 * pairs + 1
    assert {f"bv{i}{end}" for i in range(pairs) for end in "ab"} <= names
    assert time.monotonic() - start < 20

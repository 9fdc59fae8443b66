"""One blocking socket shared by threads against the real kernel: do-requests and dumps at once.

The kernel runs a dump from a reader's recvmsg() too; a dump started (sendto) while another
thread is inside recvmsg() raced with it and ended in EINVAL, reported on whichever thread
read next (about 0.6% of operations here). Dump requests are now sent while nobody reads.
"""

from __future__ import annotations

import asyncio
import subprocess
import threading
import time

import pytest

from genetlink.aio import AsyncNetlinkSocket
from genetlink.genl.nlctrl import families, getfamily
from genetlink.socket import NetlinkSocket
from genetlink.wire import constants as c

pytestmark = pytest.mark.root


def test_threads_mixing_requests_and_dumps_on_one_socket(netns: str) -> None:
    failures: list[BaseException] = []
    counts = {"do": 0, "dump": 0}
    stop = time.monotonic() + 4

    with NetlinkSocket(c.NETLINK_GENERIC, netns=netns) as sock:

        def loop(kind: str) -> None:
            try:
                while time.monotonic() < stop:
                    if kind == "do":
                        assert sock.run(getfamily(sock.engine, "nlctrl")).id == c.GENL_ID_CTRL
                    else:
                        assert any(f.name == "nlctrl" for f in sock.run(families(sock.engine)))
                    counts[kind] += 1
            except BaseException as exc:
                failures.append(exc)

        threads = [threading.Thread(target=loop, args=(kind,))
                   for kind in ("do", "dump")]  # fmt: skip
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert not failures, failures[:3]
        assert counts["do"] > 100 and counts["dump"] > 100
        assert not sock.engine.pending and not sock.engine.notifications


def _many_links(netns: str, count: int) -> None:
    from conftest import ip

    batch = "".join(f"link add gw{i} type ifb\n" for i in range(count))
    done = subprocess.run(["ip", "-n", netns, "-batch", "-"], input=batch, text=True,
                          capture_output=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert ip("link", "show", "gw0", netns=netns)


def test_streamed_dump_reads_as_it_is_consumed_on_both_fronts(netns: str) -> None:
    """After the first object of a 3000-link dump, neither front has read the whole dump:
    what a streamed dump holds is bounded by what its reader takes, not by the table."""
    _many_links(netns, 3000)
    with NetlinkSocket(c.NETLINK_ROUTE, netns=netns) as sock:
        dump = sock.iter_dump(c.NLMSG_MIN_TYPE + 2, bytes(16))
        next(dump)
        (running,) = sock.engine.pending.values()
        assert not running.done and len(running.messages) < 3000
        assert sum(1 for _ in dump) == 3000  # lo and the 3000 links, the first already taken

    async def body() -> tuple[bool, int, int]:
        async with AsyncNetlinkSocket(c.NETLINK_ROUTE, netns=netns) as sock:
            dump = sock.iter_dump(c.NLMSG_MIN_TYPE + 2, bytes(16))
            await anext(dump)
            await asyncio.sleep(0.2)  # the loop runs: reading must stay paused meanwhile
            (running,) = sock.engine.pending.values()
            held = len(running.messages)
            rest = 0
            async for _ in dump:
                rest += 1
            return running.done, held, rest

    _, held, rest = asyncio.run(body())
    assert held < 3000 and rest == 3000

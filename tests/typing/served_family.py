"""User tests written against genetlink.testing's served families, on both fronts: handlers
that take and return dicts, errors with an attribute, a dump, a notification. `make lint`
type-checks it with mypy --strict (no casts, no ignores); tests/unit/test_serve.py runs it.
"""

from __future__ import annotations

import asyncio
import errno
from collections.abc import Iterator

from genetlink import NetlinkError, Overrun, open_family, open_family_async
from genetlink.testing import GenlKernel, Request, ServedFamily, serve_family


def genltest() -> ServedFamily:
    """The genltest family served from its shipped spec, with its two handlers."""
    served = serve_family("genltest")

    @served.do("echo")
    def echo(request: Request) -> dict[str, str]:
        if request.get("msg") == "forbidden":
            raise served.error(errno.EPERM, message="not this one", attribute="msg")
        return {"msg": "Hello from Kernel Space, Netlink!"}

    @served.dump("dump")
    def dump(request: Request) -> Iterator[dict[str, int | str]]:
        for index in range(int(request.get("count", 0))):
            yield {"index": index, "msg": f"entry {index}"}

    return served


def blocking(served: ServedFamily) -> list[str]:
    """What a blocking user of the family sees."""
    kernel: GenlKernel = served.kernel
    seen: list[str] = []
    with open_family("genltest", transport_factory=kernel.transport) as family:
        reply = family.do("echo", {"msg": "hi"})
        seen.append(str(reply["msg"]) if reply is not None else "(no reply)")
        seen += [str(entry["msg"]) for entry in family.dump("dump", {"count": 2})]
        try:
            family.do("echo", {"msg": "forbidden"})
        except NetlinkError as err:
            seen.append(f"{err.errno} {err.attr_path}")
        family.subscribe("mcgrp")
        served.notify("mcgrp", "notify", {"msg": "ping"})
        seen += [str(event.get("msg")) for event in family.notifications(timeout=0.2)
                 if not isinstance(event, Overrun)]  # fmt: skip
    return seen


async def asynchronous(served: ServedFamily) -> list[str]:
    """The same on the asyncio front."""
    seen: list[str] = []
    async with await open_family_async("genltest",
                                       transport_factory=served.kernel.transport) as family:
        reply = await family.do("echo", {"msg": "hi"})
        seen.append(str(reply["msg"]) if reply is not None else "(no reply)")
        seen += [str(entry["msg"]) async for entry in family.dump("dump", {"count": 2})]
    return seen


def main() -> int:
    """0 when both fronts saw what the served family said."""
    served = genltest()
    expected = ["Hello from Kernel Space, Netlink!", "entry 0", "entry 1"]
    if blocking(served) != [*expected, f"{errno.EPERM} .msg", "ping"]:
        return 1
    return 0 if asyncio.run(asynchronous(served)) == expected else 1


if __name__ == "__main__":
    raise SystemExit(main())

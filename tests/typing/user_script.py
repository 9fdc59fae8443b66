"""User code written against genetlink's public API, on both fronts: do, do_all, dump,
subscribe, notifications, errors. `make lint` type-checks it with mypy --strict (no casts, no
ignores); tests/kernel/test_typing_script.py runs it as root inside a namespace.
"""

from __future__ import annotations

import asyncio
import errno
import warnings

from genetlink import (
    AsyncFamilyHandle,
    AsyncGenlClient,
    Decoded,
    DumpInterrupted,
    EncodeError,
    FamilyHandle,
    FamilyInfo,
    FamilyNotFound,
    GenlClient,
    GenlMessage,
    NetlinkError,
    NetlinkWarning,
    Overrun,
    Policy,
    Replies,
    open_family,
    open_family_async,
)


def describe(event: Decoded | Overrun) -> str:
    """A monitor's line for one event: the overrun is told apart without a cast."""
    if isinstance(event, Overrun):
        return f"lost some notifications ({event.errno}): resync"
    return f"{event.op}: {sorted(str(key) for key in event)}"


def blocking() -> int:
    with open_family("netdev") as netdev:
        handle: FamilyHandle[Decoded] = netdev
        indexes: list[int] = [dev["ifindex"] for dev in handle.dump("dev-get")]
        one: Decoded | None = handle.do("dev-get", {"ifindex": indexes[0]})
        assert one is not None and one.op == "dev-get"
        every: Replies[Decoded] = handle.do_all("dev-get", {"ifindex": indexes[0]})
        warned: list[str] = every.warnings
        assert len(every) == 1 and not warned
        try:
            handle.do("dev-get", {"ifindex": 0x7FFF_FFFF})
        except NetlinkError as err:
            assert err.errno == errno.ENODEV and err.operation == "dev-get"
        try:
            handle.do("dev-get", {"no-such-attribute": 1})
        except EncodeError as err:
            assert "no-such-attribute" in str(err)
        group: int = handle.subscribe("mgmt")
        assert handle.subscriptions == {"mgmt": group}
        lines = [describe(event) for event in handle.notifications(timeout=0.2)]
    with GenlClient() as genl:
        info: FamilyInfo = genl.resolve("nlctrl")
        policy: Policy = genl.policy("nlctrl")
        nlctrl: FamilyHandle[GenlMessage] = genl.family("nlctrl")
        names = [msg.attrs.string(2) for msg in nlctrl.dump(3)]
        assert "nlctrl" in names and info.id == nlctrl.id and policy.ops
        try:
            genl.family("no-such-family")
        except FamilyNotFound as err:
            assert err.family == "no-such-family"
    return len(indexes) + len(lines)


async def asynchronous() -> int:
    async with await open_family_async("netdev") as netdev:
        handle: AsyncFamilyHandle[Decoded] = netdev
        indexes = [dev["ifindex"] async for dev in handle.dump("dev-get")]
        replies = await asyncio.gather(*(handle.do("dev-get", {"ifindex": i}) for i in indexes))
        assert all(reply is not None for reply in replies)
        handle.subscribe("mgmt")  # not awaited, as on the blocking handle
        lines = [describe(event) async for event in handle.notifications(timeout=0.2)]
    async with AsyncGenlClient() as genl:
        nlctrl: AsyncFamilyHandle[GenlMessage] = await genl.family("nlctrl")
        count = 0
        try:
            async for msg in nlctrl.dump(3):
                count += msg.cmd == 1
        except DumpInterrupted:
            pass  # the family table changed meanwhile: a real monitor would dump again
        assert count >= 1
    return len(indexes) + len(lines)


def main() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", NetlinkWarning)
        total = blocking() + asyncio.run(asynchronous())
    print(total, [str(w.message) for w in caught])


if __name__ == "__main__":
    main()

"""The genltest family served from its shipped spec by genetlink.testing, against the module:
nlctrl says the same of both (version, maxattr, ops and their flags, groups, the policy) and
both answer bad requests alike (errno, ext-ACK message, attribute, policy), so tests written
against the served family hold for the module."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from conftest import NAME
from policies import resolved
from vmnl import u

from genetlink import GenlClient
from genetlink.testing import GenlKernel, Request
from genetlink.wire.attrs import AttrBuilder
from genetlink.wire.errors import NetlinkError

A_MSG, A_COUNT, A_INDEX = u("GENLTEST_A_MSG"), u("GENLTEST_A_COUNT"), u("GENLTEST_A_INDEX")
CMD_ECHO, CMD_DUMP, CMD_NOTIFY = (u("GENLTEST_CMD_ECHO"), u("GENLTEST_CMD_DUMP"),
                                  u("GENLTEST_CMD_NOTIFY"))  # fmt: skip


@pytest.fixture
def both() -> Iterator[tuple[GenlClient, GenlClient]]:
    """A client of the module and one of the family served from the spec."""
    kernel = GenlKernel()
    served = kernel.serve("genltest")
    served.do("echo")(lambda request: {"msg": "served"})

    @served.dump("dump")
    def dump(request: Request) -> list[dict[str, Any]]:
        return [{"index": i, "msg": f"entry {i}"} for i in range(request.get("count", 0))]

    with GenlClient(timeout=10) as real, \
            GenlClient(transport_factory=kernel.transport, timeout=10) as fake:  # fmt: skip
        yield real, fake



def test_nlctrl_says_the_same_of_both(both: tuple[GenlClient, GenlClient]) -> None:
    real, fake = both
    module, served = real.resolve(NAME), fake.resolve(NAME)
    assert (served.version, served.hdrsize, served.maxattr) == (
        module.version, module.hdrsize, module.maxattr)  # fmt: skip
    assert served.ops == module.ops
    assert [g.name for g in served.groups] == [g.name for g in module.groups]
    real_policy, fake_policy = real.policy(NAME), fake.policy(NAME)
    assert set(fake_policy.ops) == set(real_policy.ops)
    for op in real_policy.ops:
        for mode in ("do", "dump"):
            assert resolved(fake_policy, fake_policy.op(op, mode)) == resolved(
                real_policy, real_policy.op(op, mode)), (op, mode)  # fmt: skip


def outcome(client: GenlClient, send: Callable[[Any], object]) -> tuple[Any, ...]:
    """("accepted",) or the refusal: errno, ext-ACK message, attribute, its policy."""
    try:
        send(client.family(NAME))
    except NetlinkError as err:
        return err.errno, err.message, err.attr_path, err.policy, err.missing_path
    return ("accepted",)


REQUESTS: dict[str, Callable[[Any], object]] = {
    "count as one byte": lambda g: g.do(CMD_ECHO, AttrBuilder().put(A_COUNT, b"\x05")),
    "count as a u64": lambda g: g.do(CMD_ECHO, AttrBuilder().put_u64(A_COUNT, 5)),
    "count 0": lambda g: list(g.dump(CMD_DUMP, AttrBuilder().put_u32(A_COUNT, 0))),
    "count too big": lambda g: list(g.dump(CMD_DUMP, AttrBuilder().put_u32(A_COUNT, 10001))),
    "count right": lambda g: list(g.dump(CMD_DUMP, AttrBuilder().put_u32(A_COUNT, 2))),
    "msg too long": lambda g: g.do(CMD_ECHO, AttrBuilder().put_string(A_MSG, "x" * 257)),
    "msg at its longest": lambda g: g.do(CMD_ECHO, AttrBuilder().put_string(A_MSG, "x" * 256)),
    "msg without its NUL": lambda g: g.do(CMD_ECHO, AttrBuilder().put(A_MSG, b"abc")),
    "empty msg": lambda g: g.do(CMD_ECHO, AttrBuilder().put(A_MSG, b"")),
    "no msg": lambda g: g.do(CMD_ECHO),
    "index in an echo": lambda g: g.do(CMD_ECHO, AttrBuilder().put_u32(A_INDEX, 1)),
    "unknown attribute": lambda g: g.do(CMD_ECHO, AttrBuilder().put_u32(9, 1)),
    "notify sent": lambda g: g.do(CMD_NOTIFY),
    "unknown command": lambda g: g.do(42),
    "echo as a dump": lambda g: list(g.dump(CMD_ECHO)),
    "dump as a do": lambda g: g.do(CMD_DUMP),
}


@pytest.mark.parametrize("case", REQUESTS)
def test_requests_are_answered_alike(both: tuple[GenlClient, GenlClient], case: str) -> None:
    real, fake = both
    assert outcome(fake, REQUESTS[case]) == outcome(real, REQUESTS[case])

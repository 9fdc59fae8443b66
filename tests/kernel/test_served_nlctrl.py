"""genetlink.testing's served nlctrl against the running kernel's: the same family, the same
policy, and the same answers to bad requests: refused alike (errno, ext-ACK message,
attribute, policy) or accepted alike (getfamily is checked liberally, getpolicy strictly); and
netdev served from the kernel's spec reports the policy the kernel registered for it."""

from __future__ import annotations

import errno
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from policies import resolved

from genetlink import GenlClient
from genetlink.testing import GenlKernel
from genetlink.wire import constants as c
from genetlink.wire.attrs import AttrBuilder
from genetlink.wire.errors import NetlinkError


@pytest.fixture
def both(netns: str) -> Iterator[tuple[GenlClient, GenlClient]]:
    """A client of the real kernel (in a fresh namespace) and one of a served nlctrl."""
    with GenlClient(netns=netns, timeout=10) as real, \
            GenlClient(transport_factory=GenlKernel().transport, timeout=10) as served:
        yield real, served


def test_nlctrl_describes_itself_as_the_kernel_does(both: tuple[GenlClient, GenlClient]) -> None:
    real, served = both
    assert served.resolve("nlctrl") == real.resolve("nlctrl")
    assert served.policy("nlctrl") == real.policy("nlctrl")
    ours = {f.name: f for f in served.families()}
    assert ours == {"nlctrl": real.resolve("nlctrl")}


def outcome(client: GenlClient, send: Callable[[Any], object]) -> tuple[Any, ...]:
    """("accepted",) or the refusal: errno, ext-ACK message, attribute, its policy."""
    try:
        send(client.family("nlctrl"))
    except NetlinkError as err:
        return err.errno, err.message, err.attr_path, err.policy, err.missing_path
    return ("accepted",)


REQUESTS: dict[str, Callable[[Any], object]] = {
    "no such family": lambda nlctrl: nlctrl.do(
        c.CTRL_CMD_GETFAMILY, AttrBuilder().put_string(c.CTRL_ATTR_FAMILY_NAME, "nosuch")),
    "no name or id": lambda nlctrl: nlctrl.do(c.CTRL_CMD_GETFAMILY),
    "name too long": lambda nlctrl: nlctrl.do(
        c.CTRL_CMD_GETFAMILY, AttrBuilder().put_string(c.CTRL_ATTR_FAMILY_NAME, "x" * 20)),
    "name without its NUL": lambda nlctrl: nlctrl.do(
        c.CTRL_CMD_GETFAMILY, AttrBuilder().put(c.CTRL_ATTR_FAMILY_NAME, b"nlctrl")),
    "unknown attribute": lambda nlctrl: nlctrl.do(
        c.CTRL_CMD_GETFAMILY, AttrBuilder().put_u16(c.CTRL_ATTR_FAMILY_ID, 16).put_u32(9, 1)),
    "unknown attribute, strict": lambda nlctrl: list(nlctrl.dump(
        c.CTRL_CMD_GETPOLICY, AttrBuilder().put_u16(c.CTRL_ATTR_FAMILY_ID, 16).put_u32(9, 1))),
    "id of the wrong size, strict": lambda nlctrl: list(nlctrl.dump(
        c.CTRL_CMD_GETPOLICY, AttrBuilder().put_u32(c.CTRL_ATTR_FAMILY_ID, 16))),
    "a family's policy": lambda nlctrl: list(nlctrl.dump(
        c.CTRL_CMD_GETPOLICY, AttrBuilder().put_string(c.CTRL_ATTR_FAMILY_NAME, "nlctrl"))),
    "policy of an unknown op": lambda nlctrl: list(nlctrl.dump(
        c.CTRL_CMD_GETPOLICY,
        AttrBuilder().put_u16(c.CTRL_ATTR_FAMILY_ID, 16).put_u32(c.CTRL_ATTR_OP, 99))),
    "no such command": lambda nlctrl: nlctrl.do(c.CTRL_CMD_NEWFAMILY),
    "getpolicy as a do": lambda nlctrl: nlctrl.do(
        c.CTRL_CMD_GETPOLICY, AttrBuilder().put_u16(c.CTRL_ATTR_FAMILY_ID, 16)),
}  # fmt: skip


@pytest.mark.parametrize("case", REQUESTS)
def test_requests_are_refused_or_accepted_as_the_kernel_does(
        both: tuple[GenlClient, GenlClient], case: str) -> None:  # fmt: skip
    real, served = both
    expected = outcome(real, REQUESTS[case])
    assert outcome(served, REQUESTS[case]) == expected
    assert expected[0] in ("accepted", errno.ENOENT, errno.EINVAL, errno.ERANGE, errno.EOPNOTSUPP)


def test_netdev_served_from_the_kernels_spec_reports_the_kernels_policy(
        netns: str, kernel_specs: Path) -> None:  # fmt: skip
    """netdev's code is generated from its spec (ynl-gen), so the policy derived from the spec
    is the one the running kernel registered, op by op (ops this kernel lacks aside); ops
    without request attributes get the reject-all policy, as in the kernel."""
    fake = GenlKernel()
    fake.serve(kernel_specs / "netdev.yaml")
    with GenlClient(netns=netns, timeout=10) as real, \
            GenlClient(transport_factory=fake.transport, timeout=10) as served:  # fmt: skip
        real_info, served_info = real.resolve("netdev"), served.resolve("netdev")
        real_policy, served_policy = real.policy("netdev"), served.policy("netdev")
    real_ops = {op.id: op.flags for op in real_info.ops}
    served_ops = {op.id: op.flags for op in served_info.ops if op.id in real_ops}
    assert served_ops == real_ops and real_info.maxattr == served_info.maxattr == 0
    for op in real_ops:
        for mode in ("do", "dump"):
            ours, theirs = served_policy.op(op, mode), real_policy.op(op, mode)
            assert resolved(served_policy, ours) == resolved(real_policy, theirs), (op, mode)


"""tests/vm run only inside the qemu guest of vm/run-tests.sh, with genltest loaded.

On any other machine (the host here cannot load modules) every test in this
folder is skipped with the reason, so `pytest tests/vm` is always safe to run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from vmnl import s, u

from genetlink import Decoded, FamilyHandle, GenlClient, open_family
from genetlink.loader.declare import declare_family
from genetlink.schema import Family

SYSFS = Path("/sys/kernel/genltest")
NAME = s("GENLTEST_FAMILY_NAME")
GROUP = s("GENLTEST_MCGRP_NAME")

# The module's family declared in Python, numbers from the shared header.
DECLARED: Family = declare_family(
    NAME,
    version=u("GENLTEST_FAMILY_VERSION"),
    attributes={
        "msg": (u("GENLTEST_A_MSG"), "string"),
        "count": (u("GENLTEST_A_COUNT"), "u32"),
        "index": (u("GENLTEST_A_INDEX"), "u32"),
    },
    operations={
        "echo": (u("GENLTEST_CMD_ECHO"), ["msg"]),
        "dump": {
            "value": u("GENLTEST_CMD_DUMP"),
            "dump": {
                "request": {"attributes": ["count"]},
                "reply": {"attributes": ["index", "msg"]},
            },
        },
        "notify": {
            "value": u("GENLTEST_CMD_NOTIFY"),
            "event": {"attributes": ["msg"]},
            "mcgrp": GROUP,
        },
    },
    mcast_groups=[GROUP],
)


@pytest.fixture
def spec_client() -> Iterator[FamilyHandle[Decoded]]:
    """The family through the spec shipped in the package, found by name."""
    with open_family(NAME, env={}, rcvbuf=1 << 20) as client:
        yield client


@pytest.fixture
def genl() -> Iterator[GenlClient]:
    """A Generic Netlink client (its family cache watches nlctrl)."""
    with GenlClient(timeout=10.0) as client:
        yield client


@pytest.fixture
def declared(genl: GenlClient) -> FamilyHandle[Decoded]:
    """The family through GenlClient and the Python declaration."""
    return genl.family(NAME, DECLARED)


def _skip_reason() -> str | None:
    if not os.environ.get("GENLTEST_VM"):
        return "runs only inside the test VM: use `make vm-test` (vm/run-tests.sh)"
    if not SYSFS.is_dir():
        return f"the genltest module is not loaded ({SYSFS} is missing)"
    if os.geteuid() != 0:
        return "needs root inside the VM"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test here `vm`, and skip them all outside the guest."""
    here = Path(__file__).parent
    reason = _skip_reason()
    for item in items:
        if here not in Path(str(item.fspath)).parents:
            continue
        item.add_marker(pytest.mark.vm)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))

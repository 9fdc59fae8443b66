"""tests/vm run only inside the qemu guest of vm/run-tests.sh, with genltest loaded.

On any other machine (the host here cannot load modules) every test in this
folder is skipped with the reason, so `pytest tests/vm` is always safe to run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SYSFS = Path("/sys/kernel/genltest")


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

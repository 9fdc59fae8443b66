"""A family no spec describes is used by name all the same: open_family and the CLI build its
schema from the running kernel (issue 10, part 2), with no spec file anywhere."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ip

from genetlink import SpecNotFound, open_family, open_family_async

pytestmark = pytest.mark.root


@pytest.fixture
def no_specs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """No spec on the search path but the package's own (nlctrl, genltest)."""
    env = {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "share"),
           "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}  # fmt: skip
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("GENETLINK_SPEC_PATH", raising=False)
    yield env


def _limits(netns: str) -> tuple[int, int]:
    """`ip mptcp limits` (iproute2 6.1 prints text even with -j)."""
    text = ip("mptcp", "limits", netns=netns)
    found = dict(re.findall(r"(\w+) (\d+)", text))
    return int(found["add_addr_accepted"]), int(found["subflows"])


def test_open_family_builds_a_schema_from_the_kernel(no_specs: dict[str, str]) -> None:
    with open_family("thermal") as thermal:
        assert thermal.codec.family is not None
        assert "drafted from the running kernel" in thermal.codec.family.doc
        zones = list(thermal.dump("tz-get-id"))  # names from linux/thermal.h
        assert all(z.op is not None for z in zones)


def test_values_by_header_names_match_iproute2(no_specs: dict[str, str], netns: str) -> None:
    ip("mptcp", "limits", "set", "subflows", "3", "add_addr_accepted", "5", netns=netns)
    with open_family("mptcp_pm", netns=netns) as mptcp:
        limits = mptcp.do("get-limits")
    assert limits is not None
    assert (limits["rcv-add-addrs"], limits["subflows"]) == _limits(netns) == (5, 3)

    async def body() -> tuple[int, int]:
        async with await open_family_async("mptcp_pm", netns=netns) as handle:
            reply = await handle.do("get-limits")
            assert reply is not None
            return reply["rcv-add-addrs"], reply["subflows"]

    assert asyncio.run(body()) == (5, 3)
    done = subprocess.run([sys.executable, "-m", "genetlink.cli.main", "--netns", netns, "do",
                           "mptcp_pm", "get-limits", "--json"], capture_output=True, text=True,
                          timeout=60, env=no_specs)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"rcv-add-addrs": 5, "subflows": 3}


def test_a_family_neither_a_spec_nor_the_kernel_knows(no_specs: dict[str, str]) -> None:
    with pytest.raises(SpecNotFound, match="spec install"):
        open_family("no-such-family")
    with pytest.raises(SpecNotFound):  # netlink-raw families are not introspected
        open_family("rt-link")

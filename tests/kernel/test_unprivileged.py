"""What an unprivileged caller is refused, or given less of, is said in words (issue 11.14).

Each check runs as user nobody (setpriv) against the real kernel: a multicast group that needs
CAP_NET_ADMIN (mptcp_pm's events), a network namespace the caller may not enter, and a receive
buffer that net.core.rmem_max caps.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

pytestmark = pytest.mark.root

SCRIPT = r'''
import warnings
from genetlink import GenlClient, NetlinkPermissionError, NetlinkSocket, NetlinkWarning
from genetlink.wire import constants as c

with GenlClient() as genl:
    mptcp = genl.family("mptcp_pm")
    try:
        mptcp.subscribe("mptcp_pm_events")
    except NetlinkPermissionError as err:
        print("group:", err)
    print("joined:", mptcp.subscribe("mptcp_pm_cmds") > 0)
try:
    NetlinkSocket(c.NETLINK_ROUTE, netns="/proc/1/ns/net")
except PermissionError as err:
    print("netns:", err)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    with NetlinkSocket(c.NETLINK_ROUTE, rcvbuf=1 << 30):
        pass
print("rcvbuf:", [str(w.message) for w in caught if issubclass(w.category, NetlinkWarning)])
'''


def test_refusals_and_caps_are_said_in_words() -> None:
    if shutil.which("setpriv") is None:
        pytest.skip("needs setpriv (util-linux) to drop to an unprivileged user")
    done = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c",
         SCRIPT], capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = dict(line.split(": ", 1) for line in done.stdout.splitlines())
    assert "join mptcp_pm group 'mptcp_pm_events'" in lines["group"]
    assert "CAP_NET_ADMIN" in lines["group"] and "Operation not permitted" in lines["group"]
    assert lines["joined"] == "True"  # the unprivileged group still works
    assert "network namespace '/proc/1/ns/net'" in lines["netns"]
    assert "granted" in lines["rcvbuf"] and "rmem_max" in lines["rcvbuf"]

"""Unloading genltest while a client listens: nlctrl announces it, requests fail cleanly."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from vmnl import (
    CTRL_ATTR_FAMILY_NAME,
    CTRL_CMD_DELFAMILY,
    CTRL_CMD_NEWFAMILY,
    GENL_ID_CTRL,
    NETLINK_GENERIC,
    AckError,
    Sock,
    cstr,
    dmesg,
    genl_payload,
    resolve,
    s,
    u,
)

NAME = s("GENLTEST_FAMILY_NAME")


def _events(sk: Sock, cmd: int) -> list[str]:
    """Family names of nlctrl notifications with `cmd` received so far, waiting briefly."""
    names: list[str] = []
    while True:
        try:
            msgs = sk.recv(timeout=2.0)
        except TimeoutError:
            return names
        for m in msgs:
            if m.type == GENL_ID_CTRL and m.genl_cmd == cmd:
                names.append(cstr(m.genl_attrs[CTRL_ATTR_FAMILY_NAME][0]))
        if NAME in names:
            return names


def test_unload_announces_delfamily_and_requests_fail() -> None:
    rmmod = shutil.which("rmmod")
    module = os.environ.get("GENLTEST_MODULE", "")
    if rmmod is None or not Path(module).is_file():
        pytest.skip("needs rmmod and $GENLTEST_MODULE to reload the module")
    with Sock(NETLINK_GENERIC) as client, Sock(NETLINK_GENERIC) as watcher:
        ctrl = resolve(client, "nlctrl")
        watcher.join(ctrl.groups["notify"])
        fam = resolve(client, NAME)
        try:
            subprocess.run([rmmod, "genltest"], check=True, capture_output=True, timeout=30)
            assert NAME in _events(watcher, CTRL_CMD_DELFAMILY)
            assert "genltest: unloaded" in dmesg()
            # The old id no longer answers: a clear error, not a hang.
            with pytest.raises(AckError) as info:
                client.request(fam.id, genl_payload(u("GENLTEST_CMD_ECHO")))
            assert info.value.errno in (errno.ENOENT, errno.EOPNOTSUPP)
            with pytest.raises(AckError) as info:
                resolve(client, NAME)
            assert info.value.errno == errno.ENOENT
        finally:
            if not Path("/sys/kernel/genltest").exists():
                subprocess.run(["insmod", module], check=True, capture_output=True, timeout=30)
        assert NAME in _events(watcher, CTRL_CMD_NEWFAMILY)
        assert resolve(client, NAME).version == u("GENLTEST_FAMILY_VERSION")

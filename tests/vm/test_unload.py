"""Unloading genltest while clients are subscribed: nlctrl announces DELFAMILY, the family
cache forgets the family, the next request fails with a typed error (no hang); insmod brings
it back and the same clients work again."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import DECLARED, GROUP, NAME, SYSFS
from vmnl import u, wait_for_log

from genetlink import Decoded, FamilyNotFound, GenlClient, NetlinkSocket, open_family
from genetlink.genl.nlctrl import decode_family, getfamily
from genetlink.wire import constants as c
from genetlink.wire.errors import NetlinkError
from genetlink.wire.genl import genl_command
from genetlink.wire.message import Message


def _family_events(watcher: NetlinkSocket, cmd: int, timeout: float = 5.0) -> Iterator[str]:
    """Names of families in nlctrl notifications `cmd`, until `timeout` s of silence."""
    for item in watcher.notifications(timeout=timeout):
        if not isinstance(item, Message) or item.type != c.GENL_ID_CTRL:
            continue
        if genl_command(item)[0] == cmd:
            yield decode_family(item).name


def _wait_event(watcher: NetlinkSocket, cmd: int) -> bool:
    return any(name == NAME for name in _family_events(watcher, cmd))


def test_unload_while_subscribed_then_reload() -> None:
    rmmod = shutil.which("rmmod")
    module = os.environ.get("GENLTEST_MODULE", "")
    if rmmod is None or not Path(module).is_file():
        pytest.skip("needs rmmod and $GENLTEST_MODULE to reload the module")
    with GenlClient(timeout=5.0) as client, NetlinkSocket(c.NETLINK_GENERIC) as watcher, \
            open_family(NAME, env={}) as old:  # fmt: skip
        watcher.join(watcher.run(getfamily(watcher.engine, "nlctrl")).group("notify").id)
        family = client.family(NAME, DECLARED)
        family.subscribe(GROUP)
        old.subscribe(GROUP)
        old_id = family.id
        assert NAME in client.cache
        try:
            subprocess.run([rmmod, "genltest"], check=True, capture_output=True, timeout=30)
            assert _wait_event(watcher, c.CTRL_CMD_DELFAMILY), "no DELFAMILY for genltest"
            assert wait_for_log("genltest: unloaded")
            # The cache saw the same notification and forgot the family.
            client.cache.poll()
            assert NAME not in client.cache
            # The handle re-resolves and reports the family gone.
            with pytest.raises(FamilyNotFound) as gone:
                family.do("echo", {"msg": "anyone?"})
            assert gone.value.errno == errno.ENOENT
            # A client bound to the old id gets the kernel's answer, typed.
            with pytest.raises(NetlinkError) as stale:
                old.do("echo", {"msg": "anyone?"}, timeout=5.0)
            assert stale.value.errno in (errno.ENOENT, errno.EOPNOTSUPP)
            assert not any(True for _ in family.notifications(timeout=0.2))
        finally:
            if not SYSFS.exists():
                subprocess.run(["insmod", module], check=True, capture_output=True, timeout=30)
        assert _wait_event(watcher, c.CTRL_CMD_NEWFAMILY), "no NEWFAMILY for genltest"
        # Both subscribers see nlctrl's NEWFAMILY and re-join "mcgrp" on their own: a ping
        # reaches them without another subscribe() (the kernel dropped their memberships).
        assert not any(True for _ in family.notifications(timeout=0.5))
        assert not any(True for _ in old.notifications(timeout=0.5))
        text = f"after reload {uuid.uuid4().hex}"
        (SYSFS / "ping").write_text(text)
        for handle in (family, old):
            events = [e for _, e in zip(range(1), handle.notifications(timeout=5.0), strict=False)]
            assert all(isinstance(e, Decoded) for e in events), events  # no Overrun
            assert [e["msg"] for e in events if isinstance(e, Decoded)] == [text]
        # The same handles work again (the id may or may not have changed).
        for handle in (family, old):
            reply = handle.do("echo", {"msg": "back"})
            assert reply is not None and reply["msg"] == "Hello from Kernel Space, Netlink!"
        assert family.info is not None and family.info.version == u("GENLTEST_FAMILY_VERSION")
        assert old.id == family.id == client.resolve(NAME).id
        if family.id != old_id:
            assert NAME in client.cache

"""The genltest family served from its shipped spec by genetlink.testing, without the module
and without root: the example user program end to end (echo, dump, the multicast group,
policy errors), the module's own policy checks (tests/vm/test_policy.py's, here), both fronts,
validate=True, drift and the faults of the fake kernel."""

from __future__ import annotations

import asyncio
import errno
import functools
import importlib.util
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from genetlink import GenlClient, open_family, open_family_async
from genetlink.genl.drift import compare
from genetlink.testing import GenlKernel, Request, ServedFamily
from genetlink.wire.attrs import AttrBuilder
from genetlink.wire.errors import DumpInterrupted, EncodeError, NetlinkError

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "genltest_client.py"
WAIT = 5.0
ECHO_REPLY = "Hello from Kernel Space, Netlink!"  # GENLTEST_ECHO_REPLY
HISTORY_LEN = 16
A_MSG, A_COUNT = 1, 2
CMD_ECHO, CMD_NOTIFY = 1, 3


class Genltest:
    """kernel/genltest/genltest.c on a fake kernel: ECHO remembers msg and answers
    ECHO_REPLY, DUMP lists the remembered strings then `count` generated entries, `ping`
    is a write to /sys/kernel/genltest/ping (a notification to "mcgrp")."""

    def __init__(self, **options: Any) -> None:
        self.kernel = GenlKernel()
        self.family: ServedFamily = self.kernel.serve("genltest", **options)
        self.history: list[str] = []
        self.family.do("echo")(self.echo)
        self.family.dump("dump")(self.dump)

    def echo(self, request: Request) -> dict[str, Any]:
        if "msg" in request:
            self.history = [*self.history, request["msg"]][-HISTORY_LEN:]
        return {"msg": ECHO_REPLY}

    def dump(self, request: Request) -> Iterator[dict[str, Any]]:
        for index, text in enumerate(self.history):
            yield {"index": index, "msg": text}
        for n in range(request.get("count", 0)):
            yield {"index": len(self.history) + n, "msg": f"entry {n}"}

    def ping(self, text: str) -> int:
        return self.family.notify("mcgrp", "notify", {"msg": text})

    def client(self, **options: Any) -> GenlClient:
        return GenlClient(transport_factory=self.kernel.transport, timeout=WAIT, **options)


def load_example() -> ModuleType:
    loader_spec = importlib.util.spec_from_file_location("genltest_client_served", EXAMPLE)
    assert loader_spec is not None and loader_spec.loader is not None
    module = importlib.util.module_from_spec(loader_spec)
    loader_spec.loader.exec_module(module)
    return module


def run_example(module: Genltest, argv: list[str], capsys: pytest.CaptureFixture[str],
                monkeypatch: pytest.MonkeyPatch, pings: list[str] | None = None,
                overrun: bool = False) -> tuple[int, list[str], list[str]]:  # fmt: skip
    """Run the example's main(argv) against `module`; once it has joined the group, a
    thread writes each of `pings` (after an overflow of the listener's queue if `overrun`).
    Returns the exit status and the lines of stdout and stderr."""
    example = load_example()
    monkeypatch.setattr(example, "GenlClient", functools.partial(
        GenlClient, transport_factory=module.kernel.transport, timeout=WAIT))  # fmt: skip
    stop = threading.Event()

    def writer() -> None:
        group = module.family.groups["mcgrp"]
        while not stop.is_set():
            members = module.kernel.members(group)
            if members:
                if overrun:
                    module.kernel.inject_enobufs(to=members[0])
                for text in pings or []:
                    module.ping(text)
                return
            stop.wait(0.005)

    thread = threading.Thread(target=writer, daemon=True)
    if pings or overrun:
        thread.start()
    try:
        status = example.main(argv)
    finally:
        stop.set()
        if thread.is_alive():
            thread.join(WAIT)
    out, err = capsys.readouterr()
    return status, out.splitlines(), err.splitlines()


# -- the example user program ---------------------------------------------------------------


def test_the_example_echoes_dumps_and_hears_the_group(capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    module = Genltest()
    argv = ["--message", "hi there", "--dump", "2", "--count", "2"]
    status, out, err = run_example(module, argv, capsys, monkeypatch, pings=["one", "two"])
    assert (status, err) == (0, [])
    fam = module.family
    assert out == [
        f"family genltest id {fam.id}, group mcgrp id {fam.groups['mcgrp']}",
        f"kernel says: {ECHO_REPLY}",
        "entry 0: hi there", "entry 1: entry 0", "entry 2: entry 1",
        "notification notify: one", "notification notify: two",
    ]  # fmt: skip
    assert [(r.op, r.mode, dict(r)) for r in fam.requests] == [
        ("echo", "do", {"msg": "hi there"}), ("dump", "dump", {"count": 2})]  # fmt: skip
    assert module.kernel.transports == []  # the example closed both of its sockets


def test_the_example_says_when_notifications_were_lost(capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    status, out, _ = run_example(Genltest(), ["--count", "1"], capsys, monkeypatch,
                                 pings=["after"], overrun=True)  # fmt: skip
    assert status == 0
    assert out[2:] == ["notifications were lost (receive queue overrun)",
                       "notification notify: after"]  # fmt: skip


@pytest.mark.parametrize(("argv", "words"), [
    (["--message", "x" * 257], ["echo", "Attribute failed policy validation", ".msg",
                                "type=nul-string", "max-length=256"]),
    (["--dump", "0"], ["dump", "integer out of range", ".count", "min-value=1", "max-value=10000"]),
])  # fmt: skip
def test_the_example_reports_the_kernels_policy_errors(
        argv: list[str], words: list[str], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """The example's declaration has no checks: the (served) kernel's policy refuses."""
    module = Genltest()
    status, _, err = run_example(module, [*argv, "--count", "1"], capsys, monkeypatch)
    assert status == 1 and len(err) == 1 and err[0].startswith("genltest_client: ")
    for word in words:
        assert word in err[0]
    assert module.family.requests == [r for r in module.family.requests if r.op == "echo"]


def test_the_example_without_the_module(capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    module = Genltest()
    module.family.unregister()  # rmmod
    status, out, err = run_example(module, [], capsys, monkeypatch)
    assert (status, out) == (1, [])
    assert err == ["family genltest not found: is the module loaded?"]


# -- the module's policy, as tests/vm/test_policy.py checks it on the real one ------------------


@pytest.fixture
def module() -> Genltest:
    return Genltest()


@pytest.fixture
def declared(module: Genltest) -> Iterator[Any]:
    """The family through GenlClient and the example's declaration (no checks of its own)."""
    with module.client() as genl:
        yield genl.family("genltest", load_example().GENLTEST)


def test_wrong_attribute_size_is_refused(module: Genltest, declared: Any) -> None:
    bad = AttrBuilder().put(A_COUNT, b"\x05")  # a u32 sent as one byte
    with pytest.raises(NetlinkError) as info:
        declared.do("echo", bad)
    err = info.value
    assert (err.errno, err.message, err.attr_path) == (errno.EINVAL, "invalid attribute length",
                                                       ".count")  # fmt: skip
    assert err.operation == "echo" and err.policy is not None and err.policy["type"] == "u32"
    with module.client() as genl, pytest.raises(NetlinkError) as raw:
        genl.family("genltest").do(CMD_ECHO, AttrBuilder().put_u8(A_COUNT, 5))
    assert raw.value.errno == errno.EINVAL and raw.value.attr_path == f".{A_COUNT}"
    assert module.family.requests == []  # refused before any handler


@pytest.mark.parametrize("value", [0, 10001])
def test_count_out_of_range(module: Genltest, declared: Any, value: int) -> None:
    with pytest.raises(NetlinkError) as info:
        list(declared.dump("dump", AttrBuilder().put_u32(A_COUNT, value)))
    err = info.value
    assert (err.errno, err.message, err.attr_path) == (errno.ERANGE, "integer out of range",
                                                       ".count")  # fmt: skip
    assert err.policy is not None and (err.policy["min-value"], err.policy["max-value"]) == (
        1, 10000)  # fmt: skip
    with open_family("genltest", transport_factory=module.kernel.transport) as spec, \
            pytest.raises(EncodeError, match="count"):  # fmt: skip
        list(spec.dump("dump", {"count": value}))  # the spec has the limits: refused here


def test_message_too_long_and_commands_without_a_handler(declared: Any) -> None:
    with pytest.raises(NetlinkError) as info:
        declared.do("echo", AttrBuilder().put_string(A_MSG, "x" * 257))
    assert (info.value.errno, info.value.attr_path) == (errno.EINVAL, ".msg")
    assert declared.do("echo", {"msg": "x" * 256})["msg"] == ECHO_REPLY  # the longest there is
    with pytest.raises(NetlinkError) as notify:
        declared.do(CMD_NOTIFY, b"")  # multicast only: no handler in the module
    assert notify.value.errno == errno.EOPNOTSUPP


def test_policy_introspection_is_the_modules_table(module: Genltest) -> None:
    with module.client() as genl:
        policy = genl.policy("genltest")
        info = genl.resolve("genltest")
    assert policy.family_id == info.id == module.family.id and info.maxattr == 3
    echo, dump = policy.op(CMD_ECHO), policy.op(2, "dump")
    assert echo is not None and dump == echo  # one family-wide policy (kernel-policy: global)
    msg, count, index = echo[1], echo[2], echo[3]
    assert (msg.type, msg.max_length) == ("nul-string", 256)
    assert (count.type, count.min_value, count.max_value) == ("u32", 1, 10000)
    assert (index.type, index.min_value, index.max_value) == ("u32", 0, 2**32 - 1)
    assert not compare(module.family.family, policy, info)  # no drift from its own spec


def test_validate_true_refuses_before_sending(module: Genltest, declared: Any) -> None:
    with pytest.raises(EncodeError, match="msg"):
        declared.do("echo", {"msg": "x" * 300}, validate=True)  # the kernel's policy, fetched
    assert module.family.requests == []
    assert declared.do("echo", {"msg": "ok"}, validate=True)["msg"] == ECHO_REPLY


# -- dumps, faults and the asyncio front --------------------------------------------------------


def test_a_long_dump_and_an_interrupted_one(module: Genltest) -> None:
    with open_family("genltest", transport_factory=module.kernel.transport) as spec:
        spec.do("echo", {"msg": "first"})
        entries = list(spec.dump("dump", {"count": 10000}))  # datagrams of NLMSG_GOODSIZE
        assert [e["index"] for e in entries] == list(range(10001))
        assert entries[0]["msg"] == "first" and entries[-1]["msg"] == "entry 9999"
        module.kernel.dump_intr(1)  # the history changed while the dump ran
        seen: list[int] = []
        with pytest.raises(DumpInterrupted):
            for entry in spec.dump("dump", {"count": 3}):
                seen.append(entry["index"])
        assert seen == [0, 1, 2, 3]  # every entry came; the end says they may be inconsistent
        assert [e["index"] for e in spec.dump("dump", {"count": 3})] == [0, 1, 2, 3]


def test_a_dump_that_fails_midway_and_a_handler_error_with_its_attribute() -> None:
    module = Genltest(per_datagram=1)

    def failing(request: Request) -> Iterator[Mapping[str, Any]]:
        yield {"index": 0, "msg": "one"}
        raise module.family.error(errno.EIO, message="disk on fire")

    module.family.dump("dump")(failing)

    @module.family.do("echo")
    def picky(request: Request) -> None:
        raise module.family.error(errno.EPERM, message="not that one", attribute="msg")

    with open_family("genltest", transport_factory=module.kernel.transport) as spec:
        with pytest.raises(NetlinkError) as midway:
            list(spec.dump("dump", {"count": 1}))
        assert (midway.value.errno, midway.value.message) == (errno.EIO, "disk on fire")
        with pytest.raises(NetlinkError) as refused:
            spec.do("echo", {"msg": "this one"})
        err = refused.value
        assert (err.errno, err.message, err.attr_path) == (errno.EPERM, "not that one", ".msg")


def test_the_asyncio_front_against_the_served_family(module: Genltest) -> None:
    async def body() -> tuple[Any, list[int], list[str]]:
        async with await open_family_async("genltest", transport_factory=module.kernel.transport,
                                           timeout=WAIT) as spec:  # fmt: skip
            reply = await spec.do("echo", {"msg": "from asyncio"})
            indexes = [e["index"] async for e in spec.dump("dump", {"count": 2})]
            spec.subscribe("mcgrp")
            assert module.ping("async ping") == 1
            heard = [e["msg"] async for e in spec.notifications(timeout=0.2)]
            return reply["msg"], indexes, heard

    assert asyncio.run(asyncio.wait_for(body(), 30)) == (ECHO_REPLY, [0, 1, 2], ["async ping"])
    assert module.history == ["from asyncio"]

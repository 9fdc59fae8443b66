"""genetlink.testing's GenlKernel and ServedFamily: nlctrl's registry (lookups by name and
id, the family dump, GETPOLICY of one op, events of families coming and going), how handlers
answer (several replies, another op's message, a warning, nothing at all), and the faults of
FakeKernel on a served family."""

from __future__ import annotations

import asyncio
import errno
import importlib.util
from pathlib import Path
from typing import Any

import pytest

from genetlink import GenlClient, open_family, open_family_async
from genetlink.genl import FamilyNotFound, getfamily, getpolicy
from genetlink.genl.nlctrl import NOTIFY_GROUP, Policy
from genetlink.loader.declare import declare_family
from genetlink.testing import NO_ANSWER, GenlKernel, Reply, Request, serve_family
from genetlink.wire import constants as c
from genetlink.wire.errors import NetlinkError, NetlinkWarning, Truncated
from genetlink.wire.genl import genl_command

REPO = Path(__file__).resolve().parents[2]
WAIT = 5.0

DEMO = declare_family(
    "demo",
    attribute_sets={"main": {"name": (1, "string"), "size": (2, "u32"), "flag": (3, "flag")}},
    operations={
        "get": {"value": 1, "attribute-set": "main",
                "do": {"request": {"attributes": ["name"]},
                       "reply": {"attributes": ["name", "size"]}},
                "dump": {"reply": {"attributes": ["name", "size"]}}},
        "set": (2, ["name", "size", "flag"]),
        "new": {"value": 3, "attribute-set": "main", "event": {"attributes": ["name"]},
                "mcgrp": "changes"},
        "nopolicy": {"value": 4, "attribute-set": "main", "do": {}},
    },
    mcast_groups=["changes", "other"],
)  # fmt: skip


def client(kernel: GenlKernel) -> GenlClient:
    return GenlClient(transport_factory=kernel.transport, timeout=WAIT)


def test_the_typed_user_script_runs() -> None:
    path = REPO / "tests" / "typing" / "served_family.py"
    loader_spec = importlib.util.spec_from_file_location("served_family_script", path)
    assert loader_spec is not None and loader_spec.loader is not None
    module = importlib.util.module_from_spec(loader_spec)
    loader_spec.loader.exec_module(module)
    assert module.main() == 0


def test_ids_and_groups_are_allocated_as_the_kernel_does() -> None:
    kernel = GenlKernel()
    first = kernel.serve(DEMO)
    second = kernel.serve(declare_family("two", attributes={"a": (1, "u32")},
                                         operations={"x": (1, ["a"])}, mcast_groups=["g"]))
    assert (first.id, second.id) == (c.GENL_ID_PMCRAID + 1, c.GENL_ID_PMCRAID + 2)
    # 0, 1 and the ids of nlctrl and the fixed families are never given
    assert first.groups == {"changes": 2, "other": 3} and second.groups == {"g": 4}
    assert list(kernel.families) == ["nlctrl", "demo", "two"]
    with pytest.raises(ValueError, match="registered already"):
        kernel.serve(DEMO)
    with pytest.raises(ValueError, match="taken"):
        kernel.serve(declare_family("three", attributes={}, operations={}),
                     family_id=first.id)  # fmt: skip
    with pytest.raises(ValueError, match=r"\[4\] are taken"):
        kernel.serve(declare_family("four", attributes={}, operations={},
                                    mcast_groups=["a", "b"]), groups={"b": 4})  # fmt: skip
    assert kernel.serve(declare_family("five", attributes={}, operations={},
                                       mcast_groups=["a", "b"]),
                        groups={"a": 5}).groups == {"a": 5, "b": 6}  # fmt: skip
    with pytest.raises(ValueError, match="netlink-raw"):
        kernel.serve(REPO.parent / "shared" / "kernel-specs" / "specs" / "rt-link.yaml")


def test_getfamily_by_name_or_id_and_the_family_dump() -> None:
    served = serve_family(DEMO, family_id=40, groups={"changes": 9})
    with client(served.kernel) as genl:
        by_name = genl.resolve("demo")
        assert (by_name.id, by_name.version, by_name.maxattr) == (40, 1, 0)
        assert {g.name: g.id for g in by_name.groups} == {"changes": 9, "other": 2}
        ops = {op.id: op.flags for op in by_name.ops}
        assert ops[1] == c.GENL_CMD_CAP_DO | c.GENL_CMD_CAP_DUMP | c.GENL_CMD_CAP_HASPOL
        # no request attributes: the kernel's reject-all policy
        assert ops[4] == c.GENL_CMD_CAP_DO | c.GENL_CMD_CAP_HASPOL
        assert 3 not in ops  # an event is no command
        assert [f.name for f in genl.families()] == ["nlctrl", "demo"]
        sock = genl.sock
        assert sock.run(getfamily(sock.engine, 40)) == by_name
        with pytest.raises(FamilyNotFound):
            genl.resolve("absent")


def test_getpolicy_of_one_op_and_its_refusals() -> None:
    served = serve_family(DEMO)
    with client(served.kernel) as genl:
        sock = genl.sock
        whole = genl.policy("demo")
        assert set(whole.ops) == {1, 2, 4} and whole.op(1, "dump") == whole.op(4) == {}
        one = sock.run(getpolicy(sock.engine, served.id, op=2))
        assert set(one.ops) == {2} and one.op(2) == whole.op(2)
        with pytest.raises(NetlinkError) as unknown:
            sock.run(getpolicy(sock.engine, served.id, op=99))
        assert unknown.value.errno == errno.ENOENT
        # ENODATA: a family without any policy, which the library gives as an empty one
        bare = served.kernel.serve(declare_family("bare", attributes={"a": (1, "u32")},
                                                  operations={"x": (1, ["a"])}),
                                   policy=Policy())  # fmt: skip
        assert bare.policy == Policy()
        empty = genl.policy("bare")
        assert (empty.ops, empty.sets) == ({}, {})
    assert [r.op for r in served.kernel.nlctrl.requests].count("getpolicy") == 4


def test_nlctrl_announces_families_and_groups_coming_and_going() -> None:
    kernel = GenlKernel()
    with kernel.socket() as watcher:
        watcher.join(NOTIFY_GROUP)
        served = kernel.serve(DEMO)
        with kernel.socket() as member:
            member.join(served.groups["changes"])
            served.reregister()  # a module reload: a new id, and the groups' members leave
            assert kernel.members(served.groups["changes"]) == []
        events = [genl_command(m)[0] for m in watcher.notifications(timeout=0.1)]
    new, grp, delgrp, delete = (c.CTRL_CMD_NEWFAMILY, c.CTRL_CMD_NEWMCAST_GRP,
                                c.CTRL_CMD_DELMCAST_GRP, c.CTRL_CMD_DELFAMILY)  # fmt: skip
    assert events == [new, grp, grp, delgrp, delgrp, delete, new, grp, grp]
    assert served.id == c.GENL_ID_PMCRAID + 2


def test_handlers_answer_with_replies_other_ops_warnings_or_nothing() -> None:
    served = serve_family(DEMO)
    answers: dict[str, Any] = {}

    @served.do("get")
    def get(request: Request) -> Any:
        return answers[request["name"]]

    @served.do("set")
    def set_(request: Request) -> None:
        if "flag" in request:
            request.warn("flag ignored")

    with open_family(DEMO, transport_factory=served.kernel.transport, timeout=WAIT) as demo:
        answers["one"] = {"name": "one", "size": 1}
        assert demo.do("get", {"name": "one"}).to_dict() == {"name": "one", "size": 1}
        answers["two"] = [{"name": "a"}, {"name": "b"}]
        assert [r["name"] for r in demo.do_all("get", {"name": "two"})] == ["a", "b"]
        answers["event"] = Reply("new", {"name": "as an event"})
        reply = demo.do("get", {"name": "event"})
        assert (reply.op, reply["name"]) == ("new", "as an event")
        answers["ack"] = None
        assert demo.do("get", {"name": "ack"}) is None
        with pytest.warns(NetlinkWarning, match="flag ignored"):
            demo.do("set", {"flag": True})
        answers["silent"] = NO_ANSWER
        with pytest.raises(TimeoutError):
            demo.do("get", {"name": "silent"}, timeout=0.1)
        with pytest.raises(NetlinkError) as no_dump:
            list(demo.dump("get"))
        assert no_dump.value.errno == errno.EOPNOTSUPP  # no dump handler served
        assert "no dump handler" in (no_dump.value.message or "")
    with pytest.raises(ValueError, match="no dump"):
        served.dump("set")


def test_errors_point_at_attributes_of_the_request() -> None:
    served = serve_family(DEMO)

    @served.do("set")
    def set_(request: Request) -> None:
        if "size" not in request:
            raise served.error(errno.EINVAL, message="size needed", missing="size")
        raise served.error(errno.ERANGE, message="too big", attribute="size")

    with open_family(DEMO, transport_factory=served.kernel.transport, timeout=WAIT) as demo:
        with pytest.raises(NetlinkError) as missing:
            demo.do("set", {"name": "x"})
        assert (missing.value.message, missing.value.missing_path) == ("size needed", ".size")
        with pytest.raises(NetlinkError) as bad:
            demo.do("set", {"name": "x", "size": 7})
        assert (bad.value.errno, bad.value.attr_path) == (errno.ERANGE, ".size")


def test_a_failing_handler_is_answered_eio_on_both_fronts() -> None:
    # a bug in a test's handler must reach the client as an answer, never as a wait
    served = serve_family(DEMO)

    @served.do("get")
    def get(request: Request) -> Any:
        if request["name"] == "raise":
            raise KeyError("boom")
        if request["name"] == "unknown":
            raise served.error(errno.EPERM, attribute="no-such-attribute")
        if request["name"] == "ok":
            return {"name": "ok"}
        return {"name": 7} if request["name"] == "bad" else 42  # not encodable, not a reply

    @served.dump("get")
    def dump(request: Request) -> Any:
        yield {"name": "first"}
        raise RuntimeError("half way")

    with open_family(DEMO, transport_factory=served.kernel.transport, timeout=WAIT) as demo:
        for name, said in [("raise", "KeyError: 'boom'"), ("bad", "EncodeError"),
                           ("int", "TypeError"), ("unknown", "ValueError")]:  # fmt: skip
            with pytest.raises(NetlinkError) as failed:
                demo.do("get", {"name": name})
            assert failed.value.errno == errno.EIO and said in (failed.value.message or "")
        with pytest.raises(NetlinkError, match="half way"):
            list(demo.dump("get"))
        reply = demo.do("get", {"name": "ok"})  # the socket and the served family go on
        assert reply is not None and reply["name"] == "ok"
    assert [type(e).__name__ for e in served.failures][:5] == [
        "KeyError", "EncodeError", "TypeError", "ValueError", "RuntimeError"]

    async def run() -> None:
        async with await open_family_async(DEMO, transport_factory=served.kernel.transport,
                                           timeout=WAIT) as demo:  # fmt: skip
            with pytest.raises(NetlinkError) as failed:
                await demo.do("get", {"name": "raise"})
            assert failed.value.errno == errno.EIO

    asyncio.run(run())


def test_faults_hit_served_families() -> None:
    served = serve_family(DEMO, per_datagram=10)
    served.dump("get")(lambda request: [{"name": f"n{i}", "size": i} for i in range(50)])
    served.do("set")(lambda request: None)
    with open_family(DEMO, transport_factory=served.kernel.transport, timeout=WAIT) as demo:
        served.kernel.truncate_next()
        with pytest.raises(Truncated):
            list(demo.dump("get"))
        assert len(list(demo.dump("get"))) == 50  # the socket recovered
        served.kernel.spoof_next()  # a reply from another port is dropped: the request waits
        with pytest.raises(TimeoutError):
            demo.do("set", {"size": 1}, timeout=0.1)
        served.kernel.stall_dumps()
        dump = demo.dump("get")
        assert next(dump)["name"] == "n0" and served.kernel.stalled
        served.kernel.release_dumps()
        assert len(list(dump)) == 49
        served.kernel.stall_dumps(False)
        served.kernel.delay_answers(0.3)  # a busy kernel: the answer comes after the timeout
        with pytest.raises(TimeoutError):
            demo.do("set", {"size": 1}, timeout=0.05)
        assert demo.do("set", {"size": 2}, timeout=WAIT) is None  # the late ACK is dropped
        served.kernel.delay_answers(0)
        assert len(list(demo.dump("get"))) == 50
        assert [r["size"] for r in served.requests if r.op == "set"] == [1, 1, 2]

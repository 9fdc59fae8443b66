"""nftables through the kernel's own spec: batches on the running kernel, checked with `nft`.

A table, a chain and a rule are created in one batch, read back with the library's dumps
(gettable, getchain, getrule) and compared with `nft -j list ruleset` in the same namespace;
a batch with one bad request changes nothing and names the request; both fronts, the CLI, and
a batch large enough that the default socket buffers would lose its answers.
"""

from __future__ import annotations

import asyncio
import errno
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from genetlink import BatchError, Decoded, FamilyHandle, open_family, open_family_async
from genetlink.wire.errors import NetlinkError

pytestmark = pytest.mark.root

INET = {"nfgen-family": 1}  # NFPROTO_INET
ANY = {"nfgen-family": 0}  # NFPROTO_UNSPEC: dumps of every family
RULE = {"elem": [
    {"name": "counter", "data": {}},
    {"name": "immediate", "data": {"dreg": 0, "data": {"verdict": {"code": "accept"}}}},
]}  # fmt: skip


@pytest.fixture
def nft_cmd() -> str:
    path = shutil.which("nft") or ("/usr/sbin/nft" if os.path.exists("/usr/sbin/nft") else None)
    if path is None:
        pytest.skip("needs Debian's nftables (`nft`) as the oracle")
    return path


def ruleset(nft_cmd: str, netns: str) -> list[dict[str, Any]]:
    out = subprocess.run(["ip", "netns", "exec", netns, nft_cmd, "-j", "list", "ruleset"],
                         check=True, capture_output=True, text=True).stdout  # fmt: skip
    return [item for item in json.loads(out)["nftables"] if "metainfo" not in item]


def create(batch: Any) -> None:
    batch.add("newtable", {**INET, "name": "filter"}, flags="create")
    batch.add("newchain", {**INET, "table": "filter", "name": "input", "type": "filter",
                           "hook": {"num": 1, "priority": 0}, "policy": 1},
              flags="create")  # fmt: skip
    batch.add("newrule", {**INET, "table": "filter", "chain": "input", "expressions": RULE},
              flags="create|append|echo")  # fmt: skip


def tables(nft: FamilyHandle[Decoded]) -> list[str]:
    return sorted(t["name"] for t in nft.dump("gettable", ANY))


def test_table_chain_rule_in_one_batch_match_nft(kernel_specs: Path, netns: str,
                                                 nft_cmd: str) -> None:  # fmt: skip
    with open_family(kernel_specs / "nftables.yaml", netns=netns) as nft:
        generation = nft.do("getgen", ANY)
        assert generation is not None
        with nft.batch(genid=generation["id"]) as batch:
            create(batch)
        assert batch.result is not None and batch.result.committed
        assert [r.status for r in batch.result] == ["applied"] * 3
        (echoed,) = batch.result[2].replies  # the rule as created, with its handle
        (table,) = list(nft.dump("gettable", ANY))
        (chain,) = list(nft.dump("getchain", ANY))
        (rule,) = list(nft.dump("getrule", ANY))
    assert rule["handle"] == echoed["handle"]
    ours = ruleset(nft_cmd, netns)
    by_kind = {kind: item[kind] for item in ours for kind in item}
    assert len(ours) == 3
    assert (by_kind["table"]["family"], by_kind["table"]["name"]) == ("inet", table["name"])
    assert by_kind["table"]["handle"] == table["handle"]
    want_chain = {"family": "inet", "table": "filter", "name": "input",
                  "handle": chain["handle"], "type": "filter", "hook": "input", "prio": 0,
                  "policy": "accept"}  # fmt: skip
    assert by_kind["chain"] == want_chain
    assert chain["hook"]["num"] == 1 and chain["type"] == "filter"
    nft_rule = by_kind["rule"]
    assert (nft_rule["table"], nft_rule["chain"], nft_rule["handle"]) == (
        rule["table"], rule["chain"], rule["handle"])  # fmt: skip
    assert nft_rule["expr"] == [{"counter": {"packets": 0, "bytes": 0}}, {"accept": None}]
    assert [e["name"] for e in rule["expressions"]["elem"]] == ["counter", "immediate"]


def test_one_bad_request_changes_nothing_and_is_named(kernel_specs: Path, netns: str,
                                                      nft_cmd: str) -> None:  # fmt: skip
    with open_family(kernel_specs / "nftables.yaml", netns=netns) as nft:
        with pytest.raises(BatchError) as caught, nft.batch() as batch:
            batch.add("newtable", {**INET, "name": "filter"}, flags="create")
            batch.add("newchain", {**INET, "table": "no-such-table", "name": "input"},
                      flags="create")  # fmt: skip
            batch.add("newtable", {**INET, "name": "other"}, flags="create")
        err = caught.value
        assert err.errno == errno.ENOENT and err.index == 1
        assert [r.status for r in err.result] == ["not applied", "failed", "not applied"]
        assert err.errors[1].attr_path == ".table"  # the kernel's ext-ACK offset, named
        assert "newchain (batch request 1)" in str(err)
        assert tables(nft) == []
        # outside a batch the kernel refuses nftables writes: EINVAL, as before
        with pytest.raises(NetlinkError) as plain:
            nft.do("newtable", {**INET, "name": "filter"}, flags="create")
        assert plain.value.errno == errno.EINVAL
        assert plain.value.message is not None and "handle.batch()" in plain.value.message
    assert ruleset(nft_cmd, netns) == []


def test_generation_check_and_check_only(kernel_specs: Path, netns: str) -> None:
    with open_family(kernel_specs / "nftables.yaml", netns=netns) as nft:
        generation = nft.do("getgen", ANY)
        assert generation is not None
        with nft.batch() as batch:
            batch.add("newtable", {**INET, "name": "moved"})
        with pytest.raises(BatchError) as caught, nft.batch(genid=generation["id"]) as batch:
            batch.add("newtable", {**INET, "name": "late"})
        assert caught.value.errno == errno.ERESTART and caught.value.index is None
        with nft.batch(check=True) as batch:
            batch.add("newtable", {**INET, "name": "checked"})
        assert batch.result is not None and batch.result.checked
        assert tables(nft) == ["moved"]


def test_asyncio_batch(kernel_specs: Path, netns: str, nft_cmd: str) -> None:
    async def body() -> list[str]:
        async with await open_family_async(kernel_specs / "nftables.yaml", netns=netns) as nft:
            with pytest.raises(BatchError) as caught:
                async with nft.batch() as batch:
                    batch.add("newtable", {**INET, "name": "a"}, flags="create")
                    batch.add("newtable", {**INET, "name": "a"}, flags="create|excl")
            assert caught.value.errno == errno.EEXIST and caught.value.index == 1
            async with nft.batch() as batch:
                create(batch)
            return sorted([t["name"] async for t in nft.dump("gettable", ANY)])

    assert asyncio.run(asyncio.wait_for(body(), 60)) == ["filter"]
    assert len(ruleset(nft_cmd, netns)) == 3


def test_large_batch_loses_no_answer(kernel_specs: Path, netns: str, nft_cmd: str) -> None:
    # ~830 bytes of receive queue per ACK: the default 208 KiB would hold about 256 of them;
    # and ~120 bytes a rule make the datagram larger than the default send buffer
    count = 3000
    with open_family(kernel_specs / "nftables.yaml", netns=netns) as nft:
        with nft.batch() as batch:
            batch.add("newtable", {**INET, "name": "big"}, flags="create")
            batch.add("newchain", {**INET, "table": "big", "name": "c"}, flags="create")
            for _ in range(count):
                batch.add("newrule", {**INET, "table": "big", "chain": "c",
                                      "expressions": RULE}, flags="create|append")  # fmt: skip
        assert batch.result is not None and batch.result.committed
        assert sum(1 for _ in nft.dump("getrule", ANY)) == count
    rules = [item for item in ruleset(nft_cmd, netns) if "rule" in item]
    assert len(rules) == count


def test_cli_multi_and_batch(kernel_specs: Path, netns: str, nft_cmd: str) -> None:
    spec = str(kernel_specs / "nftables.yaml")

    def genetlink(*args: str) -> subprocess.CompletedProcess[str]:
        code = "import sys; from genetlink.cli.main import main; sys.exit(main())"
        return subprocess.run([sys.executable, "-c", code, "--netns", netns, *args],
                              capture_output=True, text=True, timeout=60)  # fmt: skip

    table = json.dumps({**INET, "name": "t"})
    chain = json.dumps({**INET, "table": "t", "name": "c"})
    done = genetlink("do", "nftables", "--spec", spec, "--flags", "create", "--json",
                     "--multi", "newtable", table, "--multi", "newchain", chain)
    assert done.returncode == 0, done.stderr
    assert [(r["op"], r["status"]) for r in json.loads(done.stdout)] == [
        ("newtable", "applied"), ("newchain", "applied")]  # fmt: skip
    bad = json.dumps({**INET, "table": "nope", "name": "c"})
    done = genetlink("do", "nftables", "--spec", spec, "--multi", "newtable",
                     json.dumps({**INET, "name": "u"}), "--multi", "newchain", bad)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "newchain (batch request 1)" in done.stderr and "No such file" in done.stderr
    done = genetlink("do", "nftables", "newtable", "--spec", spec, "--batch",
                     "--input", json.dumps({**INET, "name": "v"}))
    assert done.returncode == 0 and done.stdout == "0 newtable: applied\n", done.stderr
    names = sorted(item["table"]["name"] for item in ruleset(nft_cmd, netns) if "table" in item)
    assert names == ["t", "v"]
    done = genetlink("do", "nftables", "--spec", spec, "--multi", "newtable", table,
                     "--multi", "newchain", "{not json")  # fmt: skip
    assert done.returncode == 1 and "--multi newchain is not valid JSON" in done.stderr
    done = genetlink("do", "nftables", "--spec", spec, "--multi", "newchain", "[]")
    assert done.returncode == 1 and "--multi newchain must be a JSON object" in done.stderr
    done = genetlink("do", "netdev", "--spec", str(kernel_specs / "netdev.yaml"),
                     "--multi", "dev-get", "{}")  # fmt: skip
    assert done.returncode == 1 and "this family is not nfnetlink" in done.stderr
    done = genetlink("do", "nftables", "--spec", spec, "--multi", "newtable", table, "--validate")
    assert done.returncode == 1 and "--check has the kernel check" in done.stderr

"""The `genetlink` command against the running kernel (run as a real process)."""

from __future__ import annotations

import io
import itertools
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ip

from genetlink import GenlClient
from genetlink.cli import main as cli
from genetlink.client.sync import FamilyHandle

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "genltest_client.py"


def genetlink(*args: str) -> subprocess.CompletedProcess[str]:
    code = "import sys; from genetlink.cli.main import main; sys.exit(main())"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=60)  # fmt: skip


def test_families_table():
    done = genetlink("families")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["NAME", "ID", "VERSION", "MAXATTR", "OPS", "GROUPS"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert rows["nlctrl"][1:] == ["16", "2", "0", "2", "notify"]
    with GenlClient() as client:
        assert set(rows) == {f.name for f in client.families()}


def test_families_json_keys():
    done = genetlink("families", "--json")
    assert done.returncode == 0, done.stderr
    families = json.loads(done.stdout)
    assert families and isinstance(families, list)
    for family in families:
        assert list(family) == ["name", "id", "version", "hdrsize", "maxattr", "ops", "groups"]
        for op in family["ops"]:
            assert list(op) == ["id", "flags"]
            assert set(op["flags"]) <= {"admin-perm", "do", "dump", "has-policy", "uns-admin-perm"}
        for group in family["groups"]:
            assert list(group) == ["name", "id"]
    nlctrl = next(f for f in families if f["name"] == "nlctrl")
    assert {"id": 3, "flags": ["do", "dump", "has-policy"]} in nlctrl["ops"]
    assert nlctrl["groups"] == [{"name": "notify", "id": 16}]


def test_family_nlctrl_policy_json():
    done = genetlink("family", "nlctrl", "--policy", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["name"] == "nlctrl" and out["id"] == 16
    policy = out["policy"]
    do_set = policy["ops"]["3"]["do"]
    assert policy["sets"][str(do_set)]["2"] == {"type": "nul-string", "max-length": 15}
    dump_set = policy["ops"]["10"]["dump"]
    assert policy["sets"][str(dump_set)]["10"]["type"] == "u32"


def test_family_text_with_policy():
    done = genetlink("family", "nlctrl", "--policy")
    assert done.returncode == 0, done.stderr
    assert "do,dump,has-policy" in done.stdout
    assert "nul-string (max-length=15)" in done.stdout


def test_unknown_family_is_one_line_and_status_1():
    done = genetlink("family", "no-such-family")
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.splitlines() == ["genetlink: family no-such-family not found"]


@pytest.mark.root
def test_netns_option(netns):
    done = genetlink("--netns", netns, "families", "--json")
    assert done.returncode == 0, done.stderr
    assert "nlctrl" in {f["name"] for f in json.loads(done.stdout)}


def add_veths(netns: str, count: int) -> list[int]:
    for i in range(count):
        ip("link", "add", f"cv{i}", "type", "veth", "peer", "name", f"cp{i}", netns=netns)
    return sorted(link["ifindex"] for link in json.loads(ip("-j", "link", "show", netns=netns)))


@pytest.mark.root
def test_dump_json_is_one_valid_array(netns, kernel_specs):
    indexes = add_veths(netns, 3)
    spec = str(kernel_specs / "netdev.yaml")
    done = genetlink("--netns", netns, "dump", "netdev", "dev-get", "--json", "--spec", spec)
    assert done.returncode == 0, done.stderr
    devices = json.loads(done.stdout)  # the whole output is one JSON document
    assert isinstance(devices, list) and len(devices) == len(indexes) == 7
    assert all(isinstance(dev, dict) for dev in devices)
    assert sorted(dev["ifindex"] for dev in devices) == indexes
    # an empty dump is an empty array (no page pools in a fresh namespace)
    done = genetlink("--netns", netns, "dump", "netdev", "page-pool-get", "--json",
                     "--spec", spec)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [] and done.stdout.strip() == "[]"
    # text: one block per device, separated by blank lines
    done = genetlink("--netns", netns, "dump", "netdev", "dev-get", "--spec", spec)
    assert done.returncode == 0, done.stderr
    blocks = done.stdout.strip().split("\n\n")
    assert sorted(int(b.splitlines()[0].removeprefix("ifindex: ")) for b in blocks) == indexes


@pytest.mark.root
def test_dump_streams_each_object_as_it_comes(netns, kernel_specs, monkeypatch):
    """`genetlink dump` writes each object before it takes the next one from the dump (the
    handle's dump is streamed), and the --json output is still one valid array."""
    indexes = add_veths(netns, 3)
    events: list[tuple[str, Any]] = []
    real_dump = FamilyHandle.dump

    def watched_dump(self: FamilyHandle[Any], *args: Any, **kwargs: Any) -> Iterator[Any]:
        for item in real_dump(self, *args, **kwargs):
            events.append(("item", item["ifindex"]))
            yield item

    class Out(io.StringIO):
        def write(self, text: str) -> int:
            events.append(("write", text))
            return super().write(text)

    out = Out()
    monkeypatch.setattr(FamilyHandle, "dump", watched_dump)
    monkeypatch.setattr(sys, "stdout", out)
    status = cli.main(["--netns", netns, "dump", "netdev", "dev-get", "--json",
                       "--spec", str(kernel_specs / "netdev.yaml")])  # fmt: skip
    monkeypatch.undo()
    assert status == 0
    devices = json.loads(out.getvalue())
    assert sorted(dev["ifindex"] for dev in devices) == indexes
    items = [i for i, (kind, _) in enumerate(events) if kind == "item"]
    assert len(items) == len(indexes)
    for this, following in itertools.pairwise(items):
        written = "".join(text for kind, text in events[this:following] if kind == "write")
        assert f'"ifindex": {events[this][1]}' in written, (events[this], written)


@pytest.mark.root
def test_do_flags_by_name_reach_the_kernel(netns, kernel_specs):
    spec = str(kernel_specs / "netdev.yaml")
    base = ["--netns", netns, "do", "netdev", "dev-get", "--input", '{"ifindex": 1}', "--json",
            "--spec", spec]  # fmt: skip
    done = genetlink(*base)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["ifindex"] == 1
    done = genetlink(*base, "--flags", "create")  # netdev's get refuses NLM_F_CREATE
    assert done.returncode == 1 and done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and "nlmsg_flags" in done.stderr
    done = genetlink(*base, "--flags", "bogus")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.splitlines() == [
        "genetlink: error: unknown request flag 'bogus' "
        "(replace, excl, create, append, nonrec, bulk, echo)"
    ]


def test_missing_netns_is_one_line():
    done = genetlink("--netns", "no-such-namespace-here", "families")
    assert done.returncode == 1
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr


def test_example_without_the_module():
    with GenlClient() as client:
        if "genltest" in {f.name for f in client.families()}:
            pytest.skip("the genltest module is loaded here")
    done = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.splitlines() == ["family genltest not found: is the module loaded?"]

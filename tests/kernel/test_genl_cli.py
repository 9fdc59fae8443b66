"""The `genetlink` command against the running kernel (run as a real process)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from genetlink.genl import GenlClient

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

"""The CLI against the running kernel, run as real processes: output formats (streamed JSON
Lines and arrays, compact JSON, tables), --validate, monitor --duration and ynl's keys, exit
statuses, spec show --doc and family --policy names."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import ip

from genetlink.cli import status

SHIPPED = Path(__file__).resolve().parents[2] / "src" / "genetlink" / "specs"
LONG_NAME = json.dumps({"family-name": "x" * 40})  # the kernel's policy: at most 15 bytes


def genetlink(*args: str, netns: str | None = None,
              **kwargs: object) -> subprocess.CompletedProcess[str]:  # fmt: skip
    prefix = ["ip", "netns", "exec", netns] if netns else []
    code = "import sys; from genetlink.cli.main import main; sys.exit(main())"
    return subprocess.run([*prefix, sys.executable, "-c", code, *args], capture_output=True,
                          text=True, timeout=120, **kwargs)  # type: ignore[call-overload]  # fmt: skip


def add_veths(netns: str, pairs: int) -> None:
    lines = "".join(f"link add sv{i} type veth peer name sp{i}\n" for i in range(pairs))
    subprocess.run(["ip", "-n", netns, "-batch", "-"], input=lines, text=True, check=True)


def dump_running(pid: int) -> bool | None:
    """Whether the process's rtnetlink socket has a dump in progress (the Dump column of
    /proc/PID/net/netlink: the kernel's cb_running); None when it has no such socket."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    with open(f"/proc/{pid}/net/netlink") as table:
        for line in table.read().splitlines()[1:]:
            fields = line.split()
            if fields[1] == "0" and fields[9] in inodes:  # NETLINK_ROUTE
                return fields[6] == "1"
    return None


ROUTES = 40_000  # /32 routes: about 2.5 MB of rtnetlink, over 64 datagrams of 32 KiB


@pytest.mark.root
def test_dump_is_out_before_it_ends(netns: str, kernel_specs: Path) -> None:
    """Through a pipe nobody reads yet, the first object is there while the kernel still
    has the dump running: the CLI writes objects as they come, not after the dump. (A
    command that collected first would have ended the dump before writing a byte; the dump
    is larger than one read batch of 64 datagrams plus the socket's buffer.)"""
    lines = "".join(f"route add 10.{i >> 16}.{(i >> 8) & 255}.{i & 255}/32 dev lo\n"
                    for i in range(ROUTES))  # fmt: skip
    subprocess.run(["ip", "-n", netns, "-batch", "-"], input=lines, text=True, check=True)
    code = "import sys; from genetlink.cli.main import main; sys.exit(main())"
    for output in ("jsonl", "json"):
        argv = ["ip", "netns", "exec", netns, sys.executable, "-c", code, "dump", "rt-route",
                "getroute", "--output", output, "--spec", str(kernel_specs / "rt-route.yaml")]
        with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
            assert proc.stdout is not None
            readable, _, _ = select.select([proc.stdout], [], [], 60)
            assert readable, "no output within 60 s"
            running = None
            for _ in range(50):  # the Popen pid is the CLI's (ip netns exec execs it)
                running = dump_running(proc.pid)
                if running is not None:
                    break
                time.sleep(0.1)
            assert running is True, f"{output}: the dump had ended before the first object"
            out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        text = out.decode()
        routes = ([json.loads(line) for line in text.splitlines()] if output == "jsonl"
                  else json.loads(text))  # fmt: skip
        assert len(routes) >= ROUTES and routes[0]["table"] in (254, 255)


@pytest.mark.root
def test_compact_json_and_jsonl(netns: str, kernel_specs: Path) -> None:
    spec = str(kernel_specs / "netdev.yaml")
    add_veths(netns, 2)
    done = genetlink("--netns", netns, "dump", "netdev", "dev-get", "--json", "--compact",
                     "--spec", spec)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1 and " " not in done.stdout  # one line, no padding
    assert sorted(d["ifindex"] for d in json.loads(done.stdout)) == [1, 2, 3, 4, 5]
    done = genetlink("--netns", netns, "dump", "netdev", "dev-get", "--output", "jsonl",
                     "--spec", spec)  # fmt: skip
    lines = done.stdout.splitlines()
    assert len(lines) == 5 and all(json.loads(line)["ifindex"] for line in lines)
    done = genetlink("--netns", netns, "do", "netdev", "dev-get", "--input", '{"ifindex": 1}',
                     "--json", "--compact", "--spec", spec)  # fmt: skip
    assert json.loads(done.stdout)["ifindex"] == 1 and done.stdout.count("\n") == 1


@pytest.mark.root
def test_table_of_a_flat_dump(netns: str, kernel_specs: Path) -> None:
    add_veths(netns, 2)
    done = genetlink("--netns", netns, "dump", "netdev", "dev-get", "--output", "table",
                     "--spec", str(kernel_specs / "netdev.yaml"))  # fmt: skip
    assert done.returncode == 0 and done.stderr == "", done.stderr
    header, *rows = done.stdout.splitlines()
    assert header.split()[:2] == ["IFINDEX", "XDP-FEATURES"]
    assert [row.split()[0] for row in rows] == ["1", "2", "3", "4", "5"]
    # a set with nests: their columns are left out, and stderr says which
    done = genetlink("--netns", netns, "dump", "rt-link", "getlink", "--output", "table",
                     "--spec", str(kernel_specs / "rt-link.yaml"))  # fmt: skip
    assert done.returncode == 0, done.stderr
    header, *rows = done.stdout.splitlines()
    assert "IFNAME" in header.split() and len(rows) == 5
    assert done.stderr.startswith("genetlink: not in the table (nested): ")
    assert "linkinfo" in done.stderr and "--output json" in done.stderr


def test_validate_refuses_before_sending() -> None:
    """--validate checks the request against the kernel's policy (our nlctrl spec sets no
    length on family-name; the kernel allows 15 bytes): refused with the kernel's limit named,
    where without it the kernel itself says EINVAL; valid requests go through."""
    spec = str(SHIPPED / "nlctrl.yaml")
    base = ["do", "nlctrl", "getfamily", "--spec", spec, "--input", LONG_NAME]
    done = genetlink("--debug", *base, "--validate")
    assert done.returncode == status.ERROR and done.stdout == ""
    assert ("genetlink: error: getfamily do: .family-name (.2): string of 40 bytes, longer "
            "than the kernel's maximum 15") in done.stderr  # fmt: skip
    sent = [line for line in done.stderr.splitlines() if line.startswith("genetlink.trace")]
    assert sent and not [line for line in sent if "x" * 40 in line or "78" * 40 in line]
    done = genetlink(*base)
    assert done.returncode == status.ERROR
    assert "[Errno 22] Invalid argument: operation getfamily" in done.stderr
    done = genetlink("dump", "nlctrl", "getpolicy", "--spec", spec, "--input", LONG_NAME,
                     "--validate")  # fmt: skip
    assert done.returncode == status.ERROR and "getpolicy dump: .family-name" in done.stderr
    done = genetlink("dump", "nlctrl", "getfamily", "--spec", spec, "--validate", "--json")
    assert done.returncode == 0, done.stderr
    assert "nlctrl" in {f["family-name"] for f in json.loads(done.stdout)}


def test_exit_statuses_do_not_collide(tmp_path: Path) -> None:
    """0 done, 1 user/kernel error, 2 usage (argparse), 3 spec check findings: each its own,
    and the --help epilog lists them."""
    agree = tmp_path / "nlctrl.yaml"
    shipped = (SHIPPED / "nlctrl.yaml").read_text()
    fixed = "{name: family-name, type: string, checks: {max-len: 15}}"
    agree.write_text(shipped.replace("{name: family-name, type: string}", fixed))
    cases = [
        (["spec", "check", "nlctrl", "--spec", str(agree)], status.OK),
        (["family", "no-such-family"], status.ERROR),
        (["do", "nlctrl", "getfamily", "--input", '{"family-name": "nope"}'], status.ERROR),
        (["do"], status.USAGE),
        (["dump", "nlctrl", "getfamily", "--output", "yaml"], status.USAGE),
        (["--no-such-option"], status.USAGE),
        (["spec", "check", "nlctrl", "--spec", str(SHIPPED / "nlctrl.yaml")], status.DRIFT),
    ]
    for argv, expected in cases:
        done = genetlink(*argv)
        assert done.returncode == expected, (argv, done.returncode, done.stderr)
        assert "Traceback" not in done.stderr
    assert len({status.OK, status.ERROR, status.USAGE, status.DRIFT, status.INTERRUPTED}) == 5
    done = genetlink("--help")
    assert done.returncode == 0
    epilog = done.stdout[done.stdout.index("exit status:"):]
    for number in (status.OK, status.ERROR, status.USAGE, status.DRIFT, status.INTERRUPTED):
        assert f"\n  {number} " in epilog


@pytest.mark.root
def test_monitor_duration_and_ynl_keys(netns: str, kernel_specs: Path) -> None:
    """--duration ends the monitor after that long in all, though notifications keep coming
    (--timeout, idle, never fires); --output ynl prints ynl's keys, name and msg."""
    stop = threading.Event()

    def churn() -> None:
        i = 0
        while not stop.is_set():
            ip("link", "add", f"md{i}", "type", "veth", "peer", "name", f"mp{i}", netns=netns)
            i += 1
            time.sleep(0.1)

    worker = threading.Thread(target=churn)
    started = time.monotonic()
    worker.start()
    try:
        done = genetlink("--netns", netns, "monitor", "netdev", "--duration", "1.5",
                         "--timeout", "10", "--output", "ynl",
                         "--spec", str(kernel_specs / "netdev.yaml"))  # fmt: skip
    finally:
        stop.set()
        worker.join()
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert 1.5 <= elapsed < 8, elapsed
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert events and all(list(e) == ["name", "msg"] for e in events)
    assert {e["name"] for e in events} <= {"dev-add-ntf", "dev-change-ntf"}
    assert all(isinstance(e["msg"]["ifindex"], int) for e in events)


@pytest.mark.root
def test_monitor_idle_timeout_before_duration(netns: str, kernel_specs: Path) -> None:
    started = time.monotonic()
    done = genetlink("--netns", netns, "monitor", "netdev", "--duration", "30", "--timeout",
                     "0.5", "--spec", str(kernel_specs / "netdev.yaml"))  # fmt: skip
    assert done.returncode == 0 and done.stdout == "", done.stderr
    assert time.monotonic() - started < 20


def test_family_policy_names() -> None:
    """The kernel's numbers, named from our nlctrl spec: ops, policy sets, attributes."""
    done = genetlink("family", "nlctrl", "--policy")
    assert done.returncode == 0, done.stderr
    assert "op 3 getfamily do: policy set 0 (ctrl-attrs)" in done.stdout
    assert "2  family-name: nul-string (max-length=15)" in done.stdout
    done = genetlink("family", "nlctrl", "--policy", "--json")
    names = json.loads(done.stdout)["names"]
    assert names["ops"] == {"3": "getfamily", "10": "getpolicy"}
    assert names["policy-sets"]["0"]["attributes"]["2"] == "family-name"


def test_family_policy_enum_names(kernel_specs: Path) -> None:
    """An attribute with an enum in the spec shows its values by name (netdev queue type)."""
    done = genetlink("family", "netdev", "--policy", "--spec", str(kernel_specs / "netdev.yaml"))
    assert done.returncode == 0, done.stderr
    assert "type: u32 (min-value=0, max-value=1)  [enum queue-type: 0 rx, 1 tx]" in done.stdout
    # ops sharing one (empty) policy set claim it for different sets: it stays a number
    assert "op 5 page-pool-get dump: policy set 1\n" in done.stdout


@pytest.fixture
def no_specs(tmp_path: Path) -> dict[str, str]:
    """An environment whose spec search path holds none of the kernel's specs."""
    return {**os.environ, "GENETLINK_SPEC_PATH": str(tmp_path), "HOME": str(tmp_path),
            "XDG_DATA_HOME": str(tmp_path)}  # fmt: skip


def test_family_policy_names_from_the_header(no_specs: dict[str, str]) -> None:
    """Without a spec, names come from the family's uapi header (mptcp_pm's limits)."""
    done = genetlink("family", "mptcp_pm", "--policy", env=no_specs)
    if done.returncode == 1 and "not found" in done.stderr:
        pytest.skip("no mptcp_pm family in this kernel")
    assert done.returncode == 0, done.stderr
    assert "names from: <kernel mptcp_pm, /usr/include/linux/" in done.stdout
    assert "get-limits" in done.stdout and "rcv-add-addrs: u32" in done.stdout


def test_spec_show_doc_and_definitions(kernel_specs: Path) -> None:
    spec = str(kernel_specs / "netdev.yaml")
    done = genetlink("spec", "show", "netdev", "--spec", spec, "--doc")
    assert done.returncode == 0, done.stderr
    assert "  # netdev configuration over generic netlink." in done.stdout
    assert "    # Get / dump information about a netdev." in done.stdout
    assert "  xdp-act (flags)\n      0x1 basic\n" in done.stdout
    done = genetlink("spec", "show", "netdev", "--spec", spec, "--doc", "--json")
    info = json.loads(done.stdout)
    queue_type = next(d for d in info["definitions"] if d["name"] == "queue-type")
    assert [(v["name"], v["value"]) for v in queue_type["values"]] == [("rx", 0), ("tx", 1)]
    dev = {a["name"]: a for a in info["attribute-sets"]["dev"]}
    assert dev["ifindex"]["doc"] == "netdev ifindex"
    done = genetlink("spec", "show", "netdev", "--spec", spec, "--json")
    assert "doc" not in json.loads(done.stdout)  # docs only with --doc


def test_spec_show_without_a_spec(no_specs: dict[str, str]) -> None:
    """A family no spec describes is shown from the kernel, named from its header."""
    done = genetlink("spec", "show", "mptcp_pm", env=no_specs)
    if done.returncode == 1 and "no spec for family" in done.stderr:
        pytest.skip("no mptcp_pm family in this kernel")
    assert done.returncode == 0, done.stderr
    assert "spec: <kernel mptcp_pm, " in done.stdout and "get-limits" in done.stdout


def test_completion_names_the_kernels_families(kernel_specs: Path) -> None:
    """Family names offered for completion include every family of the running kernel."""
    from genetlink import GenlClient

    done = genetlink("__complete", "--", "family", "")
    assert done.returncode == 0, done.stderr
    with GenlClient() as client:
        assert {f.name for f in client.families()} <= set(done.stdout.split())


def test_do_takes_its_operation_after_options(netns: str, kernel_specs: Path) -> None:
    # OP is optional for do (--multi stands in for it): argparse alone would refuse it here
    spec = str(kernel_specs / "netdev.yaml")
    done = genetlink("do", "netdev", "--spec", spec, "--input", '{"ifindex": 1}', "dev-get",
                     "--output", "jsonl", netns=netns)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["ifindex"] == 1
    done = genetlink("do", "netdev", "--spec", spec, "dev-get", "more", netns=netns)
    assert done.returncode == status.USAGE and "unrecognized arguments:" in done.stderr

"""Spec drift and policy validation against the running kernel (root, in a fresh namespace)."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from genetlink import GenlClient, NetlinkSocket, open_family
from genetlink.cli import spec as spec_cli
from genetlink.codec.family import FamilyCodec
from genetlink.genl import compare, getfamily, getpolicy, validate_request
from genetlink.loader.spec import load_spec
from genetlink.wire import constants as c
from genetlink.wire.attrs import AttrBuilder
from genetlink.wire.errors import EncodeError, NetlinkError

pytestmark = pytest.mark.root


@pytest.fixture
def client(netns: str) -> Iterator[GenlClient]:
    with GenlClient(netns) as opened:
        yield opened


@pytest.mark.parametrize("name", ["netdev", "ethtool", "nlctrl"])
def test_report_runs(client: GenlClient, kernel_specs: Path, name: str) -> None:
    report = client.drift(load_spec(kernel_specs / f"{name}.yaml"))
    data = json.loads(json.dumps(report.to_dict()))
    assert data["family"] == name and data["family-id"] == client.resolve(name).id
    assert sum(data["counts"].values()) == len(report.findings)


def test_netdev_dev_get_ifindex_matches(client: GenlClient, kernel_specs: Path) -> None:
    report = client.drift(load_spec(kernel_specs / "netdev.yaml"))
    assert report.at("dev-get.do.request.ifindex") == []
    assert not [f for f in report.of_kind("type") if f.path.startswith("dev-get.")]


def test_drift_over_a_plain_socket(netns: str, kernel_specs: Path, client: GenlClient) -> None:
    """compare() on what nlctrl's exchanges fetched over a plain socket gives the report
    GenlClient.drift() gives."""
    spec = load_spec(kernel_specs / "nlctrl.yaml")
    with NetlinkSocket(c.NETLINK_GENERIC, netns=netns) as sock:
        info = sock.run(getfamily(sock.engine, "nlctrl"))
        policy = sock.run(getpolicy(sock.engine, "nlctrl"))
    report = compare(spec, policy, info)
    assert report.family == "nlctrl" and report.family_id == c.GENL_ID_CTRL
    assert report.to_dict() == client.drift(spec).to_dict()


def test_drift_on_the_asyncio_client(netns: str, kernel_specs: Path,
                                     client: GenlClient) -> None:  # fmt: skip
    """AsyncGenlClient.drift() is awaited and reports what GenlClient.drift() reports."""
    from genetlink import AsyncGenlClient

    spec = load_spec(kernel_specs / "netdev.yaml")

    async def main() -> dict[str, object]:
        async with AsyncGenlClient(netns) as aclient:
            report = await aclient.drift(spec)
        return report.to_dict()

    assert asyncio.run(main()) == client.drift(spec).to_dict()


def test_validation_rejects_netdev_ifindex_zero_before_sending(
    client: GenlClient, kernel_specs: Path
) -> None:
    codec = FamilyCodec(load_spec(kernel_specs / "netdev.yaml"))
    policy = client.policy("netdev")
    assert policy.op(1, "do") is not None  # dev-get's do policy came from the kernel
    build = AttrBuilder()
    build.put_u32(1, 0)  # bytes: past the codec's own spec checks, so the kernel policy decides

    def namer(numbers: list[int]) -> str:
        return codec.name_path("dev", numbers)

    with pytest.raises(EncodeError, match=r"dev-get do: \.ifindex \(\.1\): 0 is below the "
                                          r"kernel's minimum 1"):  # fmt: skip
        validate_request(policy, 1, "do", build.bytes(), namer=namer, label="dev-get")
    number, body = codec.encode("dev-get", {"ifindex": 1})
    assert number == 1
    validate_request(policy, number, "do", body, namer=namer, label="dev-get")  # passes
    # the same through a handle with the spec: refused before sending, named by the spec
    netdev = client.family("netdev", codec)
    with pytest.raises(EncodeError, match=r"dev-get do: \.ifindex \(\.1\): 0 is below the "
                                          r"kernel's minimum 1"):  # fmt: skip
        netdev.do("dev-get", build.bytes(), validate=True)
    reply = netdev.do("dev-get", {"ifindex": 1}, validate=True)
    assert reply is not None and reply["ifindex"] == 1


def run_cli(argv: list[str], netns: str) -> int:
    parser = argparse.ArgumentParser(prog="genetlink")
    parser.add_argument("--netns")
    spec_cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["--netns", netns, *argv])
    status: int = args.func(args)
    return status


def test_cli_spec_check(netns: str, kernel_specs: Path,
                        capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    path = str(kernel_specs / "nlctrl.yaml")
    status = run_cli(["spec", "check", "nlctrl", "--spec", path, "--json"], netns)
    data = json.loads(capsys.readouterr().out)
    assert status == (3 if data["findings"] else 0)  # status.DRIFT, never argparse's 2
    status = run_cli(["spec", "check", "nlctrl", "--spec", path], netns)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == max(1, len(data["findings"]))
    assert run_cli(["spec", "check", "no-such-family-xyz"], netns) == 1
    assert "error" in capsys.readouterr().err


def test_genl_family_validate_option(netns: str, caplog: pytest.LogCaptureFixture) -> None:
    """FamilyHandle.do(validate=True) refuses, before sending, what the running kernel's policy
    would refuse; valid requests go through unchanged."""
    import logging

    with GenlClient(netns=netns) as client:
        netdev = client.family("netdev")  # no codec: only the kernel's policy can object
        family_id = netdev.id
        client.sock.trace = True  # every datagram sent is logged: nothing may go to netdev
        bad = AttrBuilder().put_u32(1, 0).bytes()  # NETDEV_A_DEV_IFINDEX = 0 (kernel: min 1)
        with caplog.at_level(logging.DEBUG, logger="genetlink.trace"), \
                pytest.raises(EncodeError, match="minimum 1"):  # fmt: skip
            netdev.do(1, bad, validate=True)
        sent = [r.getMessage() for r in caplog.records if r.getMessage().startswith("send")]
        assert not [line for line in sent if f": type {family_id} " in line]
        good = AttrBuilder().put_u32(1, 1).bytes()
        assert netdev.do(1, good, validate=True) is not None


def test_family_client_validate_option(netns: str) -> None:
    """open_family(...).do(validate=True): our nlctrl spec sets no length on family-name, the
    kernel's policy does (GENL_NAMSIZ - 1): refused before sending, named by the spec."""
    too_long = {"family-name": "x" * 40}
    with open_family("nlctrl", netns=netns, env={}) as nlctrl:
        with pytest.raises(EncodeError, match="family-name"):
            nlctrl.do("getfamily", too_long, validate=True)
        with pytest.raises(NetlinkError):  # without validation the kernel says no itself
            nlctrl.do("getfamily", too_long)
        reply = nlctrl.do("getfamily", {"family-name": "nlctrl"}, validate=True)
        assert reply is not None and reply["family-id"] == c.GENL_ID_CTRL

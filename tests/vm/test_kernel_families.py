"""Families the host kernel lacks, loaded in the guest and driven with the kernel's own specs
(../shared/kernel-specs/specs): nl80211 (mac80211_hwsim), wireguard, devlink."""

from __future__ import annotations

import os
import shutil
import socket
import struct
import subprocess
from collections.abc import Iterator

import pytest
from vmnl import KERNEL_SPECS

from genetlink import Decoded, FamilyHandle, open_family


def modprobe(module: str, *args: str) -> None:
    """Load `module`; skip (not fail) when this kernel was built without it."""
    if shutil.which("modprobe") is None:
        pytest.skip("no modprobe (kmod) on the host root")
    probe = subprocess.run(["modprobe", "-n", module], capture_output=True, text=True, timeout=60)
    if probe.returncode != 0:
        pytest.skip(f"kernel {os.uname().release} has no {module} module: {probe.stderr.strip()}")
    done = subprocess.run(["modprobe", module, *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def open_kernel_family(name: str) -> FamilyHandle[Decoded]:
    """A client for `name` from the kernel's spec file."""
    spec = KERNEL_SPECS / f"{name}.yaml"
    if not spec.is_file():
        pytest.skip(f"no kernel spec {spec}")
    return open_family(name, spec_path=spec, rcvbuf=1 << 20)


# ---------------------------------------------------------------- nl80211
@pytest.fixture(scope="module")
def nl80211() -> Iterator[FamilyHandle[Decoded]]:
    modprobe("mac80211_hwsim", "radios=2")
    with open_kernel_family("nl80211") as client:
        yield client


def test_nl80211_lists_the_hwsim_radios(nl80211: FamilyHandle[Decoded]) -> None:
    wiphys = list(nl80211.dump("get-wiphy"))
    names = {w["wiphy-name"] for w in wiphys if "wiphy-name" in w}
    assert len(names) >= 2, names
    assert all(isinstance(w["wiphy"], int) for w in wiphys)


def test_nl80211_lists_the_wlan_interfaces(nl80211: FamilyHandle[Decoded]) -> None:
    interfaces = list(nl80211.dump("get-interface"))
    names = sorted(i["ifname"] for i in interfaces)
    assert len([n for n in names if n.startswith("wlan")]) >= 2, names
    wiphys = {w["wiphy"] for w in nl80211.dump("get-wiphy")}
    for iface in interfaces:
        assert socket.if_nametoindex(iface["ifname"]) == iface["ifindex"]
        assert iface["wiphy"] in wiphys


# ---------------------------------------------------------------- wireguard
@pytest.fixture
def wg_device() -> Iterator[str]:
    modprobe("wireguard")
    name = "wgtest0"
    done = subprocess.run(["ip", "link", "add", name, "type", "wireguard"],
                          capture_output=True, text=True, timeout=30)  # fmt: skip
    assert done.returncode == 0, done.stderr
    try:
        yield name
    finally:
        subprocess.run(["ip", "link", "del", name], capture_output=True, timeout=30)


def _sockaddr_in(address: str, port: int) -> bytes:
    """struct sockaddr_in: family (host order), port (network order), address, padding."""
    return struct.pack("=H", socket.AF_INET) + struct.pack("!H", port) + \
        socket.inet_aton(address) + bytes(8)  # fmt: skip


def _clamped(key: bytes) -> bytes:
    """A Curve25519 private key as the kernel stores it (it clamps what it is given)."""
    raw = bytearray(key)
    raw[0] &= 248
    raw[31] = (raw[31] & 127) | 64
    return bytes(raw)


def test_wireguard_set_and_get_device(wg_device: str) -> None:
    private_key = _clamped(os.urandom(32))
    peer_key = os.urandom(32)
    endpoint = _sockaddr_in("192.0.2.7", 51820)
    with open_kernel_family("wireguard") as wg:
        wg.do("set-device", {
            "ifname": wg_device,
            "private-key": private_key,
            "listen-port": 51000,
            "peers": [{
                "public-key": peer_key,
                "endpoint": endpoint,
                "allowedips": [{"family": socket.AF_INET, "ipaddr": "10.7.0.0",
                                "cidr-mask": 16}],
            }],
        })  # fmt: skip
        (device,) = list(wg.dump("get-device", {"ifname": wg_device}))
    assert device["ifname"] == wg_device
    assert device["private-key"] == private_key
    assert len(device["public-key"]) == 32 and device["public-key"] != private_key
    assert device["listen-port"] == 51000
    (peer,) = device["peers"]
    assert peer["public-key"] == peer_key
    assert peer["endpoint"][:8] == endpoint[:8]
    (allowed,) = peer["allowedips"]
    assert allowed["family"] == socket.AF_INET
    assert allowed["cidr-mask"] == 16
    assert str(allowed["ipaddr"]) == "10.7.0.0"  # display-hint ipv4-or-v6, both ways


# ---------------------------------------------------------------- devlink
def test_devlink_dev_list() -> None:
    with open_kernel_family("devlink") as devlink:
        devices = list(devlink.dump("get"))  # may be empty: nothing registers a devlink instance
        for dev in devices:
            assert dev["bus-name"] and dev["dev-name"]


def test_devlink_netdevsim_info() -> None:
    modprobe("netdevsim")  # Debian 12's 6.1 kernel is built without it: skipped there
    new_device = "/sys/bus/netdevsim/new_device"
    with open(new_device, "w") as f:
        f.write("4242 1")
    try:
        with open_kernel_family("devlink") as devlink:
            devices = [(d["bus-name"], d["dev-name"]) for d in devlink.dump("get")]
            assert ("netdevsim", "netdevsim4242") in devices
            info = devlink.do("info-get", {"bus-name": "netdevsim", "dev-name": "netdevsim4242"})
            assert info is not None and not isinstance(info, list)
            assert info["info-driver-name"] == "netdevsim"
    finally:
        with open("/sys/bus/netdevsim/del_device", "w") as f:
            f.write("4242")

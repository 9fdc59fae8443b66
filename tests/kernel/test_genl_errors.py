"""Errors from the kernel through the client: errno, ext-ACK text, attribute paths, EPERM."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import textwrap

import pytest
from test_genl_families import ETHTOOL
from test_genl_netdev import NETDEV

from genetlink import GenlClient, NetlinkSocket, NetlinkWarning
from genetlink.loader.declare import declare_family
from genetlink.wire import constants as c
from genetlink.wire.attrs import AttrBuilder
from genetlink.wire.errors import NetlinkError, NetlinkPermissionError

pytestmark = pytest.mark.root


def test_invalid_attribute_is_named(netns):
    with GenlClient(netns=netns) as client:
        netdev = client.family("netdev", NETDEV)
        with pytest.raises(NetlinkError) as info:
            netdev.do("dev-get", {"ifindex": 0})  # the policy says min 1
    err = info.value
    assert err.errno == errno.ERANGE  # nla_validate_int_range: out of the policy's range
    assert err.operation == "dev-get"
    assert err.message  # the kernel's ext-ACK text, e.g. "integer out of range"
    assert err.attr_path == ".ifindex"
    assert err.policy is not None and err.policy.get("min-value") == 1
    assert "dev-get" in str(err) and ".ifindex" in str(err)


def test_invalid_attribute_without_a_codec_is_numbered(netns):
    with GenlClient(netns=netns) as client:
        netdev = client.family("netdev")
        with pytest.raises(NetlinkError) as info:
            netdev.do(1, AttrBuilder().put_u32(1, 0))
    assert info.value.attr_path == ".1"
    assert info.value.operation == "netdev cmd 1"


def test_nested_bad_attribute_path(netns):
    with GenlClient(netns=netns) as client:
        ethtool = client.family("ethtool", ETHTOOL)
        with pytest.raises(NetlinkError) as info:
            ethtool.do("linkinfo-get", {"header": {"dev-index": 4242}})
    assert info.value.errno == errno.ENODEV
    assert info.value.attr_path == ".header.dev-index"
    assert info.value.message


def test_dump_errors_raise_while_iterating_and_are_named(netns):
    """A streamed dump sends nothing until iterated: the kernel's error comes from next(),
    named like a do's."""
    with GenlClient(netns=netns) as client:
        ethtool = client.family("ethtool", ETHTOOL)
        dump = ethtool.dump("linkinfo-get", {"header": {"dev-index": 4242}})  # no error yet
        with pytest.raises(NetlinkError) as info:
            next(dump)
        raw = client.family("ethtool")
        bad = AttrBuilder()
        header = bad.nest_start(1)
        bad.put_u32(1, 4242)
        bad.nest_end(header)
        with pytest.raises(NetlinkError) as raw_info:
            list(raw.dump(2, bad))  # ETHTOOL_MSG_LINKINFO_GET
    err = info.value
    assert err.errno == errno.ENODEV
    assert err.operation == "linkinfo-get"
    assert err.attr_path == ".header.dev-index"
    assert err.message
    assert raw_info.value.errno == errno.ENODEV
    assert raw_info.value.operation == "ethtool cmd 2"
    assert raw_info.value.attr_path == ".1.1"


def test_ext_ack_warning_is_a_netlink_warning(netns):
    """The kernel accepts a dump of linkinfo in a namespace with only lo but says, in the
    ext-ACK of its NLMSG_DONE, that lo has no link settings: a NetlinkWarning through the
    `warnings` module naming family and operation (and Response.warnings on a socket)."""
    with GenlClient(netns=netns) as client:
        ethtool = client.family("ethtool", ETHTOOL)
        with pytest.warns(NetlinkWarning, match=r"^ethtool linkinfo-get: \S") as caught:
            assert list(ethtool.dump("linkinfo-get")) == []
        texts = [str(w.message).removeprefix("ethtool linkinfo-get: ") for w in caught
                 if issubclass(w.category, NetlinkWarning)]  # fmt: skip
        raw = client.family("ethtool")
        with pytest.warns(NetlinkWarning, match=r"^ethtool .*cmd 2: \S"):
            assert list(raw.dump(2)) == []
        family_id = ethtool.id
    assert family_id is not None
    with NetlinkSocket(c.NETLINK_GENERIC, netns=netns) as sock:
        payload = bytes([2, 1, 0, 0])  # genlmsghdr: ETHTOOL_MSG_LINKINFO_GET, version 1
        response = sock.dump(family_id, payload)
    assert list(response) == [] and response.warnings == texts


def test_missing_attribute_is_named(netns):
    with GenlClient(netns=netns) as client:
        netdev = client.family("netdev", NETDEV)
        with pytest.raises(NetlinkError) as info:
            netdev.do("dev-get", {})
        assert info.value.missing_path == ".ifindex"
        ethtool = client.family("ethtool", ETHTOOL)
        with pytest.raises(NetlinkError) as info:
            ethtool.do("linkinfo-get", {})  # the request header nest is required
    err = info.value
    assert err.errno == errno.EINVAL
    assert err.missing_type == 1 and err.missing_path == ".header"
    assert "missing attribute .header" in str(err)


def test_permission_error_names_the_operation():
    if os.geteuid() != 0:
        pytest.skip("needs root to drop to an unprivileged user")
    script = textwrap.dedent(
        """
        import os
        from genetlink import GenlClient
        from genetlink.codec.family import FamilyCodec
        from genetlink.loader.declare import declare_family
        from genetlink.wire.errors import NetlinkPermissionError
        NETDEV = FamilyCodec(declare_family(
            "netdev", attributes={"ifindex": (1, "u32"), "fd": (2, "u32")},
            operations={"bind-rx": (13, ["ifindex", "fd"])}))
        # everything is imported before dropping privileges: the interpreter's own files
        # may not be readable by nobody
        os.setgid(65534)
        os.setuid(65534)
        with GenlClient() as client:
            try:
                client.family("netdev", NETDEV).do("bind-rx", {"ifindex": 1})
            except NetlinkPermissionError as err:
                assert isinstance(err, PermissionError)
                print("EPERM", err.errno, err.operation)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["EPERM", str(errno.EPERM), "bind-rx"]


def test_permission_error_type():
    assert issubclass(NetlinkPermissionError, PermissionError)
    assert declare_family  # the declaration helper is importable without a kernel

"""Sub-messages whose selector lives in an enclosing nest (tc: the qdisc `kind` at the top
level picks the format of `stats2.app`), encoded and decoded both ways."""

from __future__ import annotations

from pathlib import Path

import pytest

from genetlink.codec.family import FamilyCodec
from genetlink.loader import load_spec
from genetlink.wire.message import Message, build_message


def _message(msg_type: int, body: bytes) -> Message:
    data = build_message(msg_type, 0, 1, 0, body)
    return Message(data, 0, len(data), msg_type, 0, 1, 0)


@pytest.fixture
def tc(kernel_specs: Path) -> FamilyCodec:
    return FamilyCodec(load_spec(kernel_specs / "tc.yaml"))


def _app_format(tc: FamilyCodec) -> tuple[str, str, str]:
    """A (kind, attribute set, u32 attribute) of tca-stats-app-msg with an attribute set."""
    sub = tc.family.sub_messages["tca-stats-app-msg"]
    for kind, fmt in sub.formats.items():
        if fmt.attribute_set and not fmt.fixed_header:
            aset = tc.family.attribute_sets[fmt.attribute_set]
            for attr in aset.attributes.values():
                if attr.type == "u32" and not attr.multi_attr:
                    return kind, fmt.attribute_set, attr.name
    raise AssertionError("tc.yaml has no attribute-set format for stats app")


def test_outer_selector_round_trip(tc: FamilyCodec) -> None:
    kind, _, attr = _app_format(tc)
    values = {"family": 0, "ifindex": 7, "kind": kind, "stats2": {"app": {attr: 42}}}
    msg_type, body = tc.encode("getqdisc", values, mode="do")
    decoded = tc.decode(_message(msg_type, body), "getqdisc")
    assert decoded.to_dict()["stats2"]["app"] == {attr: 42}
    # the lazy path gives the same answer
    assert tc.decode(_message(msg_type, body), "getqdisc")["stats2"]["app"] == {attr: 42}


def test_no_selector_keeps_bytes(tc: FamilyCodec) -> None:
    _, attrs_set, attr = _app_format(tc)
    raw = tc.encode_attrs(attrs_set, {attr: 42})
    values = {"family": 0, "stats2": {"app": raw}}  # no kind anywhere: bytes stay bytes
    msg_type, body = tc.encode("getqdisc", values, mode="do")
    assert tc.decode(_message(msg_type, body), "getqdisc").to_dict()["stats2"]["app"] == raw

"""Codec round trips over every attribute of every kernel spec (no kernel needed).

For each attribute a sample value is built from the model (in the canonical form the decoder
gives back: enum names, flag-name lists, MAC/IP text, struct dicts...), encoded with
`FamilyCodec.encode_attrs`, decoded with `decode_attrs`, compared, and encoded again to the
same bytes.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest

from genetlink.codec.family import FamilyCodec
from genetlink.codec.render import jsonable
from genetlink.loader import load_spec
from genetlink.schema import Family
from genetlink.schema.definitions import Struct
from genetlink.schema.model import Attribute
from genetlink.schema.types import SCALAR_SIZES
from genetlink.wire import codecs

SPEC_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "kernel-specs" / "specs"
SPEC_FILES = sorted(SPEC_DIR.glob("*.yaml")) if SPEC_DIR.is_dir() else []

pytestmark = pytest.mark.skipif(not SPEC_FILES, reason=f"kernel spec fixtures not at {SPEC_DIR}")

MAX_DEPTH = 3


@cache
def codec_of(name: str) -> FamilyCodec:
    return FamilyCodec(load_spec(SPEC_DIR / f"{name}.yaml"))


class Samples:
    """Builds one canonical sample value per attribute / struct of a family."""

    def __init__(self, family: Family) -> None:
        self.family = family

    def integer(self, type_name: str, attr: Attribute | None = None) -> int:
        low, high = codecs.RANGES[type_name]
        value = min(high, 0x1234_5678_9ABC % (high + 1)) if high < 1 << 63 else 0x1_2345_6789
        if type_name[0] == "s":
            value = -min(-low, 0x1234)
        if attr is not None:
            if attr.checks.min is not None:
                value = max(value, attr.checks.min)
            if attr.checks.max is not None:
                value = min(value, attr.checks.max)
        return value

    def enum_value(self, enum_name: str, as_flags: bool) -> Any:
        enum = self.family.enums[enum_name]
        if as_flags or enum.is_flags:
            names = list(enum.flag_values)
            return names[:2]  # decoder order: spec order of the flags
        names = [n for n, v in enum.values.items() if enum.names.get(v) == n]
        return names[-1]

    def struct(self, name: str) -> dict[str, Any]:
        st: Struct = self.family.structs[name]
        out: dict[str, Any] = {}
        for m in st.members:
            if m.type == "pad":
                continue
            if m.type in SCALAR_SIZES:
                if m.enum is not None and m.enum in self.family.enums:
                    out[m.name] = self.enum_value(m.enum, m.enum_as_flags)
                elif m.display_hint == "ipv4" and m.size == 4:
                    out[m.name] = "192.0.2.1"
                else:
                    out[m.name] = self.integer(m.type)
            elif m.type == "string":
                out[m.name] = "s"[: m.size]
            elif m.struct is not None:
                out[m.name] = self.struct(m.struct)
            else:
                out[m.name] = self.hinted(m.display_hint, m.size)
        return out

    @staticmethod
    def hinted(hint: str | None, size: int | None) -> Any:
        if hint in ("mac", "fddi"):
            return ":".join(f"{b:02x}" for b in range(0xA0, 0xA0 + (size or 6)))
        if (hint in ("ipv4", "ipv4-or-v6") and size == 4) or (hint == "ipv4" and size is None):
            return "192.0.2.1"
        if hint in ("ipv6", "ipv4-or-v6") and size in (None, 16):
            return "2001:db8::1"
        if hint == "uuid" and size in (None, 16):
            return "12345678-1234-5678-1234-567812345678"
        return bytes(i % 256 for i in range(1, (size if size is not None else 5) + 1)).hex()

    def scalar(self, attr: Attribute) -> Any:
        kind = attr.type
        if attr.enum is not None and attr.enum in self.family.enums:
            return self.enum_value(attr.enum, attr.enum_as_flags)
        if kind in ("uint", "sint"):
            return self.integer(kind, attr)
        if attr.display_hint == "ipv4" and kind == "u32":
            return "192.0.2.1"
        return self.integer(kind, attr)

    def value(self, attr: Attribute, depth: int) -> Any:
        """A sample for one attribute; None when it cannot have one (too deep, sub-message)."""
        kind = attr.type
        if kind in SCALAR_SIZES or kind in ("uint", "sint"):
            return self.scalar(attr)
        if kind == "string":
            limit = attr.checks.max_len
            return "eth0"[: limit if limit is not None else 4] or None
        if kind == "flag":
            return True
        if kind == "bitfield32":
            return {"value": 5, "selector": 7}
        if kind == "binary":
            if attr.struct is not None:
                return self.struct(attr.struct)
            if attr.sub_type in SCALAR_SIZES:  # a C array of scalars: a list of numbers
                return [self.integer(attr.sub_type), 7]
            size = attr.checks.exact_len or attr.len or attr.checks.min_len
            if attr.checks.max_len is not None and size is None:
                size = min(5, attr.checks.max_len)
            return self.hinted(attr.display_hint, size)
        if depth >= MAX_DEPTH:
            return None
        if kind == "nest":
            return self.nest(attr.nested_attributes, depth + 1) if attr.nested_attributes else {}
        if kind == "indexed-array":
            if attr.sub_type == "nest" and attr.nested_attributes:
                item = self.nest(attr.nested_attributes, depth + 1)
            else:
                from dataclasses import replace

                item = self.value(replace(attr, type=attr.sub_type or "binary"), depth + 1)
            return None if item is None else [item, item]
        if kind == "nest-type-value":
            inner = self.nest(attr.nested_attributes, depth + 1) if attr.nested_attributes else {}
            for _ in range(max(1, len(attr.type_value))):  # one level per type-value name
                inner = {3: inner}
            return inner
        return None  # sub-message: needs a selector sibling, tested on its own

    def nest(self, set_name: str, depth: int) -> dict[str, Any]:
        """Up to three attributes of a set (enough to exercise nesting without blowing up)."""
        out: dict[str, Any] = {}
        for attr in self.family.attribute_sets[set_name].attributes.values():
            if len(out) >= 3:
                break
            if attr.type in ("unused", "pad", "sub-message"):
                continue
            sample = self.value(attr, depth)
            if sample is not None:
                out[attr.name] = [sample, sample] if attr.multi_attr else sample
        return out


def cases() -> list[tuple[str, str, str]]:
    out = []
    for path in SPEC_FILES:
        family = load_spec(path)
        for aset in family.attribute_sets.values():
            for attr in aset.attributes.values():
                if attr.type not in ("unused", "pad", "sub-message"):
                    out.append((path.stem, aset.name, attr.name))
    return out


CASES = cases() if SPEC_FILES else []


def roundtrip(codec: FamilyCodec, set_name: str, values: dict[str, Any]) -> dict[Any, Any]:
    raw = codec.encode_attrs(set_name, values)
    decoded = codec.decode_attrs(set_name, raw)
    assert codec.encode_attrs(set_name, decoded) == raw, "decoded values encode differently"
    return decoded


def canonical(value: Any) -> Any:
    """JSON form, with nest-type-value / indexed keys as text (jsonable keys are str)."""
    return jsonable(value)


@pytest.mark.parametrize(("spec", "set_name", "attr_name"), CASES, ids=lambda x: x)
def test_attribute_roundtrip(spec: str, set_name: str, attr_name: str) -> None:
    codec = codec_of(spec)
    attr = codec.family.attribute_sets[set_name].attributes[attr_name]
    sample = Samples(codec.family).value(attr, 0)
    if sample is None:
        pytest.skip("no sample for this attribute (nesting too deep)")
    value = [sample, sample] if attr.multi_attr else sample
    decoded = roundtrip(codec, set_name, {attr_name: value})
    assert canonical(decoded) == canonical({attr_name: value})


def test_case_count_covers_every_type() -> None:
    kinds = set()
    for spec, set_name, attr_name in CASES:
        kinds.add(codec_of(spec).family.attribute_sets[set_name].attributes[attr_name].type)
    assert {"u8", "u16", "u32", "u64", "s32", "uint", "string", "flag", "binary", "nest",
            "indexed-array", "nest-type-value", "bitfield32"} <= kinds  # fmt: skip

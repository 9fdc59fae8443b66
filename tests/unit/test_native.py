"""The compiled attribute walk against the pure one: the same values (the same reprs, so the
same types too) or the same error for the same bytes, on every captured kernel datagram
(tests/fuzz/seeds), on mutations of them, and on attribute streams made from every attribute
set of the kernel's specs. Skipped where the extension was not built (no compiler)."""

from __future__ import annotations

import logging
import os
import random
import shutil
import struct
import sysconfig
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from genetlink.codec import FamilyCodec, native
from genetlink.loader import load_spec
from genetlink.schema.model import Family
from genetlink.schema.types import SCALAR_SIZES
from genetlink.wire.errors import GenetlinkError
from genetlink.wire.message import Message, parse_messages

SEEDS = Path(__file__).resolve().parent.parent / "fuzz" / "seeds"
KERNEL_SPECS = Path(__file__).resolve().parents[3] / "shared" / "kernel-specs" / "specs"
SEEDED = ("rt-link", "rt-addr", "rt-route", "rt-neigh", "rt-rule", "ethtool", "netdev",
          "nlctrl")  # fmt: skip
SOME = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])  # fmt: skip

@pytest.fixture(autouse=True)
def _quiet() -> Iterator[None]:
    # wrong widths are logged once per codec; these tests make thousands of them on purpose
    logging.disable(logging.WARNING)
    yield
    logging.disable(logging.NOTSET)


@cache
def codecs(name: str) -> tuple[FamilyCodec, FamilyCodec]:
    """(compiled, pure) codecs of one kernel spec."""
    if native.accelerator() is None:
        pytest.skip("the compiled walk is not built here (no C compiler) or GENETLINK_PURE=1")
    family = load_spec(KERNEL_SPECS / f"{name}.yaml")
    compiled = FamilyCodec(family)
    saved = os.environ.get("GENETLINK_PURE")
    os.environ["GENETLINK_PURE"] = "1"
    try:
        pure = FamilyCodec(family)
    finally:
        if saved is None:
            del os.environ["GENETLINK_PURE"]
        else:
            os.environ["GENETLINK_PURE"] = saved
    return compiled, pure


def outcome(decode: Any, *args: Any) -> str:
    """What a decode gave: the repr of its value, or its error's type and text."""
    try:
        return repr(decode(*args))
    except GenetlinkError as exc:
        return f"{type(exc).__name__}: {exc}"


def decoded(codec: FamilyCodec, msg: Message) -> str:
    """A message's full decode, then every attribute read lazily from a fresh Decoded."""
    full = outcome(lambda: codec.decode(msg).to_dict())
    try:
        lazy = codec.decode(msg)
    except GenetlinkError as exc:
        return f"{full} / {exc}"
    if lazy._set is None:
        return full
    names = sorted(codec.tables.lazy_entries(lazy._set))
    return full + "".join(f" / {outcome(lazy.get, name)}" for name in names)


def seed_messages(family: str) -> list[Message]:
    out = []
    for path in sorted(SEEDS.glob(f"{family}--*.bin")):
        out.extend(parse_messages(path.read_bytes()))
    return out


def test_the_extension_is_built_where_a_compiler_is(kernel_specs: Path) -> None:
    """CI builds it (make setup): a missing extension there is a broken build, not a skip."""
    if os.environ.get("GENETLINK_PURE") or shutil.which("cc") is None:
        pytest.skip("pure path asked for, or no C compiler")
    if not (Path(sysconfig.get_paths()["include"]) / "Python.h").is_file():
        pytest.skip("no Python headers")
    assert native.accelerator() is not None
    assert codecs("netdev")[0].tables._accel is not None
    assert codecs("netdev")[1].tables._accel is None


@pytest.mark.parametrize("family", SEEDED)
def test_every_seed_message_decodes_the_same(kernel_specs: Path, family: str) -> None:
    compiled, pure = codecs(family)
    messages = seed_messages(family)
    assert messages
    for msg in messages:
        assert decoded(compiled, msg) == decoded(pure, msg)


def _reframe(raw: bytes) -> bytes:
    """A message whose nlmsg_len is its new length again (so that it parses)."""
    return struct.pack("=I", len(raw)) + raw[4:]


@pytest.mark.parametrize("family", SEEDED)
@SOME
@given(data=st.data())
def test_mutated_seed_messages_decode_the_same(kernel_specs: Path, family: str,
                                               data: st.DataObject) -> None:  # fmt: skip
    compiled, pure = codecs(family)
    messages = seed_messages(family)
    msg = data.draw(st.sampled_from(messages))
    raw = bytearray(msg.raw())
    for _ in range(data.draw(st.integers(1, 6))):
        what = data.draw(st.sampled_from(["byte", "u16", "cut", "grow", "copy"]))
        at = data.draw(st.integers(16, max(16, len(raw) - 1)))
        if what == "byte" and at < len(raw):
            raw[at] = data.draw(st.integers(0, 255))
        elif what == "u16" and at + 2 <= len(raw):  # an attribute length or type, often
            raw[at : at + 2] = struct.pack("=H", data.draw(st.sampled_from(
                [0, 1, 3, 4, 5, 8, 12, 16, 20, 0x7FFF, 0xFFFF, 0x8000 | 1])))  # fmt: skip
        elif what == "cut":
            del raw[at:]
        elif what == "grow":
            raw[at:at] = data.draw(st.binary(max_size=24))
        elif what == "copy" and at < len(raw):
            length = data.draw(st.integers(1, 64))
            raw[at:at] = raw[at : at + length]
    if len(raw) < 16:
        return
    (mutated,) = parse_messages(_reframe(bytes(raw)))
    assert decoded(compiled, mutated) == decoded(pure, mutated)


# -- attribute streams from the specs ----------------------------------------------------------


def _spec_names() -> list[str]:
    if not KERNEL_SPECS.is_dir():
        return []
    return sorted(p.stem for p in KERNEL_SPECS.glob("*.yaml"))


def _payload(family: Family, attr: Any, data: st.DataObject, depth: int) -> bytes:
    """A payload for `attr`: mostly of a width its type has, sometimes any bytes; nests hold
    a stream of their own set."""
    if attr.type in ("nest", "indexed-array") and attr.nested_attributes and depth < 4:
        if attr.type == "indexed-array":
            return b"".join(_tlv(i, _stream(family, attr.nested_attributes, data, depth + 1))
                            for i in range(data.draw(st.integers(0, 3))))  # fmt: skip
        return _stream(family, attr.nested_attributes, data, depth + 1)
    widths = [0, 1, 2, 3, 4, 6, 8, 16, 20]
    if attr.type in SCALAR_SIZES:
        widths += [SCALAR_SIZES[attr.type]] * 6
    elif attr.type in ("uint", "sint"):
        widths += [4, 4, 8, 8]
    elif attr.type == "string":
        text = data.draw(st.text(max_size=12)).encode("utf-8", "surrogatepass")
        return text + data.draw(st.sampled_from([b"\0", b"", b"\0junk", b"\xff\xfe\0"]))
    elif attr.type == "binary" and attr.struct in family.structs:
        size = family.structs[attr.struct].size
        widths += [size] * 8 + [size + 4, size - 1]
    elif attr.type == "binary" and attr.sub_type in SCALAR_SIZES:
        widths += [SCALAR_SIZES[attr.sub_type] * k for k in (1, 2, 3, 5)]
    width = max(0, data.draw(st.sampled_from(widths)))
    if attr.enum is not None and width in (1, 2, 4, 8) and data.draw(st.booleans()):
        # a value the enum names (or several of its flags), in host order
        enum = family.enums.get(attr.enum)
        if enum is not None and enum.names:
            value = data.draw(st.sampled_from(sorted(enum.names)))
            if enum.is_flags or attr.enum_as_flags:
                masks = sorted(enum.flag_values.values())
                value = sum(data.draw(st.sets(st.sampled_from(masks)))) | data.draw(
                    st.sampled_from([0, 0, 1 << 30]))
            if 0 <= value < 1 << (8 * width):
                return value.to_bytes(width, "little")
    return data.draw(st.binary(min_size=width, max_size=width))


def _tlv(number: int, payload: bytes) -> bytes:
    raw = struct.pack("=HH", 4 + len(payload), number) + payload
    return raw + b"\0" * (-len(raw) & 3)


def _stream(family: Family, set_name: str, data: st.DataObject, depth: int = 0) -> bytes:
    attrs = [a for a in family.attribute_sets[set_name].attributes.values()
             if a.type not in ("unused", "pad")]  # fmt: skip
    out = b""
    for _ in range(data.draw(st.integers(0, 6 if depth < 2 else 2))):
        if attrs and data.draw(st.integers(0, 9)):
            attr = data.draw(st.sampled_from(attrs))
            number = attr.value | data.draw(st.sampled_from([0, 0, 0x8000, 0x4000]))
            out += _tlv(number & 0xFFFF, _payload(family, attr, data, depth))
        else:  # a number the set does not name
            out += _tlv(data.draw(st.integers(0, 0xFFFF)), data.draw(st.binary(max_size=9)))
    if data.draw(st.integers(0, 7)) == 0:  # a broken tail: short, or a length past the end
        out += data.draw(st.sampled_from([b"\x01", b"\x08\x00\x01\x00", b"\x03\x00\x01\x00"]))
    return out


@pytest.mark.parametrize("spec", _spec_names())
@SOME
@given(data=st.data())
def test_attribute_streams_of_every_kernel_set_decode_the_same(
    kernel_specs: Path, spec: str, data: st.DataObject
) -> None:
    try:
        compiled, pure = codecs(spec)
    except GenetlinkError:
        pytest.skip(f"{spec} does not load")
    family = compiled.family
    set_name = data.draw(st.sampled_from(sorted(family.attribute_sets)))
    raw = _stream(family, set_name, data)
    head = data.draw(st.integers(0, 3))  # the walk must not care where in the buffer it starts
    buffer = bytes(head) + raw
    assert outcome(compiled.decode_attrs, set_name, buffer, head) == outcome(
        pure.decode_attrs, set_name, buffer, head)


def test_a_span_past_the_buffer_is_the_pure_paths_error(kernel_specs: Path) -> None:
    compiled, pure = codecs("netdev")
    raw = _tlv(1, b"\1\0\0\0")
    for start, end in ((0, len(raw) + 4), (-4, len(raw)), (6, 2)):
        assert outcome(compiled.decode_attrs, "dev", raw, start, end) == outcome(
            pure.decode_attrs, "dev", raw, start, end)


def test_nests_deeper_than_python_recurses_are_the_same_error(kernel_specs: Path) -> None:
    compiled, pure = codecs("ovs_flow")  # key-attrs.encap is a key-attrs nest
    encap = compiled.family.attribute_sets["key-attrs"]["encap"].value
    deep = b""
    for _ in range(3000):
        deep = _tlv(encap, deep)
    got = outcome(compiled.decode_attrs, "key-attrs", deep)
    assert got == outcome(pure.decode_attrs, "key-attrs", deep)
    assert got == "DecodeError: attributes nested deeper than can be decoded"


@pytest.mark.parametrize("spec", _spec_names())
def test_every_struct_header_and_attribute_decodes_the_same(kernel_specs: Path,
                                                            spec: str) -> None:  # fmt: skip
    """Every fixed header and struct attribute of the spec, with every byte 0xff, 0x80, 0x01
    (signs, byte orders, flag bits past the names) and random bytes, whole and short."""
    try:
        compiled, pure = codecs(spec)
    except GenetlinkError:
        pytest.skip(f"{spec} does not load")
    family = compiled.family
    rng = random.Random(spec)
    fills = [b"\xff", b"\x80", b"\x01", b"\x7f"]
    headers = {(op.fixed_header, op.attribute_set) for op in family.operations.values()
               if op.fixed_header in family.structs}  # fmt: skip
    for name, set_name in sorted(headers, key=str):
        size = family.structs[name].size
        for raw in [fill * size for fill in fills] + [rng.randbytes(size), bytes(size // 2)]:
            assert outcome(compiled.tables.header(name, set_name), raw, 0, len(raw)) == outcome(
                pure.tables.header(name, set_name), raw, 0, len(raw)), (name, raw)
    for set_name, attr_set in family.attribute_sets.items():
        for attr in attr_set.attributes.values():
            if attr.type != "binary" or attr.struct not in family.structs:
                continue
            size = family.structs[attr.struct].size
            for raw in [fill * size for fill in fills] + [rng.randbytes(size + 4)]:
                tlv = _tlv(attr.value, raw)
                assert outcome(compiled.decode_attrs, set_name, tlv) == outcome(
                    pure.decode_attrs, set_name, tlv), (set_name, attr.name, raw)


def test_the_extension_refuses_what_native_py_never_builds() -> None:
    accel = native.accelerator()
    if accel is None:
        pytest.skip("the compiled walk is not built here (no C compiler) or GENETLINK_PURE=1")
    table = accel.Table()
    with pytest.raises(TypeError):
        table.fill([(1, "a", native.K_CALL, 0, 0, 0, 0, None, None, None, 0, None)])
    with pytest.raises(ValueError):
        accel.Table().fill([(0x4000, "a", native.K_FLAG, 0, 0, 0, 0, None, None, None, 0, None)])
    with pytest.raises(ValueError):
        accel.Table().fill([(1, "a", native.K_INT, 0, 3, 0, 0, len, None, None, 0, None)])
    with pytest.raises(TypeError):
        accel.Table().fill([(1, "a", native.K_NEST, 0, 0, 0, 0, None, None, "x", 0, None)])
    with pytest.raises(ValueError):  # a member past the struct's end
        accel.Struct().fill(4, [(2, "m", native.K_INT, 0, 4, 0, 0, None, None, None, 0, None)],
                            len)  # fmt: skip
    full = accel.Table()
    full.fill([(1, "a", native.K_FLAG, 0, 0, 0, 0, None, None, None, 0, None)])
    with pytest.raises(RuntimeError):  # filled once: a walk may be using the entries
        full.fill([])
    with pytest.raises(TypeError):
        accel.walk("not a table", b"", 0, 0)
    assert accel.walk(full, _tlv(1, b""), 0, 4) == {"a": True}
    assert accel.walk(full, bytearray(4), 0, 4) is None  # not bytes: the pure path decodes
    assert accel.walk(full, b"1234", 0, 5) is None  # a span past the buffer: likewise
    assert accel.lookup(full, _tlv(1, b""), 0, 4, 1, None) is True
    assert accel.lookup(full, _tlv(1, b""), 0, 4, 2, None) is NotImplemented  # no entry

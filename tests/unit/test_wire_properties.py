"""Property tests for the wire format: build -> parse round trips, and garbage in -> DecodeError.

Nothing here touches a socket; hypothesis drives the builders and parsers of genetlink.wire.
"""

from __future__ import annotations

import contextlib
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from genetlink.wire import codecs
from genetlink.wire import constants as c
from genetlink.wire.ack import parse_done, parse_error
from genetlink.wire.attrs import AttrBuilder, Attrs, attr_path, iter_attrs
from genetlink.wire.errors import DecodeError, EncodeError
from genetlink.wire.message import build_message, parse_messages

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

attr_numbers = st.integers(min_value=0, max_value=c.NLA_TYPE_MASK)
safe_text = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\0"))


def _range(name: str) -> st.SearchStrategy[int]:
    low, high = codecs.RANGES[name]
    return st.integers(min_value=low, max_value=high)


FIXED = ["u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64"]


@pytest.mark.parametrize("type_name", FIXED)
@FAST
@given(data=st.data(), attr_type=attr_numbers)
def test_fixed_width_round_trip(type_name: str, data: st.DataObject, attr_type: int) -> None:
    value = data.draw(_range(type_name))
    built = getattr(AttrBuilder(), f"put_{type_name}")(attr_type, value).bytes()
    assert len(built) % 4 == 0
    assert len(built) == 4 + ((struct.calcsize(codecs.SCALARS[type_name].format) + 3) & ~3)
    assert getattr(Attrs(built), type_name)(attr_type) == value


@pytest.mark.parametrize("type_name", FIXED)
@FAST
@given(data=st.data())
def test_big_and_little_endian_codecs(type_name: str, data: st.DataObject) -> None:
    value = data.draw(_range(type_name))
    be = "be" + type_name[1:] if type_name[0] == "u" else "bes" + type_name[1:]
    le = "le" + type_name[1:] if type_name[0] == "u" else "les" + type_name[1:]
    packed = codecs.SCALARS[be].pack(value)
    assert packed == codecs.scalar(type_name, "big-endian").pack(value)
    assert int.from_bytes(packed, "big", signed=type_name[0] == "s") == value
    assert codecs.SCALARS[be].unpack(packed)[0] == value
    assert codecs.SCALARS[le].pack(value) == packed[::-1]
    # carried in an attribute with NLA_F_NET_BYTEORDER, as the kernel marks them
    built = AttrBuilder().put(7 | c.NLA_F_NET_BYTEORDER, packed).bytes()
    attrs = Attrs(built)
    assert attrs.flags(7) == c.NLA_F_NET_BYTEORDER
    span = attrs.span(7)
    assert span is not None
    assert codecs.SCALARS[be].unpack_from(built, span[0])[0] == value


@pytest.mark.parametrize("type_name", FIXED)
def test_out_of_range_is_encode_error(type_name: str) -> None:
    low, high = codecs.RANGES[type_name]
    put = getattr(AttrBuilder(), f"put_{type_name}")
    for bad in (low - 1, high + 1):
        with pytest.raises(EncodeError):
            put(1, bad)
    with pytest.raises(EncodeError):
        put(1, True)


@FAST
@given(value=_range("uint"))
def test_uint_picks_4_or_8_bytes(value: int) -> None:
    raw = codecs.encode_uint(value)
    assert len(raw) == (4 if value <= 0xFFFF_FFFF else 8)
    assert codecs.decode_uint(raw) == value
    attrs = Attrs(AttrBuilder().put_uint(3, value).bytes())
    assert attrs.uint(3) == value
    # a peer may send a small value in 8 bytes: still decodes
    assert codecs.decode_uint(struct.pack("=Q", value)) == value


@FAST
@given(value=_range("sint"))
def test_sint_picks_4_or_8_bytes(value: int) -> None:
    raw = codecs.encode_sint(value)
    assert len(raw) == (4 if -(2**31) <= value < 2**31 else 8)
    assert codecs.decode_sint(raw) == value
    assert Attrs(AttrBuilder().put_sint(3, value).bytes()).sint(3) == value
    assert codecs.decode_sint(struct.pack("=q", value)) == value


@pytest.mark.parametrize("size", [0, 1, 2, 3, 5, 6, 7, 9, 16])
def test_uint_sint_other_widths_are_decode_errors(size: int) -> None:
    with pytest.raises(DecodeError):
        codecs.decode_uint(b"\1" * size)
    with pytest.raises(DecodeError):
        codecs.decode_sint(b"\1" * size)


@FAST
@given(attr_type=attr_numbers)
def test_flag_round_trip(attr_type: int) -> None:
    built = AttrBuilder().put_flag(attr_type).bytes()
    assert built == struct.pack("=HH", 4, attr_type)
    attrs = Attrs(built)
    assert attrs.flag(attr_type)
    assert attrs.get(attr_type) == b""
    assert not attrs.flag((attr_type + 1) & c.NLA_TYPE_MASK)


@FAST
@given(text=safe_text, nul=st.booleans())
def test_string_round_trip(text: str, nul: bool) -> None:
    built = AttrBuilder().put_string(1, text, nul=nul).bytes()
    attrs = Attrs(built)
    raw = attrs.get(1)
    assert raw == text.encode() + (b"\0" if nul else b"")
    assert attrs.string(1) == text


@FAST
@given(raw=st.binary(max_size=600))
def test_undecodable_string_keeps_bytes(raw: bytes) -> None:
    text = codecs.decode_string(raw)  # never raises
    head = raw.split(b"\0", 1)[0]
    assert text.encode("utf-8", "surrogateescape") == head


@FAST
@given(payload=st.binary(max_size=300), attr_type=attr_numbers)
def test_binary_round_trip_and_padding(payload: bytes, attr_type: int) -> None:
    built = AttrBuilder().put(attr_type, payload).put_u8(1, 9).bytes()
    assert len(built) % 4 == 0
    attrs = Attrs(built)
    assert attrs.get(attr_type if attr_type != 1 else 1) == (payload if attr_type != 1 else b"\x09")
    assert [t for t, _, _ in iter_attrs(built, 0, len(built))] == [attr_type, 1]


def test_oversized_attribute_is_encode_error() -> None:
    with pytest.raises(EncodeError):
        AttrBuilder().put(1, b"\0" * 0xFFFC)
    b = AttrBuilder()
    token = b.nest_start(1)
    b.put(2, b"\0" * 0xFFF0)
    b.put(3, b"\0" * 0x20)
    with pytest.raises(EncodeError):
        b.nest_end(token)


# A tree of attributes: leaves are bytes, inner nodes are lists of (number, subtree).
trees = st.recursive(
    st.binary(max_size=12),
    lambda kids: st.lists(st.tuples(st.integers(1, 40), kids), max_size=4),
    max_leaves=12,
)


def _build(builder: AttrBuilder, items: list[tuple[int, object]]) -> None:
    for number, sub in items:
        if isinstance(sub, bytes):
            builder.put(number, sub)
        else:
            token = builder.nest_start(number)
            _build(builder, sub)  # type: ignore[arg-type]
            builder.nest_end(token)


def _check(data: bytes, start: int, end: int, items: list[tuple[int, object]]) -> None:
    walked = list(iter_attrs(data, start, end))
    assert [t & c.NLA_TYPE_MASK for t, _, _ in walked] == [n for n, _ in items]
    for (flagged, s, e), (_number, sub) in zip(walked, items, strict=True):
        if isinstance(sub, bytes):
            assert data[s:e] == sub
            assert not flagged & c.NLA_F_NESTED
        else:
            assert flagged & c.NLA_F_NESTED
            _check(data, s, e, sub)  # type: ignore[arg-type]


@FAST
@given(tree=st.lists(st.tuples(st.integers(1, 40), trees), max_size=6))
def test_nested_round_trip(tree: list[tuple[int, object]]) -> None:
    b = AttrBuilder()
    _build(b, tree)
    data = b.bytes()
    assert len(data) % 4 == 0
    _check(data, 0, len(data), tree)
    # the lazy view agrees with the walk: last occurrence wins, get_all keeps them all
    attrs = Attrs(data)
    for number in {n for n, _ in tree}:
        occurrences = [sub for n, sub in tree if n == number]
        assert len(attrs.get_all(number)) == len(occurrences)
        last = occurrences[-1]
        if isinstance(last, bytes):
            assert attrs.get(number) == last
        else:
            inner = attrs.nested(number)
            assert inner is not None
            assert list(inner) == list(dict.fromkeys(n for n, _ in last))  # type: ignore[attr-defined]


@FAST
@given(entries=st.lists(st.lists(st.integers(0, 2**32 - 1), max_size=3), max_size=6))
def test_nested_array_round_trip(entries: list[list[int]]) -> None:
    b = AttrBuilder()
    outer = b.nest_start(5)
    for index, values in enumerate(entries, start=1):  # indexed 1..n as the kernel does
        inner = b.nest_start(index)
        for number, value in enumerate(values, start=1):
            b.put_u32(number, value)
        b.nest_end(inner)
    b.nest_end(outer)
    array = Attrs(b.bytes()).array(5)
    assert len(array) == len(entries)
    for item, values in zip(array, entries, strict=True):
        assert [item.u32(n) for n in range(1, len(values) + 1)] == values
    assert Attrs(b.bytes()).array(6) == []


@FAST
@given(values=st.lists(st.integers(0, 2**16 - 1), min_size=1, max_size=10))
def test_multi_attr(values: list[int]) -> None:
    b = AttrBuilder()
    for v in values:
        b.put_u16(9, v).put_flag(2)
    attrs = Attrs(b.bytes())
    assert [struct.unpack("=H", raw)[0] for raw in attrs.get_all(9)] == values
    assert attrs.u16(9) == values[-1]  # last occurrence, as nla_parse
    assert len(attrs) == 2
    assert [t for t, _, _ in attrs.items()].count(9) == len(values)


@FAST
@given(value=_range("u32"), selector=_range("u32"))
def test_bitfield32_round_trip(value: int, selector: int) -> None:
    raw = codecs.encode_bitfield32(value, selector)
    assert raw == struct.pack("=II", value, selector)
    assert codecs.decode_bitfield32(raw) == (value, selector)
    built = AttrBuilder().put(4, raw).bytes()
    span = Attrs(built).span(4)
    assert span is not None
    assert codecs.decode_bitfield32(built, *span) == codecs.Bitfield32(value, selector)
    with pytest.raises(DecodeError):
        codecs.decode_bitfield32(raw[:7])


messages = st.lists(
    st.tuples(
        st.integers(0, 0xFFFF),
        st.integers(0, 0xFFFF),
        st.integers(0, 2**32 - 1),
        st.integers(0, 2**32 - 1),
        st.binary(max_size=40),
    ),
    min_size=1,
    max_size=8,
)


@FAST
@given(msgs=messages)
def test_several_messages_per_datagram(msgs: list[tuple[int, int, int, int, bytes]]) -> None:
    datagram = b"".join(build_message(*m) for m in msgs)
    parsed = parse_messages(datagram)
    assert len(parsed) == len(msgs)
    for got, (msg_type, flags, seq, port, payload) in zip(parsed, msgs, strict=True):
        assert got.start % 4 == 0
        assert (got.type, got.flags, got.seq, got.port) == (msg_type, flags, seq, port)
        assert got.payload == payload
        assert got.length == 16 + len(payload)
        assert got.raw()[:4] == struct.pack("=I", 16 + len(payload))


def test_last_message_may_lack_padding() -> None:
    # the kernel pads, but a datagram ending right after an unaligned message is still valid
    data = build_message(20, 0, 1, 0, b"a") + build_message(21, 0, 2, 0, b"abc")[:19]
    assert [m.payload for m in parse_messages(data)] == [b"a", b"abc"]


# -- garbage in: DecodeError and nothing else --------------------------------------------------


GETTERS = (
    *FIXED, "uint", "sint", "string", "get", "get_all", "nested", "array", "flag", "span", "flags",
)  # fmt: skip


def _exercise_attrs(data: bytes) -> None:
    attrs = Attrs(data)
    numbers = list(attrs)
    for number in [*numbers[:8], 0, 1, 2, 3]:
        for getter in GETTERS:
            result = getattr(attrs, getter)(number)
            if getter in ("nested",) and result is not None:
                list(result)
            if getter == "array":
                for entry in result:
                    list(entry)
    list(attrs.items())


def _only_decode_error(fn: object, *args: object) -> None:
    with contextlib.suppress(DecodeError):
        fn(*args)  # type: ignore[operator]


@settings(max_examples=1000, deadline=None)
@given(data=st.binary(max_size=200))
def test_random_bytes_parse_messages(data: bytes) -> None:
    _only_decode_error(parse_messages, data)


@settings(max_examples=1000, deadline=None)
@given(data=st.binary(max_size=200))
def test_random_bytes_attrs(data: bytes) -> None:
    _only_decode_error(_exercise_attrs, data)
    _only_decode_error(lambda: list(iter_attrs(data, 0, len(data))))


def _nested_garbage() -> st.SearchStrategy[bytes]:
    # valid outer TLVs whose payloads are garbage: reaches the nested code paths more often
    return st.lists(st.tuples(st.integers(0, 12), st.binary(max_size=24)), max_size=5).map(
        lambda items: b"".join(AttrBuilder().put(t | c.NLA_F_NESTED, p).bytes() for t, p in items)
    )


@settings(max_examples=500, deadline=None)
@given(data=_nested_garbage(), target=st.integers(0, 200))
def test_attr_path_and_nests_on_garbage(data: bytes, target: int) -> None:
    _only_decode_error(_exercise_attrs, data)
    path = attr_path(data, 0, len(data), target)  # never raises: a partial path at worst
    assert isinstance(path, list)
    for number in Attrs(data):
        _only_decode_error(lambda n=number: _exercise_attrs(Attrs(data).get(n) or b""))


@settings(max_examples=500, deadline=None)
@given(data=st.binary(max_size=200), target=st.integers(-4, 220))
def test_attr_path_random(data: bytes, target: int) -> None:
    _only_decode_error(attr_path, data, 0, len(data), target)


@settings(max_examples=1000, deadline=None)
@given(payload=st.binary(max_size=160), flags=st.sampled_from([0, 0x100, 0x200, 0x300]))
def test_random_error_and_done_payloads(payload: bytes, flags: int) -> None:
    for msg_type in (c.NLMSG_ERROR, c.NLMSG_DONE):
        (msg,) = parse_messages(build_message(msg_type, flags, 1, 0, payload))
        _only_decode_error(parse_error, msg)
        _only_decode_error(parse_done, msg)


@settings(max_examples=500, deadline=None)
@given(tlvs=_nested_garbage(), error=st.integers(-4095, 0), capped=st.booleans())
def test_error_with_garbage_tlvs(tlvs: bytes, error: int, capped: bool) -> None:
    inner = build_message(30, 5, 1, 0, b"")
    flags = c.NLM_F_ACK_TLVS | (c.NLM_F_CAPPED if capped else 0)
    (msg,) = parse_messages(build_message(c.NLMSG_ERROR, flags, 1, 0,
                                          struct.pack("=i", error) + inner + tlvs))  # fmt: skip
    _only_decode_error(parse_error, msg)


@pytest.mark.parametrize(
    "data",
    [
        b"\x01",  # truncated header
        struct.pack("=IHHII", 8, 1, 0, 0, 0),  # nlmsg_len < 16
        struct.pack("=IHHII", 64, 1, 0, 0, 0),  # past the buffer
        build_message(20, 0, 1, 0) + b"\x00" * 8,  # trailing partial header
    ],
)
def test_malformed_messages_report_offset(data: bytes) -> None:
    with pytest.raises(DecodeError) as info:
        parse_messages(data)
    assert info.value.offset is not None


@pytest.mark.parametrize(
    "data",
    [
        struct.pack("=HH", 2, 1),  # attribute length < 4
        struct.pack("=HH", 12, 1) + b"\0" * 4,  # runs past its container
    ],
)
def test_malformed_attributes(data: bytes) -> None:
    with pytest.raises(DecodeError):
        list(iter_attrs(data, 0, len(data)))
    with pytest.raises(DecodeError):
        Attrs(data).get(1)


def test_short_fixed_attribute_is_decode_error() -> None:
    attrs = Attrs(AttrBuilder().put(1, b"\1\2").bytes())
    with pytest.raises(DecodeError):
        attrs.u32(1)
    assert attrs.u16(1) == struct.unpack("=H", b"\1\2")[0]


def test_trailing_bytes_under_a_header_are_tolerated() -> None:
    data = AttrBuilder().put_u32(1, 5).bytes() + b"\0\0\0"
    assert Attrs(data).u32(1) == 5

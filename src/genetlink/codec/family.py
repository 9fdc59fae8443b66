"""The runtime codec of a family: requests from dicts, replies to lazy mappings.

codec = FamilyCodec(family)
cmd, body = codec.encode("dev-get", {"ifindex": 1})      # body: fixed header + attributes
reply = codec.decode(msg)                                 # Decoded: a lazy Mapping
reply["ifname"]; dict(reply); reply.to_dict()             # one value, or a full decode
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from genetlink.codec.decode import MISSING, TOO_DEEP, Tables, bounded
from genetlink.codec.encode import Encoder, lookup, spec_name
from genetlink.codec.names import HEADER_PREFIX
from genetlink.schema.model import Family, Operation
from genetlink.wire.attrs import AttrBuilder, Attrs
from genetlink.wire.constants import GENL_HDRLEN
from genetlink.wire.errors import DecodeError, EncodeError
from genetlink.wire.message import Message


class Decoded(Mapping[str | int, Any]):
    """One message's values, decoded on access: fixed-header members, then attributes.

    Attributes the spec does not name are keyed by number (values are raw bytes). A header
    member named like an attribute of the op's set is keyed "header.NAME" (the attribute keeps
    the plain name; `header` has every member by its plain name): see `codec.names`. `op` is
    the operation name the message belongs to (None when the spec does not know its id).
    """

    __slots__ = ("_attrs", "_codec", "_full", "_header", "_set", "data", "end", "op", "start")

    def __init__(self, codec: FamilyCodec, op: Operation | None, data: bytes, start: int,
                 end: int) -> None:  # fmt: skip
        self._codec = codec
        self.data = data
        self._header: dict[str, Any] | None = None
        if op is None:
            self.op = self._set = None
        else:
            self.op, self._set = op.name, op.attribute_set
            if op.fixed_header is not None:
                size = op.fixed_header_size
                decode = codec.tables.header(op.fixed_header, op.attribute_set)
                self._header = decode(data, start, min(end, start + size))
                start += (size + 3) & ~3  # attributes start at NLMSG_ALIGN(header size)
        self.start = start
        self.end = end
        self._attrs: Attrs | None = None
        self._full: dict[Any, Any] | None = None

    @property
    def header(self) -> dict[str, Any]:
        """The fixed header's members by their plain names (empty when the message has none)."""
        header = self._header or {}
        return {key.removeprefix(HEADER_PREFIX): value for key, value in header.items()}

    @property
    def attrs(self) -> Attrs:
        """The raw attribute view, for reading by number."""
        if self._attrs is None:
            self._attrs = Attrs(self.data, self.start, self.end)
        return self._attrs

    def to_dict(self) -> dict[str | int, Any]:
        """Full decode (cached): header members and every attribute."""
        full = self._full
        if full is None:
            full = dict(self._header) if self._header else {}
            if self._set is not None:
                full.update(self._codec.tables.decode_tree(self._set, self.data, self.start,
                                                           self.end))  # fmt: skip
            else:
                full.update({n: self.data[s:e] for n, s, e in self.attrs.items()})
            self._full = full
        return full

    def __getitem__(self, key: str | int) -> Any:
        if self._full is not None:
            return self._full[key]
        if self._header is not None and key in self._header:
            return self._header[key]
        if self._set is None or isinstance(key, int):
            return self.to_dict()[key]
        entry = self._codec.tables.lazy_entries(self._set).get(key)
        if entry is None:
            raise KeyError(key)
        name, number, decoder = entry
        if decoder is None:
            return self.to_dict()[name]
        span = self.attrs.span(number)
        if span is None:
            raise KeyError(key)
        tables = self._codec.tables
        before = tables.deferred
        value = bounded(decoder, self.data, span[0], span[1])
        if tables.deferred != before:  # a sub-message inside needs an outer selector
            return self.to_dict()[name]
        return value

    def get(self, key: str | int, default: Any = None) -> Any:
        """The value of `key`, or `default` when the message does not carry it."""
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str | int):
            return False
        try:
            self[key]
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[str | int]:
        return iter(self.to_dict())

    def __len__(self) -> int:
        return len(self.to_dict())

    def __repr__(self) -> str:
        return f"Decoded({self.op}, {self.to_dict()!r})"


class CompiledDecoded(Decoded):
    """A `Decoded` whose single values the compiled walk reads (FamilyCodec picks this class
    when it was built; see codec.native): the same values and errors, in C."""

    __slots__ = ()

    def _read(self, key: str | int) -> Any:
        """The compiled read of `key`: its value, MISSING, or NotImplemented (Decoded's)."""
        header = self._header
        if self._full is not None or self._set is None or (header is not None and key in header):
            return NotImplemented
        tables = self._codec.tables
        table, names = tables.native_reads(self._set)
        number = names.get(key) if isinstance(key, str) else None
        if number is None:
            return NotImplemented
        before = tables.deferred
        lookup = tables._accel.lookup  # type: ignore[union-attr]
        try:
            value = lookup(table, self.data, self.start, self.end, number, MISSING)
        except RecursionError:
            raise DecodeError(TOO_DEEP) from None
        if tables.deferred != before:  # a sub-message inside needs an outer selector
            return NotImplemented
        return value

    def __getitem__(self, key: str | int) -> Any:
        value = self._read(key)
        if value is MISSING:
            raise KeyError(key)
        if value is NotImplemented:
            return Decoded.__getitem__(self, key)
        return value

    def get(self, key: str | int, default: Any = None) -> Any:
        """The value of `key`, or `default` when the message does not carry it."""
        value = self._read(key)
        if value is MISSING:
            return default
        if value is NotImplemented:
            return Decoded.get(self, key, default)
        return value


def _nested(encode: Callable[..., None], *args: Any) -> None:
    """`encode(*args)`, with values nested deeper than Python recurses an EncodeError."""
    try:
        encode(*args)
    except RecursionError:
        raise EncodeError("values nested deeper than can be encoded") from None


class FamilyCodec:
    """Encodes requests and decodes messages of one family, by the spec's names."""

    def __init__(self, family: Family) -> None:
        self.family = family
        self.tables = Tables(family)
        self.encoder = Encoder(family)
        #: the class of decoded messages: Decoded, or CompiledDecoded with the compiled walk
        self.decoded: type[Decoded] = Decoded if self.tables._accel is None else CompiledDecoded

    def operation(self, name: str | Operation) -> Operation:
        """An operation by name (kebab or snake case); EncodeError naming the known ones."""
        if isinstance(name, Operation):
            return name
        op = lookup(self.family.operations, name)
        if op is None:
            known = ", ".join(self.family.operations)
            raise EncodeError(f"family {self.family.name} has no operation {name!r} ({known})")
        return op  # type: ignore[no-any-return]

    def encode(self, op_name: str | Operation, values: Mapping[str, Any] | None = None,
               mode: str = "do") -> tuple[int, bytes]:  # fmt: skip
        """(message id to send, body) for a request; the body is fixed header + attributes."""
        op = self.operation(op_name)
        modes = op.do if mode == "do" else op.dump
        message = modes.request if modes is not None else None
        value = message.value if message is not None and message.value is not None else None
        if value is None:
            value = op.request_value
        if value is None:
            raise EncodeError(f"operation {op.name} cannot be sent to the kernel ({mode})")
        if values is not None and not isinstance(values, Mapping):
            raise EncodeError(f"operation {op.name}: values are a mapping of names to values, "
                              f"not {type(values).__name__}")  # fmt: skip
        header, attrs = self.encoder.split_header(op.fixed_header, op.attribute_set,
                                                  dict(values or {}))  # fmt: skip
        builder = AttrBuilder()
        if op.fixed_header is not None:
            raw = self.encoder.struct(op.fixed_header, header, ".header")
            builder.buffer += raw + b"\0" * (-len(raw) & 3)  # attributes start 4-byte aligned
        if attrs:
            if op.attribute_set is None:
                raise EncodeError(f"operation {op.name} takes no attributes, got {list(attrs)}")
            _nested(self.encoder.attrs, op.attribute_set, attrs, builder)
        return value, bytes(builder.buffer)

    def encode_attrs(self, set_name: str, values: Mapping[str, Any]) -> bytes:
        """Only the attributes of `set_name` (for callers building messages themselves)."""
        builder = AttrBuilder()
        _nested(self.encoder.attrs, set_name, values, builder)
        return bytes(builder.buffer)

    def reply_op(self, value: int) -> Operation | None:
        """The operation a message id from the kernel belongs to."""
        return self.family.op_by_reply(value) or self.family.op_by_request(value)

    def decode(self, msg: Message, op: str | Operation | None = None) -> Decoded:
        """Decode a message of this family (Generic Netlink or netlink-raw by the spec).

        `op` names the operation when the caller knows it (the reply to its own request);
        otherwise the message id decides (ids shared by several ops pick the first).
        """
        if self.family.is_genetlink:
            return self.decode_genl(msg, op)
        return self.decode_raw(msg, op)

    def decode_genl(self, msg: Message, op: str | Operation | None = None) -> Decoded:
        """A Generic Netlink message: the op comes from genlmsghdr.cmd unless given."""
        start = msg.payload_start
        if msg.end - start < GENL_HDRLEN:
            raise DecodeError("message too short for a genlmsghdr", start)
        known = self.operation(op) if op is not None else self.reply_op(msg.data[start])
        return self.decoded(self, known, msg.data, start + GENL_HDRLEN, msg.end)

    def decode_raw(self, msg: Message, op: str | Operation | None = None) -> Decoded:
        """A netlink-raw message (rtnetlink...): the op comes from nlmsg_type unless given."""
        known = self.operation(op) if op is not None else self.reply_op(msg.type)
        return self.decoded(self, known, msg.data, msg.payload_start, msg.end)

    def decode_attrs(self, set_name: str, data: bytes, start: int = 0,
                     end: int | None = None) -> dict[Any, Any]:  # fmt: skip
        """Full decode of attributes of `set_name`."""
        return self.tables.decode_tree(set_name, data, start, len(data) if end is None else end)

    def name_path(self, set_name: str | None, numbers: list[int]) -> str:
        """Attribute numbers through nests -> ".name.name" (numbers kept where unknown).

        The levels of an indexed array or a nest-type-value are indexes, not attributes:
        they show as ".ops[2].id".
        """
        parts: list[str] = []
        indexes = 0  # index levels still to come before `after`'s attributes
        after: str | None = None
        for number in numbers:
            if indexes:
                parts[-1] += f"[{number}]"
                indexes -= 1
                if not indexes:
                    set_name = after
                continue
            aset = self.family.attribute_sets.get(set_name or "")
            attr = aset.by_value.get(number) if aset is not None else None
            if attr is None:
                parts.append(str(number))
                set_name = None
                continue
            parts.append(attr.name)
            if attr.type == "indexed-array":
                indexes = 1
                after = attr.nested_attributes if attr.sub_type == "nest" else None
            elif attr.type == "nest-type-value":
                indexes = max(1, len(attr.type_value))
                after = attr.nested_attributes
            else:
                set_name = attr.nested_attributes
        return "." + ".".join(parts) if parts else ""


__all__ = ["Decoded", "FamilyCodec", "spec_name"]

"""What a family handle needs of a codec, and the two codecs it can have.

`SpecCodec` works from a family model (a YAML spec, a Python declaration): operations and
attributes by name, replies as lazily decoded `Decoded` mappings. `RawCodec` has no model:
commands are numbers, attributes are bytes (or an `AttrBuilder`), replies are `GenlMessage`
views read by number. Both name a request's attributes in errors, by name or by number.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from ..codec.family import Decoded, FamilyCodec
from ..codec.render import jsonable
from ..genl.message import GenlMessage
from ..genl.validate import Namer
from ..schema.model import Family, Operation
from ..wire.attrs import AttrBuilder, attr_path
from ..wire.constants import GENL_HDRLEN, NLM_F_REQUEST
from ..wire.errors import EncodeError, GenetlinkError
from ..wire.genl import genl_command
from ..wire.message import Message

R_co = TypeVar("R_co", covariant=True)

#: What a request's attributes may be: a mapping of names to values (with a spec), encoded
#: bytes or an AttrBuilder (either codec), or None.
Attributes = Mapping[str, Any] | bytes | bytearray | AttrBuilder | None


@dataclass(frozen=True, slots=True)
class Encoded:
    """A request body and what explains its answers.

    number: the command (genlmsghdr.cmd) or, for netlink-raw, the nlmsg_type
    name:   the operation's name, for errors
    body:   what follows the genlmsghdr (or the nlmsghdr): fixed header, then attributes
    op:     the spec's operation, when the codec knows it
    """

    number: int
    name: str
    body: bytes
    op: Operation | None = None


class Codec(Protocol[R_co]):
    """Encodes requests and decodes messages of one family for a handle."""

    @property
    def family(self) -> Family | None:
        """The family model (None without a spec)."""

    def encode(self, op: str | int, attrs: Attributes, mode: str) -> Encoded:
        """A request of `op` in `mode` ("do" or "dump"); EncodeError before anything is sent."""

    def decode(self, msg: Message, op: Operation | None) -> R_co:
        """A message from the kernel (the reply to `op`, or a notification when None)."""

    def reply_decoder(self, op: Operation | None) -> Callable[[Message], R_co]:
        """`decode` of the replies to `op`, made once per request (dumps decode many)."""

    def path(self, encoded: Encoded, numbers: list[int]) -> str:
        """Attribute numbers through the request's nests as a path (".a.b", or ".1.2")."""

    def namer(self, encoded: Encoded) -> Namer | None:
        """Names paths of the request's attributes for validation errors (None: numbers)."""

    def attrs_start(self, encoded: Encoded) -> int:
        """Where the attributes start in the body (after a fixed header)."""

    def header_path(self, encoded: Encoded) -> str | None:
        """The fixed header as a path element, for offsets inside it (None: none known)."""

    def describe(self, msg: Message) -> str:
        """The message in a few words, for the GENETLINK_DEBUG trace."""


class NlctrlNamer:
    """Names nlctrl messages (how a Generic Netlink family is resolved) in the GENETLINK_DEBUG
    trace and capture comments, from the nlctrl spec we ship. It is loaded on the first
    message named: without a trace or a capture, nothing is loaded."""

    def __init__(self) -> None:
        self._codec: SpecCodec | None = None

    def __call__(self, msg: Message) -> str:
        if self._codec is None:
            from ..loader.search import package_spec_dir
            from ..loader.spec import load_spec

            directory = package_spec_dir()
            if directory is None:
                raise GenetlinkError("the nlctrl spec we ship is not on a filesystem")
            self._codec = SpecCodec(load_spec(directory / "nlctrl.yaml"))
        return self._codec.describe(msg)


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _raw_attrs(family: str, attrs: Attributes) -> bytes:
    if attrs is None:
        return b""
    if isinstance(attrs, AttrBuilder):
        return attrs.bytes()
    if isinstance(attrs, bytes | bytearray):
        return bytes(attrs)
    raise EncodeError(f"family {family} has no spec: give attributes as bytes or an "
                      f"AttrBuilder, not {type(attrs).__name__}")  # fmt: skip


def numbers_path(numbers: list[int]) -> str:
    """Attribute numbers as a path: [2, 1] -> ".2.1"."""
    return "." + ".".join(map(str, numbers)) if numbers else ""


class SpecCodec:
    """A codec from a family model: names in, `Decoded` mappings out."""

    def __init__(self, family: Family | FamilyCodec) -> None:
        self.codec = family if isinstance(family, FamilyCodec) else FamilyCodec(family)
        self._notify_ops = self._notification_ops()

    @property
    def family(self) -> Family:
        """The family model."""
        return self.codec.family

    def _notification_ops(self) -> dict[int, Operation]:
        """Message id -> op for messages the kernel sends on its own (notifications first)."""
        ops: dict[int, Operation] = {}
        for op in self.family.operations.values():
            value = op.reply_value if op.reply_value is not None else op.value
            if op.is_notification and value is not None:
                ops.setdefault(value, op)
        return ops

    def encode(self, op: str | int, attrs: Attributes, mode: str) -> Encoded:
        """By op name (or request number); attributes as a mapping, or already encoded."""
        codec = self.codec
        if isinstance(op, int) and not isinstance(op, bool):
            operation = self.family.op_by_request(op)
            if operation is None:
                if attrs is not None and not isinstance(attrs, bytes | bytearray | AttrBuilder):
                    raise EncodeError(f"family {self.family.name} has no operation numbered "
                                      f"{op}: give its attributes encoded")  # fmt: skip
                return Encoded(op, f"{self.family.name} cmd {op}", _raw_attrs(self.family.name,
                                                                               attrs))  # fmt: skip
        elif isinstance(op, str):
            operation = codec.operation(op)
        else:
            raise EncodeError(f"an operation is a name or a number, not {type(op).__name__}")
        if attrs is None or isinstance(attrs, Mapping):
            number, body = codec.encode(operation, attrs, mode)
        elif not isinstance(attrs, bytes | bytearray | AttrBuilder):
            raise EncodeError(f"{operation.name}: attributes are a mapping of names to values "
                              f"(or encoded bytes), not {type(attrs).__name__}")  # fmt: skip
        else:
            number, _ = codec.encode(operation, None, mode)
            body = _raw_attrs(self.family.name, attrs)
        return Encoded(number, operation.name, body, operation)

    def decode(self, msg: Message, op: Operation | None) -> Decoded:
        """A reply to `op` (when its id is the op's reply id), else the message's own op by
        its id, notifications first: TASKSTATS answers a GET with a NEW, for instance."""
        value = genl_command(msg)[0] if self.family.is_genetlink else msg.type
        if op is None or value not in (op.reply_value, op.value):
            op = self._notify_ops.get(value) or self.codec.reply_op(value)
        return self.codec.decode(msg, op)

    def reply_decoder(self, op: Operation | None) -> Callable[[Message], Decoded]:
        """`decode(msg, op)`, with the common case (the reply's id is the op's) made short."""
        if op is None:
            return lambda msg: self.decode(msg, None)
        ids = frozenset(v for v in (op.reply_value, op.value) if v is not None)
        codec, slow = self.codec, self.decode
        decoded = codec.decoded  # Decoded, or its compiled twin
        if self.family.is_genetlink:

            def genl(msg: Message) -> Decoded:
                start = msg.payload_start
                if msg.end - start >= GENL_HDRLEN and msg.data[start] in ids:
                    return decoded(codec, op, msg.data, start + GENL_HDRLEN, msg.end)
                return slow(msg, op)

            return genl

        def raw(msg: Message) -> Decoded:
            if msg.type in ids:
                return decoded(codec, op, msg.data, msg.payload_start, msg.end)
            return slow(msg, op)

        return raw

    def path(self, encoded: Encoded, numbers: list[int]) -> str:
        """By the spec's names (numbers where it has none)."""
        if encoded.op is None:
            return numbers_path(numbers)
        return self.codec.name_path(encoded.op.attribute_set, numbers)

    def namer(self, encoded: Encoded) -> Namer | None:
        """Paths by the spec's names."""
        return None if encoded.op is None else lambda numbers: self.path(encoded, numbers)

    def attrs_start(self, encoded: Encoded) -> int:
        """After the op's fixed header, 4-byte aligned."""
        return 0 if encoded.op is None else (encoded.op.fixed_header_size + 3) & ~3

    def header_path(self, encoded: Encoded) -> str | None:
        """The fixed header as a path element, for offsets inside it."""
        return None if encoded.op is None or encoded.op.fixed_header is None else (
            f".{encoded.op.fixed_header}")  # fmt: skip

    def describe(self, msg: Message) -> str:
        """"netdev dev-get {'ifindex': 1, ...}": the op and the values, shortened. A request
        (NLM_F_REQUEST, which the kernel never sets) is named by its to-kernel id: in a
        directional spec that id may name another op's reply (nftables' 0xa00 is the request
        newtable and the reply gettable). An answer (a sequence number: notifications have
        none) is named by an op that has replies before a notification of the same id
        (mptcp_pm's get-limits reply is 6, as the event announced)."""
        value = genl_command(msg)[0] if self.family.is_genetlink else msg.type
        op = None
        if msg.flags & NLM_F_REQUEST:
            op = self.family.op_by_request(value)
        elif msg.seq:
            answers = (o for o in self.family.reply_ops.get(value, ()) if o.do or o.dump)
            op = next(answers, None)
        decoded = self.decode(msg, None) if op is None else self.codec.decode(msg, op)
        return _short(f"{self.family.name} {decoded.op or '?'} {jsonable(decoded.to_dict())}")


class RawCodec:
    """No model: commands by number, attributes as bytes, replies as `GenlMessage` views.

    `hdrsize` gives the family's fixed header size (FamilyInfo.hdrsize, from nlctrl).
    """

    def __init__(self, name: str, hdrsize: Callable[[], int]) -> None:
        self.name = name
        self._hdrsize = hdrsize

    @property
    def family(self) -> None:
        """No model."""
        return None

    def encode(self, op: str | int, attrs: Attributes, mode: str) -> Encoded:
        """A command number and encoded attributes (after the family's fixed header)."""
        if not isinstance(op, int) or isinstance(op, bool):
            raise EncodeError(f"family {self.name} has no spec: give commands as numbers, "
                              f"not {op!r}")  # fmt: skip
        return Encoded(op, f"{self.name} cmd {op}", _raw_attrs(self.name, attrs))

    def decode(self, msg: Message, op: Operation | None) -> GenlMessage:
        """A `GenlMessage` view."""
        return GenlMessage(msg, self._hdrsize())

    def reply_decoder(self, op: Operation | None) -> Callable[[Message], GenlMessage]:
        """`GenlMessage` views with the family's fixed header size."""
        hdrsize = self._hdrsize()
        return lambda msg: GenlMessage(msg, hdrsize)

    def path(self, encoded: Encoded, numbers: list[int]) -> str:
        """By number."""
        return numbers_path(numbers)

    def namer(self, encoded: Encoded) -> Namer | None:
        """No names."""
        return None

    def attrs_start(self, encoded: Encoded) -> int:
        """After the family's fixed header."""
        return (self._hdrsize() + 3) & ~3

    def header_path(self, encoded: Encoded) -> str | None:
        """No fixed header is known by name."""
        return None

    def describe(self, msg: Message) -> str:
        """"ethtool cmd 2 attrs [1, 3]": numbers only."""
        view = self.decode(msg, None)
        return f"{self.name} cmd {view.cmd} attrs {sorted(view.attrs)}"


def explain_paths(codec: Codec[object], encoded: Encoded, offset: int | None,
                  missing_nest: int | None, missing_type: int | None
                  ) -> tuple[str | None, str | None]:  # fmt: skip
    """(bad attribute path, missing attribute path) of an ext-ACK, from offsets into the
    request `encoded.body` (None where the kernel gave none)."""
    body = encoded.body
    start = codec.attrs_start(encoded)
    bad = None
    if offset is not None:
        if offset < start:
            bad = codec.header_path(encoded)
        else:
            bad = codec.path(encoded, attr_path(body, start, len(body), offset)) or None
    missing = None
    if missing_type is not None:
        nest = [] if missing_nest is None else attr_path(body, start, len(body), missing_nest)
        missing = codec.path(encoded, [*nest, missing_type])
    return bad, missing


__all__ = ["Attributes", "Codec", "Encoded", "RawCodec", "SpecCodec", "explain_paths",
           "numbers_path"]  # fmt: skip

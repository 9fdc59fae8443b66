"""The fuzz target: one input through every public decode entry point of genetlink.

An input is one selector byte and one or more datagrams separated by `SEP`:

    selector = family index (low 4 bits, into FAMILIES) | engine mode (high 4 bits, into MODES)

`check(data)` runs, on each datagram: `wire.message.parse_messages`; for each message the
`Message` accessors, `wire.attrs` (`Attrs` and every getter, `iter_attrs`, `attr_path`) at
the offsets a netlink-raw or Generic Netlink family would use, `wire.policy.decode_policy`,
`wire.ack.parse_error`/`parse_done` and the NetlinkError they build, `genl.message.GenlMessage`,
`genl.nlctrl.decode_family`/`family_event`/`decode_policy_message` (merged into one `Policy`
per input, then rendered and used by `genl.validate.validate_request`), and the chosen
family's `FamilyCodec.decode` (the kernel's specs of FAMILIES: lazy access of every
attribute name, `to_dict`, `repr`, `codec.render.jsonable` + `json.dumps`, `name_path`).
Then the datagrams go, in order, into a `core.engine.Engine` through one of the sans-I/O
exchanges (a do request, a collected dump,
a streamed dump decoding as it goes, notifications, a request to a user peer that does not
ACK, or two requests in flight at once), as a socket would drive them, and whatever the
engine hands back is decoded again.

The rule: only the library's documented errors may come out. Decoders may raise
`DecodeError`; nlctrl lookups `GroupNotFound`; the validator `EncodeError`; an exchange any
`GenetlinkError` (NetlinkError for the kernel's errors, DumpInterrupted, Overrun, DecodeError)
or the TimeoutError that the driver throws in when the datagrams run out; `Engine.feed`
nothing at all. Anything else raises `Finding`, which names the entry point and carries the
original exception; so does an exception the library logs (`log.exception`: the engine's
guard that turns its own bugs into a DecodeError), and a broken invariant: a request that
succeeds although a datagram that may have held its answer did not parse, a malformed
multicast datagram without an Overrun event, a request left pending after its exchange.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import struct
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from genetlink.codec import FamilyCodec, jsonable
from genetlink.core import exchange as ex
from genetlink.core.engine import Engine
from genetlink.genl import nlctrl
from genetlink.genl.message import GenlMessage
from genetlink.genl.validate import validate_request
from genetlink.loader import load_spec
from genetlink.wire import constants as c
from genetlink.wire.ack import parse_done, parse_error
from genetlink.wire.attrs import Attrs, attr_path, iter_attrs
from genetlink.wire.errors import (
    DecodeError,
    EncodeError,
    GenetlinkError,
    Overrun,
)
from genetlink.wire.genl import genl_command
from genetlink.wire.message import Message, build_message, parse_messages
from genetlink.wire.policy import decode_policy

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SPECS = Path(os.environ.get("KERNEL_SPECS", REPO.parent / "shared" / "kernel-specs" / "specs"))

#: The codecs an input may be decoded with (the selector's low 4 bits pick one).
FAMILIES = ("rt-link", "rt-addr", "rt-route", "rt-neigh", "rt-rule", "ethtool", "netdev",
            "nlctrl")  # fmt: skip
#: How the datagrams are fed to an engine (the selector's high 4 bits pick one).
MODES = ("do", "dump", "stream", "notify", "user", "two")
#: Separates the datagrams of one input.
SEP = b"|NLDG|"
MAX_DATAGRAMS = 8
MAX_MESSAGES = 64  # per datagram, for the per-message decoders (the engine sees them all)

MAX_NUMBERS = 16  # attribute numbers per Attrs whose getters are tried
GETTERS_PER_NUMBER = 4


class Finding(Exception):
    """An exception outside the documented ones (or a broken invariant) at `entry`."""

    def __init__(self, entry: str, error: BaseException) -> None:
        super().__init__(f"{entry}: {type(error).__name__}: {error}")
        self.entry = entry
        self.error = error


class entry:
    """Run one entry point: the documented errors pass, anything else becomes a Finding."""

    __slots__ = ("allowed", "name")

    def __init__(self, name: str, *allowed: type[BaseException]) -> None:
        self.name = name
        self.allowed = allowed

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: object) -> bool:  # fmt: skip
        if error is None or isinstance(error, Finding) or not isinstance(error, Exception):
            return False
        if isinstance(error, self.allowed):
            return True
        raise Finding(self.name, error) from error


class _Formatting(logging.Handler):
    """Formats every record the library logs (a broken format is a finding) and drops it:
    the engine logs each malformed datagram, which fuzzing makes by the million. A record
    with an exception (`log.exception`: the engine's guard against its own bugs) is kept,
    and `check` reports it as a finding."""

    def __init__(self) -> None:
        super().__init__()
        self.exceptions: list[tuple[str, BaseException]] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            self.exceptions.append((f"{record.name}: {text}", record.exc_info[1]))


_logger = logging.getLogger("genetlink")
_logged = _Formatting()
_logger.handlers[:] = [_logged]
_logger.setLevel(logging.DEBUG)
_logger.propagate = False


def _load_codecs() -> dict[str, FamilyCodec]:
    codecs = {}
    for name in FAMILIES:
        path = SPECS / f"{name}.yaml"
        if not path.is_file():
            raise RuntimeError(f"kernel spec {path} not found (set KERNEL_SPECS)")
        codecs[name] = FamilyCodec(load_spec(path))
    return codecs


CODECS = _load_codecs()


def _load_pure_codecs() -> dict[str, FamilyCodec]:
    """The same codecs on the pure path, to hold the compiled walk to (none without it)."""
    from genetlink.codec import native

    if native.accelerator() is None:
        return {}
    saved = os.environ.get("GENETLINK_PURE")
    os.environ["GENETLINK_PURE"] = "1"
    try:
        return {name: FamilyCodec(codec.family) for name, codec in CODECS.items()}
    finally:
        if saved is None:
            del os.environ["GENETLINK_PURE"]
        else:
            os.environ["GENETLINK_PURE"] = saved


PURE_CODECS = _load_pure_codecs()


def split(data: bytes) -> tuple[str, str, list[bytes]]:
    """(family, mode, datagrams) of an input."""
    if not data:
        return FAMILIES[0], MODES[0], []
    selector = data[0]
    family = FAMILIES[(selector & 0x0F) % len(FAMILIES)]
    mode = MODES[(selector >> 4) % len(MODES)]
    return family, mode, data[1:].split(SEP)[:MAX_DATAGRAMS]


def make_input(family: str, mode: str, datagrams: list[bytes]) -> bytes:
    """The input that `split` takes apart again (for seeds and reproductions)."""
    selector = FAMILIES.index(family) | MODES.index(mode) << 4
    return bytes([selector]) + SEP.join(datagrams)


def check(data: bytes) -> None:
    """One fuzz input through every entry point; raises Finding on an undocumented error."""
    family, mode, datagrams = split(data)
    codec = CODECS[family]
    policy = nlctrl.Policy()
    _logged.exceptions.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NetlinkWarnings of fuzzed ext-ACK texts
        for datagram in datagrams:
            messages: list[Message] = []
            with entry("parse_messages", DecodeError):
                messages = parse_messages(datagram)
            for msg in messages[:MAX_MESSAGES]:
                check_message(msg, codec, policy)
        check_policy(policy, datagrams)
        check_engine(mode, codec, datagrams)
    if _logged.exceptions:
        where, error = _logged.exceptions[0]
        raise Finding(f"logged ({where})", error)


# -- one message ----------------------------------------------------------------------------


def check_message(msg: Message, codec: FamilyCodec, policy: nlctrl.Policy) -> None:
    with entry("Message"):
        repr(msg)
        _ = msg.payload, msg.raw(), msg.length
    # Attrs from the payload start and from where the family's attributes start (after the
    # genlmsghdr, or the rtnetlink struct of the message's operation)
    for offset in {0, _attrs_offset(msg, codec)}:
        start = msg.payload_start + offset
        if start <= msg.end:
            check_attrs(msg.data, start, msg.end)
    check_ack(msg)
    check_genl(msg)
    check_nlctrl(msg, policy)
    check_decoded(msg, codec)


def _attrs_offset(msg: Message, codec: FamilyCodec) -> int:
    family = codec.family
    if family.is_genetlink:
        return 4
    op = codec.reply_op(msg.type)
    if op is None or op.fixed_header is None:
        return 0
    return (op.fixed_header_size + 3) & ~3


def check_attrs(data: bytes, start: int, end: int) -> None:
    with entry("iter_attrs", DecodeError):
        for _ in iter_attrs(data, start, end):
            pass
    attrs = Attrs(data, start, end)
    numbers: list[int] = []
    with entry("Attrs", DecodeError):
        numbers = list(attrs)
        len(attrs)
        repr(attrs)
        for _ in attrs.items():
            pass
    getters: list[Callable[[int], Any]] = [
        attrs.span, attrs.flags, attrs.get, attrs.get_all, attrs.u8, attrs.u16, attrs.u32,
        attrs.u64, attrs.s8, attrs.s16, attrs.s32, attrs.s64, attrs.uint, attrs.sint,
        attrs.string, attrs.flag,
    ]  # fmt: skip
    for i, number in enumerate(numbers[:MAX_NUMBERS]):
        for k in range(GETTERS_PER_NUMBER):  # a rotating few per number: all over many inputs
            getter = getters[(number + i + k * 5) % len(getters)]
            with entry(f"Attrs.{getter.__name__}", DecodeError):
                getter(number)
        with entry("Attrs.nested", DecodeError):
            inner = attrs.nested(number)
            if inner is not None:
                list(inner)
                repr(inner)
        with entry("Attrs.array", DecodeError):
            for item in attrs.array(number):
                list(item)
        with entry("decode_policy", DecodeError):
            inner = attrs.nested(number)
            if inner is not None:
                decode_policy(inner)
    with entry("decode_policy", DecodeError):
        decode_policy(attrs)
    # attr_path for every attribute header (and a few offsets that are none)
    targets = {start - 4, start + 1, end, end + 4}
    with entry("iter_attrs", DecodeError):
        for _, s, _e in iter_attrs(data, start, end):
            targets.add(s - 4)
            targets.add(s)
    for target in sorted(targets)[:10]:
        with entry("attr_path", DecodeError):
            path = attr_path(data, start, end, target)
            if not all(isinstance(n, int) for n in path):
                raise AssertionError(f"attr_path gave {path!r}")


def check_ack(msg: Message) -> None:
    for name, parse in (("parse_error", parse_error), ("parse_done", parse_done)):
        with entry(name, DecodeError):
            ack = parse(msg)
            with entry(f"{name}: Ack.exception"):
                error = ack.exception(operation="fuzz", seq=msg.seq, request=msg.raw())
                str(error)
                repr(error)
                _ = error.errno, error.strerror
            if ack.request is not None and ack.bad_offset is not None:
                echoed = msg.payload_start + 4
                with entry(f"{name}: attr_path of the echoed request", DecodeError):
                    attr_path(msg.data, echoed + 16, msg.end, echoed + ack.bad_offset)


def check_genl(msg: Message) -> None:
    with entry("genl_command", DecodeError):
        genl_command(msg)
    for hdrsize in (0, 4):
        with entry("GenlMessage", DecodeError):
            genl = GenlMessage(msg, hdrsize)
            _ = genl.family_id, genl.cmd, genl.version, genl.header
            list(genl.attrs)
            repr(genl)


def check_nlctrl(msg: Message, policy: nlctrl.Policy) -> None:
    with entry("decode_family", DecodeError):
        info = nlctrl.decode_family(msg)
        with entry("FamilyInfo", nlctrl.GroupNotFound):
            json.dumps(info.to_dict())
            repr(info)
            for op in info.ops:
                info.op(op.id)
                _ = op.flag_names
            for group in info.groups:
                info.group(group.name)
            info.group("no such group")
    with entry("family_event", DecodeError):
        nlctrl.family_event(msg, "ethtool")
    with entry("decode_policy_message", DecodeError):
        entries: list[tuple[int, nlctrl.OpPolicy]] = []
        nlctrl.decode_policy_message(msg, policy, entries)


def check_policy(policy: nlctrl.Policy, datagrams: list[bytes]) -> None:
    """The Policy built from every GETPOLICY message of the input: rendering, lookups, and
    validating request bodies (the input's own messages) against it."""
    with entry("Policy"):
        json.dumps(policy.to_dict())
        repr(policy)
        for attrs in policy.sets.values():
            for attr_policy in attrs.values():
                str(attr_policy)
    if not policy.ops and not policy.sets:
        return
    bodies: list[bytes] = []
    for datagram in datagrams:
        with contextlib.suppress(DecodeError):
            bodies += [m.data[m.payload_start + 4 : m.end] for m in parse_messages(datagram)]
    op_ids = list(policy.ops)[:8] or [0]
    for op_id in op_ids:
        for mode in ("do", "dump"):
            with entry("Policy.op"):
                policy.op(op_id, mode)
            for body in bodies[:8]:
                for strict in (True, False):
                    with entry("validate_request", EncodeError, DecodeError):
                        validate_request(policy, op_id, mode, body, strict=strict,
                                         namer=lambda numbers: ".".join(map(str, numbers)))


def check_decoded(msg: Message, codec: FamilyCodec) -> None:
    with entry("FamilyCodec.decode", DecodeError):
        decoded = codec.decode(msg)
        check_mapping(decoded, codec)
    pure = PURE_CODECS.get(codec.family.name)
    if pure is not None:
        compiled, reference = _outcome(codec, msg), _outcome(pure, msg)
        if compiled != reference:
            raise Finding("compiled walk", AssertionError(
                f"compiled {compiled[:300]} != pure {reference[:300]}"))  # fmt: skip


def _outcome(codec: FamilyCodec, msg: Message) -> str:
    """A full decode's value (its repr, so types count) or its DecodeError, as text."""
    try:
        return repr(codec.decode(msg).to_dict())
    except DecodeError as exc:
        return f"DecodeError: {exc}"


def check_mapping(decoded: Any, codec: FamilyCodec) -> None:
    """Decoded's lazy access, then the full decode, repr and JSON rendering."""
    with entry("Decoded lazy access", DecodeError):
        _ = decoded.header, decoded.op
        list(decoded.attrs)
        set_name = decoded._set
        if set_name is not None:
            for name, (spec_name, _, _) in codec.tables.lazy_entries(set_name).items():
                if name != spec_name:
                    continue  # the snake_case alias of a name
                decoded.get(name)
                _ = name in decoded
        decoded.get(1)
    with entry("Decoded.to_dict", DecodeError):
        full = decoded.to_dict()
        for key in full:
            _ = decoded[key]
        len(decoded)
        with entry("repr(Decoded)"):
            repr(decoded)
        with entry("jsonable + json.dumps"):
            json.dumps(jsonable(full))
    with entry("FamilyCodec.name_path"):
        set_name = decoded._set
        numbers = [n for n, _, _ in decoded.attrs.items()][:4] if _spans(decoded) else []
        codec.name_path(set_name, numbers)
        codec.name_path(set_name, [*numbers, 1, 2, 3])


def _spans(decoded: Any) -> bool:
    try:
        list(decoded.attrs.items())
    except DecodeError:
        return False
    return True


# -- the engine and the exchanges -----------------------------------------------------------


def check_engine(mode: str, codec: FamilyCodec, datagrams: list[bytes]) -> None:
    first = datagrams[0] if datagrams else b""
    seq, port = struct.unpack_from("=II", first, 8) if len(first) >= 16 else (1, 1)
    user = mode == "user"
    engine = Engine(port=port, first_seq=seq or 1, kernel_peer=not user, max_queued=16,
                    dump_retries=1)  # fmt: skip
    # the exchange's messages go through the codec, as a handle decodes replies
    decode = _decoder(codec)
    if mode == "two":
        check_two(engine, datagrams, decode)
        return
    peer = 4242 if user else 0
    family_id = struct.unpack_from("=H", first, 4)[0] if len(first) >= 6 else 16
    exchanges: dict[str, Callable[[], ex.Exchange[Any]]] = {
        "do": lambda: ex.request(engine, family_id, b"\x03\x01\x00\x00", operation="fuzz-do"),
        "dump": lambda: ex.dump(engine, family_id, b"\x03\x01\x00\x00", operation="fuzz-dump"),
        "stream": lambda: ex.stream(engine, family_id, b"\x03\x01\x00\x00", decode=decode,
                                    operation="fuzz-stream"),
        "notify": lambda: ex.notifications(engine, 0),
        "user": lambda: ex.request(engine, family_id, b"ping", ack=False, port=peer),
    }
    groups = 1 if mode == "notify" else 0
    exchange = exchanges[mode]()
    delivered = drive(engine, exchange, datagrams, peer, groups)
    for item in delivered:
        for one in item if isinstance(item, list) else [item]:  # a Response is a list
            if isinstance(one, Message):
                decode(one)
            elif hasattr(one, "to_dict"):
                check_mapping(one, codec)
    drain_notifications(engine, decode)
    if engine.pending:
        raise Finding("Engine", AssertionError(f"requests left pending: {engine.pending}"))


def _decoder(codec: FamilyCodec) -> Callable[[Message], Any]:
    def decode(msg: Message) -> Any:
        with entry("FamilyCodec.decode (engine)", DecodeError):
            decoded = codec.decode(msg)
            with entry("Decoded.to_dict (engine)", DecodeError):
                json.dumps(jsonable(decoded.to_dict()))
            return decoded
        return None

    return decode


def drive(engine: Engine, exchange: ex.Exchange[Any], datagrams: list[bytes], port: int,
          groups: int) -> list[Any]:  # fmt: skip
    """Carry out an exchange's instructions as a socket would, the datagrams being what the
    socket reads; when they run out, the wait times out.

    Invariants checked: a request that was sent once and saw a malformed datagram while it
    waited (one that does not parse: its answer may be in it) must not succeed; a malformed
    multicast datagram must be reported to the notification consumer as an Overrun."""
    delivered: list[Any] = []
    queue = list(datagrams)
    outcome: BaseException | None = None
    sent = 0
    malformed = 0
    finished = False
    first_seq: int | None = None
    with entry("exchange", GenetlinkError, TimeoutError):
        while True:
            instruction = ex.step(exchange, outcome)
            outcome = None
            if isinstance(instruction, ex.Finished):
                delivered.append(instruction.value)
                finished = True
                break
            if isinstance(instruction, ex.Send):
                sent += 1
                if sent > 8:
                    raise Finding("exchange", AssertionError("more than 8 sends for one input"))
                if len(instruction.data) >= 16:
                    now = struct.unpack_from("=I", instruction.data, 8)[0]
                    if first_seq is None:
                        first_seq = now
                    elif now != first_seq:  # a repeated dump: the kernel answers the new seq
                        queue = [_readdress(d, first_seq, now) for d in queue]
                        first_seq = now
            elif isinstance(instruction, ex.Drain):
                delivered.extend(ex.drain(instruction))
            elif isinstance(instruction, ex.Deliver):
                delivered.extend(instruction.items)
            else:
                while not instruction.ready() and queue:
                    datagram = queue.pop(0)
                    malformed += not _parses(datagram)
                    with entry("Engine.feed"):
                        engine.feed(datagram, port, groups)
                if not instruction.ready():
                    outcome = ex.timed_out(instruction)
    exchange.close()
    if malformed and groups and not any(isinstance(i, Overrun) for i in delivered):
        raise Finding("Engine (notifications)", AssertionError(
            f"{malformed} malformed multicast datagram(s) dropped without an Overrun event"))
    if malformed and finished and not groups and sent == 1:
        raise Finding("exchange (incomplete result)", AssertionError(
            f"the request succeeded although {malformed} datagram(s) that may have held its "
            "answer did not parse"))
    return delivered


def _readdress(datagram: bytes, old: int, new: int) -> bytes:
    """The datagram with every message header that says seq `old` saying `new`."""
    buf = bytearray(datagram)
    offset = 0
    while len(buf) - offset >= 16:
        length = struct.unpack_from("=I", buf, offset)[0]
        if struct.unpack_from("=I", buf, offset + 8)[0] == old:
            struct.pack_into("=I", buf, offset + 8, new)
        if length < 16:
            break
        offset += (length + 3) & ~3
    return bytes(buf)


def _parses(datagram: bytes) -> bool:
    try:
        parse_messages(datagram)
    except DecodeError:
        return False
    return True


def check_two(engine: Engine, datagrams: list[bytes], decode: Callable[[Message], Any]) -> None:
    """A do and a dump in flight at once, fed the datagrams directly; then both finished."""

    def build(flags: int) -> Callable[[int], bytes]:
        return lambda seq: build_message(20, flags, seq, engine.port, b"\x03\x01\x00\x00")

    do = engine.start("do", build(c.NLM_F_REQUEST | c.NLM_F_ACK), "fuzz-do")
    dump = engine.start_dump(build(c.NLM_F_REQUEST | c.NLM_F_ACK | c.NLM_F_DUMP), "fuzz-dump")
    requests = [do] + ([dump] if dump is not None else [])
    for datagram in datagrams:
        with entry("Engine.feed"):
            for request in engine.feed(datagram):
                if not request.done:
                    raise AssertionError(f"feed returned {request} unfinished")
    for request in requests:
        if request.done:
            with entry("Engine.finish", GenetlinkError):
                for msg in engine.finish(request):
                    decode(msg)
        else:
            engine.abandon(request)
    drain_notifications(engine, decode)


def drain_notifications(engine: Engine, decode: Callable[[Message], Any]) -> None:
    while engine.notifications:
        item = engine.notifications.popleft()
        if isinstance(item, Message):
            decode(item)
            with entry("GenlMessage (notification)", DecodeError):
                repr(GenlMessage(item))
        elif not isinstance(item, Overrun):
            raise Finding("Engine.notifications", TypeError(f"queued {item!r}"))


# -- structure-aware mutation ---------------------------------------------------------------


def _walk(data: bytearray, start: int, end: int, chain: list[int], out: list[list[int]],
          depth: int = 0) -> bool:  # fmt: skip
    """Collect the header offsets of every attribute in data[start:end], with the chain of
    enclosing headers; nests are found by NLA_F_NESTED or by a payload that walks cleanly."""
    offset = start
    found: list[tuple[int, int, int]] = []
    while end - offset >= 4:
        length, kind = struct.unpack_from("=HH", data, offset)
        if length < 4 or offset + length > end:
            return False
        found.append((offset, length, kind))
        offset = (offset + length + 3) & ~3
    if offset < end and end - offset >= 4:
        return False
    for header, length, kind in found:
        here = [*chain, header]
        out.append(here)
        if depth < 6 and length >= 8:
            inner: list[list[int]] = []
            if _walk(data, header + 4, header + length, here, inner, depth + 1) and (
                kind & c.NLA_F_NESTED or len(inner) >= 1
            ):
                out.extend(inner)
    return True


def attribute_chains(datagram: bytes) -> list[tuple[int, list[int]]]:
    """(message index, chain of attribute header offsets) for every attribute found."""
    try:
        messages = parse_messages(datagram)
    except DecodeError:
        return []
    buf = bytearray(datagram)
    out: list[tuple[int, list[int]]] = []
    for index, msg in enumerate(messages):
        for offset in (4, 8, 12, 16, 0):
            chains: list[list[int]] = []
            start = msg.payload_start + offset
            if start <= msg.end and _walk(buf, start, msg.end, [], chains) and chains:
                out += [(index, chain) for chain in chains]
                break
    return out


def edit_attribute(datagram: bytes, index: int, chain: list[int], action: str,
                   size: int = 0, fill: bytes = b"\0") -> bytes:  # fmt: skip
    """Resize ("resize", to `size` payload bytes), duplicate ("dup") or delete ("del") the
    attribute at chain[-1] of message `index`, fixing every enclosing length; the datagram
    unchanged when that cannot be done."""
    buf = bytearray(datagram)
    msg = parse_messages(datagram)[index]
    target = chain[-1]
    length, kind = struct.unpack_from("=HH", buf, target)
    span = (length + 3) & ~3
    if action == "resize":
        if 4 + size > 0xFFFF:
            return datagram
        old = length - 4
        payload = bytes(buf[target + 4 : target + 4 + min(old, size)]) + fill * max(0, size - old)
        new = struct.pack("=HH", 4 + size, kind) + payload + b"\0" * (-(4 + size) & 3)
    elif action == "dup":
        new = bytes(buf[target : target + span]) * 2
    else:
        new = b""
    delta = len(new) - span
    buf[target : target + span] = new
    for header in chain[:-1]:  # the enclosing nests
        old_len = struct.unpack_from("=H", buf, header)[0]
        if not 4 <= old_len + delta <= 0xFFFF:
            return datagram
        struct.pack_into("=H", buf, header, old_len + delta)
    struct.pack_into("=I", buf, msg.start, msg.length + delta)
    return bytes(buf)


SIZES = (0, 1, 2, 3, 5, 7, 9, 15, 17, 33, 100, 255, 1000, 2000, 4000, 20000)


def mutate_structure(datagram: bytes, rng: Any) -> bytes:
    """Resize, duplicate or delete one attribute of one message, keeping every enclosing
    length (nests and nlmsg_len) consistent, so the change survives the outer parsers and
    reaches the decoders: a u32 of 2,000 bytes, a nest with an extra copy of a member."""
    chains = attribute_chains(datagram)
    if not chains:
        return datagram
    index, chain = rng.choice(chains)
    action = rng.choice(("resize", "resize", "dup", "del"))
    fill = rng.choice((b"\0", b"\xff", b"\x01", b"A"))
    return edit_attribute(datagram, index, chain, action, rng.choice(SIZES), fill)


def mutate_input(data: bytes, rng: Any) -> bytes:
    """`mutate_structure` on one datagram of a fuzz input."""
    if not data:
        return data
    datagrams = data[1:].split(SEP)
    i = rng.randrange(len(datagrams))
    datagrams[i] = mutate_structure(datagrams[i], rng)
    return data[:1] + SEP.join(datagrams)


# -- helpers for the runner and the tests ----------------------------------------------------

SEEDS = HERE / "seeds"
REGRESSIONS = HERE / "regressions"


def _seed_family(label: str) -> str:
    """The codec for a seed label ("rt-addr--getaddr-dump-v4", "ack--ethtool-enodev")."""
    head, _, rest = label.partition("--")
    if head == "ack":
        return next((f for f in FAMILIES if rest.startswith(f)), "nlctrl")
    return head if head in FAMILIES else "nlctrl"


def _seed_modes(label: str) -> tuple[str, ...]:
    if "--ntf" in label:
        return ("notify",)
    if "dump" in label or "getpolicy" in label or "strict-header" in label:
        return ("dump", "stream")
    return ("do", "two")


def seed_inputs(directory: Path = SEEDS) -> dict[str, bytes]:
    """Fuzz inputs made from the captured datagrams: each datagram alone, and all the
    datagrams of one capture together, in the modes that capture belongs to."""
    labels: dict[str, list[bytes]] = {}
    for path in sorted(directory.glob("*.bin")):
        label = path.name.rsplit("--", 1)[0]
        labels.setdefault(label, []).append(path.read_bytes())
    inputs: dict[str, bytes] = {}
    for label, datagrams in labels.items():
        family = _seed_family(label)
        for mode in _seed_modes(label):
            inputs[f"{label}--{mode}"] = make_input(family, mode, datagrams)
            if len(datagrams) > 1:
                for i, datagram in enumerate(datagrams):
                    inputs[f"{label}--{mode}--{i}"] = make_input(family, mode, [datagram])
    return inputs


def regression_inputs(directory: Path = REGRESSIONS) -> dict[str, bytes]:
    """Inputs that once found a bug (tests/fuzz/regressions/*.bin, harness inputs as is)."""
    return {p.name: p.read_bytes() for p in sorted(directory.glob("*.bin"))}


def describe(data: bytes) -> str:
    """A one-line summary of an input: family, mode, datagram sizes."""
    family, mode, datagrams = split(data)
    return f"{family}/{mode}: datagrams of {[len(d) for d in datagrams]} bytes"


def reproduction(data: bytes) -> str:
    """Python that replays `data` through the harness (for reports); runs of one byte are
    written as multiplications, so a 2,000-byte attribute stays one line."""
    parts: list[str] = []
    i = 0
    while i < len(data):
        j = i
        while j < len(data) and data[j] == data[i]:
            j += 1
        if j - i >= 16:
            parts.append(f"bytes([{data[i]}]) * {j - i}")
            i = j
            continue
        k = i
        while k < len(data):  # up to the next long run
            m = k
            while m < len(data) and data[m] == data[k]:
                m += 1
            if m - k >= 16:
                break
            k = m
        parts.append(f"bytes.fromhex({data[i:k].hex()!r})")
        i = k
    out = io.StringIO()
    out.write("import sys; sys.path.insert(0, 'tests/fuzz'); import harness\n")
    expression = " + ".join(parts) or "b''"
    out.write(f"harness.check({expression})\n")
    return out.getvalue()

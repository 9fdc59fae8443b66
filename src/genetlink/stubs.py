"""Typed stubs from a family's spec: `genetlink stubs netdev` writes netdev_stubs.py, which
makes mypy and pyright check operation names, attribute names and value types.

    import netdev_stubs
    from genetlink import open_family

    with netdev_stubs.typed(open_family("netdev")) as netdev:      # a NetdevHandle
        dev = netdev.do("dev-get", {"ifindex": 1})                 # DevAttrsMessage | None
        if dev is not None:
            index: int = dev["ifindex"]
        names = [d["xdp-features"] for d in netdev.dump("dev-get")]

What a generated module holds:
- a TypedDict per attribute set and struct (total=False, kebab-case keys, so the functional
  syntax), and one per fixed header followed by a set (rt-link's ifinfomsg + link-attrs):
  request values, and what nests, structs and sub-messages decode to (plain dicts);
- a Literal alias per enum, and per sub-message the union of its formats (or bytes);
- per message kind a view (`DevAttrsMessage`): a Protocol with `__getitem__`/`get`
  overloaded by key. A reply is a `Decoded`, a read-only lazy Mapping: typed as a TypedDict
  it would promise what it lacks (item assignment, `copy`, `|`), and `FamilyHandle[Decoded]`
  could not be given the stub's type without a cast. `Decoded` satisfies the views as is;
- `Op`/`DoOp`/`DumpOp`/`Group` Literals, and the handle Protocols `NetdevHandle` and
  `AsyncNetdevHandle` with an overload per kind of request, which `FamilyHandle[Decoded]`
  and `AsyncFamilyHandle[Decoded]` satisfy (the generated module proves it when type
  checked: `typed` returns its argument unchanged, with no cast).

Value types are what `codec.decode` produces, which the encoder takes back: integers int,
enums a Literal of their names | int (unknown values stay numbers), flags a list of those,
strings str, binary bytes, IP addresses (display hints ipv4/ipv6/ipv4-or-v6) their text
(str; bytes for other lengths), MACs str, UUIDs uuid.UUID, flag attributes bool, bitfield32 a
Bitfield32, multi-attr and arrays lists, nest-type-value dicts keyed by number. Not typed:
payloads of a width their type cannot have (a `Mismatched`, bytes), attributes the spec does
not name (keyed by number), snake_case names and numeric operations (all accepted at run
time).
"""

from __future__ import annotations

import itertools
import json
import keyword
import os
import re
from collections.abc import ItemsView, Iterable, Iterator, KeysView, Sequence, ValuesView
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, overload

from genetlink.codec.names import HEADER_PREFIX, header_clashes
from genetlink.schema.model import Attribute, Family, Operation
from genetlink.schema.types import SCALAR_SIZES, VARIABLE_INTEGERS

if TYPE_CHECKING:
    from genetlink.genl.nlctrl import FamilyInfo

_T_co = TypeVar("_T_co", covariant=True)


# -- what generated modules build on ----------------------------------------------------------


class MessageView(Protocol):
    """What every decoded message offers besides its keys (a `Decoded` has all of it)."""

    @property
    def op(self) -> str | None: ...
    @property
    def header(self) -> dict[str, Any]: ...
    def to_dict(self) -> dict[str | int, Any]: ...
    def __contains__(self, key: object) -> bool: ...
    def __iter__(self) -> Iterator[str | int]: ...
    def __len__(self) -> int: ...
    def keys(self) -> KeysView[str | int]: ...
    def items(self) -> ItemsView[str | int, Any]: ...
    def values(self) -> ValuesView[Any]: ...


class RepliesView(Protocol[_T_co]):
    """`Replies` seen through a view type: `Replies` is invariant (a Sequence), so
    `Replies[Decoded]` is no `Replies[DevAttrsMessage]`; this read-only protocol is."""

    @property
    def warnings(self) -> list[str]: ...
    @overload
    def __getitem__(self, index: int) -> _T_co: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[_T_co]: ...
    def __iter__(self) -> Iterator[_T_co]: ...
    def __len__(self) -> int: ...


class HandleView(Protocol):
    """The members of a family handle that do not depend on the family or the front."""

    @property
    def name(self) -> str: ...
    @property
    def id(self) -> int | None: ...
    @property
    def info(self) -> FamilyInfo | None: ...
    @property
    def groups(self) -> dict[str, int]: ...
    @property
    def subscriptions(self) -> dict[str, int]: ...
    def close(self) -> None: ...


class SyncHandleView(HandleView, Protocol):
    """`HandleView` of a blocking handle."""

    def resolve(self) -> FamilyInfo | None: ...
    def __exit__(self, *exc: object) -> None: ...


class AsyncHandleView(HandleView, Protocol):
    """`HandleView` of an asyncio handle."""

    async def resolve(self) -> FamilyInfo | None: ...
    async def __aexit__(self, *exc: object) -> None: ...


# -- source layout ----------------------------------------------------------------------------

_WIDTH = 100  # the line length generated code keeps to (ruff's E501 at the default config)


@dataclass(frozen=True, slots=True)
class _Group:
    """Bracketed items, on one line when they fit, else one per line (as black lays out).
    `sep` "|" makes a union: broken, it is wrapped in parentheses, one `| item` a line."""

    head: str
    items: tuple[_Node, ...]
    tail: str
    sep: str = ","


_Node = str | _Group


def _flat(node: _Node) -> str:
    if isinstance(node, str):
        return node
    joined = (", " if node.sep == "," else " | ").join(_flat(item) for item in node.items)
    return node.head + joined + node.tail


def _lines(node: _Node, indent: int, after: str = "") -> list[str]:
    """`node` at `indent` columns, `after` appended to its last line."""
    pad = " " * indent
    flat = _flat(node)
    if isinstance(node, str) or not node.items or len(pad + flat + after) <= _WIDTH:
        return [pad + flat + after]
    if node.sep == ",":
        inner = [line for item in node.items for line in _lines(item, indent + 4, ",")]
        return [pad + node.head, *inner, pad + node.tail + after]
    union = [f"{pad}    {'| ' if i else ''}{_flat(item)}" for i, item in enumerate(node.items)]
    return [f"{pad}{node.head}(", *union, f"{pad}){node.tail}{after}"]


def _q(text: str) -> str:
    """A Python string literal in double quotes (a JSON string is one)."""
    return json.dumps(text)


def _literal(head: str, names: Iterable[str], tail: str = "]") -> _Group:
    """`head` + Literal["a", "b"] + `tail`; `head` ends with "Literal["."""
    return _Group(head, tuple(map(_q, names)), tail)


def _alias(name: str, names: Iterable[str]) -> list[str]:
    return _lines(_literal(f"{name}: TypeAlias = Literal[", names), 0)


def _union(*types: str) -> str:
    """`a | b` of type expressions, each member once (split at top-level `|` only)."""
    members: dict[str, None] = {}
    for expr in types:
        depth = start = 0
        for i, char in enumerate(expr):
            if char == "[":
                depth += 1
            elif char == "]":
                depth -= 1
            elif char == "|" and depth == 0:
                members[expr[start:i].strip()] = None
                start = i + 1
        members[expr[start:].strip()] = None
    return " | ".join(members)


def camel(name: str) -> str:
    """`rtnl-link-stats64` -> `RtnlLinkStats64`: a class name from a spec name."""
    text = "".join(part[:1].upper() + part[1:] for part in re.split(r"[^0-9A-Za-z]+", name))
    return f"X{text}" if text[:1].isdigit() else text


def module_name(family: Family) -> str:
    """The module `genetlink stubs` writes for `family`: rt-link -> rt_link_stubs."""
    return re.sub(r"\W", "_", family.name.lower()) + "_stubs"


# -- the generator ----------------------------------------------------------------------------

_ADDRESS_HINTS = frozenset({"ipv4", "ipv6", "ipv4-or-v6"})
#: What a generated module may import, in the order ruff's isort keeps (stdlib, then ours).
_IMPORTS = (
    ("collections.abc", ("AsyncIterator", "Iterator")),
    ("typing", ("Literal", "Protocol", "TypeAlias", "TypedDict", "TypeVar", "Unpack", "overload")),
    ("uuid", ("UUID",)),
    ("genetlink", ("AsyncFamilyHandle", "CallOptions", "Decoded", "FamilyHandle", "Message",
                   "Overrun")),
    ("genetlink.stubs", ("AsyncHandleView", "MessageView", "RepliesView", "SyncHandleView")),
    ("genetlink.wire.codecs", ("Bitfield32",)),
)  # fmt: skip
#: Names of a generated module that are not made from spec names.
_FIXED = frozenset({name for _, names in _IMPORTS for name in names} | {
    "AnyMessage", "Notification", "Op", "DoOp", "DumpOp", "Group", "typed", "annotations"})

#: A kind of message: (fixed header struct, attribute set), the decoder's unit of keys.
_Kind = tuple[str | None, str | None]


class _Stubs:
    """One family's module, built section by section (names are given in spec order)."""

    def __init__(self, family: Family) -> None:
        self.family = family
        self.taken = set(_FIXED)
        self.enums: dict[str, str] = {}
        self.dicts: dict[_Kind, str] = {}
        self.views: dict[_Kind, str] = {}
        self.unions: dict[str, str] = {}
        self.sections: dict[str, list[list[str]]] = {
            "enums": [], "dicts": [], "unions": [], "views": []}  # fmt: skip

    def name(self, preferred: str, suffix: str) -> str:
        """A class name not used yet: `preferred`, else with `suffix`, else numbered."""
        candidates = itertools.chain((preferred, preferred + suffix),
                                     (f"{preferred}{suffix}{n}" for n in itertools.count(2)))
        found = next(c for c in candidates if c not in self.taken)
        self.taken.add(found)
        return found

    # -- value types, as codec.decode produces them ----------------------------------------------

    def enum(self, name: str | None, as_flags: bool) -> str:
        enum = self.family.enums.get(name or "")
        alias = self.enums.get(name or "", "int")
        if enum is not None and (as_flags or enum.is_flags):
            return f"list[{_union(alias, 'int')}]"
        return _union(alias, "int")

    def integer(self, type_name: str, hint: str | None, enum: str | None, as_flags: bool) -> str:
        if hint in _ADDRESS_HINTS:  # 4 or 16 bytes: the address's text; other widths numbers
            if type_name in VARIABLE_INTEGERS:
                return "str | int"
            return "str" if SCALAR_SIZES[type_name] in (4, 16) else "int"
        return "int" if enum is None else self.enum(enum, as_flags)

    @staticmethod
    def hinted_bytes(hint: str | None) -> str:
        if hint in ("mac", "fddi"):
            return "str"
        if hint in _ADDRESS_HINTS:
            return "str | bytes"  # bytes: a length that is no address
        return "UUID | bytes" if hint == "uuid" else "bytes"

    def nest(self, set_name: str | None) -> str:
        return "bytes" if set_name is None else self.typed_dict((None, set_name))

    def attribute(self, attr: Attribute) -> str:
        one = self.payload(attr, attr.type)
        return f"list[{one}]" if attr.multi_attr else one

    def payload(self, attr: Attribute, kind: str) -> str:
        """What one attribute of `attr` decodes to, read as type `kind`."""
        if kind == "flag":
            return "bool"
        if kind in SCALAR_SIZES or kind in VARIABLE_INTEGERS:
            return self.integer(kind, attr.display_hint, attr.enum, attr.enum_as_flags)
        if kind == "string":
            return "str"
        if kind == "bitfield32":
            return "Bitfield32"
        if kind == "binary" and attr.sub_type in SCALAR_SIZES:
            return "list[int]"  # a packed C array
        if kind == "binary" and attr.struct is not None:
            return self.typed_dict((attr.struct, None))
        if kind == "binary":
            return self.hinted_bytes(attr.display_hint)
        if kind == "nest":
            return self.nest(attr.nested_attributes)
        if kind == "indexed-array":
            sub = attr.sub_type or "binary"
            item = self.nest(attr.nested_attributes) if sub == "nest" else self.payload(attr, sub)
            return f"list[{item}]"
        if kind == "nest-type-value":
            inner = self.nest(attr.nested_attributes)
            for _ in range(max(1, len(attr.type_value))):
                inner = f"dict[int, {inner}]"
            return inner
        if kind == "sub-message":
            return self.unions.get(attr.sub_message or "", "bytes")
        return "bytes"

    def keys(self, kind: _Kind) -> dict[str, str]:
        """Key -> value type in a message of `kind`: header members ("header.NAME" where an
        attribute has the name, as `codec.names` keys them), then the set's attributes."""
        header, set_name = kind
        keys: dict[str, str] = {}
        if header is not None:
            clashes = header_clashes(self.family, header, set_name)
            for m in self.family.structs[header].members:
                if m.type in SCALAR_SIZES:
                    value = self.integer(m.type, m.display_hint, m.enum, m.enum_as_flags)
                elif m.type == "string":
                    value = "str"
                elif m.struct is not None:
                    value = self.typed_dict((m.struct, None))
                elif m.type != "pad":
                    value = self.hinted_bytes(m.display_hint)
                else:
                    continue
                keys[HEADER_PREFIX + m.name if m.name in clashes else m.name] = value
        if set_name is not None:
            for attr in self.family.attribute_sets[set_name].attributes.values():
                if attr.type not in ("pad", "unused"):  # the decoder skips these
                    keys[attr.name] = self.attribute(attr)
        return keys

    # -- definitions --------------------------------------------------------------------------

    def typed_dict(self, kind: _Kind) -> str:
        """The TypedDict of `kind`, defined on first use (sets may contain themselves: the
        name is taken before the values are typed)."""
        name = self.dicts.get(kind)
        if name is not None:
            return name
        header, set_name = kind
        set_part = camel(set_name) if set_name else ""
        if set_part and not set_part.endswith("Attrs"):
            set_part += "Attrs"
        name = self.dicts[kind] = self.name(camel(header or "") + set_part or "NoAttrs", "Dict")
        what = [f"struct {header}"] * bool(header) + [f"attribute set {set_name}"] * bool(set_name)
        doc = (", then ".join(what) or "nothing").capitalize() + "."
        self.sections["dicts"].append(_typed_dict(name, doc, self.keys(kind)))
        return name

    def define_enums(self) -> None:
        for enum in self.family.enums.values():
            if enum.values:
                alias = self.enums[enum.name] = self.name(camel(enum.name), "Enum")
                self.sections["enums"].append(_alias(alias, enum.values))

    def name_unions(self) -> None:
        """Sub-messages get their names before any set is typed: sets refer to them."""
        for sub in self.family.sub_messages.values():
            self.unions[sub.name] = self.name(camel(sub.name), "Formats")

    def define_unions(self) -> None:
        """A sub-message: one of its formats' TypedDicts, or bytes (no selector came, or a
        format the spec does not know)."""
        for sub in self.family.sub_messages.values():
            members = dict.fromkeys(self.typed_dict((f.fixed_header, f.attribute_set))
                                    for f in sub.formats.values())  # fmt: skip
            node = _Group(f"{self.unions[sub.name]}: TypeAlias = ", (*members, "bytes"), "", "|")
            self.sections["unions"].append(_lines(node, 0))

    def view(self, kind: _Kind) -> str:
        """The view of messages of `kind` (MessageView when they carry nothing)."""
        if kind == (None, None):
            return "MessageView"
        name = self.views.get(kind)
        if name is None:
            base = self.typed_dict(kind)
            name = self.views[kind] = self.name(f"{base}Message", "View")
            doc = f"A decoded message, read-only: the values of {base}."
            self.sections["views"].append(_view(name, doc, self.keys(kind)))
        return name

    def merged(self, name: str, doc: str, kinds: Iterable[_Kind]) -> list[str]:
        """A view of any of `kinds`: every key, typed as the union of its types."""
        keys: dict[str, str] = {}
        for kind in kinds:
            for key, value in self.keys(kind).items():
                keys[key] = _union(keys[key], value) if key in keys else value
        return _view(name, doc, keys)

    # -- the handles --------------------------------------------------------------------------

    def requests(self, ops: Iterable[Operation], mode: str) -> dict[tuple[str, str], list[str]]:
        """(request type, reply view) -> the names of the ops of `mode` that have them: one
        overload each."""
        out: dict[tuple[str, str], list[str]] = {}
        for op in ops:
            if getattr(op, mode) is not None:
                kind = (op.fixed_header, op.attribute_set)
                request = "None" if kind == (None, None) else f"{self.typed_dict(kind)} | None"
                out.setdefault((request, self.view(kind)), []).append(op.name)
        return out

    def handle(self, name: str, aio: bool, ops: list[Operation], groups: str) -> list[str]:
        """The Protocol of a handle on one front (blocking, or asyncio with `aio`)."""
        iterator = "AsyncIterator" if aio else "Iterator"
        opener = "await open_family_async(...)" if aio else "open_family(...)"
        lines = [f"class {name}({'Async' if aio else 'Sync'}HandleView, Protocol):",
                 f'    """A handle on {self.family.name}: `typed({opener})`."""', ""]
        for method, mode, result, awaited in (("do", "do", "{} | None", aio),
                                              ("do_all", "do", "RepliesView[{}]", aio),
                                              ("dump", "dump", iterator + "[{}]", False)):
            overloads = self.requests(ops, mode)
            for (request, view), names in overloads.items():
                params = ("self", _literal("op: Literal[", names), f"attrs: {request} = None",
                          "**options: Unpack[CallOptions]")  # fmt: skip
                sig = _Group(f"{'async ' * awaited}def {method}(", params,
                             f") -> {result.format(view)}: ...")  # fmt: skip
                lines += ["    @overload"] * (len(overloads) > 1) + _lines(sig, 4)
        listen = _Group("def notifications(", ("self", "timeout: float | None = None"),
                        f") -> {iterator}[Notification | Overrun]: ...")  # fmt: skip
        enter = "async def __aenter__" if aio else "def __enter__"
        return [*lines,
                f"    def subscribe(self, group: {groups}) -> int: ...",
                f"    def unsubscribe(self, group: {groups}) -> None: ...",
                *_lines(listen, 4),
                "    def decode(self, msg: Message) -> AnyMessage: ...",
                f"    {enter}(self) -> {name}: ..."]  # fmt: skip

    def render(self, module: str) -> str:
        family = self.family
        ops = list(family.operations.values())
        self.define_enums()
        self.name_unions()
        for struct in family.structs:
            self.typed_dict((struct, None))
        for set_name in family.attribute_sets:
            self.typed_dict((None, set_name))
        self.define_unions()
        kinds = dict.fromkeys((op.fixed_header, op.attribute_set) for op in ops)
        for kind in kinds:
            self.view(kind)
        events = dict.fromkeys((op.fixed_header, op.attribute_set)
                               for op in ops if op.is_notification)  # fmt: skip
        blocks = [*self.sections["enums"], *self.sections["dicts"], *self.sections["unions"],
                  *self.sections["views"],
                  self.merged("AnyMessage", "Any message of the family (see `decode`).", kinds),
                  self.merged("Notification", "A notification of the family.", events)
                  if events else ["Notification: TypeAlias = AnyMessage"]]  # fmt: skip
        for alias, names in (("Op", [op.name for op in ops]),
                             ("DoOp", [op.name for op in ops if op.do is not None]),
                             ("DumpOp", [op.name for op in ops if op.dump is not None]),
                             ("Group", list(family.mcast_groups))):  # fmt: skip
            if names:
                blocks.append(_alias(alias, names))
        groups = "Group | int" if family.mcast_groups else "int"
        sync = f"{camel(family.name)}Handle"
        blocks += [self.handle(sync, False, ops, groups), self.handle(f"Async{sync}", True, ops,
                   groups), _typed(family.name, sync, f"Async{sync}")]  # fmt: skip
        if any(re.search(r"\b_D\b", line) for block in blocks for line in block):
            blocks.insert(0, ['_D = TypeVar("_D")'])
        code = "\n".join(blocks[0])
        for before, block in itertools.pairwise(blocks):
            apart = any(b[0].startswith(("class ", "def ", "@")) for b in (before, block))
            code += "\n\n\n" if apart else "\n\n"
            code += "\n".join(block)
        variable = re.sub(r"\W", "_", family.name)
        head = [
            f'"""Typed stubs of the {family.name} family, made by `genetlink stubs` from '
            f"{Path(family.source).name}.",
            "",
            f"    {variable} = {module}.typed(open_family({_q(family.name)}))",
            "",
            "Generated: run `genetlink stubs` again rather than edit.",
            '"""',
            "",
            "from __future__ import annotations",
            "",
            *_import_lines(code),
        ]  # fmt: skip
        return "\n".join(head) + "\n\n" + code + "\n"


def _typed_dict(name: str, doc: str, keys: dict[str, str]) -> list[str]:
    """A TypedDict: the class syntax where every key can be a field, else the functional one
    (kebab-case keys; a key named like a type it uses, which a field would shadow)."""
    used = set(re.findall(r"\w+", " ".join(keys.values())))
    fields = [key.isidentifier() and not keyword.iskeyword(key) for key in keys]
    if all(fields) and not used & set(keys):
        return [f"class {name}(TypedDict, total=False):", f'    """{doc}"""',
                *([""] if keys else []), *(f"    {key}: {value}" for key, value in keys.items())]
    items = tuple(f"{_q(key)}: {_q(value)}" for key, value in keys.items())
    node = _Group(f"{name} = TypedDict(", (_q(name), _Group("{", items, "}"), "total=False"), ")")
    lines = _lines(node, 0)
    if all(fields):  # only the shadowing keeps ruff's UP013 from being right
        lines[0] += "  # noqa: UP013"
    return [f"# {doc}", *lines]


def _key(names: Iterable[str]) -> _Group:
    return _literal("key: Literal[", names)


def _view(name: str, doc: str, keys: dict[str, str]) -> list[str]:
    """A Protocol that reads `keys` (key -> type): `__getitem__` and `get` overloaded by the
    keys' types (one overload per type, not per key)."""
    by_type: dict[str, list[str]] = {}
    for key, value in keys.items():
        by_type.setdefault(value, []).append(key)
    lines = [f"class {name}(MessageView, Protocol):", f'    """{doc}"""']
    if by_type:
        lines.append("")
    for value, names in by_type.items():
        sig = _Group("def __getitem__(", ("self", _key(names)), f") -> {value}: ...")
        lines += ["    @overload"] * (len(by_type) > 1) + _lines(sig, 4)
    for value, names in by_type.items():
        for default, result in (("default: None = None", "None"), ("default: _D", "_D")):
            sig = _Group("def get(", ("self", _key(names), default),
                         f") -> {_union(value, result)}: ...")  # fmt: skip
            lines += ["    @overload", *_lines(sig, 4)]
    return lines


def _typed(family: str, sync: str, aio: str) -> list[str]:
    """`typed(handle)`: the handle as the stubs type it. Type checking the generated module
    checks that the library's handles satisfy the Protocols (no cast in the body)."""
    either = "FamilyHandle[Decoded] | AsyncFamilyHandle[Decoded]"
    return [
        "@overload",
        f"def typed(handle: FamilyHandle[Decoded]) -> {sync}: ...",
        "@overload",
        f"def typed(handle: AsyncFamilyHandle[Decoded]) -> {aio}: ...",
        *_lines(_Group("def typed(", (f"handle: {either}",), f") -> {sync} | {aio}:"), 0),
        f'    """The {family} handle `handle`, typed by this module (the same object)."""',
        f"    if handle.name != {_q(family)}:",
        f'        raise ValueError(f"typed(): a handle on {{handle.name}}, not {family}")',
        "    return handle",
    ]


def _import_lines(code: str) -> list[str]:
    """The imports that `code` uses."""
    used = set(re.findall(r"[A-Za-z_]\w*", code))
    lines: list[str] = []
    for module, names in _IMPORTS:
        wanted = [name for name in names if name in used]
        if module == "genetlink" and lines:
            lines.append("")
        if wanted:
            lines += _lines(_Group(f"from {module} import ", tuple(wanted), ""), 0)
    return lines


def render_stubs(family: Family, *, module: str | None = None) -> str:
    """The source of the typed module for `family` (a loaded spec or a `declare_family`)."""
    return _Stubs(family).render(module or module_name(family))


def write_stubs(family: Family, directory: str | os.PathLike[str] = ".", *,
                module: str | None = None) -> Path:  # fmt: skip
    """Write `render_stubs(family)` to DIRECTORY/<module>.py (netdev_stubs.py); its path."""
    module = module or module_name(family)
    path = Path(directory) / f"{module}.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_stubs(family, module=module), encoding="utf-8")
    return path


__all__ = [
    "AsyncHandleView",
    "HandleView",
    "MessageView",
    "RepliesView",
    "SyncHandleView",
    "module_name",
    "render_stubs",
    "write_stubs",
]

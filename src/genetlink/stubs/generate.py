"""The generator: one family's typed module, section by section (see `genetlink.stubs`)."""

from __future__ import annotations

import itertools
import keyword
import os
import re
from collections.abc import Iterable
from pathlib import Path

from genetlink.codec.names import HEADER_PREFIX, header_clashes
from genetlink.schema.model import Attribute, Family, Operation
from genetlink.schema.types import SCALAR_SIZES, VARIABLE_INTEGERS
from genetlink.stubs.source import WIDTH, Group, camel, layout, literal, quote, type_alias, union


def module_name(family: Family) -> str:
    """The module `genetlink stubs` writes for `family`: rt-link -> rt_link_stubs."""
    return re.sub(r"\W", "_", family.name.lower()) + "_stubs"


_ADDRESS_HINTS = frozenset({"ipv4", "ipv6", "ipv4-or-v6"})
#: What a generated module may import, in the order ruff's isort keeps (stdlib, then ours).
_IMPORTS = (
    ("collections.abc", ("AsyncIterator", "Iterator")),
    ("typing", ("Literal", "Protocol", "TypeAlias", "TypedDict", "TypeVar", "Unpack", "overload")),
    ("uuid", ("UUID",)),
    ("genetlink", ("AsyncFamilyHandle", "CallOptions", "Decoded", "FamilyHandle", "Message",
                   "Overrun")),
    ("genetlink.codec", ("Mismatched",)),
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

    def __init__(self, family: Family, mismatched: bool = False) -> None:
        self.family = family
        self.mismatched = mismatched
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
            return f"list[{union(alias, 'int')}]"
        return union(alias, "int")

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

    def sized(self, value: str) -> str:
        """`value` of a payload whose width the type fixes: `| Mismatched` (another width
        came) when the stubs are made with `mismatched`."""
        return union(value, "Mismatched") if self.mismatched else value

    def payload(self, attr: Attribute, kind: str) -> str:
        """What one attribute of `attr` decodes to, read as type `kind`."""
        if kind == "flag":
            return "bool"
        if kind in SCALAR_SIZES or kind in VARIABLE_INTEGERS:
            return self.sized(self.integer(kind, attr.display_hint, attr.enum,
                                           attr.enum_as_flags))  # fmt: skip
        if kind == "string":
            return "str"
        if kind == "bitfield32":
            return self.sized("Bitfield32")
        if kind == "binary" and attr.sub_type in SCALAR_SIZES:
            return self.sized("list[int]")  # a packed C array
        if kind == "binary" and attr.struct is not None:
            return self.sized(self.typed_dict((attr.struct, None)))  # shorter than the struct
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
                self.sections["enums"].append(type_alias(alias, enum.values))

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
            node = Group(f"{self.unions[sub.name]}: TypeAlias = ", (*members, "bytes"), "", "|")
            self.sections["unions"].append(layout(node, 0))

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
                keys[key] = union(keys[key], value) if key in keys else value
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
                params = ("self", literal("op: Literal[", names), f"attrs: {request} = None",
                          "**options: Unpack[CallOptions]")  # fmt: skip
                sig = Group(f"{'async ' * awaited}def {method}(", params,
                             f") -> {result.format(view)}: ...")  # fmt: skip
                lines += ["    @overload"] * (len(overloads) > 1) + layout(sig, 4)
        listen = Group("def notifications(", ("self", "timeout: float | None = None"),
                        f") -> {iterator}[Notification | Overrun]: ...")  # fmt: skip
        enter = "async def __aenter__" if aio else "def __enter__"
        return [*lines,
                f"    def group_id(self, group: {groups}) -> int: ...",
                f"    def subscribe(self, group: {groups}) -> int: ...",
                f"    def unsubscribe(self, group: {groups}) -> None: ...",
                *layout(listen, 4),
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
                blocks.append(type_alias(alias, names))
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
        # a spec file by its name; a schema from the running kernel as its source says
        origin = family.source if family.source.startswith("<") else Path(family.source).name
        title = f'"""Typed stubs of the {family.name} family, made by `genetlink stubs` from'
        fits = len(title) + len(origin) + 2 <= WIDTH
        head = [
            *([f"{title} {origin}."] if fits else [title, f"{origin}."]),
            "",
            f"    {variable} = {module}.typed(open_family({quote(family.name)}))",
            "",
            f"Generated{' with --mismatched' * self.mismatched}: run `genetlink stubs` again "
            "rather than edit.",
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
    items = tuple(f"{quote(key)}: {quote(value)}" for key, value in keys.items())
    node = Group(f"{name} = TypedDict(", (quote(name), Group("{", items, "}"), "total=False"), ")")
    lines = layout(node, 0)
    if all(fields):  # only the shadowing keeps ruff's UP013 from being right
        lines[0] += "  # noqa: UP013"
    return [f"# {doc}", *lines]


def _key(names: Iterable[str]) -> Group:
    return literal("key: Literal[", names)


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
        sig = Group("def __getitem__(", ("self", _key(names)), f") -> {value}: ...")
        lines += ["    @overload"] * (len(by_type) > 1) + layout(sig, 4)
    for value, names in by_type.items():
        for default, result in (("default: None = None", "None"), ("default: _D", "_D")):
            sig = Group("def get(", ("self", _key(names), default),
                         f") -> {union(value, result)}: ...")  # fmt: skip
            lines += ["    @overload", *layout(sig, 4)]
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
        *layout(Group("def typed(", (f"handle: {either}",), f") -> {sync} | {aio}:"), 0),
        f'    """The {family} handle `handle`, typed by this module (the same object)."""',
        f"    if handle.name != {quote(family)}:",
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
            lines += layout(Group(f"from {module} import ", tuple(wanted), ""), 0)
    return lines


def render_stubs(family: Family, *, module: str | None = None, mismatched: bool = False) -> str:
    """The source of the typed module for `family` (a loaded spec or a `declare_family`).

    `mismatched` types every attribute whose payload has a width fixed by its type (integers,
    enums, flags, bitfield32, structs, packed arrays) as `T | Mismatched`: what the codec
    returns when another width comes (an IPv6 rule's `src`, a u32 in rt-rule). Without it the
    stubs say the spec's type, and such a payload is outside them. `module` must be a name
    Python can import (ValueError otherwise: "../x" or "class" would be no module)."""
    if module is not None and (not module.isidentifier() or keyword.iskeyword(module)):
        raise ValueError(f"module name {module!r} is not a Python identifier")
    return _Stubs(family, mismatched).render(module or module_name(family))


def write_stubs(family: Family, directory: str | os.PathLike[str] = ".", *,
                module: str | None = None, mismatched: bool = False) -> Path:  # fmt: skip
    """Write `render_stubs(family)` to DIRECTORY/<module>.py (netdev_stubs.py); its path."""
    module = module or module_name(family)
    path = Path(directory) / f"{module}.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_stubs(family, module=module, mismatched=mismatched),
                    encoding="utf-8")  # fmt: skip
    return path



__all__ = ["module_name", "render_stubs", "write_stubs"]

"""Names from a family's uapi C header: ``#define``s and enums, and which header a family has.

    header = read_header("/usr/include/linux/thermal.h")
    header.defines["THERMAL_GENL_FAMILY_NAME"]            # 'thermal'
    found = find_family_header("thermal")                 # FamilyHeader(header, "THERMAL_GENL_")

This is no C compiler: it reads object-like ``#define NAME value`` lines (numbers, strings,
simple expressions) and ``enum { ... }`` bodies (explicit values, implicit increments, values
given as other members or macros), and skips everything else (structs, functions, function-like
macros, ``#if`` conditions, attributes). Anything it cannot read it leaves out, never guesses.
Work is bounded on hostile input: the file size, expression depth and macro chains are capped,
and the lexer is linear.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ..wire.errors import GenetlinkError

#: Largest header read (nl80211.h, the biggest uapi header, is ~300 KiB).
MAX_HEADER_BYTES = 8 << 20
#: Deepest expression nesting plus macro chain evaluated (each level costs ~13 stack frames).
MAX_DEPTH = 24
#: Tokens of one #define or enum member value considered at most.
MAX_EXPR_TOKENS = 256
#: Values past this magnitude are not constants of any uapi header: left out.
_LIMIT = 1 << 128

#: Where Debian's linux-libc-dev installs the kernel's uapi headers.
INCLUDE_DIR = "/usr/include/linux"

#: Families whose header has no string macro with the family's name: (header, prefix).
KNOWN_HEADERS: dict[str, tuple[str, str]] = {"nlctrl": ("genetlink.h", "CTRL_")}


class HeaderError(GenetlinkError, OSError):
    """A header that cannot be read (missing, unreadable, too big) or that does not name the
    family it was given for. `errno` is the OS error's, when there was one."""

    def __init__(self, message: str, errno: int | None = None) -> None:
        super().__init__(message)
        self.errno = errno  # OSError's own attribute


@dataclass(frozen=True, slots=True)
class EnumMember:
    """One enum member: its value, the expression it was given (``""`` for an implicit
    increment), the member it aliases (``FOO = BAR`` with BAR an earlier member), the text of
    the comment on its line, and whether it is a sentinel (``__FOO_MAX``, ``FOO_MAX =
    __FOO_MAX - 1``, ``NUM_FOO``) rather than a name of its own."""

    name: str
    value: int
    expr: str = ""
    alias_of: str | None = None
    comment: str = ""
    sentinel: bool = False
    line: int = 0


@dataclass(frozen=True)
class CEnum:
    """An enum of the header: its tag (None when anonymous) and members in order."""

    tag: str | None
    members: tuple[EnumMember, ...]
    line: int = 0

    @cached_property
    def named(self) -> tuple[EnumMember, ...]:
        """The members that name something: no sentinels."""
        return tuple(m for m in self.members if not m.sentinel)

    @cached_property
    def prefix(self) -> str:
        """The members' common prefix up to an underscore (``ETHTOOL_A_LINKINFO_``), leaving
        every member a non-empty name; ``""`` when they share none."""
        names = [m.name for m in self.named]
        if not names:
            return ""
        low, high = min(names), max(names)  # the lexical extremes share what all names share
        n = 0
        while n < len(low) and n < len(high) and low[n] == high[n]:
            n += 1
        end = min(n, min(map(len, names)) - 1)
        cut = low.rfind("_", 0, end)
        common = low
        return common[: cut + 1] if cut >= 0 else ""

    @cached_property
    def by_value(self) -> Mapping[int, EnumMember]:
        """Value -> the member that names it. Aliases never do; two members of their own with
        one value leave it unnamed (ambiguous)."""
        out: dict[int, EnumMember] = {}
        clash: set[int] = set()
        for m in self.named:
            if m.alias_of is not None:
                continue
            if m.value in out:
                clash.add(m.value)
            else:
                out[m.value] = m
        for value in clash:
            del out[value]
        return out

    @cached_property
    def by_name(self) -> Mapping[str, EnumMember]:
        """Members by C name."""
        return {m.name: m for m in self.members}

    @cached_property
    def max(self) -> int:
        """The largest value a named member has (-1 for an enum without one)."""
        return max((m.value for m in self.named), default=-1)

    def short_name(self, member: EnumMember) -> str:
        """A member's name without the enum's prefix, in spec style (``tz-get-id``)."""
        return spec_style(member.name[len(self.prefix) :])

    def __repr__(self) -> str:
        return f"CEnum({self.tag or self.prefix + '*'}, {len(self.members)} members)"


@dataclass(frozen=True)
class Header:
    """What a header defines: object-like macros with a value, and enums (in file order)."""

    path: str
    defines: Mapping[str, int | str]
    enums: tuple[CEnum, ...]

    @cached_property
    def by_prefix(self) -> Mapping[str, tuple[CEnum, ...]]:
        """Enums by their members' common prefix."""
        out: dict[str, list[CEnum]] = {}
        for e in self.enums:
            if e.prefix:
                out.setdefault(e.prefix, []).append(e)
        return {k: tuple(v) for k, v in out.items()}

    def enum(self, prefix: str) -> CEnum | None:
        """The one enum whose members' prefix is exactly `prefix` (None: none, or several)."""
        found = self.by_prefix.get(prefix, ())
        return found[0] if len(found) == 1 else None


@dataclass(frozen=True, slots=True)
class FamilyHeader:
    """The header of a Generic Netlink family and its naming prefix (``THERMAL_GENL_``),
    found through `macro` (the #define whose value is the family name; None when known)."""

    header: Header
    prefix: str
    macro: str | None = None


def spec_style(name: str) -> str:
    """A C name in the kernel's spec style: lower case, ``_`` -> ``-`` (``TZ_GET_ID`` ->
    ``tz-get-id``)."""
    return name.strip("_").lower().replace("_", "-")


# -- lexing -----------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<comment>/\*.*?(?:\*/|\Z)|//[^\n]*)
  | (?P<newline>\n)
  | (?P<cont>\\\r?\n)
  | (?P<space>[ \t\r\f\v]+)
  | (?P<string>"(?:\\.|[^"\\\n])*"?)
  | (?P<char>'(?:\\.|[^'\\\n])*'?)
  | (?P<ident>[A-Za-z_]\w*)
  | (?P<number>(?:0[xX][0-9a-fA-F]+|0[bB][01]+|\d+)[uUlL]*)
  | (?P<punct><<|>>|&&|\|\||==|!=|<=|>=|\#\#|.)
    """,
    re.DOTALL | re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # ident, number, string, char, punct, directive
    text: str
    line: int
    spaced: bool = False  # whitespace or a comment before it (`#define F(x)` vs `F (x)`)
    parts: tuple[_Tok, ...] = ()  # a directive's tokens


def _lex(text: str) -> tuple[list[_Tok], dict[int, str]]:
    """Tokens (a preprocessor line becomes one `directive` token) and comment text by the
    line each comment starts on."""
    tokens: list[_Tok] = []
    comments: dict[int, str] = {}
    line = 1
    directive: list[_Tok] | None = None
    directive_line = 0
    at_line_start = True
    spaced = False
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "punct"
        value = m.group()
        if kind == "newline":
            if directive is not None:
                tokens.append(_Tok("directive", "#", directive_line, True, tuple(directive)))
                directive = None
            line += 1
            at_line_start = spaced = True
            continue
        if kind == "comment":
            body = value[2:-2] if value.startswith("/*") else value[2:]
            comments.setdefault(line, " ".join(body.replace("*", " * ").split()))
            line += value.count("\n")
            spaced = True
            continue
        if kind in ("cont", "space"):
            line += kind == "cont"
            spaced = True
            continue
        if kind == "punct" and value == "#" and at_line_start and directive is None:
            directive, directive_line = [], line
            at_line_start = False
            continue
        at_line_start = False
        tok = _Tok(kind, value, line, spaced)
        spaced = False
        if directive is not None:
            directive.append(tok)
        else:
            tokens.append(tok)
    if directive is not None:
        tokens.append(_Tok("directive", "#", directive_line, True, tuple(directive)))
    return tokens, comments


# -- expressions ------------------------------------------------------------------------------


class _Unknown(Exception):
    """An expression this reader does not evaluate (a type, a function-like macro ...)."""


class _TooDeep(_Unknown):
    """Past MAX_DEPTH: the macro may still be read from nearer the top (not remembered)."""


def _number(text: str) -> int:
    digits = text.rstrip("uUlL")
    if len(digits) > 1 and digits[0] == "0" and digits[1] not in "xXbB":
        return int(digits, 8)
    return int(digits, 0)


def _c_string(text: str) -> str:
    if len(text) < 2 or not text.endswith('"'):
        raise _Unknown(text)
    body = text[1:-1]
    if "\\" not in body:
        return body
    simple = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'", "0": "\0"}
    return re.sub(r"\\(.)", lambda m: simple.get(m.group(1), m.group(1)), body)


def _bit(args: list[int]) -> int:
    if len(args) != 1 or not 0 <= args[0] < 128:
        raise _Unknown("bit")
    return 1 << args[0]


def _genmask(args: list[int]) -> int:
    if len(args) != 2 or not 0 <= args[1] <= args[0] < 128:
        raise _Unknown("genmask")
    high, low = args
    return ((1 << (high + 1)) - 1) ^ ((1 << low) - 1)


def _first(args: list[int]) -> int:
    if not args:
        raise _Unknown("macro")
    return args[0]


#: Function-like macros of the uapi headers' own helpers (linux/const.h, linux/bits.h).
_FUNCTIONS = {
    "_BITUL": _bit, "_BITULL": _bit, "BIT": _bit, "BIT_ULL": _bit, "_BITU": _bit,
    "GENMASK": _genmask, "GENMASK_ULL": _genmask, "__GENMASK": _genmask,
    "_AC": _first, "_UL": _first, "_ULL": _first, "UINT32_C": _first, "UINT64_C": _first,
}  # fmt: skip

_BINARY: list[tuple[str, ...]] = [
    ("||",), ("&&",), ("|",), ("^",), ("&",), ("==", "!="), ("<", ">", "<=", ">="),
    ("<<", ">>"), ("+", "-"), ("*", "/", "%"),
]  # fmt: skip


class _Evaluator:
    """Integer (and string) constant expressions over the header's macros and enum members."""

    def __init__(self, macros: Mapping[str, tuple[_Tok, ...]], members: dict[str, int]) -> None:
        self.macros = macros
        self.members = members
        self.values: dict[str, int | str | None] = {}  # macro -> value (None: unknown)
        self.active: set[str] = set()

    def macro(self, name: str, depth: int = 0) -> int | str | None:
        """The macro's value (None: not a constant we read). Past MAX_DEPTH, _TooDeep; that
        is remembered only for a macro read from the top (so a long chain costs each macro
        one bounded attempt, and a macro deep in it resolves when read on its own)."""
        if name in self.values:
            return self.values[name]
        body = self.macros.get(name)
        if body is None or name in self.active:
            return None
        if depth > MAX_DEPTH:
            raise _TooDeep(name)
        self.active.add(name)
        try:
            value: int | str | None = self.evaluate(list(body), depth + 1)
        except _TooDeep:
            if depth > 1:
                raise
            value = None
        except (_Unknown, ValueError, RecursionError):
            value = None
        finally:
            self.active.discard(name)
        self.values[name] = value
        return value

    def evaluate(self, tokens: list[_Tok], depth: int = 0) -> int | str:
        """The value of a whole expression; _Unknown when it is not a constant we read."""
        if not tokens or len(tokens) > MAX_EXPR_TOKENS:
            raise _Unknown("empty or long")
        if all(t.kind == "string" for t in tokens):
            return "".join(_c_string(t.text) for t in tokens)
        if len(tokens) == 1 and tokens[0].kind == "ident":
            return self._ident(tokens[0].text, depth)
        parser = _Parser(self, tokens, depth)
        result = parser.expr(0)
        if parser.pos != len(tokens):
            raise _Unknown("trailing tokens")
        return result

    def _ident(self, name: str, depth: int) -> int | str:
        if depth > MAX_DEPTH:
            raise _TooDeep("deep")
        if name in self.members:
            return self.members[name]
        value = self.macro(name, depth)
        if value is None:
            raise _Unknown(name)
        return value


class _Parser:
    """Precedence climbing over one expression's tokens (integers only)."""

    def __init__(self, ev: _Evaluator, tokens: list[_Tok], depth: int) -> None:
        self.ev = ev
        self.tokens = tokens
        self.pos = 0
        self.depth = depth

    def peek(self) -> str | None:
        return self.tokens[self.pos].text if self.pos < len(self.tokens) else None

    def take(self) -> _Tok:
        if self.pos >= len(self.tokens):
            raise _Unknown("end")
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def expr(self, level: int) -> int:
        if self.depth > MAX_DEPTH:
            raise _TooDeep("deep")
        if level == len(_BINARY):
            return self.unary()
        left = self.expr(level + 1)
        while self.peek() in _BINARY[level]:
            op = self.take().text
            right = self.expr(level + 1)
            left = _apply(op, left, right)
        if level == 0 and self.peek() == "?":
            self.take()
            yes = self.expr(0)
            if self.take().text != ":":
                raise _Unknown("?:")
            no = self.expr(0)
            left = yes if left else no
        return left

    def unary(self) -> int:
        text = self.peek()
        if text in ("-", "+", "~", "!"):
            self.take()
            if self.depth > MAX_DEPTH:
                raise _TooDeep("deep")
            self.depth += 1
            value = self.unary()
            self.depth -= 1
            return {"-": -value, "+": value, "~": ~value, "!": int(not value)}[text]
        return self.primary()

    def primary(self) -> int:
        tok = self.take()
        if tok.kind == "number":
            return _checked(_number(tok.text))
        if tok.kind == "char":
            body = _c_string('"' + tok.text[1:-1] + '"') if tok.text.endswith("'") else ""
            if len(body) != 1:
                raise _Unknown("char")
            return ord(body)
        if tok.text == "(":
            if self._is_cast():
                self.pos += 1
                while self.peek() != ")":
                    self.take()
                self.take()
                return self.unary()
            self.depth += 1
            value = self.expr(0)
            self.depth -= 1
            if self.take().text != ")":
                raise _Unknown(")")
            return value
        if tok.kind == "ident":
            if self.peek() == "(":
                return self._call(tok.text)
            named = self.ev._ident(tok.text, self.depth + 1)
            if not isinstance(named, int):
                raise _Unknown("string in arithmetic")
            return named
        raise _Unknown(tok.text)

    def _is_cast(self) -> bool:
        """`(__u32)`, `(unsigned long)`: C type words, then `)`."""
        i = self.pos
        while i < len(self.tokens) and _TYPE_WORD.fullmatch(self.tokens[i].text):
            i += 1
        return i > self.pos and i < len(self.tokens) and self.tokens[i].text == ")"

    def _call(self, name: str) -> int:
        func = _FUNCTIONS.get(name)
        if func is None:
            raise _Unknown(name)
        self.take()  # (
        args: list[int] = []
        if self.peek() != ")":
            while True:
                self.depth += 1
                args.append(self.expr(0))
                self.depth -= 1
                if self.peek() != ",":
                    break
                self.take()
        if self.take().text != ")":
            raise _Unknown(")")
        return _checked(func(args))


_TYPE_WORD = re.compile(
    r"unsigned|signed|int|long|short|char|__[us](?:8|16|32|64)|__(?:be|le)(?:16|32|64)"
    r"|u?int(?:8|16|32|64)_t|size_t"
)


def _checked(value: int) -> int:
    if abs(value) >= _LIMIT:
        raise _Unknown("too large")
    return value


def _apply(op: str, a: int, b: int) -> int:
    if op in ("<<", ">>") and not 0 <= b < 128:
        raise _Unknown("shift")
    if op in ("/", "%"):
        if b == 0:
            raise _Unknown("division by zero")
        quotient = abs(a) // abs(b) * (1 if (a >= 0) == (b >= 0) else -1)  # C truncates
        return quotient if op == "/" else a - quotient * b
    result = {
        "||": lambda: int(bool(a) or bool(b)), "&&": lambda: int(bool(a) and bool(b)),
        "|": lambda: a | b, "^": lambda: a ^ b, "&": lambda: a & b,
        "==": lambda: int(a == b), "!=": lambda: int(a != b), "<": lambda: int(a < b),
        ">": lambda: int(a > b), "<=": lambda: int(a <= b), ">=": lambda: int(a >= b),
        "<<": lambda: a << b, ">>": lambda: a >> b, "+": lambda: a + b, "-": lambda: a - b,
        "*": lambda: a * b,
    }[op]()  # fmt: skip
    return _checked(result)


# -- parsing ----------------------------------------------------------------------------------

_SENTINEL_ENDS = ("_MAX", "_CNT", "_COUNT", "_LAST", "_AFTER_LAST")


def parse_header(text: str | bytes, *, path: str = "<header>") -> Header:
    """The #defines and enums of a header's text. Never raises on odd C: what it cannot read
    it skips."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    tokens, comments = _lex(text[:MAX_HEADER_BYTES])
    macros: dict[str, tuple[_Tok, ...]] = {}
    members: dict[str, int] = {}
    ev = _Evaluator(macros, members)
    enums: list[CEnum] = []
    skipping = 0  # nesting depth inside an `#if 0` (0: not skipping)
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.kind == "directive":
            skipping = _directive(tok, macros, skipping)
            i += 1
            continue
        if skipping:
            i += 1
            continue
        if tok.kind == "ident" and tok.text == "enum":
            parsed, i = _enum(tokens, i + 1, ev, comments, macros)
            if parsed is not None:
                enums.append(parsed)
            continue
        i += 1
    defines: dict[str, int | str] = {}
    for name in macros:
        value = ev.macro(name)
        if value is not None:
            defines[name] = value
    return Header(path, defines, tuple(enums))


def _directive(tok: _Tok, macros: dict[str, tuple[_Tok, ...]], skipping: int) -> int:
    """Take in one preprocessor line; returns the new `#if 0` nesting depth. Conditions other
    than a literal `#if 0` are not evaluated: every branch is read (first #define wins)."""
    parts = tok.parts
    word = parts[0].text if parts else ""
    if word in ("if", "ifdef", "ifndef"):
        if skipping:
            return skipping + 1
        return 1 if word == "if" and len(parts) == 2 and parts[1].text == "0" else 0
    if word == "endif":
        return max(0, skipping - 1)
    if word in ("else", "elif") and skipping == 1:
        return 0  # the other branch of an `#if 0`
    if skipping:
        return skipping
    if word == "define" and len(parts) >= 2 and parts[1].kind == "ident":
        name = parts[1].text
        function_like = len(parts) > 2 and parts[2].text == "(" and not parts[2].spaced
        if not function_like and name not in macros:
            macros[name] = parts[2 : 2 + MAX_EXPR_TOKENS + 1]
    elif word == "undef" and len(parts) >= 2:
        macros.pop(parts[1].text, None)
    return skipping


def _enum(tokens: list[_Tok], i: int, ev: _Evaluator, comments: Mapping[int, str],
          macros: dict[str, tuple[_Tok, ...]]) -> tuple[CEnum | None, int]:  # fmt: skip
    """Parse `enum [tag] { ... }` from tokens[i] (after `enum`); (enum or None, next index).
    #defines between the members count; members inside an `#if 0` do not."""
    tag = None
    if i < len(tokens) and tokens[i].kind == "ident":
        tag = tokens[i].text
        i += 1
    while i < len(tokens) and tokens[i].text == ":":  # `enum x : __u8 {` (C23)
        i += 2
    if i >= len(tokens) or tokens[i].text != "{":
        return None, i
    start_line = tokens[i].line
    i += 1
    raw: list[tuple[str, list[_Tok], int]] = []  # (name, value tokens, line)
    skipping = 0
    while i < len(tokens) and tokens[i].text != "}":
        tok = tokens[i]
        if tok.kind == "directive":
            skipping = _directive(tok, macros, skipping)
        if tok.kind != "ident" or skipping:
            i += 1
            continue
        name, line = tok.text, tok.line
        i += 1
        expr: list[_Tok] = []
        nesting = 0
        while i < len(tokens):
            t = tokens[i]
            if t.kind == "directive":
                skipping = _directive(t, macros, skipping)
                i += 1
                continue
            if nesting == 0 and t.text in (",", "}"):
                break
            if t.text == "(":
                nesting += 1
            elif t.text == ")":
                nesting -= 1
            expr.append(t)
            i += 1
        if i < len(tokens) and tokens[i].text == ",":
            i += 1
        raw.append((name, expr, line))
    i += 1  # the closing brace
    out: list[EnumMember] = []
    own: set[str] = set()  # this enum's members so far: `FOO = BAR` aliases one of them
    next_value: int | None = 0
    for index, (name, expr, line) in enumerate(raw):
        value_tokens = _value_tokens(expr)
        if value_tokens is None:
            next_value = None  # a member we cannot read: the implicit values after it too
            continue
        text = " ".join(t.text for t in value_tokens)
        value: int | None
        if value_tokens:
            try:
                result = ev.evaluate(value_tokens)
                value = result if isinstance(result, int) else None
            except (_Unknown, ValueError, RecursionError):
                value = None
        else:
            value = next_value
        if value is None:
            next_value = None  # the rest of the implicit values are unknown too
            continue
        next_value = _checked_or_none(value + 1)
        refs = [t.text for t in value_tokens if t.kind == "ident"]
        alias = refs[0] if len(value_tokens) == 1 and refs and refs[0] in own else None
        sentinel = (
            name.startswith(("_", "NUM_"))
            or any(r.startswith("__") or r.startswith("NUM_") for r in refs)
            or (index == len(raw) - 1 and name.endswith(_SENTINEL_ENDS))
        )
        ev.members.setdefault(name, value)
        own.add(name)
        out.append(EnumMember(name, value, text, alias, _comment(comments, line, raw, index),
                              sentinel, line))  # fmt: skip
    return CEnum(tag, tuple(out), start_line), i


def _checked_or_none(value: int) -> int | None:
    return value if abs(value) < _LIMIT else None


def _value_tokens(expr: list[_Tok]) -> list[_Tok] | None:
    """The value part of `NAME [attributes] [= value]`: [] for none, None when unreadable."""
    while expr and expr[0].kind == "ident" and expr[0].text.startswith("__"):
        # `__attribute__((deprecated))`, `__deprecated`: skip the word and its parentheses
        expr = expr[1:]
        if expr and expr[0].text == "(":
            nesting = 0
            for j, t in enumerate(expr):
                nesting += (t.text == "(") - (t.text == ")")
                if nesting == 0:
                    expr = expr[j + 1 :]
                    break
            else:
                return None
    if not expr:
        return []
    if expr[0].text != "=":
        return None
    return expr[1:]


def _comment(comments: Mapping[int, str], line: int, raw: list[tuple[str, list[_Tok], int]],
             index: int) -> str:  # fmt: skip
    """The comment on a member's line, unless the next member shares that line."""
    if index + 1 < len(raw) and raw[index + 1][2] == line:
        return ""
    return comments.get(line, "")


# -- files and families -----------------------------------------------------------------------


def read_header(path: str | os.PathLike[str]) -> Header:
    """Parse the header at `path`; HeaderError when it cannot be read or is too big."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as file:
            data = file.read(MAX_HEADER_BYTES + 1)
    except OSError as exc:
        raise HeaderError(f"cannot read header {name}: {exc.strerror or exc}", exc.errno) \
            from exc  # fmt: skip
    if len(data) > MAX_HEADER_BYTES:
        raise HeaderError(f"header {name} is larger than {MAX_HEADER_BYTES} bytes")
    return parse_header(data, path=name)


def family_macros(header: Header, family: str) -> list[str]:
    """The #defines whose string value is the family name (group name macros left out)."""
    return [
        name for name, value in header.defines.items()
        if value == family and not re.search(r"(?:^|_)(?:MC)?(?:GRP|GROUP)(?:_|$)", name)
    ]  # fmt: skip


def prefix_candidates(macro: str) -> list[str]:
    """Naming prefixes a family-name macro suggests, longest first: THERMAL_GENL_FAMILY_NAME
    -> THERMAL_GENL_FAMILY_, THERMAL_GENL_, THERMAL_."""
    base = macro.removesuffix("_NAME")
    out = [base + "_"]
    for suffix in ("_FAMILY", "_GENL"):
        if base.endswith(suffix):
            base = base.removesuffix(suffix)
            out.append(base + "_")
    return list(dict.fromkeys(p for p in out if p != "_"))


def choose_prefix(header: Header, candidates: Sequence[str]) -> str:
    """The longest candidate that starts a command or attribute enum's prefix (so the names
    below it are the family's); the shortest when none does."""
    for prefix in candidates:
        for enum_prefix in header.by_prefix:
            rest = enum_prefix[len(prefix) :] if enum_prefix.startswith(prefix) else None
            if rest is not None and re.match(r"(?:CMD|MSG|ATTR|A)_", rest):
                return prefix
    return candidates[-1]


def _mentions(path: Path, family: str) -> bool:
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_HEADER_BYTES + 1)
    except OSError:
        return False
    return len(data) <= MAX_HEADER_BYTES and f'"{family}"'.encode() in data


def _system_headers(include_dir: str) -> Iterator[Path]:
    try:
        yield from sorted(Path(include_dir).glob("*.h"))
    except OSError:
        return


def find_family_header(
    family: str,
    *,
    headers: Sequence[str | os.PathLike[str]] = (),
    include_dir: str | None = INCLUDE_DIR,
) -> FamilyHeader | None:
    """The header of Generic Netlink family `family`: the first of `headers` (the user's),
    then of `include_dir`'s ``*.h``, with a #define whose string value is the family name.
    None when no header names it. A header given in `headers` that cannot be read raises
    HeaderError; unreadable files of `include_dir` are passed over."""
    for path in headers:
        header = read_header(path)
        found = _family_in(header, family)
        if found is not None:
            return found
    known = KNOWN_HEADERS.get(family)
    if known is not None and include_dir is not None:
        path = Path(include_dir) / known[0]
        if path.is_file():
            return FamilyHeader(read_header(path), known[1], None)
    for path in _system_headers(include_dir) if include_dir is not None else ():
        if not _mentions(path, family):
            continue
        try:
            header = read_header(path)
        except HeaderError:
            continue
        found = _family_in(header, family)
        if found is not None:
            return found
    return None


def _family_in(header: Header, family: str) -> FamilyHeader | None:
    macros = family_macros(header, family)
    if not macros:
        return None
    # Prefer a macro that says it names the family (FOO_GENL_NAME, FOO_FAMILY_NAME).
    macros.sort(key=lambda m: (not re.search(r"GENL|FAMILY", m), len(m)))
    macro = macros[0]
    return FamilyHeader(header, choose_prefix(header, prefix_candidates(macro)), macro)


def header_for(family: str, header: str | os.PathLike[str] | None = None, *,
               include_dir: str | None = INCLUDE_DIR) -> FamilyHeader | None:  # fmt: skip
    """The family's header: `header` when given (its naming prefix found as for a system
    header; a header that does not name the family still gives names if a prefix fits),
    else the search of `find_family_header`."""
    if header is None:
        return find_family_header(family, include_dir=include_dir)
    parsed = read_header(header)
    found = _family_in(parsed, family)
    if found is not None:
        return found
    known = KNOWN_HEADERS.get(family)
    if known is not None:
        return FamilyHeader(parsed, known[1], None)
    others = sorted(str(v) for n, v in parsed.defines.items()
                    if isinstance(v, str) and re.search(r"_(?:GENL|FAMILY)_NAME$", n))  # fmt: skip
    if others:
        raise HeaderError(f"header {parsed.path} is the header of {', '.join(others)}, "
                          f"not of {family!r}")  # fmt: skip
    # The user said this is the family's header: take the prefix of its command enum.
    commands = [p for p in parsed.by_prefix if re.search(r"_(?:CMD|MSG)_$", p)]
    if len(commands) == 1:
        return FamilyHeader(parsed, re.sub(r"(?:CMD|MSG)_$", "", commands[0]), None)
    raise HeaderError(f"header {parsed.path} names no family {family!r} (no #define "
                         f'... "{family}") and has no single command enum to take names from')


__all__ = [
    "INCLUDE_DIR",
    "KNOWN_HEADERS",
    "MAX_HEADER_BYTES",
    "CEnum",
    "EnumMember",
    "FamilyHeader",
    "Header",
    "HeaderError",
    "choose_prefix",
    "family_macros",
    "find_family_header",
    "header_for",
    "parse_header",
    "prefix_candidates",
    "read_header",
    "spec_style",
]

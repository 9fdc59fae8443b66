"""Python source laid out as ruff and black keep it: bracketed items on one line when they
fit, else one per line; unions wrapped in parentheses."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

WIDTH = 100  # the line length generated code keeps to (ruff's E501 at the default config)


@dataclass(frozen=True, slots=True)
class Group:
    """Bracketed items, on one line when they fit, else one per line (as black lays out).
    `sep` "|" makes a union: broken, it is wrapped in parentheses, one `| item` a line."""

    head: str
    items: tuple[Node, ...]
    tail: str
    sep: str = ","


Node = str | Group


def one_line(node: Node) -> str:
    """`node` written on one line."""
    if isinstance(node, str):
        return node
    joined = (", " if node.sep == "," else " | ").join(one_line(item) for item in node.items)
    return node.head + joined + node.tail


def layout(node: Node, indent: int, after: str = "") -> list[str]:
    """`node` at `indent` columns, `after` appended to its last line."""
    pad = " " * indent
    flat = one_line(node)
    if isinstance(node, str) or not node.items or len(pad + flat + after) <= WIDTH:
        return [pad + flat + after]
    if node.sep == ",":
        inner = [line for item in node.items for line in layout(item, indent + 4, ",")]
        return [pad + node.head, *inner, pad + node.tail + after]
    union = [f"{pad}    {'| ' if i else ''}{one_line(item)}" for i, item in enumerate(node.items)]
    return [f"{pad}{node.head}(", *union, f"{pad}){node.tail}{after}"]


def quote(text: str) -> str:
    """A Python string literal in double quotes (a JSON string is one)."""
    return json.dumps(text)


def literal(head: str, names: Iterable[str], tail: str = "]") -> Group:
    """`head` + Literal["a", "b"] + `tail`; `head` ends with "Literal["."""
    return Group(head, tuple(map(quote, names)), tail)


def type_alias(name: str, names: Iterable[str]) -> list[str]:
    """`name: TypeAlias = Literal[...]` of `names`."""
    return layout(literal(f"{name}: TypeAlias = Literal[", names), 0)


def union(*types: str) -> str:
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



__all__ = [
    "WIDTH",
    "Group",
    "Node",
    "camel",
    "layout",
    "literal",
    "one_line",
    "quote",
    "type_alias",
    "union",
]  # fmt: skip

"""What `genetlink spec show --doc` adds to a family's summary: the spec's docs (of the
family, its operations, attribute sets, attributes and definitions) and its definitions
(enums and flags with every value and name, constants, structs).

A family without a spec is shown from the running kernel, named from its uapi header: that
model has no docs, and numbers stand where the header names nothing.
"""

from __future__ import annotations

from typing import Any, TextIO

from genetlink.schema.definitions import Const, EnumDefinition, Struct
from genetlink.schema.model import Family


def one_line(doc: str) -> str:
    """A doc as one line (specs wrap them in YAML block scalars)."""
    return " ".join(doc.split())


def describe_definitions(family: Family, docs: bool) -> list[dict[str, Any]]:
    """The spec's definitions as plain data: enums and flags with their values (flags as
    masks), constants, structs with their members."""
    out: list[dict[str, Any]] = []
    for item in family.definitions.values():
        entry: dict[str, Any] = {"name": item.name}
        if isinstance(item, EnumDefinition):
            entry["type"] = item.type
            entry["values"] = []
            for name, value in item.values.items():
                one: dict[str, Any] = {"name": name, "value": value}
                doc = (item.entry_docs or {}).get(name, "")
                if docs and doc:
                    one["doc"] = one_line(doc)
                entry["values"].append(one)
        elif isinstance(item, Const):
            entry.update(type="const", value=item.value)
        elif isinstance(item, Struct):
            entry.update(type="struct", size=item.size, members=[
                {"name": m.name, "type": m.type, "offset": m.offset, "size": m.size}
                for m in item.members
            ])  # fmt: skip
        if item.header:
            entry["header"] = item.header
        if docs and item.doc:
            entry["doc"] = one_line(item.doc)
        out.append(entry)
    return out


def add_docs(info: dict[str, Any], family: Family) -> None:
    """Put the spec's docs into `describe_family`'s data (where there are any)."""
    if family.doc:
        info["doc"] = one_line(family.doc)
    for op in info["operations"]:
        doc = family.operations[op["name"]].doc
        if doc:
            op["doc"] = one_line(doc)
    set_docs: dict[str, str] = {}
    for name, attrs in info["attribute-sets"].items():
        aset = family.attribute_sets[name]
        if aset.doc:
            set_docs[name] = one_line(aset.doc)
        for attr in attrs:
            doc = aset.attributes[attr["name"]].doc
            if doc:
                attr["doc"] = one_line(doc)
    if set_docs:
        info["attribute-set-docs"] = set_docs


def write_definitions(definitions: list[dict[str, Any]], out: TextIO) -> None:
    """The definitions section of `spec show`'s text."""
    if not definitions:
        return
    out.write("\ndefinitions:\n")
    for item in definitions:
        kind = item["type"]
        doc = f"    # {item['doc']}\n" if "doc" in item else ""
        if kind == "const":
            out.write(f"  {item['name']} (const) = {item['value']}\n{doc}")
        elif kind == "struct":
            out.write(f"  {item['name']} (struct, {item['size']} bytes)\n{doc}")
            for member in item["members"]:
                out.write(f"    +{member['offset']:<3} {member['name']}: {member['type']}\n")
        else:
            out.write(f"  {item['name']} ({kind})\n{doc}")
            for value in item["values"]:
                number = f"0x{value['value']:x}" if kind == "flags" else str(value["value"])
                out.write(f"    {number:>5} {value['name']}\n")
                if "doc" in value:
                    out.write(f"          {value['doc']}\n")


__all__ = ["add_docs", "describe_definitions", "one_line", "write_definitions"]

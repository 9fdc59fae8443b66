"""YAML text to plain data, with bounded work: a hostile spec fails fast with one SpecError.

YAML aliases let a few hundred bytes stand for a tree of billions of values (each level
repeating the previous one nine times). Parsing keeps them shared, so the parse itself is
cheap, but anything that walks the tree (the loader, a repr in an error message) would expand
it. The composed tree is therefore checked, aliases expanded and counted up to a limit, before
any Python value is built. The limits are far above the kernel's own specs (tc.yaml, the
largest: 80 KB, about 7,300 nodes, 8 levels).
"""

from __future__ import annotations

from typing import Any

from genetlink.loader.errors import SpecError

#: Largest spec text accepted, in bytes (UTF-8).
MAX_SPEC_BYTES = 4 << 20
#: Most nodes (keys, values, list items) the document may have with its aliases expanded.
MAX_SPEC_NODES = 200_000
#: Deepest nesting of mappings and lists; also the longest chain of subset-of sets or of
#: structs inside structs (both are built recursively).
MAX_SPEC_DEPTH = 32


def parse_yaml(text: str | bytes, source: str) -> Any:
    """Parse YAML with the C loader when PyYAML has it; every problem becomes a SpecError."""
    import yaml  # lazily: `import genetlink` must not import YAML

    data = _as_bytes(text, source)
    if len(data) > MAX_SPEC_BYTES:
        raise SpecError(source, "", f"spec is larger than {MAX_SPEC_BYTES >> 20} MiB")
    try:
        loader = (getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader)(data)  # never a full one
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            _check_size(node, source)
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except SpecError:
        raise
    except yaml.reader.ReaderError as e:  # a control character (binary data), or bad UTF-16
        char = f"character #x{e.character:04x}" if isinstance(e.character, int) else "text"
        reason = f"not YAML text: unacceptable {char} ({e.reason})"
        raise SpecError(source, f"position {e.position}", reason) from e
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e)
        raise SpecError(source, where, f"invalid YAML: {' '.join(problem.split())}") from e
    except ValueError as e:  # a scalar the safe constructor cannot build (2001-13-01, !!int x)
        raise SpecError(source, "", f"invalid YAML value: {' '.join(str(e).split())}") from e
    except RecursionError:  # the pure-Python composer recurses per nesting level
        raise SpecError(source, "", f"nested deeper than {MAX_SPEC_DEPTH} levels") from None


def _as_bytes(text: str | bytes, source: str) -> bytes:
    """The spec as UTF-8 bytes (or UTF-16 with its BOM, which YAML also allows), checked here:
    the C reader names the byte after a bad one, and raises a bare error for surrogates."""
    if isinstance(text, str):
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError as e:
            raise SpecError(
                source, f"position {e.start}", "not UTF-8 text (a lone surrogate)"
            ) from None
    if not isinstance(text, bytes | bytearray | memoryview):
        kind = type(text).__name__
        raise SpecError(source, "", f"a spec is YAML text (str or bytes), got {kind}"
                        " (to load a file, use load_spec(path))")  # fmt: skip
    data = bytes(text)
    if data[:2] not in (b"\xff\xfe", b"\xfe\xff"):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as e:
            where = f"position {e.start}"
            raise SpecError(source, where, f"not UTF-8 text (byte 0x{data[e.start]:02x})") from None
    return data


def _check_size(root: Any, source: str) -> None:
    """Walk the composed nodes as the loader would see them (aliases expanded), stopping at
    the limits; a self-referencing alias counts as an endless tree."""
    import yaml

    stack: list[tuple[Any, int]] = [(root, 1)]
    count = 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_SPEC_NODES:
            raise SpecError(
                source, "", f"spec expands to more than {MAX_SPEC_NODES} nodes (repeated aliases?)"
            )
        if depth > MAX_SPEC_DEPTH:
            mark = node.start_mark
            raise SpecError(source, f"line {mark.line + 1}, column {mark.column + 1}",
                            f"nested deeper than {MAX_SPEC_DEPTH} levels")  # fmt: skip
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.append((key, depth + 1))
                stack.append((value, depth + 1))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, depth + 1) for item in node.value)

"""The documentation covers what it promises: every public name has a docstring and a place in
the API reference, and every CLI command a page whose usage the build takes from its parser."""

from __future__ import annotations

import argparse
import importlib
import inspect
import itertools
import re
import sys

import pytest
from snippets import DOCS, doc_pages

import genetlink
from genetlink.cli.main import build_parser

PUBLIC = [name for name in genetlink.__all__ if name != "__version__"]
REFERENCE = "\n".join(p.read_text() for p in (DOCS / "reference").glob("*.md"))


def _members(obj: type) -> list[tuple[str, object]]:
    """The public methods and properties a class defines itself."""
    found = []
    for name, value in vars(obj).items():
        if name.startswith("_"):
            continue
        if isinstance(value, staticmethod | classmethod):
            value = value.__func__
        if inspect.isfunction(value) or isinstance(value, property):
            found.append((name, value))
    return found


@pytest.mark.parametrize("name", PUBLIC)
def test_public_name_has_a_docstring(name: str) -> None:
    obj = getattr(genetlink, name)
    assert (obj.__doc__ or "").strip(), f"genetlink.{name} has no docstring"
    if inspect.isclass(obj):
        bare = [m for m, value in _members(obj) if not (value.__doc__ or "").strip()]
        assert not bare, f"genetlink.{name}: methods without a docstring: {bare}"


@pytest.mark.parametrize("name", PUBLIC)
def test_public_name_is_in_the_reference(name: str) -> None:
    where = genetlink._EXPORTS[name]
    assert f"::: {where}.{name}\n" in REFERENCE, (
        f"add '::: {where}.{name}' to a page of docs/reference/")


def _commands(parser: argparse.ArgumentParser, words: tuple[str, ...] = ()) -> list[str]:
    """Every runnable command line: `families`, ..., `spec list`, `spec install`, ..."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for word, sub in action.choices.items():
                found += _commands(sub, (*words, word)) or [" ".join((*words, word))]
    return found


def test_every_command_has_a_page_with_its_usage() -> None:
    commands = _commands(build_parser())
    assert {"families", "do", "spec install"} <= set(commands)
    for command in commands:
        if command.startswith("__"):  # hidden: the completion scripts' helper
            continue
        page = DOCS / "cli" / f"{command.replace(' ', '-')}.md"
        assert page.is_file(), f"genetlink {command}: write {page.relative_to(DOCS.parent)}"
        assert f"<!-- usage: {command} -->" in page.read_text(), page
        assert f"[{command}]({page.name})" in (DOCS / "cli" / "index.md").read_text(), command


def test_usage_comes_from_the_parser() -> None:
    sys.path.insert(0, str(DOCS))
    try:
        import hooks  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(DOCS))
    text = hooks.on_page_markdown("a\n<!-- usage: spec check -->\nb", page=None)
    assert "usage: genetlink spec check [-h]" in text and "--json" in text
    assert "<!-- usage" not in text
    with pytest.raises(KeyError, match="no command"):
        hooks.usage("spec nonsense")


def test_every_page_is_in_the_nav() -> None:
    nav = (DOCS.parent / "mkdocs.yml").read_text()
    listed = set(re.findall(r"([\w/-]+\.md)", nav))
    pages = {p.relative_to(DOCS).as_posix() for p in doc_pages()}
    assert pages == listed, f"pages not in mkdocs.yml's nav: {pages - listed}"


def test_c_excerpts_are_the_module_source() -> None:
    """A ```c block quotes kernel/genltest/genltest.c: every line is in the file (a trailing
    comment of ours aside), or is an elision `/* ... */`."""
    source = {" ".join(line.split()) for line in
              (DOCS.parent / "kernel" / "genltest" / "genltest.c").read_text().splitlines()}
    blocks = [m.group(1) for page in doc_pages()
              for m in re.finditer(r"^```c\n(.*?)^```", page.read_text(), re.M | re.S)]
    assert blocks, "the tutorial quotes the module"
    for block in blocks:
        for line in block.splitlines():
            line = " ".join(re.sub(r"\s*/\*[^*]*\*/$", "", line).split())
            assert not line or line in source, f"not in genltest.c: {line!r}"


def _documented() -> list[tuple[str, object]]:
    """Every object a `::: target` of docs/reference renders, with its public members."""
    found = []
    for target in re.findall(r"^::: ([\w.]+)$", REFERENCE, re.M):
        module, _, name = target.rpartition(".")
        try:
            obj = getattr(importlib.import_module(module), name)
        except ModuleNotFoundError:  # the target is a module itself
            obj = importlib.import_module(target)
        found.append((target, obj))
        if inspect.isclass(obj):
            found += [(f"{target}.{m}", v) for m, v in _members(obj)]
    return found


def test_reference_docstrings_hold_no_code_blocks() -> None:
    """The reference renders docstrings as Markdown: an indented block there would be a code
    block of the site that no test runs. Examples belong on the pages, where they run."""
    for target, obj in _documented():
        lines = inspect.cleandoc(getattr(obj, "__doc__", None) or "").splitlines()
        for before, line in itertools.pairwise(lines):
            assert not (not before.strip() and line.startswith("    ")), (target, line)

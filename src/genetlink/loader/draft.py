"""A spec-shaped dict as YAML text in the kernel's format (``genetlink spec draft``).

    text = spec_text(build_spec(kernel, header))     # genetlink.genl.introspect.build_spec
    family = load_spec_text(text)                   # the same model as build_family(spec)

The text is plain block YAML (no anchors, keys in the spec's order) after a comment that says
where it came from, so that a module author can edit it into a real spec.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from genetlink.loader.errors import SpecError

_PREAMBLE = (
    "# A first draft of this family's spec, written by `genetlink spec draft` from what the\n"
    "# running kernel reports (operations, groups, attribute policies) and the names of its\n"
    "# uapi header. Numbers stand where the header names nothing: rename them, add replies,\n"
    "# docs and enums, and check it with `genetlink spec check`.\n"
)


def spec_text(spec: Mapping[str, Any], *, preamble: str | None = _PREAMBLE) -> str:
    """`spec` as YAML text that `load_spec_text` reads back to the same model. SpecError when
    `spec` holds something YAML cannot say plainly (objects other than dicts, lists, strings,
    numbers, booleans)."""
    import yaml

    class _Dumper(yaml.SafeDumper):
        """Indents list items under their key, as the kernel's specs do."""

        def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
            super().increase_indent(flow, False)

    try:
        body = yaml.dump(dict(spec), Dumper=_Dumper, sort_keys=False, default_flow_style=False,
                         allow_unicode=True, width=96)  # fmt: skip
    except yaml.YAMLError as exc:
        raise SpecError("<draft>", "", f"cannot write as YAML: {exc}") from exc
    return (preamble or "") + "---\n" + body


__all__ = ["spec_text"]

"""Family models from the kernel's YAML netlink specs and from Python declarations.

    family = load_spec("netdev.yaml")              # a file
    family = load_family("netdev")                 # a name on the spec search path
    family = declare_family("demo", attributes=..., operations=...)

Importing this package does not import YAML; that happens when a spec is loaded.
"""

from genetlink.loader.declare import declare_family
from genetlink.loader.errors import SpecError
from genetlink.loader.search import SpecInfo, SpecNotFound, find_spec, list_specs, load_family
from genetlink.loader.spec import build_family, load_spec, load_spec_text

__all__ = [
    "SpecError",
    "SpecInfo",
    "SpecNotFound",
    "build_family",
    "declare_family",
    "find_spec",
    "list_specs",
    "load_family",
    "load_spec",
    "load_spec_text",
]

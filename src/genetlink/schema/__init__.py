"""The family model and the loader of the kernel's YAML netlink specs.

Importing this package does not import YAML; that happens when a spec is loaded.
"""

from genetlink.schema.definitions import Const, Definition, EnumDefinition, Struct, StructMember
from genetlink.schema.errors import SpecError
from genetlink.schema.loader import build_family, load_spec, load_spec_text
from genetlink.schema.model import (
    Attribute,
    AttributeSet,
    Checks,
    Family,
    McastGroup,
    MessageSpec,
    Operation,
    OperationMode,
    SubMessage,
    SubMessageFormat,
)
from genetlink.schema.search import SpecInfo, find_spec, list_specs, load_family

__all__ = [
    "Attribute",
    "AttributeSet",
    "Checks",
    "Const",
    "Definition",
    "EnumDefinition",
    "Family",
    "McastGroup",
    "MessageSpec",
    "Operation",
    "OperationMode",
    "SpecError",
    "SpecInfo",
    "Struct",
    "StructMember",
    "SubMessage",
    "SubMessageFormat",
    "build_family",
    "find_spec",
    "list_specs",
    "load_family",
    "load_spec",
    "load_spec_text",
]

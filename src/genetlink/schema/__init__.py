"""The family model: attribute sets, operations, multicast groups, enums, flags and structs.

One model serves the runtime codec (`genetlink.codec`), validation, the CLI and, later, typed
stubs. It is built by `genetlink.loader` from a YAML spec or a Python declaration.
"""

from genetlink.schema.definitions import Const, Definition, EnumDefinition, Struct, StructMember
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
    "Struct",
    "StructMember",
    "SubMessage",
    "SubMessageFormat",
]

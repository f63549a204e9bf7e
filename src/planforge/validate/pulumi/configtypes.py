"""The types of Pulumi project configuration (`type: string|integer|boolean|array`, `items:`), and whether a value
has its type, as Pulumi decides it (`ValidateConfigValue`).

A default in Pulumi.yaml keeps its YAML type (`80` is an integer, `"80"` a string that reads as one). A stack
file's plain value is text to Pulumi (`80` and `"80"` are both a string that reads as an integer); a list or
mapping in a stack file is a structured value whose items keep their YAML types.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from yaml.nodes import Node, ScalarNode, SequenceNode

from planforge.validate.pulumi.yamlnodes import kind

TYPES = ("string", "integer", "boolean", "array")
_ATOI = re.compile(r"[-+]?[0-9]+")


@dataclass(frozen=True)
class ConfigType:
    """A declared type; an array's items have a type of their own."""

    name: str
    items: ConfigType | None = None

    def label(self) -> str:
        """`integer`, `array<string>`, as Pulumi names them."""
        return f"array<{self.items.label()}>" if self.items is not None else self.name


def fits(declared: ConfigType, node: Node, stack_value: bool = False) -> bool:
    """Whether the value `node` has the type `declared` (`stack_value`: a stack file's value, whose plain scalars
    are text)."""
    if isinstance(node, SequenceNode):
        return declared.name == "array" and declared.items is not None and all(
            fits(declared.items, item) for item in node.value)
    if not isinstance(node, ScalarNode):
        return False  # a mapping has no declarable type
    found = kind(node)
    if declared.name == "string":
        return stack_value or found == "str"
    if declared.name == "integer":
        return found == "int" or (found == "float" and _whole(node.value)) or (
            found == "str" and _ATOI.fullmatch(node.value) is not None)
    if declared.name == "boolean":
        return found == "bool" or (found == "str" and node.value in ("true", "false"))
    return False


def _whole(text: str) -> bool:
    try:
        return float(text).is_integer()
    except ValueError:  # YAML's .inf and .nan
        return False

"""The `config:` block of Pulumi.yaml: the project's configuration declarations, checked as Pulumi checks them.

A key in the project's namespace (bare, or `<project>:<key>`) is declared with a value (a default) or a mapping
of `type`, `items`, `description`, `secret`, `default`; a key of another namespace (`aws:region`) sets a `value`
and declares no type or default. A typed default must have its type; an `array` names the type of its `items`.
"""
from __future__ import annotations

from dataclasses import dataclass

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from planforge.validate.base import Finding, Severity
from planforge.validate.pulumi.configtypes import TYPES, ConfigType, fits
from planforge.validate.pulumi.rules import NAME, PROJECT_RULE
from planforge.validate.pulumi.suggest import did_you_mean
from planforge.validate.pulumi.yamlnodes import entry, is_null, kind, line, pairs

ATTRIBUTES = ("type", "items", "description", "secret", "default", "value")
HINT = "see the `config` section of the Pulumi project file reference"


@dataclass(frozen=True)
class Declaration:
    """A configuration key of the project's namespace, as Pulumi.yaml declares it."""

    name: str  # without the `<project>:` prefix
    type: ConfigType | None
    has_default: bool  # a default (or value): stacks need not set it
    secret: bool


def own_name(key: str, project: str | None) -> str | None:
    """The key's name when it is in the project's namespace (bare, or `<project>:<name>`), else None."""
    if ":" not in key:
        return key
    namespace, _, name = key.partition(":")
    return name if project is not None and namespace == project else None


def declarations(node: Node, project: str | None, shown: str) -> tuple[dict[str, Declaration], list[Finding]]:
    """The declarations of the project's namespace in the `config:` mapping `node`, and what is wrong with any
    entry."""
    found: dict[str, Declaration] = {}
    findings: list[Finding] = []
    for key, key_node, value in pairs(node):
        own = own_name(key, project)
        declared, problems = _declaration(key, own, value, shown, line(key_node))
        findings += problems
        if own is not None and declared is not None:
            found[own] = declared
    return found, findings


def problem(message: str, shown: str, where: int | None, hint: str = HINT) -> Finding:
    return Finding(NAME, PROJECT_RULE, Severity.ERROR, message, shown, where, hint=hint)


def _declaration(key: str, own: str | None, value: Node, shown: str,
                 where: int) -> tuple[Declaration | None, list[Finding]]:
    if isinstance(value, SequenceNode) or (isinstance(value, ScalarNode) and kind(value) in ("str", "int", "bool")):
        return Declaration(own or key, None, True, False), []  # the short form: a default, or another's value
    if not isinstance(value, MappingNode):
        return None, [problem(f"config `{key}` must be a value (text, integer, boolean or list) or a mapping that "
                              "declares it (type, description, default, ...)", shown, where)]
    attributes = {text: v for text, _, v in pairs(value)}
    findings = [problem(f"config `{key}` has an unknown attribute `{name}`{did_you_mean(name, ATTRIBUTES)}", shown,
                        line(key_node))
                for name, key_node, _ in pairs(value) if name not in ATTRIBUTES]
    declared, type_problems = _type_of(value, key, shown)
    findings += type_problems + _attribute_types(key, attributes, shown)
    default, given = attributes.get("default"), attributes.get("value")
    if not is_null(default) and not is_null(given):
        findings.append(problem(f"config `{key}` cannot have both a `default` and a `value`", shown, where))
    if own is None:
        return None, findings + _foreign(key, attributes, shown, where)
    if declared is not None and default is not None and not is_null(default) and not fits(declared, default):
        findings.append(problem(f"the default of config `{key}` is not of type `{declared.label()}`", shown,
                                line(default)))
    secret = attributes.get("secret")
    flagged = isinstance(secret, ScalarNode) and kind(secret) == "bool" and secret.value.lower() == "true"
    return Declaration(own, declared, not is_null(default) or not is_null(given), flagged), findings


def _type_of(mapping: Node, key: str, shown: str, required: bool = False) -> tuple[ConfigType | None, list[Finding]]:
    """The `type` (with its `items`) a declaration or an `items` mapping names."""
    found = entry(mapping, "type")
    if found is None:
        return None, [problem(f"config `{key}`: `items` needs a `type`", shown, line(mapping))] if required else []
    name = found[1].value if isinstance(found[1], ScalarNode) else None
    if name not in TYPES:
        shown_name = f"`{name}`" if name is not None else "a collection"
        return None, [problem(f"config `{key}` has type {shown_name}; the types are {', '.join(TYPES)}"
                              f"{did_you_mean(name or '', TYPES)}", shown, line(found[1]))]
    if name != "array":
        return ConfigType(name), []
    items = entry(mapping, "items")
    if items is None:
        return None, [problem(f"config `{key}` declares an array but not the type of its items (`items: {{type: "
                              "string}`)", shown, line(found[1]))]
    if not isinstance(items[1], MappingNode):
        return None, [problem(f"config `{key}`: `items` must be a mapping with a `type`", shown, line(items[1]))]
    inner, problems = _type_of(items[1], key, shown, required=True)
    return (ConfigType(name, inner) if inner is not None else None), problems


def _attribute_types(key: str, attributes: dict[str, Node], shown: str) -> list[Finding]:
    """`description` is text and `secret` a boolean."""
    findings: list[Finding] = []
    description, secret = attributes.get("description"), attributes.get("secret")
    if description is not None and not (isinstance(description, ScalarNode) and kind(description) == "str"):
        findings.append(problem(f"the `description` of config `{key}` must be text", shown, line(description)))
    if secret is not None and not (isinstance(secret, ScalarNode) and kind(secret) == "bool"):
        findings.append(problem(f"the `secret` of config `{key}` must be true or false", shown, line(secret)))
    return findings


def _foreign(key: str, attributes: dict[str, Node], shown: str, where: int) -> list[Finding]:
    """A key of another namespace (a provider's, `aws:region`) sets a `value`, and declares no type or default."""
    if "type" in attributes:
        return [problem(f"config `{key}` is not in the project's namespace and may not declare a `type`", shown,
                        where)]
    if not is_null(attributes.get("default")):
        return [problem(f"config `{key}` is not in the project's namespace and may not have a `default`", shown,
                        where, hint="write its value as `value:` (or as the key's plain value)")]
    if is_null(attributes.get("value")):
        return [problem(f"config `{key}` is in another namespace and needs a `value`", shown, where)]
    return []

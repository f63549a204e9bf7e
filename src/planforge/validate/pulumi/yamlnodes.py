"""Pulumi.yaml and stack files as YAML node trees (for the line of every key), within the YAML limits.

The text is composed by the bounded loader of `planforge.validate.manifests`; nothing is constructed from it.
A scalar's type is read the way Pulumi's YAML library reads it (YAML 1.2: `yes` and `on` are strings).
"""
from __future__ import annotations

import re
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode

from planforge.validate.base import Context, Finding, Severity
from planforge.validate.inputs import TOO_COMPLEX, InputError, default_hint
from planforge.validate.manifests.limits import BoundedLoader, TooComplex
from planforge.validate.pulumi.rules import NAME

_NULL = frozenset({"", "~", "null", "Null", "NULL"})
_BOOL = frozenset({"true", "True", "TRUE", "false", "False", "FALSE"})
_INT = re.compile(r"[-+]?(?:[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)")


class Unreadable(Exception):
    """A file that is not read or does not parse: `finding` says why, at its line."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.message)
        self.finding = finding


def load(path: Path, shown: str, ctx: Context, rule: str) -> Node | None:
    """The one document of the YAML file `path` (None when empty); Unreadable with a finding of `rule` (a syntax
    error) or an `input/*` finding (outside the validated paths, too large, too complex)."""
    try:
        text = ctx.bounds.read_text(path, shown, errors="replace")
    except InputError as exc:
        raise Unreadable(exc.finding(shown)) from None
    except OSError as exc:
        raise Unreadable(Finding(NAME, rule, Severity.ERROR, f"{shown} cannot be read: {exc.strerror or exc}",
                                 shown, hint="make it a readable file")) from None
    try:
        loader = BoundedLoader(text)
        try:
            root = loader.get_single_node()
            loader.check_aliases(root)
        finally:
            loader.dispose()
    except TooComplex as exc:
        raise Unreadable(Finding("input", TOO_COMPLEX, Severity.ERROR, f"{shown} is too complex to load: {exc}",
                                 shown, exc.line, hint=default_hint(TOO_COMPLEX))) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise Unreadable(Finding(NAME, rule, Severity.ERROR, f"{shown} is not valid YAML: "
                                 f"{getattr(exc, 'problem', None) or exc}", shown,
                                 mark.line + 1 if mark is not None else None,
                                 hint="fix the YAML syntax")) from None
    return root


def line(node: Node) -> int:
    """1-based line where `node` starts."""
    return node.start_mark.line + 1


def pairs(node: Node | None) -> list[tuple[str, ScalarNode, Node]]:
    """(key text, key node, value node) of a mapping's scalar keys ([] for anything else)."""
    if not isinstance(node, MappingNode):
        return []
    return [(k.value, k, v) for k, v in node.value if isinstance(k, ScalarNode)]


def entry(node: Node | None, key: str) -> tuple[ScalarNode, Node] | None:
    """The key and value nodes of `key` in a mapping (None when absent)."""
    return next(((k, v) for text, k, v in pairs(node) if text == key), None)


def kind(node: ScalarNode) -> str:
    """"null", "bool", "int", "float" or "str": the type Pulumi reads a scalar as."""
    if node.style:  # quoted, literal or folded: a string (a plain scalar has no style: None or "")
        return "str"
    text = node.value
    if text in _NULL:
        return "null"
    if text in _BOOL:
        return "bool"
    if _INT.fullmatch(text):
        return "int"
    return "float" if _FLOAT.fullmatch(text) else "str"


def text_of(node: Node | None) -> str | None:
    """The text of a non-empty string scalar (None for anything else)."""
    return node.value if isinstance(node, ScalarNode) and kind(node) == "str" and node.value != "" else None


def is_null(node: Node | None) -> bool:
    return node is None or (isinstance(node, ScalarNode) and kind(node) == "null")

"""Reading a YAML or JSON file as a CloudFormation template, within the YAML limits, and telling whether it is one.

A template is a mapping with `AWSTemplateFormatVersion`, or with a `Resources` mapping one of whose entries has a
`Type` of `AWS::...` or `Custom::...` (SAM's `AWS::Serverless::...` included), or a SAM `Transform` beside
`Resources`. A Kubernetes object (top-level `apiVersion` and `kind`) never is one.

The text is composed into nodes by the bounded loader of `planforge.validate.manifests` (nesting, node count and
alias expansion checked before anything is built) and turned into plain data with every tag ignored, so the
short-form intrinsics (`!Ref`, `!Sub`, `!GetAtt`, ...) and any other tag load as their plain value; nothing is
constructed from a tag. JSON that YAML cannot read (tab indentation) is loaded with the bounded JSON loader.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from planforge.validate.manifests.limits import BoundedLoader, TooComplex, loads_json

TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")
RESOURCE_TYPE_PREFIXES = ("AWS::", "Custom::")
SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
# A top-level AWSTemplateFormatVersion key (block YAML at column 0, or a JSON key): a file that says so is a
# template even when it does not parse, so that cfn-lint reports its syntax error.
_DECLARED = re.compile(r'(?m)^(?:AWSTemplateFormatVersion|\s*"AWSTemplateFormatVersion")\s*:')


class NotATemplate(Exception):
    """The text does not parse as one YAML or JSON document."""


@dataclass
class Parsed:
    """A template's plain data, and its node tree (None for JSON that only the JSON loader reads)."""

    data: Any
    root: Node | None

    def line_of(self, *path: str) -> int | None:
        """1-based line of the value at `path` (of its nearest parent that exists)."""
        node, line = self.root, None
        for key in path:
            if not isinstance(node, MappingNode):
                break
            found = next(((k, v) for k, v in node.value if isinstance(k, ScalarNode) and k.value == key), None)
            if found is None:
                break
            line, node = found[0].start_mark.line + 1, found[1]
        return line


def may_be_template(text: str) -> bool:
    """Cheap test before parsing: the words every template has."""
    return "AWSTemplateFormatVersion" in text or ("Resources" in text and any(p in text for p in
                                                                                RESOURCE_TYPE_PREFIXES))


def declares_template(text: str) -> bool:
    """A top-level `AWSTemplateFormatVersion` key, found in the text without parsing it."""
    return _DECLARED.search(text) is not None


def parse(text: str, suffix: str) -> Parsed:
    """The one document of `text`. TooComplex beyond the YAML limits; NotATemplate when it does not parse."""
    try:
        root = _compose(text)
    except TooComplex:
        raise
    except yaml.YAMLError as exc:
        if suffix != ".json" and not text.lstrip().startswith("{"):
            raise NotATemplate(str(exc)) from None
        try:
            return Parsed(loads_json(text), None)
        except ValueError as json_exc:
            raise NotATemplate(str(json_exc)) from None
    return Parsed(plain(root) if root is not None else None, root)


def _compose(text: str) -> Node | None:
    loader = BoundedLoader(text)
    try:
        root = loader.get_single_node()
        loader.check_aliases(root)
        return root
    finally:
        loader.dispose()


def plain(node: Node) -> Any:
    """The value of a node with every tag ignored: scalars as their text, sequences as lists, mappings as dicts."""
    if isinstance(node, MappingNode):
        return {key.value if isinstance(key, ScalarNode) else repr(plain(key)): plain(value)
                for key, value in node.value}
    if isinstance(node, SequenceNode):
        return [plain(item) for item in node.value]
    return node.value


def is_template(data: Any) -> bool:
    """Whether parsed data is a CloudFormation (or SAM) template (the rules of this module's docstring)."""
    if not isinstance(data, dict) or ("apiVersion" in data and "kind" in data):
        return False
    if "AWSTemplateFormatVersion" in data:
        return True
    resources = data.get("Resources")
    if not isinstance(resources, dict) or not resources:
        return False
    transform = data.get("Transform")
    if SAM_TRANSFORM in (transform if isinstance(transform, list) else [transform]):
        return True
    return any(isinstance(r, dict) and isinstance(r.get("Type"), str) and r["Type"].startswith(RESOURCE_TYPE_PREFIXES)
               for r in resources.values())

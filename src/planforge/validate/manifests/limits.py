"""YAML within bounds (docs/settings.md, "Limits"): flow collections nested deeper than MAX_YAML_DEPTH are
refused before parsing (libyaml's composer recurses on the C stack), and aliases may add at most
MAX_ALIAS_NODES nodes to a document (counting every alias as a copy of the node it names)."""
from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

MAX_YAML_DEPTH = 1000
MAX_ALIAS_NODES = 100_000
_ANCHOR_RE = re.compile(r"(?:^|[\s\[{,])&[^\s\[\]{},]")
_BRACKETS_RE = re.compile(r"[\[\]{}]")


class TooComplex(yaml.YAMLError):
    """A YAML text beyond MAX_YAML_DEPTH or MAX_ALIAS_NODES (a YAMLError: callers that treat a bad
    file as unparsable keep doing so)."""


def check_depth(text: str) -> None:
    """Raise TooComplex when flow collections (`[`, `{`) nest deeper than MAX_YAML_DEPTH.

    Counted on the raw text (brackets inside strings count too, so this errs towards refusing);
    texts with fewer brackets than the limit are not scanned.
    """
    if text.count("[") + text.count("{") <= MAX_YAML_DEPTH:
        return
    depth = 0
    for match in _BRACKETS_RE.finditer(text):
        if match[0] in "[{":
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise TooComplex(f"collections nest more than {MAX_YAML_DEPTH} levels deep")
        elif depth:
            depth -= 1


def _alias_growth(root: Node) -> int:
    """How many nodes aliases add to the document `root` (expanded size minus distinct nodes).

    Raises TooComplex for a recursive alias (a node that contains an alias to itself).
    """
    size: dict[int, int] = {}
    entered: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]

    def children(node: Node) -> list[Node]:
        if isinstance(node, MappingNode):
            return [n for pair in node.value for n in pair]
        return node.value if isinstance(node, SequenceNode) else []

    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            size[key] = 1 + sum(size[id(c)] for c in children(node))
            continue
        if key in size:
            continue
        if key in entered:
            raise TooComplex("an alias refers to a node that contains it (a recursive alias)")
        entered.add(key)
        stack.append((node, True))
        for child in children(node):
            if id(child) in entered and id(child) not in size:
                raise TooComplex("an alias refers to a node that contains it (a recursive alias)")
            stack.append((child, False))
    return size[id(root)] - len(size)


class BoundedLoader(yaml.CSafeLoader):  # type: ignore[misc, name-defined]
    """libyaml + SafeConstructor that refuses documents whose aliases expand beyond MAX_ALIAS_NODES.

    The anchors check runs only on texts that have an anchor (`&name`); nesting is checked by
    `check_depth` before parsing.
    """

    def __init__(self, stream: str) -> None:
        check_depth(stream)
        super().__init__(stream)
        self.has_anchors = _ANCHOR_RE.search(stream) is not None

    def check_aliases(self, node: Node) -> None:
        if self.has_anchors and node is not None:
            growth = _alias_growth(node)
            if growth > MAX_ALIAS_NODES:
                raise TooComplex(f"aliases expand the document by more than {MAX_ALIAS_NODES} nodes "
                                 f"({growth} more nodes than it has)")

    def construct_document(self, node: Node) -> Any:
        self.check_aliases(node)
        return super().construct_document(node)


def safe_load(text: str) -> Any:
    """`yaml.safe_load` within the YAML limits (raises TooComplex, a YAMLError, beyond them)."""
    loader = BoundedLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def compose_all(text: str) -> list[Node]:
    """The node trees of every document (aliases stay shared nodes: composing does not expand them)."""
    check_depth(text)
    return list(yaml.compose_all(text, Loader=yaml.CSafeLoader))

"""Locating problems in a loaded document: the line of a JSON path, the JSON paths and lines of duplicate keys.

Computed only when a problem is reported: the document's text is composed again (cached for the few
texts that have findings).
"""
from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Iterator

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from planforge.validate.base import Document
from planforge.validate.manifests.documents import ManifestDocument
from planforge.validate.manifests.limits import compose_all


def mappings(node: Node | None) -> Iterator[MappingNode]:
    """Every mapping node of a tree, depth first."""
    if isinstance(node, MappingNode):
        yield node
        for k, v in node.value:
            yield from mappings(k)
            yield from mappings(v)
    elif isinstance(node, SequenceNode):
        for v in node.value:
            yield from mappings(v)


def duplicate_keys(node: MappingNode) -> list[ScalarNode]:
    """Key nodes that repeat an earlier key of the same mapping (merge keys excluded)."""
    seen: set[str] = set()
    dups = []
    for key_node, _ in node.value:
        if not isinstance(key_node, ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
            continue
        if key_node.value in seen:
            dups.append(key_node)
        seen.add(key_node.value)
    return dups


def _compose_document(source: str, doc_index: int) -> Node | None:
    nodes = _compose_all(source)
    return nodes[doc_index] if doc_index < len(nodes) else None


@functools.lru_cache(maxsize=16)
def _compose_all(source: str) -> list[Node]:
    """The node trees of a text (with line marks), kept for the few files that have findings."""
    try:
        return compose_all(source)
    except yaml.YAMLError:
        return []


def split_path(path: str) -> list[str | int]:
    """'spec.containers[0].image' -> ['spec', 'containers', 0, 'image'] (keys may be quoted: ["a.b"])."""
    parts: list[str | int] = []
    for m in re.finditer(r'\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|([^.\[\]]+)', path):
        if m.group(1) is not None:
            parts.append(int(m.group(1)))
        elif m.group(2) is not None:
            parts.append(json.loads(f'"{m.group(2)}"'))
        else:
            parts.append(m.group(3))
    return parts


def join_path(parts: Iterable[str | int]) -> str:
    """['spec', 'containers', 0, 'image'] -> 'spec.containers[0].image'."""
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        elif re.fullmatch(r"[A-Za-z0-9_$/-]+", p):
            out += f".{p}" if out else p
        else:
            out += f"[{json.dumps(p)}]"
    return out


def line_of_path(doc: Document, path: str) -> int | None:
    """1-based line of the node at `path` (relative to the YAML document), or of its nearest parent."""
    source = getattr(doc, "source", None)
    if source is None:
        return doc.line
    node = _compose_document(source, doc.doc_index)
    if node is None:
        return doc.line
    line = node.start_mark.line + 1
    for part in split_path(path):
        nxt: Node | None = None
        if isinstance(node, MappingNode):
            for key_node, value_node in node.value:
                if isinstance(key_node, ScalarNode) and key_node.value == str(part):
                    nxt = value_node
                    line = key_node.start_mark.line + 1
        elif isinstance(node, SequenceNode) and isinstance(part, int) and part < len(node.value):
            nxt = node.value[part]
            line = nxt.start_mark.line + 1
        if nxt is None:
            break
        node = nxt
    return line


def duplicate_key_locations(doc: ManifestDocument) -> list[tuple[str, int]]:
    """(JSON path of the repeated key, 1-based line) for every duplicate key of the document."""
    if not doc.duplicate_nodes:
        return []
    root = _compose_document(doc.source, doc.doc_index) if doc.source is not None else None
    wanted = {(n.start_mark.line, n.start_mark.column) for n in doc.duplicate_nodes}
    found: list[tuple[str, int]] = []

    def walk(node: Node, parts: list[str | int]) -> None:
        if isinstance(node, MappingNode):
            if (node.start_mark.line, node.start_mark.column) in wanted:
                for key_node in duplicate_keys(node):
                    found.append((join_path([*parts, key_node.value]), key_node.start_mark.line + 1))
            for key_node, value_node in node.value:
                if isinstance(key_node, ScalarNode):
                    walk(value_node, [*parts, key_node.value])
        elif isinstance(node, SequenceNode):
            for i, value_node in enumerate(node.value):
                walk(value_node, [*parts, i])

    if root is not None:
        walk(root, [])
    if not found:  # no source to walk: report the keys at the mapping's line
        for node in doc.duplicate_nodes:
            found.extend((k.value, k.start_mark.line + 1) for k in duplicate_keys(node))
    return found

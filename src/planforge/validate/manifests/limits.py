"""YAML and JSON within bounds (docs/settings.md, "Limits"), checked before anything is built from the text.

- Nesting: collections (block or flow) nested deeper than MAX_YAML_DEPTH are refused before parsing: libyaml's
  composer recurses on the C stack (a 200 KB line of `- - - ...` crashes the process), and deep objects
  exhaust Python's recursion in every later walk (JSON encoding, schema validation).
- Size of the structure: more than MAX_DOCUMENTS documents or MAX_NODES nodes in one text are refused before
  parsing (each node costs about half a KiB once composed: a 16 MiB file of one-character items needs GiBs).
- Aliases may add at most MAX_ALIAS_NODES nodes and MAX_ALIAS_CHARS characters to a document, and may not
  nest it deeper than MAX_YAML_DEPTH (every alias counted as a copy of the node it names).

The text checks are linear: cheap upper bounds (bracket and indicator counts) rule most texts in; only a
text they cannot clear is scanned event by event (libyaml's parser keeps its own stack: no recursion).
"""
from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from typing import Any

import yaml
from yaml.events import AliasEvent, DocumentStartEvent, MappingStartEvent, ScalarEvent, SequenceStartEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_YAML_DEPTH = 200
MAX_DOCUMENTS = 10_000
MAX_NODES = 1_000_000
MAX_ALIAS_NODES = 100_000
MAX_ALIAS_CHARS = 10_000_000
_ANCHOR_RE = re.compile(r"(?:^|[\s\[{,])&[^\s\[\]{},]")
_BRACKETS_RE = re.compile(r"[\[\]{}]")
_DOCUMENT_MARKER_RE = re.compile(r"(?m)^(?:---|\.\.\.)")
_JSON_STRING_RE = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
# Characters of which every node needs at least one before it (a separator or an indicator).
_NODE_MARKS = ",[{:-?\n"
_OPENING = (MappingStartEvent, SequenceStartEvent)
_CLOSING = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


class TooComplex(yaml.YAMLError):
    """A YAML or JSON text beyond one of the limits (a YAMLError: callers that treat a bad file as
    unparsable keep doing so). `line` (1-based) is where the limit was crossed, when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def check_text(text: str) -> None:
    """Raise TooComplex when the YAML `text` nests deeper than MAX_YAML_DEPTH or holds more than
    MAX_DOCUMENTS documents or MAX_NODES nodes. Linear in the text; never composes it."""
    if _may_exceed(text):
        _scan_events(text)


def _may_exceed(text: str) -> bool:
    """False when cheap upper bounds prove the text within the limits.

    A block collection starts where a line's indentation and indicators (`- `, `? `, `: `) end, and
    each block level (two with an indentless sequence) starts further right than its parent: block
    depth is at most twice the longest such line prefix. Flow depth is at most the number of `[`/`{`.
    Every node needs one of `_NODE_MARKS` before it (two for a key and its value).
    """
    flows = text.count("[") + text.count("{")
    indent = (MAX_YAML_DEPTH - flows - 2) // 2
    if indent < 1 or _deep_prefix(indent).search(text):
        return True
    if sum(1 for _ in _DOCUMENT_MARKER_RE.finditer(text)) + 1 > MAX_DOCUMENTS:
        return True
    return 2 * sum(text.count(mark) for mark in _NODE_MARKS) + 2 > MAX_NODES


@functools.lru_cache(maxsize=None)
def _deep_prefix(width: int) -> re.Pattern[str]:
    return re.compile(rf"(?m)^[ \t?:-]{{{width}}}")


def _scan_events(text: str) -> None:
    """Count depth, nodes and documents on libyaml's event stream; stop at the first limit crossed."""
    _quietly(yaml.CSafeLoader(text), _count_events)


def _count_events(loader: Any) -> None:
    depth = nodes = documents = 0
    while (event := loader.get_event()) is not None:
        if isinstance(event, (ScalarEvent, AliasEvent)):
            nodes += 1
        elif isinstance(event, _OPENING):
            nodes += 1
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise TooComplex(f"collections nest more than {MAX_YAML_DEPTH} levels deep", event.start_mark.line + 1)
        elif isinstance(event, _CLOSING):
            depth -= 1
        elif isinstance(event, DocumentStartEvent):
            documents += 1
            if documents > MAX_DOCUMENTS:
                raise TooComplex(f"more than {MAX_DOCUMENTS} documents in one file", event.start_mark.line + 1)
        if nodes > MAX_NODES:
            raise TooComplex(f"more than {MAX_NODES} YAML nodes in one file", event.start_mark.line + 1)


# libyaml (in PyYAML's wheels from 6.0.4) stops at a nesting depth of its own, above MAX_YAML_DEPTH; its scanner reads
# a flow collection's brackets before the events that count depth are emitted, so it may stop first.
_LIBYAML_DEPTH = "exceeded maximum nesting depth"


def _quietly(loader: Any, check: Callable[[Any], None]) -> None:
    """`check(loader)`, then dispose of the loader. TooComplex passes; a syntax error ends the check quietly
    (parsing the text reports it)."""
    try:
        check(loader)
    except TooComplex:
        raise
    except yaml.YAMLError as exc:
        if _LIBYAML_DEPTH in str(exc):  # libyaml's own nesting limit, met while scanning ahead of the events
            mark = getattr(exc, "problem_mark", None)
            raise TooComplex(f"collections nest more than {MAX_YAML_DEPTH} levels deep",
                             mark.line + 1 if mark is not None else None) from None
        return
    finally:
        loader.dispose()


def loads_json(text: str, **kwargs: Any) -> Any:
    """`json.loads` of a text nesting at most MAX_YAML_DEPTH levels (TooComplex beyond; ValueError on bad JSON)."""
    if text.count("[") + text.count("{") > MAX_YAML_DEPTH:
        depth = 0
        for match in _BRACKETS_RE.finditer(_JSON_STRING_RE.sub('""', text)):
            if match[0] in "[{":
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    raise TooComplex(f"JSON nests more than {MAX_YAML_DEPTH} levels deep")
            else:
                depth -= 1
    try:
        return json.loads(text, **kwargs)
    except RecursionError:
        raise TooComplex(f"JSON nests more than {MAX_YAML_DEPTH} levels deep") from None


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    return node.value if isinstance(node, SequenceNode) else []


def _check_expansion(root: Node) -> None:
    """Raise TooComplex when aliases make the document `root` grow beyond the alias limits, nest it
    deeper than MAX_YAML_DEPTH, or refer to a node that contains them (a recursive alias)."""
    expanded: dict[int, tuple[int, int, int]] = {}  # id -> (nodes, characters, depth) once expanded
    entered: set[int] = set()
    distinct_chars = 0
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            parts = [expanded[id(c)] for c in _children(node)]
            own = len(node.value) if isinstance(node, ScalarNode) else 0
            distinct_chars += own
            expanded[key] = (1 + sum(p[0] for p in parts), own + sum(p[1] for p in parts),
                             1 + max((p[2] for p in parts), default=0))
            continue
        if key in expanded:
            continue
        if key in entered:
            raise TooComplex("an alias refers to a node that contains it (a recursive alias)")
        entered.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in entered and id(child) not in expanded:
                raise TooComplex("an alias refers to a node that contains it (a recursive alias)")
            stack.append((child, False))
    nodes, chars, depth = expanded[id(root)]
    line = root.start_mark.line + 1
    if nodes - len(expanded) > MAX_ALIAS_NODES:
        raise TooComplex(f"aliases expand the document by more than {MAX_ALIAS_NODES} nodes "
                         f"({nodes - len(expanded)} more nodes than it has)", line)
    if chars - distinct_chars > MAX_ALIAS_CHARS:
        raise TooComplex(f"aliases expand the document by more than {MAX_ALIAS_CHARS} characters", line)
    if depth > MAX_YAML_DEPTH:
        raise TooComplex(f"aliases nest the document more than {MAX_YAML_DEPTH} levels deep", line)


class BoundedLoader(yaml.CSafeLoader):  # type: ignore[misc, name-defined]
    """libyaml + SafeConstructor within the limits: the text is checked by `check_text` before parsing,
    and each document's aliases (texts that have an anchor, `&name`) before it is constructed."""

    def __init__(self, stream: str) -> None:
        check_text(stream)
        super().__init__(stream)
        self.has_anchors = _ANCHOR_RE.search(stream) is not None

    def check_aliases(self, node: Node) -> None:
        if self.has_anchors and node is not None:
            _check_expansion(node)

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


def check_yaml(text: str) -> None:
    """Raise TooComplex when loading `text` would cross a limit (what a tool such as kustomize would expand).
    Syntax errors are left to whoever parses the text."""
    _quietly(BoundedLoader(text), _check_documents)


def _check_documents(loader: BoundedLoader) -> None:
    while loader.check_node():
        loader.check_aliases(loader.get_node())


def compose_all(text: str) -> list[Node]:
    """The node trees of every document (aliases stay shared nodes: composing does not expand them)."""
    check_text(text)
    return list(yaml.compose_all(text, Loader=yaml.CSafeLoader))

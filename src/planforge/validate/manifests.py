"""Find Kubernetes manifest files by content and load them as `Document`s.

Discovery rules are written down in docs/discovery.md; keep the two in step.

Loading uses libyaml (`yaml.CSafeLoader`) with a thin constructor layer that makes the
objects look like what Kubernetes tooling sees after YAML->JSON conversion (timestamps stay
strings, non-string keys become their source text) and that notices duplicate keys at the
cost of one length comparison per mapping. Everything expensive (line numbers of a JSON
path, the JSON path of a duplicate key) is computed only when a problem is reported.
"""
from __future__ import annotations

import functools
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from planforge.errors import Problem, UsageError
from planforge.validate.base import Document, Settings
from planforge.validate.inputs import TOO_COMPLEX, Bounds, InputError

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
CHART_FILE = "Chart.yaml"
# Files that are YAML but never Kubernetes objects, whatever they contain.
NOT_MANIFEST_NAMES = frozenset({".planforge.yaml", ".planforge.yml", ".pre-commit-config.yaml", ".pre-commit-config.yml"})
NOT_MANIFEST_NAME_RE = re.compile(r"^\.copier-answers.*\.ya?ml$")
# Directories that never hold manifests of the repository itself.
SKIPPED_DIRS = frozenset({"node_modules", "__pycache__"})
# Bounds on one YAML text (docs/settings.md, "Limits"): flow collections nested deeper than this are
# refused before parsing (libyaml's composer recurses on the C stack), and aliases may add at most
# this many nodes to a document (counting every alias as a copy of the node it names).
MAX_YAML_DEPTH = 1000
MAX_ALIAS_NODES = 100_000
_ANCHOR_RE = re.compile(r"(?:^|[\s\[{,])&[^\s\[\]{},]")
_BRACKETS_RE = re.compile(r"[\[\]{}]")
_REMOTE_REF = re.compile(r"^(\w[\w+.-]*://|git@|github\.com/|gitlab\.com/|bitbucket\.org/)")
# A top-level apiVersion / kind key in block YAML, or a JSON key at any indentation.
_TOP_KEY_RE = {
    "apiVersion": re.compile(r"(?m)^(?:apiVersion|\"apiVersion\")\s*:"),
    "kind": re.compile(r"(?m)^(?:kind|\"kind\")\s*:"),
}


class ManifestError(UsageError):
    """A manifest file that cannot be read or parsed (carries file, line and document index)."""

    def __init__(self, message: str, file: str, line: int | None = None, doc_index: int | None = None,
                 rule: str | None = None, hint: str | None = None):
        super().__init__(message, [Problem(message, file=file, line=line)])
        self.file = file
        self.line = line
        self.doc_index = doc_index
        self.rule = rule  # an `input/...` rule when the file was refused rather than unparsable
        self.hint = hint

    @classmethod
    def refused(cls, exc: InputError, display: str) -> ManifestError:
        return cls(exc.message, display, exc.line, rule=exc.rule, hint=exc.hint)


@dataclass
class ManifestDocument(Document):
    """A `Document` loaded from text: keeps what is needed to locate problems later.

    `item_path` is set for the items of a `List` ("items[2]"); JSON paths of findings on
    the item are reported relative to the YAML document ("items[2].spec.replicas").
    `duplicate_nodes` are the mappings of this document that hold a key twice.
    """

    item_path: str = ""
    source: str | None = field(default=None, repr=False)
    duplicate_nodes: list[MappingNode] = field(default_factory=list, repr=False)


# --------------------------------------------------------------------------- loading


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


class _BoundedLoader(yaml.CSafeLoader):  # type: ignore[misc, name-defined]
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
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def compose_all(text: str) -> list[Node]:
    """The node trees of every document (aliases stay shared nodes: composing does not expand them)."""
    check_depth(text)
    return list(yaml.compose_all(text, Loader=yaml.CSafeLoader))


class _Loader(_BoundedLoader):
    """libyaml parser + SafeConstructor, JSON-compatible, recording mappings with duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicate_nodes: list[MappingNode] = []

    def construct_mapping(self, node: Node, deep: bool = False) -> dict[str, Any]:  # type: ignore[override]
        if not isinstance(node, MappingNode):
            raise yaml.constructor.ConstructorError(
                None, None, f"expected a mapping node, but found {node.id}", node.start_mark
            )
        own = node.value
        self.flatten_mapping(node)  # resolves `<<` merge keys; removes them from `own` in place
        mapping: dict[str, Any] = {}
        construct = self.construct_object
        for key_node, value_node in node.value:
            key = construct(key_node, deep=deep)
            if key.__class__ is not str:
                if not isinstance(key_node, ScalarNode):
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping", node.start_mark, "found an unhashable key", key_node.start_mark
                    )
                key = key_node.value  # YAML->JSON keeps the key's text: 5 -> "5", true -> "true"
            mapping[key] = construct(value_node, deep=deep)
        if len(mapping) != len(node.value) and (node.value is own or len({k.value for k, _ in own}) != len(own)):
            self.duplicate_nodes.append(node)
        return mapping


    def resolve(self, kind: type, value: str, implicit: tuple[bool, bool]) -> str:
        """Implicit tag of a node; plain scalars are memoised by value (manifests repeat them a lot)."""
        if kind is ScalarNode and implicit[0]:
            tag = _RESOLVED.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(_RESOLVED) < 200_000:
                    _RESOLVED[value] = tag
            return tag
        return super().resolve(kind, value, implicit)

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        """No path resolvers are registered: nothing to track while composing."""

    def ascend_resolver(self) -> None:
        """See `descend_resolver`."""

    def construct_document(self, node: Node) -> Any:
        """Build the document directly from the node tree (the common tags inline; the rest generic).

        Same result as SafeConstructor's construct_document, about twice as fast on manifests.
        Unusual tags (merge keys, !!set, !!binary, custom tags) take the generic path.
        """
        self.check_aliases(node)
        try:
            return self._build(node)
        except (_Generic, RecursionError):
            self.duplicate_nodes = []
            return super(_BoundedLoader, self).construct_document(node)  # aliases checked above

    def _build(self, node: Node) -> Any:
        cls = node.__class__
        tag = node.tag
        if cls is ScalarNode:
            if tag == _STR:
                return node.value
            fast = _SCALARS.get(tag)
            if fast is None:
                raise _Generic
            return fast(self, node)
        if cls is MappingNode:
            if tag != _MAP:
                raise _Generic
            build = self._build
            mapping: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if key_node.__class__ is not ScalarNode or key_node.tag == _MERGE:
                    raise _Generic
                mapping[key_node.value] = build(value_node)  # the key's text, as YAML->JSON does
            if len(mapping) != len(node.value):
                self.duplicate_nodes.append(node)
            return mapping
        if cls is SequenceNode and tag == _SEQ:
            build = self._build
            return [build(v) for v in node.value]
        raise _Generic


class _Generic(Exception):
    """Raised by the fast builder on anything it leaves to SafeConstructor."""


def _construct_text(loader: yaml.SafeLoader, node: ScalarNode) -> str:
    return str(node.value)


_RESOLVED: dict[str, str] = {}
_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"
_SCALARS: dict[str, Callable[[Any, ScalarNode], Any]] = {
    "tag:yaml.org,2002:int": yaml.constructor.SafeConstructor.construct_yaml_int,
    "tag:yaml.org,2002:float": yaml.constructor.SafeConstructor.construct_yaml_float,
    "tag:yaml.org,2002:bool": yaml.constructor.SafeConstructor.construct_yaml_bool,
    "tag:yaml.org,2002:null": yaml.constructor.SafeConstructor.construct_yaml_null,
    "tag:yaml.org,2002:timestamp": _construct_text,
    "tag:yaml.org,2002:value": _construct_text,
}


# Kubernetes tooling converts YAML to JSON: timestamps are strings, `=` is a string.
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_text)
_Loader.add_constructor("tag:yaml.org,2002:value", _construct_text)


def _read_text(path: Path | str, display: str, bounds: Bounds | None = None) -> str:
    if str(path) == "-":
        return sys.stdin.read()
    try:
        raw = (bounds or Bounds.of([os.path.dirname(os.path.abspath(path))])).read_bytes(path, display)
    except InputError as exc:
        raise ManifestError.refused(exc, display) from None
    except FileNotFoundError:
        raise ManifestError(f"{display}: no such file", display) from None
    except OSError as exc:
        raise ManifestError(f"{display}: cannot read: {exc.strerror or exc}", display) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ManifestError(f"{display}: not UTF-8 text ({exc.reason} at byte {exc.start})", display) from None


def load_documents(
    path: Path | str,
    *,
    text: str | None = None,
    display: str | None = None,
    expand_lists: bool = True,
    bounds: Bounds | None = None,
) -> list[ManifestDocument]:
    """Load every YAML/JSON document of a file (`-` = stdin), in order.

    `text` loads that text instead of reading `path` (which then only names it). The file is read
    within `bounds` (default: its own directory, so symlinks leaving it are refused) and the YAML
    limits; a refused file is a `ManifestError` whose `rule` is the `input/...` rule.
    Empty documents are kept (`obj` None) so document indexes match the file.
    With `expand_lists`, a `List` object is replaced by one document per item
    (same `doc_index`, `item_path` "items[i]"). Raises `ManifestError` on bad YAML/JSON.
    """
    name = display if display is not None else ("stdin" if str(path) == "-" else str(path))
    if text is None:
        text = _read_text(path, name, bounds)
    return _parse(text, name, json_file=str(path).endswith(".json"), expand_lists=expand_lists)


def load_text(text: str, name: str, *, origin: str | None = None, expand_lists: bool = True) -> list[ManifestDocument]:
    """Load the documents of a text that is no file of its own: a Helm or Kustomize rendering.

    Parsed exactly like a file by `load_documents` (lines, duplicate keys, `List` items, JSON
    when `name` ends in `.json`); `name` becomes each document's `file` and `origin` says
    what produced the text (e.g. "kustomize build overlays/prod"). Raises `ManifestError`.
    """
    docs = _parse(text, name, json_file=name.endswith(".json"), expand_lists=expand_lists)
    for doc in docs:
        doc.origin = origin
    return docs


def _parse(text: str, name: str, *, json_file: bool, expand_lists: bool) -> list[ManifestDocument]:
    if json_file and text.lstrip().startswith(("{", "[")):
        try:
            docs = _load_json(text, name)
        except ManifestError as json_error:
            try:  # JSON-like YAML (comments, trailing commas in flow style...) as kubeconform reads it
                docs = _load_yaml(text, name)
            except ManifestError:
                raise json_error from None
    else:
        docs = _load_yaml(text, name)
    if expand_lists:
        docs = list(_expand_lists(docs))
    return docs


def _too_complex(name: str, detail: str, line: int | None = None, doc_index: int = 0) -> ManifestError:
    return ManifestError(f"{name}: YAML too complex to load: {detail}", name, line=line, doc_index=doc_index,
                         rule=TOO_COMPLEX, hint="write the YAML without deep nesting or heavy alias reuse")


def _load_yaml(text: str, name: str) -> list[ManifestDocument]:
    try:
        loader = _Loader(text)
    except TooComplex as exc:
        raise _too_complex(name, str(exc)) from None
    docs: list[ManifestDocument] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            obj = loader.construct_document(node) if node is not None else None
            line = node.start_mark.line + 1 if node is not None else None
            docs.append(
                ManifestDocument(
                    obj=obj,
                    file=name,
                    doc_index=len(docs),
                    line=line,
                    source=text,
                    duplicate_nodes=loader.duplicate_nodes,
                )
            )
            loader.duplicate_nodes = []
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        context = getattr(exc, "context", None)
        context_mark = getattr(exc, "context_mark", None)
        if context and context_mark is not None:
            context += f" started at line {context_mark.line + 1}"
        if isinstance(exc, TooComplex):
            raise _too_complex(name, str(exc), line, len(docs)) from None
        message = f"invalid YAML in document {len(docs)}: {problem}" + (f" ({context})" if context else "")
        raise ManifestError(message, name, line=line, doc_index=len(docs)) from None
    except RecursionError:
        raise _too_complex(name, "it nests too deeply", doc_index=len(docs)) from None
    finally:
        loader.dispose()
    return docs


def _load_json(text: str, name: str) -> list[ManifestDocument]:
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(items)
        if len(obj) != len(items):
            seen: set[str] = set()
            duplicates.extend(k for k, _ in items if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        return obj

    try:
        obj = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        raise ManifestError(f"invalid JSON: {exc.msg}", name, line=exc.lineno, doc_index=0) from None
    except RecursionError:
        raise ManifestError(f"{name}: JSON too complex to load: it nests too deeply", name, doc_index=0,
                            rule=TOO_COMPLEX, hint="write the JSON without deep nesting") from None
    doc = ManifestDocument(obj=obj, file=name, doc_index=0, line=1, source=text)
    if duplicates:
        # Re-parse with the YAML composer (JSON is YAML) to locate them; fall back to no node.
        try:
            doc.duplicate_nodes = [n for n in _mappings(compose_all(text)[0]) if _duplicate_keys(n)]
        except yaml.YAMLError:
            doc.duplicate_nodes = []
    return [doc]


def _expand_lists(docs: Iterable[ManifestDocument]) -> Iterator[ManifestDocument]:
    for doc in docs:
        obj = doc.obj
        if isinstance(obj, dict) and obj.get("kind") == "List" and isinstance(obj.get("items"), list):
            for i, item in enumerate(obj["items"]):
                yield ManifestDocument(
                    obj=item,
                    file=doc.file,
                    doc_index=doc.doc_index,
                    line=doc.line,
                    origin=doc.origin,
                    item_path=f"{doc.item_path}items[{i}]" if not doc.item_path else f"{doc.item_path}.items[{i}]",
                    source=doc.source,
                    duplicate_nodes=doc.duplicate_nodes if i == 0 else [],
                )
        else:
            yield doc


# --------------------------------------------------------------------------- locating problems


def _mappings(node: Node | None) -> Iterator[MappingNode]:
    if isinstance(node, MappingNode):
        yield node
        for k, v in node.value:
            yield from _mappings(k)
            yield from _mappings(v)
    elif isinstance(node, SequenceNode):
        for v in node.value:
            yield from _mappings(v)


def _duplicate_keys(node: MappingNode) -> list[ScalarNode]:
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
                for key_node in _duplicate_keys(node):
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
            found.extend((k.value, k.start_mark.line + 1) for k in _duplicate_keys(node))
    return found


# --------------------------------------------------------------------------- discovery


def looks_like_manifest(text: str, suffix: str = ".yaml") -> bool:
    """Cheap content test: a top-level `apiVersion` and `kind` (block YAML or a JSON object)."""
    if "apiVersion" not in text or "kind" not in text:
        return False
    if suffix == ".json" or text.lstrip().startswith("{"):
        try:
            obj = json.loads(text)
        except ValueError:
            return False
        return isinstance(obj, dict) and "apiVersion" in obj and "kind" in obj
    return bool(_TOP_KEY_RE["apiVersion"].search(text) and _TOP_KEY_RE["kind"].search(text))


def load_kustomization(path: Path, bounds: Bounds | None = None) -> dict[str, Any]:
    """A kustomization file as a dict ({} when it cannot be read, refused or does not parse: the build
    or the input checks report that)."""
    try:
        data = safe_load((bounds or Bounds.of([path.parent])).read_text(path))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, InputError):
        return {}
    return data if isinstance(data, dict) else {}


KUSTOMIZE_DIRECTORY_FIELDS = ("resources", "bases", "components")


def kustomization_references(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Every local path a kustomization names, as (field, path): resources, bases and components
    (files or directories), patches, generator sources, plugin and OpenAPI configurations, Helm values.

    Inline patches and configurations and remote references (`https://`, `github.com/...`) are left out.
    """
    refs: list[tuple[str, str]] = []
    for key in KUSTOMIZE_DIRECTORY_FIELDS:
        refs.extend((key, entry) for entry in _list(data.get(key)) if isinstance(entry, str))
    for key in ("patches", "patchesJson6902", "patchesStrategicMerge"):
        for entry in _list(data.get(key)):
            if isinstance(entry, str):
                refs.append((key, entry))
            elif isinstance(entry, dict) and isinstance(entry.get("path"), str):
                refs.append((key, entry["path"]))
    for key in ("configMapGenerator", "secretGenerator"):
        for gen in _list(data.get(key)):
            if not isinstance(gen, dict):
                continue
            for entry in _list(gen.get("files")) + _list(gen.get("envs")) + [gen.get("env")]:
                if isinstance(entry, str):
                    refs.append((key, entry.split("=", 1)[-1]))
    for entry in _list(data.get("replacements")):
        if isinstance(entry, dict) and isinstance(entry.get("path"), str):
            refs.append(("replacements", entry["path"]))
    # KRM function / plugin configs, kustomize configurations and OpenAPI files
    for key in ("generators", "transformers", "validators", "configurations", "crds"):
        refs.extend((key, entry) for entry in _list(data.get(key)) if isinstance(entry, str))
    openapi = data.get("openapi")
    if isinstance(openapi, dict) and isinstance(openapi.get("path"), str):
        refs.append(("openapi", openapi["path"]))
    for chart in _list(data.get("helmCharts")):
        if isinstance(chart, dict):
            refs.extend(("helmCharts", v) for v in [chart.get("valuesFile"), *_list(chart.get("additionalValuesFiles"))]
                        if isinstance(v, str))
    globals_ = data.get("helmGlobals")
    if isinstance(globals_, dict) and isinstance(globals_.get("chartHome"), str):
        refs.append(("helmGlobals", globals_["chartHome"]))
    return [(key, ref) for key, ref in refs
            if ref.strip() and "\n" not in ref and not ref.lstrip().startswith(("{", "[")) and not _REMOTE_REF.match(ref)]


def kustomize_non_manifests(kustomization: Path, bounds: Bounds | None = None) -> set[Path]:
    """Files a kustomization uses that are not complete objects: patches and generator sources."""
    data = load_kustomization(kustomization, bounds)
    base = kustomization.parent
    return {(base / ref).resolve() for key, ref in kustomization_references(data)
            if key not in KUSTOMIZE_DIRECTORY_FIELDS}


def _list(value: Any) -> list[Any]:
    """A kustomization list field, or [] when it is missing or wrongly typed (the build reports that)."""
    return value if isinstance(value, list) else []


def _ignored(rel: str, patterns: list[re.Pattern[str]]) -> bool:
    return any(p.search(rel) for p in patterns)


def compile_patterns(settings: Settings) -> list[re.Pattern[str]]:
    try:
        return [re.compile(p) for p in settings.ignore_filename_patterns]
    except re.error as exc:
        raise UsageError(f"invalid --ignore-filename-pattern {exc.pattern!r}: {exc}") from None


def iter_manifest_files(root: Path, settings: Settings) -> Iterator[Path]:
    """Yield the Kubernetes manifest files under `root`, sorted, following docs/discovery.md.

    A `root` that is a file is yielded as is (unless an ignore pattern matches it): a file
    named explicitly is validated whatever its name.
    """
    for path, _ in discover_manifests(root, settings):
        yield path


def discover_manifests(root: Path, settings: Settings) -> Iterator[tuple[Path, str | None]]:
    """`iter_manifest_files` with the text read to recognise each file (None for a file root)."""
    patterns = compile_patterns(settings)
    root = Path(root)
    if root.is_file():
        if not _ignored(str(root), patterns):
            yield root, None
        return
    bounds = Bounds.of([root], settings)
    excluded: set[str] = set()
    candidates: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        if CHART_FILE in filenames:
            # A Helm chart: templates, values and platform/ci values are rendered by the Helm
            # validator, never read as manifests. Only crds/ holds plain objects.
            dirnames[:] = ["crds"] if "crds" in dirnames else []
            continue
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in SKIPPED_DIRS)
        for name in filenames:
            if name in KUSTOMIZATION_NAMES:
                excluded |= {str(p) for p in kustomize_non_manifests(Path(dirpath, name), bounds)}
                continue
            if name.startswith(".") or name in NOT_MANIFEST_NAMES or NOT_MANIFEST_NAME_RE.match(name):
                continue
            if name.endswith(MANIFEST_SUFFIXES):
                candidates.append(os.path.join(dirpath, name))
    for path in sorted(candidates):
        if excluded and os.path.realpath(path) in excluded:
            continue
        if patterns and (_ignored(os.path.relpath(path, root), patterns) or _ignored(path, patterns)):
            continue
        try:
            raw = bounds.read_bytes(path)
        except (OSError, InputError):
            # Unreadable or refused (outside the root, a FIFO, too large): loading it again reports
            # why (a `.yaml` file nobody can check is not a pass). Nothing of it has been read.
            yield Path(path), None
            continue
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            # Not UTF-8 but shaped like a manifest: loading it reports the encoding error.
            if looks_like_manifest(raw.decode("latin-1"), os.path.splitext(path)[1]):
                yield Path(path), None
            continue
        if looks_like_manifest(text, os.path.splitext(path)[1]):
            yield Path(path), text


def collect_manifest_files(
    paths: Iterable[Path | str], settings: Settings
) -> tuple[list[tuple[Path | str, str | None]], list[str]]:
    """Expand command-line paths: directories by discovery, files as given, `-` for stdin.

    Returns (files, missing). `files` pairs each path with its text when discovery already
    read it (None otherwise); paths that do not exist are returned in `missing` for the
    caller to report (kubeconform fails the run on them).
    """
    files: list[tuple[Path | str, str | None]] = []
    missing: list[str] = []
    patterns = compile_patterns(settings)
    for p in paths:
        if str(p) == "-":
            files.append(("-", None))
            continue
        path = Path(p)
        if path.is_dir():
            files.extend(discover_manifests(path, settings))
        elif path.exists():
            if not _ignored(str(p), patterns):
                files.append((path, None))
        else:
            missing.append(str(p))
    return files, missing

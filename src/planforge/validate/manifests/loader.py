"""Loading manifest files and rendered texts into `ManifestDocument`s: YAML (within the YAML limits) or JSON,
each document with its line, its duplicate keys and its source text for locating problems later."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import yaml

from planforge.validate.inputs import TOO_COMPLEX, Bounds, InputError
from planforge.validate.manifests.constructor import ManifestLoader
from planforge.validate.manifests.documents import ManifestDocument, ManifestError, expand_list_items
from planforge.validate.manifests.limits import TooComplex, compose_all, loads_json
from planforge.validate.manifests.locate import duplicate_keys, mappings


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
            if json_error.rule == TOO_COMPLEX:
                raise
            try:  # JSON-like YAML (comments, trailing commas in flow style...) as kubeconform reads it
                docs = _load_yaml(text, name)
            except ManifestError:
                raise json_error from None
    else:
        docs = _load_yaml(text, name)
    if expand_lists:
        docs = list(expand_list_items(docs))
    return docs


def _too_complex(name: str, detail: str, line: int | None = None, doc_index: int = 0) -> ManifestError:
    return ManifestError(f"{name}: YAML too complex to load: {detail}", name, line=line, doc_index=doc_index,
                         rule=TOO_COMPLEX, hint="write the YAML without deep nesting or heavy alias reuse")


def _load_yaml(text: str, name: str) -> list[ManifestDocument]:
    try:
        loader = ManifestLoader(text)
    except TooComplex as exc:
        raise _too_complex(name, str(exc), exc.line) from None
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
            raise _too_complex(name, str(exc), exc.line or line, len(docs)) from None
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
        obj = loads_json(text, object_pairs_hook=pairs)
    except ValueError as exc:
        raise ManifestError(f"invalid JSON: {getattr(exc, 'msg', exc)}", name, line=getattr(exc, "lineno", None),
                            doc_index=0) from None
    except TooComplex as exc:
        raise ManifestError(f"{name}: JSON too complex to load: {exc}", name, doc_index=0,
                            rule=TOO_COMPLEX, hint="write the JSON without deep nesting") from None
    doc = ManifestDocument(obj=obj, file=name, doc_index=0, line=1, source=text)
    if duplicates:
        # Re-parse with the YAML composer (JSON is YAML) to locate them; fall back to no node.
        try:
            doc.duplicate_nodes = [n for n in mappings(compose_all(text)[0]) if duplicate_keys(n)]
        except yaml.YAMLError:
            doc.duplicate_nodes = []
    return [doc]

"""The result cache: the checks of one validator target, keyed by everything they depend on.

The key hashes the planforge version, the validator and target, the settings that change results,
the identity of every external tool on PATH (path, size, mtime), and the digests of what the target
reads (`planforge.validate.cache_keys` says which files, directories and named paths). A file is hashed
only when the run may read it: one resolving outside the validated paths, larger than max_file_size or
not a regular file is never opened; its part of the key is a marker from `stat` ("outside the validated
paths", "too large: N bytes"), and the validator's own finding decides what it means. Entries live under
`<cache dir>/results/` (PLANFORGE_CACHE_DIR, else the user cache directory). Results with a tool
error, a timeout or an internal error are never stored. Writing is best effort.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from planforge import __version__
from planforge.validate.base import Check, Document, Finding, Settings, Severity, Status
from planforge.validate.cachedir import cache_dir
from planforge.validate.inputs import NOT_REGULAR, OUTSIDE_ROOT, TOO_LARGE, Bounds, InputError
from planforge.validate.manifests.documents import ManifestDocument
from planforge.validate.toolenv import find_binary

TOOLS = ("terraform", "tofu", "helm", "kustomize", "kubectl", "kubeconform", "ansible-playbook", "ansible-lint",
         "ansible-galaxy", "cfn-lint", "git")
# Settings that do not change what a check finds.
UNKEYED_SETTINGS = ("jobs", "timeout", "memory_budget")
UNCACHEABLE_RULES = ("/tool-error", "/tool-failure", "/timeout", "/internal-error")
FORMAT = 3  # bump when the stored layout or the key changes


def _tool_identity() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name in TOOLS:
        path = find_binary(name)  # where validate finds it: PATH, else beside planforge's Python
        if path is None:
            found[name] = None
            continue
        info = os.stat(path)
        found[name] = [os.path.realpath(path), info.st_size, info.st_mtime_ns]
    return found


def _settings_key(settings: Settings) -> dict[str, Any]:
    values = dataclasses.asdict(settings)
    for name in UNKEYED_SETTINGS:
        values.pop(name, None)
    return values


class ResultCache:
    """The cache lookups and stores of one run (file hashes are computed once per run)."""

    def __init__(self, settings: Settings):
        self.root = cache_dir() / "results"
        self.base = json.dumps({"format": FORMAT, "planforge": __version__, "tools": _tool_identity(),
                                "settings": _settings_key(settings)}, sort_keys=True, default=str)
        self._file_parts: dict[str, str] = {}

    def file_part(self, path: Path, root: Path, bounds: Bounds) -> str:
        """What a file adds to a key: its content hash, computed once per run, after where it resolves to when
        a symlink leads elsewhere; a marker from `stat` for a file the run must not read (never opened)."""
        text = os.path.abspath(path)
        part = self._file_parts.get(text)
        if part is None:
            part = _file_part(text, root, bounds)
            self._file_parts[text] = part
        return part

    def digest(self, root: Path, bounds: Bounds, files: Iterable[str] = (), entries: Iterable[str] = (),
               probes: Iterable[str] = ()) -> str:
        """The digest of what a target reads below `root`: the content of `files`, the directory `entries`
        (shape text computed by the caller) and the state of the `probes` (paths that may or may not exist)."""
        h = hashlib.sha256()
        for rel in sorted(set(files)):
            h.update(f"f\0{rel}\0{self.file_part(root / rel, root, bounds)}\0".encode())
        for entry in sorted(set(entries)):
            h.update(f"d\0{entry}\0".encode())
        for rel in sorted(set(probes)):
            h.update(f"p\0{rel}\0{path_state(root / rel, root, bounds)}\0".encode())
        return h.hexdigest()

    def key(self, target: str, digests: Iterable[str], extra: Any) -> str:
        """The key of one target: `digests` are those of what it reads (`digest`)."""
        h = hashlib.sha256(self.base.encode())
        h.update(json.dumps([target, extra], sort_keys=True, default=str).encode())
        for digest in digests:
            h.update(f"\0{digest}".encode())
        return h.hexdigest()

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def load(self, key: str) -> tuple[list[Check], list[Document]] | None:
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
            checks = [_check(c) for c in data["checks"]]
            docs = [_loaded(d, data["sources"]) for d in data["documents"]]
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            return None
        return checks, docs

    def store(self, key: str, checks: list[Check], docs: list[Document]) -> None:
        if not cacheable(checks):
            return
        path = self._path(key)
        sources: dict[str, int] = {}  # each source text once (a file's documents share it)
        documents = [_document(d, sources) for d in docs]
        text = json.dumps({"checks": [dataclasses.asdict(c) for c in checks], "documents": documents,
                           "sources": list(sources)}, default=str)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, path)
        except OSError:
            return


def _resolved(text: str, root: Path, bounds: Bounds) -> str:
    """The prefix `-> TARGET ` when `text` resolves elsewhere (a symlink on the way; TARGET relative to `root`)."""
    real = bounds.realpath(text)
    return "" if real == text else f"-> {os.path.relpath(real, root)} "


def _file_part(text: str, root: Path, bounds: Bounds) -> str:
    where = _resolved(text, root, bounds)
    try:
        info = bounds.check(text, text)  # stat only: refuses outside, FIFOs and devices, too large
        if info is None:
            return where + "missing"
        if stat.S_ISDIR(info.st_mode):
            return where + "a directory"
        return where + hashlib.sha256(bounds.read_bytes(text)).hexdigest()
    except InputError as exc:
        return where + _refusal(exc, text, bounds)
    except OSError:
        return where + "unreadable"


def _refusal(exc: InputError, text: str, bounds: Bounds) -> str:
    """The key marker of a file the run refuses to read, from `stat` alone."""
    if exc.rule == TOO_LARGE:
        try:
            return f"too large: {os.stat(bounds.realpath(text)).st_size} bytes"
        except OSError:
            return "too large"
    return {OUTSIDE_ROOT: "outside the validated paths", NOT_REGULAR: "not a regular file"}.get(exc.rule, exc.rule)


def path_state(path: Path, root: Path, bounds: Bounds) -> str:
    """What a path a rule names is: outside the validated paths, missing, a directory, a file or something else
    (with where it resolves to when a symlink leads elsewhere). Never opens it."""
    text = os.path.abspath(path)
    if not bounds.inside(text):
        return "outside the validated paths"
    where = _resolved(text, root, bounds)
    try:
        mode = os.stat(text).st_mode
    except OSError:
        return where + "missing"
    kind = "a directory" if stat.S_ISDIR(mode) else "a file" if stat.S_ISREG(mode) else "not a regular file"
    return where + kind


def cacheable(checks: list[Check]) -> bool:
    """False when a check met a tool error, a timeout or an internal error, or was skipped (a tool or the
    network may be there next time): those are run again."""
    return not any(
        c.status is Status.SKIPPED
        or any(f.rule.endswith(UNCACHEABLE_RULES) or "timed out" in f.message for f in c.findings)
        for c in checks)


def _document(doc: Document, sources: dict[str, int]) -> dict[str, Any]:
    """What the repository-wide policy rule reads of a document: the object, where it is, and the source text that
    locates its fields (by its index in `sources`), not a loaded file's parser nodes."""
    data = {"obj": doc.obj, "file": doc.file, "doc_index": doc.doc_index, "line": doc.line, "origin": doc.origin}
    if isinstance(doc, ManifestDocument):
        source = None if doc.source is None else sources.setdefault(doc.source, len(sources))
        data.update(item_path=doc.item_path, source=source)
    return data


def _loaded(data: dict[str, Any], sources: list[str]) -> Document:
    if "item_path" not in data:
        return Document(**data)
    source = data.pop("source")
    return ManifestDocument(**data, source=None if source is None else sources[source])


def _check(data: dict[str, Any]) -> Check:
    findings = [Finding(**{**f, "severity": Severity(f["severity"])}) for f in data.pop("findings")]
    return Check(**{**data, "status": Status(data["status"])}, findings=findings)

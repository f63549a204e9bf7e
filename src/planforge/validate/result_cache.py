"""The result cache: the checks of one validator target, keyed by everything they depend on.

The key hashes the planforge version, the validator and target, the settings that change results,
the identity of every external tool on PATH (path, size, mtime), and the content of the files of the
target's unit and of every unit it depends on (`planforge.validate.units`). Entries live under
`<cache dir>/results/` (PLANFORGE_CACHE_DIR, else the user cache directory). Results with a tool
error, a timeout or an internal error are never stored. Writing is best effort.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import stat
import tempfile
from pathlib import Path
from typing import Any

from planforge import __version__
from planforge.validate.base import Check, Document, Finding, Settings, Severity, Status
from planforge.validate.cachedir import cache_dir

TOOLS = ("terraform", "tofu", "helm", "kustomize", "kubectl", "kubeconform", "ansible-playbook", "ansible-lint",
         "ansible-galaxy", "git")
# Settings that do not change what a check finds.
UNKEYED_SETTINGS = ("jobs", "timeout", "memory_budget")
UNCACHEABLE_RULES = ("/tool-error", "/tool-failure", "/timeout", "/internal-error")
FORMAT = 1  # bump when the stored layout changes


def _tool_identity() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name in TOOLS:
        path = shutil.which(name)
        if path is None:
            found[name] = None
            continue
        stat = os.stat(path)
        found[name] = [os.path.realpath(path), stat.st_size, stat.st_mtime_ns]
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
        self._file_hashes: dict[Path, str] = {}

    def file_hash(self, path: Path) -> str:
        """The content hash of a regular file; a special file (a FIFO, a device) is never opened."""
        digest = self._file_hashes.get(path)
        if digest is None:
            digest = _content_hash(path)
            self._file_hashes[path] = digest
        return digest

    def key(self, target: str, root: Path, files: list[str], extra: Any) -> str:
        """The key of one target: `files` are root-relative (its unit's and its dependencies')."""
        h = hashlib.sha256(self.base.encode())
        h.update(json.dumps([target, extra], sort_keys=True, default=str).encode())
        for rel in sorted(set(files)):
            h.update(f"\0{rel}\0{self.file_hash(root / rel)}".encode())
        return h.hexdigest()

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def load(self, key: str) -> tuple[list[Check], list[Document]] | None:
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
            checks = [_check(c) for c in data["checks"]]
            docs = [Document(**d) for d in data["documents"]]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return checks, docs

    def store(self, key: str, checks: list[Check], docs: list[Document]) -> None:
        if not cacheable(checks):
            return
        path = self._path(key)
        text = json.dumps({"checks": [dataclasses.asdict(c) for c in checks],
                           "documents": [_document(d) for d in docs]}, default=str)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, path)
        except OSError:
            return


def _content_hash(path: Path) -> str:
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return "not a regular file"
        h = hashlib.sha256()
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()
    except OSError:
        return "unreadable"


def cacheable(checks: list[Check]) -> bool:
    """False when a check met a tool error, a timeout or an internal error, or was skipped (a tool or the
    network may be there next time): those are run again."""
    return not any(
        c.status is Status.SKIPPED
        or any(f.rule.endswith(UNCACHEABLE_RULES) or "timed out" in f.message for f in c.findings)
        for c in checks)


def _document(doc: Document) -> dict[str, Any]:
    """What the repository-wide policy rule reads of a document (not a loaded file's parser nodes)."""
    return {"obj": doc.obj, "file": doc.file, "doc_index": doc.doc_index, "line": doc.line, "origin": doc.origin}


def _check(data: dict[str, Any]) -> Check:
    findings = [Finding(**{**f, "severity": Severity(f["severity"])}) for f in data.pop("findings")]
    return Check(**{**data, "status": Status(data["status"])}, findings=findings)

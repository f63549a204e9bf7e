"""python-hcl2's parse of a Terraform file, kept by content under `<cache dir>/hcl/`.

Parsing dominates discovery (tens of milliseconds per file): a run parses each distinct content once
(generated tenants share most files), and a later run reads the parse back instead. An entry is keyed
by the file's text and the python-hcl2 version, so it never goes stale; writing is best effort, and an
unreadable entry is parsed again.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

FORMAT = 1  # bump when the stored layout changes

# (body, None) or (None, (line, column, message))
Parsed = tuple[dict[str, Any] | None, tuple[int, int | None, str] | None]


@functools.lru_cache(maxsize=1)
def _parser_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("python-hcl2")
    except PackageNotFoundError:
        return "unknown"


def _entry(text: str) -> Path:
    from planforge.validate.cachedir import cache_dir

    key = hashlib.sha256(f"{FORMAT}\0{_parser_version()}\0{text}".encode("utf-8", errors="replace")).hexdigest()
    return cache_dir() / "hcl" / key[:2] / f"{key}.json"


def load(text: str) -> Parsed | None:
    """The stored parse of `text`, or None."""
    try:
        data = json.loads(_entry(text).read_text(encoding="utf-8"))
        body, problem = data["body"], data["problem"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if problem is not None:
        line, column, message = problem
        return None, (int(line), column, str(message))
    return (body, None) if isinstance(body, dict) else None


def store(text: str, parsed: Parsed) -> None:
    """Keep the parse of `text` (best effort: a read-only cache directory is no error)."""
    path = _entry(text)
    try:
        payload = json.dumps({"body": parsed[0], "problem": parsed[1]})
    except (TypeError, ValueError):  # a value JSON cannot hold: parsed again next time
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(payload)
        os.replace(tmp, path)
    except OSError:
        return

"""planforge's on-disk cache, and the download cache of schemas given by URL.

Writing to the cache is best effort: a cache that cannot be written only costs time.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from planforge.validate.cachedir import cache_dir


class SchemaFetchError(Exception):
    """A schema location could not be read (not a 404: a real failure)."""


def fetch_url(url: str, timeout: float) -> Path | None:
    """Download `url` into the cache (once); None on 404. Raises SchemaFetchError otherwise."""
    target = cache_dir() / "downloads" / hashlib.sha256(url.encode()).hexdigest()
    missing = target.with_suffix(".404")
    if target.is_file():
        return target
    if missing.is_file():
        return None
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=min(timeout, 60.0)) as resp:
            data = resp.read()
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            write_atomic(missing, b"")
            return None
        raise SchemaFetchError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        raise SchemaFetchError(f"{url}: {getattr(exc, 'reason', exc)}") from None
    write_atomic(target, data)
    return target if target.is_file() else _spill(data)


def _spill(data: bytes) -> Path:
    """When the cache is not writable, keep the download in a temporary file."""
    fd, name = tempfile.mkstemp(prefix="planforge-schema-", suffix=".json")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return Path(name)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one step (readers never see half a file); silently nothing on error."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError:
        pass  # a cache that cannot be written only costs time

"""Finding Kubernetes manifest files by content (the rules of docs/discovery.md; keep the two in step)."""
from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from planforge.errors import UsageError
from planforge.validate.base import Settings
from planforge.validate.inputs import Bounds, InputError, walk
from planforge.validate.manifests.kustomization import kustomize_non_manifests
from planforge.validate.manifests.limits import TooComplex, loads_json

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
CHART_FILE = "Chart.yaml"
# Files that are YAML but never Kubernetes objects, whatever they contain.
NOT_MANIFEST_NAMES = frozenset({".planforge.yaml", ".planforge.yml", ".pre-commit-config.yaml", ".pre-commit-config.yml"})
NOT_MANIFEST_NAME_RE = re.compile(r"^\.copier-answers.*\.ya?ml$")
# Directories that never hold manifests of the repository itself.
SKIPPED_DIRS = frozenset({"node_modules", "__pycache__"})
# A top-level apiVersion / kind key in block YAML, or a JSON key at any indentation.
_TOP_KEY_RE = {
    "apiVersion": re.compile(r"(?m)^(?:apiVersion|\"apiVersion\")\s*:"),
    "kind": re.compile(r"(?m)^(?:kind|\"kind\")\s*:"),
}


def looks_like_manifest(text: str, suffix: str = ".yaml") -> bool:
    """Cheap content test: a top-level `apiVersion` and `kind` (block YAML or a JSON object)."""
    if "apiVersion" not in text or "kind" not in text:
        return False
    if suffix == ".json" or text.lstrip().startswith("{"):
        try:
            obj = loads_json(text)
        except TooComplex:
            return True  # loading it reports the limit
        except ValueError:
            return False
        return isinstance(obj, dict) and "apiVersion" in obj and "kind" in obj
    return bool(_TOP_KEY_RE["apiVersion"].search(text) and _TOP_KEY_RE["kind"].search(text))


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
    for dirpath, dirnames, filenames in walk(root):
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

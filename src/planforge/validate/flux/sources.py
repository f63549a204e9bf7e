"""Where a Kustomization's `spec.path` lies in this repository, through its source.

A GitRepository of this repository (or the one `flux bootstrap` creates) holds the path as it is. Flux 2.7's
source extensions add generated sources: an ArtifactGenerator creates one ExternalArtifact per
`spec.artifacts[]` entry, copying files of its sources (`from: "@alias/dir/**"`) into the artifact
(`to: "@artifact/sub/"`). A path inside such an artifact maps back to a directory of the repository when
the copy rule that fills it reads a GitRepository of this repository.
"""
from __future__ import annotations

from typing import Any

from planforge.validate.flux.objects import FluxIndex, FluxObject

GENERATOR = "ArtifactGenerator"
_ALIAS_PREFIX = "@"
_ARTIFACT_ROOT = "@artifact"
_RECURSIVE = "/**"


def _entries(obj: FluxObject, key: str) -> list[dict[str, Any]]:
    entries = obj.spec.get(key)
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def generators(index: FluxIndex, name: Any, namespace: str | None, near: FluxObject | None) -> list[FluxObject]:
    """The ArtifactGenerators that generate an ExternalArtifact called `name` in `namespace`."""
    return [g for g in index.of_kind(GENERATOR, namespace, near)
            if any(a.get("name") == name for a in _entries(g, "artifacts"))]


def _relative(path: str) -> str:
    return "/".join(p for p in path.split("/") if p not in ("", "."))


def _copy_source(copy: dict[str, Any]) -> tuple[str, str] | None:
    """(alias, directory) of a copy rule that copies a whole directory (`@alias/dir/**`), else None."""
    source = copy.get("from")
    if not isinstance(source, str) or not source.startswith(_ALIAS_PREFIX) or not source.endswith(_RECURSIVE):
        return None
    alias, _, directory = source[len(_ALIAS_PREFIX):-len(_RECURSIVE)].partition("/")
    return None if any(c in directory for c in "*?[{") else (alias, _relative(directory))


def _copy_target(copy: dict[str, Any]) -> str | None:
    target = copy.get("to")
    if not isinstance(target, str) or not (target == _ARTIFACT_ROOT or target.startswith(_ARTIFACT_ROOT + "/")):
        return None
    return _relative(target[len(_ARTIFACT_ROOT):])


def _aliased_source(index: FluxIndex, generator: FluxObject, alias: str) -> FluxObject | None:
    for source in _entries(generator, "sources"):
        if source.get("alias") == alias and source.get("kind") == "GitRepository":
            found = index.sources(["GitRepository"], source.get("name"),
                                  source.get("namespace") or generator.namespace, generator)
            return found[0] if found else None
    return None


def local_artifact_path(index: FluxIndex, generator: FluxObject, artifact: Any, path: str) -> str | None:
    """The repository directory that `path` inside the generated `artifact` is copied from (None: the copy
    rule covering it reads another repository, or no whole-directory rule covers it)."""
    wanted = _relative(path)
    best: tuple[int, str] | None = None
    for entry in _entries(generator, "artifacts"):
        if entry.get("name") != artifact:
            continue
        for copy in entry.get("copy") if isinstance(entry.get("copy"), list) else []:
            source = _copy_source(copy) if isinstance(copy, dict) else None
            target = _copy_target(copy) if source is not None else None
            if target is None or not (target == "" or wanted == target or wanted.startswith(target + "/")):
                continue
            repository = _aliased_source(index, generator, source[0])
            if repository is None or not index.is_this_repository(repository):
                continue
            rest = wanted[len(target):].lstrip("/")
            local = "/".join(p for p in (source[1], rest) if p) or "."
            if best is None or len(target) > best[0]:
                best = (len(target), local)
    return best[1] if best else None


def _covers(target: str, wanted: str) -> bool:
    """Whether a copy into `target` fills the artifact path `wanted`, or a directory above or below it."""
    return target == "" or wanted == "" or wanted == target or wanted.startswith(target + "/") \
        or target.startswith(wanted + "/")


def missing_from_artifact(generator: FluxObject, artifact: Any, path: str) -> bool:
    """Whether `path` is surely absent from the generated `artifact`: every copy rule of it copies a whole
    directory (`@alias/dir/**`), and none fills that path (other rules may fill anything: not known)."""
    wanted = _relative(path)
    rules = [c for e in _entries(generator, "artifacts") if e.get("name") == artifact
             for c in (e.get("copy") if isinstance(e.get("copy"), list) else [])]
    targets = [_copy_target(c) if isinstance(c, dict) and _copy_source(c) is not None else None for c in rules]
    return bool(targets) and None not in targets and not any(_covers(t, wanted) for t in targets if t is not None)


def local_path(index: FluxIndex, kustomization: FluxObject) -> str | None:
    """The repository directory (relative to the root) a Kustomization applies; None when its source is
    another repository, the path is substituted (`${...}`) or no copy rule maps it."""
    ref = kustomization.spec.get("sourceRef")
    path = kustomization.spec.get("path", "./")
    if not isinstance(ref, dict) or not isinstance(path, str) or "${" in path:
        return None
    namespace = ref.get("namespace") or kustomization.namespace
    if ref.get("kind") == "GitRepository":
        found = index.sources(["GitRepository"], ref.get("name"), namespace, kustomization)
        return path if any(index.is_this_repository(s) for s in found) else None
    if ref.get("kind") == "ExternalArtifact" and not index.find(["ExternalArtifact"], ref.get("name"), namespace):
        mapped = (local_artifact_path(index, g, ref.get("name"), path)
                  for g in generators(index, ref.get("name"), namespace, kustomization))
        return next((m for m in mapped if m is not None), None)
    return None

"""Which cluster applies each Flux object: one repository often holds several clusters
(`clusters/staging/`, `clusters/production/`) whose objects share names, so a reference is looked up
among the objects its own cluster applies.

A Kustomization whose source is this repository applies the files of its `spec.path`: with a
kustomization file, the resources, bases and components it names (recursively); without one, every
manifest below it, as kustomize-controller generates the kustomization. A cluster entry point is a
Kustomization that applies its own file, as `flux bootstrap`'s flux-system does (`clusters/<name>/`
holds it); an object belongs to every entry point that reaches its file through Kustomizations.
Objects no entry point reaches belong to no known cluster and match any reference.
"""
from __future__ import annotations

from pathlib import Path

from planforge.validate.flux.objects import FluxIndex, FluxObject
from planforge.validate.flux.sources import local_path
from planforge.validate.inputs import Bounds
from planforge.validate.manifests import (
    KUSTOMIZE_DIRECTORY_FIELDS,
    MANIFEST_SUFFIXES,
    kustomization_references,
    load_kustomization,
)
from planforge.validate.manifests.discovery import KUSTOMIZATION_NAMES


def kustomization_file(directory: Path) -> Path | None:
    return next((directory / n for n in KUSTOMIZATION_NAMES if (directory / n).is_file()), None)


def applied_files(directory: Path, bounds: Bounds, seen: set[Path] | None = None) -> set[Path]:
    """The (resolved) files a Kustomization whose path is `directory` applies, within the bounds."""
    seen = set() if seen is None else seen
    directory = directory.resolve()
    if directory in seen or not directory.is_dir() or not bounds.inside(directory):
        return set()
    seen.add(directory)
    kustomization = kustomization_file(directory)
    files: set[Path] = set()
    if kustomization is None:
        for entry in sorted(directory.iterdir()):
            if entry.is_dir() and not entry.name.startswith("."):
                files |= applied_files(entry, bounds, seen)
            elif entry.is_file() and entry.suffix in MANIFEST_SUFFIXES and bounds.inside(entry):
                files.add(entry.resolve())
        return files
    for key, ref in kustomization_references(load_kustomization(kustomization, bounds)):
        target = (directory / ref).resolve()
        if key not in KUSTOMIZE_DIRECTORY_FIELDS or not bounds.inside(target):
            continue
        if target.is_dir():
            files |= applied_files(target, bounds, seen)
        elif target.is_file():
            files.add(target)
    return files


def assign_clusters(index: FluxIndex) -> None:
    """Set `clusters` on every object some entry point reaches, and `index.cluster_names`."""
    by_file: dict[Path, list[FluxObject]] = {}
    for obj in index.objects:
        by_file.setdefault(obj.path.resolve(), []).append(obj)
    applies: dict[int, list[FluxObject]] = {}
    for kustomization in index.objects:
        path = local_path(index, kustomization) if kustomization.kind == "Kustomization" else None
        if path is not None:
            files = applied_files(index.root / path.lstrip("/"), index.bounds)
            applies[id(kustomization)] = [o for f in sorted(files) for o in by_file.get(f, [])]
    entry_points = [o for o in index.objects if any(a is o for a in applies.get(id(o), []))]
    for number, entry in enumerate(entry_points):
        index.cluster_names[number] = f"{entry.label} ({entry.display})"
        todo, seen = [entry], {id(entry)}
        while todo:
            for obj in applies.get(id(todo.pop()), []):
                obj.clusters.add(number)
                if id(obj) not in seen:
                    seen.add(id(obj))
                    todo.append(obj)

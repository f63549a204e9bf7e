"""The objects a kustomize build of a directory Flux applies produces: how the overlays of a cluster
change the objects of their bases (a HelmRelease's chart version set by an overlay patch).

Built like the kustomize validator builds (same restrictions, timeout and memory ceiling); a directory
that cannot be built here (no kustomization, refused input, the network, a failing build, no kustomize)
yields nothing: the kustomize validator reports why, and the flux checks fall back to the files.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from planforge.errors import UsageError
from planforge.validate.base import Context, Document
from planforge.validate.kustomize import build_command, find_kustomization, input_findings, network_reason
from planforge.validate.manifests import (
    KUSTOMIZE_DIRECTORY_FIELDS,
    ManifestDocument,
    ManifestError,
    kustomization_references,
    load_documents,
    load_kustomization,
    load_text,
)
from planforge.validate.tools import ToolOutputTooLarge, ToolTimeout, memory_ceiling_mib, output_limit, run_tool


def built_objects(directory: Path, ctx: Context) -> list[Document]:
    """The documents `kustomize build directory` prints ([] when it cannot be built here)."""
    kustomization = find_kustomization(directory)
    if kustomization is None or not ctx.bounds.inside(directory) or input_findings(directory, ctx):
        return []
    if network_reason(load_kustomization(kustomization, ctx.bounds), directory, ctx=ctx):
        return []
    try:
        done = run_tool(build_command(directory.resolve()), timeout=ctx.settings.timeout,
                        cwd=ctx.workdir if ctx.workdir.is_dir() else None,
                        memory_mib=memory_ceiling_mib(ctx.settings), max_output=output_limit(ctx.settings))
    except (ToolTimeout, ToolOutputTooLarge, UsageError, OSError):
        return []
    if done.returncode != 0:
        return []
    try:
        return [d for d in load_text(done.stdout, ctx.display(kustomization), origin=f"kustomize build "
                                     f"{ctx.display(directory)}") if isinstance(d.obj, dict)]
    except ManifestError:
        return []


PATCH_FIELDS = ("patches", "patchesStrategicMerge")


def _patch_files(directory: Path, ctx: Context, seen: set[Path]) -> Iterator[Path]:
    """The patch files the kustomization of `directory` and of the directories it builds on name."""
    directory = directory.resolve()
    kustomization = find_kustomization(directory)
    if directory in seen or kustomization is None or not ctx.bounds.inside(directory):
        return
    seen.add(directory)
    for key, ref in kustomization_references(load_kustomization(kustomization, ctx.bounds)):
        target = (directory / ref).resolve()
        if not ctx.bounds.inside(target):
            continue
        if key in PATCH_FIELDS and target.is_file():
            yield target
        elif key in KUSTOMIZE_DIRECTORY_FIELDS and target.is_dir():
            yield from _patch_files(target, ctx, seen)


def patch_documents(directory: Path, ctx: Context) -> list[tuple[ManifestDocument, Path]]:
    """The documents of the patch files a build of `directory` applies, with their file."""
    found = []
    for path in _patch_files(directory, ctx, set()):
        try:
            found.extend((doc, path) for doc in load_documents(path, display=ctx.display(path), bounds=ctx.bounds)
                         if isinstance(doc.obj, dict))
        except ManifestError:
            continue  # the kustomize build reports it
    return found

"""Kustomizations that build Argo CD objects: an app-of-apps directory built with overlays or patches.

A kustomization root qualifies when a file it names (through resources, bases, components and patches,
recursively) names an `argoproj.io/` Application, ApplicationSet or AppProject. It is built as the
Kustomize validator builds it, with the same input checks first; a root that leads outside the
validated paths, needs the network, or does not build gives no documents here (the Kustomize
validator reports why). The documents are attributed to the kustomization file.
"""
from __future__ import annotations

import os
from pathlib import Path

from planforge.errors import UsageError
from planforge.validate.argocd_charts import names_argo_kind
from planforge.validate.base import Context, Document
from planforge.validate.inputs import InputError
from planforge.validate.kustomize import (
    KustomizeValidator,
    build_command,
    find_kustomization,
    input_findings,
    network_reason,
    rendered_documents,
)
from planforge.validate.manifests import ManifestError, kustomization_references, load_kustomization
from planforge.validate.tools import ToolOutputTooLarge, ToolTimeout, memory_ceiling_mib, output_limit, run_tool


def argo_kustomizations(ctx: Context) -> list[Path]:
    """The kustomization roots of the repository whose build includes Argo CD objects."""
    return [t.path for t in KustomizeValidator().discover(ctx) if _names_argo(t.path, ctx, set())]


def _names_argo(directory: Path, ctx: Context, seen: set[str]) -> bool:
    seen.add(os.path.realpath(directory))
    kustomization = find_kustomization(directory)
    if kustomization is None:
        return False
    for _, ref in kustomization_references(load_kustomization(kustomization, ctx.bounds)):
        path = directory / ref
        if not ctx.bounds.inside(path):
            continue
        if path.is_dir():
            if os.path.realpath(path) not in seen and _names_argo(path, ctx, seen):
                return True
            continue
        try:
            if path.is_file() and names_argo_kind(ctx.bounds.read_text(path, errors="replace")):
                return True
        except (OSError, InputError):
            continue
    return False


def build(directory: Path, ctx: Context) -> list[Document]:
    """The documents the kustomization builds (none when it may not or does not build)."""
    kustomization = find_kustomization(directory)
    if kustomization is None or input_findings(directory, ctx) or \
            network_reason(load_kustomization(kustomization, ctx.bounds), directory, ctx=ctx):
        return []
    try:
        done = run_tool(build_command(directory.resolve()), timeout=ctx.settings.timeout,
                        cwd=ctx.workdir if ctx.workdir.is_dir() else None,
                        memory_mib=memory_ceiling_mib(ctx.settings), max_output=output_limit(ctx.settings))
    except (ToolTimeout, ToolOutputTooLarge, OSError, UsageError):  # no kustomize: the Kustomize validator says so
        return []
    if done.returncode != 0:
        return []
    try:
        return rendered_documents(done.stdout, ctx.display(kustomization), f"kustomize build {ctx.display(directory)}")
    except ManifestError:
        return []


__all__ = ["argo_kustomizations", "build"]

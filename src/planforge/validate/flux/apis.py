"""API versions: the Flux release a repository declares, and the rules on a Flux object's apiVersion."""
from __future__ import annotations

import re
from pathlib import Path

from planforge.validate.base import Context, Finding, Severity
from planforge.validate.flux.objects import FluxIndex, FluxObject
from planforge.validate.flux.rules import minor_version, vocabulary
from planforge.validate.inputs import walk

BOOTSTRAP_COMPONENTS = "gotk-components.yaml"  # `flux bootstrap` writes its Flux version in this file's header
_VERSION_HEADER = re.compile(r"^#\s*Flux Version:\s*(\S+)", re.MULTILINE)
_HEADER_CHARS = 4096


def _components_files(root: Path) -> list[Path]:
    """Every gotk-components.yaml below `root` (hidden directories left out), found by name: none is parsed."""
    if root.is_file():
        return [root] if root.name == BOOTSTRAP_COMPONENTS else []
    found = []
    for directory, subdirectories, files in walk(root):
        subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
        found.extend(Path(directory) / BOOTSTRAP_COMPONENTS for f in files if f == BOOTSTRAP_COMPONENTS)
    return found


def _header(path: Path, ctx: Context) -> str:
    """The first characters of a file within the bounds ("" when it cannot be read)."""
    if not ctx.bounds.inside(path) or not path.is_file():
        return ""
    try:
        with path.open(encoding="utf-8", errors="replace") as stream:
            return stream.read(_HEADER_CHARS)
    except OSError:
        return ""


def declare_flux_version(ctx: Context, index: FluxIndex) -> None:
    """Set `index.flux_version` to the oldest Flux release the repository declares: in the gotk-components.yaml
    header `flux bootstrap` writes (`# Flux Version: v2.7.0`), or a FluxInstance's `spec.distribution.version`
    (`2.7.x`; `2.x`, the latest, declares none). Without one the data's release stays assumed."""
    declared = []
    for instance in index.instances:
        version = minor_version(str(instance.field(["spec", "distribution", "version"])))
        if version is not None:
            declared.append((version, f"{instance.display}, {instance.label}"))
    for path in _components_files(ctx.root) if index.objects else []:
        match = _VERSION_HEADER.search(_header(path, ctx))
        version = minor_version(match[1]) if match else None
        if version is not None:
            declared.append((version, ctx.display(path)))
    if declared:
        version, where = min(declared)
        index.flux_version, index.flux_version_origin = version, f"declared in {where}"


def _shown(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


def check_api_version(obj: FluxObject, index: FluxIndex) -> list[Finding]:
    """`flux/removed-api`: an apiVersion the repository's Flux release no longer serves (the API server
    rejects the object); `flux/deprecated-api` (warning): another version than the current one."""
    words = vocabulary()
    api_version, current = obj.obj.get("apiVersion"), words.current_api_versions.get(obj.kind)
    removed = words.removed_api_versions.get(str(api_version))
    fix = (f"set apiVersion: {current} (`flux migrate` rewrites stored objects; adapt the fields the Flux release "
           "notes list as changed)") if current else "use an API version the Flux release serves"
    if removed is not None and index.flux_version >= removed:
        return [obj.finding(
            "flux/removed-api", f"apiVersion {api_version} is not served by Flux {_shown(index.flux_version)} "
            f"({index.flux_version_origin}): Flux {_shown(removed)} removed it, so the cluster rejects the object",
            ["apiVersion"], fix)]
    if current is None or api_version == current:
        return []
    return [obj.finding(
        "flux/deprecated-api", f"apiVersion {api_version} is deprecated; the current version is {current}",
        ["apiVersion"], fix, Severity.WARNING)]

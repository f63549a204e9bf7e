"""App-of-apps Helm charts: charts whose templates render Argo CD objects, and what they render.

A chart is an app-of-apps chart when one of its templates names an `argoproj.io/` API version and an
Application, ApplicationSet or AppProject kind. It is
rendered as the Helm validator renders it (default values, then every `platforms/*.yaml` and
`ci/*-values.yaml`), through the same per-run renderings (`helm.renderings`): a chart the Helm
validator already rendered is not rendered again. Each rendered document keeps the chart template it
came from (`apps/templates/applications.yaml`), so findings name the user's file.

A chart Helm may not read (outside the validated paths, a remote dependency not vendored) or that does
not render gives no documents here: the Helm validator reports why.
"""
from __future__ import annotations

import hashlib
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from planforge.validate.base import Context, Document, Target
from planforge.validate.helm.charts import (
    chart_input_findings,
    discover_charts,
    missing_dependencies,
    values_files,
    vendor_local_dependencies,
)
from planforge.validate.helm.engine import HelmToolError
from planforge.validate.helm.findings import manifests_to_documents
from planforge.validate.helm.renderings import render_once
from planforge.validate.helm.rules import NAME as HELM
from planforge.validate.helm.validator import select_engine
from planforge.validate.inputs import InputError, walk

_ARGO_API = re.compile(r"argoproj\.io/")
_ARGO_KIND = re.compile(r"kind:\s*[\"']?(Application|ApplicationSet|AppProject)\b")
_TEMPLATE_SUFFIXES = (".yaml", ".yml", ".tpl", ".json")


@dataclass
class RenderedDocument:
    """One document a chart rendered: the template file it came from and how it was rendered."""

    doc: Document  # `doc.file`: the template's display path
    template: Path
    origin: str  # `helm template apps -f ci/prod-values.yaml`


def app_of_apps_charts(ctx: Context) -> list[Path]:
    """The charts of the repository whose templates render Argo CD objects (a cheap text scan)."""
    return [t.path for t in discover_charts(ctx) if _renders_argo(t.path, ctx)]


def _renders_argo(chart: Path, ctx: Context) -> bool:
    for template in sorted(Path(d, n) for d, _, names in walk(chart / "templates") for n in names):
        if template.suffix not in _TEMPLATE_SUFFIXES or not template.is_file():
            continue
        try:
            text = ctx.bounds.read_text(template, errors="replace")
        except (OSError, InputError):
            continue
        if names_argo_kind(text):
            return True
    return False


def names_argo_kind(text: str) -> bool:
    """Whether a file (a template, a manifest) names an Argo CD Application, ApplicationSet or AppProject."""
    return bool(_ARGO_API.search(text) and _ARGO_KIND.search(text))


def sources_digest(directories: list[Path], ctx: Context) -> str:
    """A digest of every file below the directories (app-of-apps charts, kustomizations building Argo CD objects):
    what their renderings depend on, for the result cache's keys, which know a target's own unit only; every
    Argo CD check reads the rendered objects, AppProjects included."""
    digest = hashlib.sha256()
    for top in directories:
        for directory, dirnames, filenames in walk(top):
            dirnames.sort()
            for name in sorted(filenames):
                path = Path(directory) / name
                try:
                    content = ctx.bounds.read_bytes(path)
                except (OSError, InputError):
                    content = b"refused"
                digest.update(f"\0{path.relative_to(ctx.root).as_posix()}\0".encode() + hashlib.sha256(content).digest())
    return digest.hexdigest()


def render_chart(chart: Path, ctx: Context) -> list[RenderedDocument]:
    """Every document the chart renders with each of its values sets (none when Helm cannot render it)."""
    target = Target(HELM, "chart", chart, ctx.display(chart))
    missing = missing_dependencies(chart)
    if chart_input_findings(target, ctx) or any(not repo.startswith("file://") for repo in missing.values()):
        return []
    try:
        engine = select_engine(ctx.settings.timeout, ctx.workdir, settings=ctx.settings)
        source = vendor_local_dependencies(chart, missing, ctx.workdir) if missing else chart
    except (HelmToolError, OSError):
        return []
    rendered: list[RenderedDocument] = []
    for values_file in [None, *values_files(chart)]:
        try:
            result = render_once(ctx, chart, values_file,
                                 lambda vf=values_file: engine.render(source, vf, ctx.settings.kube_version))
        except HelmToolError:
            continue
        if result.error is not None:
            continue
        docs, _ = manifests_to_documents(result.manifests, target)
        origin = f"helm template {target.display}"
        if values_file is not None:
            origin += f" -f {values_file.relative_to(chart).as_posix()}"
        for doc in docs:
            template = chart / posixpath.relpath(doc.file, target.display or ".")
            rendered.append(RenderedDocument(doc, template, origin))
    return rendered


__all__ = ["RenderedDocument", "app_of_apps_charts", "names_argo_kind", "render_chart", "sources_digest"]

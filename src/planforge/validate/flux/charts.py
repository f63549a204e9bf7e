"""`flux/unpinned-chart`: chart version policy with Flux's semantics.

helm-controller reads a HelmRelease's `spec.chart.spec.version` (a HelmChart's `spec.version`) as a semver
range against the HelmRepository's index: one exact version pins the chart; a range (`1.x`, `>=1.0.0`; no
version is `*`) installs every new matching release as it is published. Ranges are a documented Flux
practice, so a range is a warning, and an error with `--strict`. The same holds for the OCIRepository a
HelmRelease's chartRef uses (`spec.ref.semver`, a moving tag).

The version that counts is the one a cluster applies. Each directory a Kustomization of this repository
applies is built with kustomize; a base HelmRelease whose version an overlay patch sets is judged by the
built version, reported once on the patch that sets it. The base's own version is judged only where a
build keeps it, or when no build includes the base.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planforge.validate.argocd import is_exact_version
from planforge.validate.base import Context, Finding, Severity
from planforge.validate.flux.builds import built_objects, patch_documents
from planforge.validate.flux.clusters import applied_files
from planforge.validate.flux.objects import FluxIndex, FluxObject
from planforge.validate.flux.rules import FieldPath
from planforge.validate.flux.sources import local_path

CHART_KINDS = ("HelmRelease", "HelmChart")
PIN_HINT = "pin version to one released chart version, e.g. 1.2.3"


def templated(value: Any) -> bool:
    """A value Flux post-build substitution fills in (`${cluster_name}`): not checked."""
    return isinstance(value, str) and "${" in value


def _chart_path(kind: str) -> FieldPath:
    return ["spec", "chart", "spec"] if kind == "HelmRelease" else ["spec"]


def _chart(obj: dict[str, Any], kind: str) -> dict[str, Any]:
    value: Any = obj
    for part in _chart_path(kind):
        value = value.get(part) if isinstance(value, dict) else None
    return value if isinstance(value, dict) else {}


def from_helm_repository(obj: FluxObject) -> bool:
    """A chart template or HelmChart whose chart comes from a HelmRepository (from a GitRepository or
    Bucket the chart's own Chart.yaml version applies: `version` is ignored)."""
    source = _chart(obj.obj, obj.kind).get("sourceRef")
    return obj.kind in CHART_KINDS and isinstance(source, dict) and source.get("kind") == "HelmRepository"


def _shown(version: Any) -> str:
    return "missing (the latest, `*`)" if version in (None, "") else repr(version)


def _pinned(version: Any) -> bool:
    return templated(version) or is_exact_version(version)


@dataclass
class ChartVersions:
    """The chart version findings, and the patch files read that patch a chart object (the checks of the
    files they are reported on depend on them)."""

    findings: list[Finding] = field(default_factory=list)
    patch_files: dict[Path, str] = field(default_factory=dict)  # path -> display


@dataclass
class _Resolution(ChartVersions):
    """Per base chart object: whether a build includes it, whether one keeps its own version."""

    built: set[int] = field(default_factory=set)
    kept: set[int] = field(default_factory=set)


def _base_of(doc: dict[str, Any], candidates: list[FluxObject]) -> FluxObject | None:
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    for obj in candidates:
        if obj.kind == doc.get("kind") and obj.name == meta.get("name") and \
                (obj.namespace is None or meta.get("namespace") in (None, obj.namespace)):
            return obj
    return None


def _patch_setting(base: FluxObject, version: Any, patches: list[FluxObject]) -> FluxObject | None:
    """The patch of the build (a partial object of the base's kind and name) that sets `version`; None when
    an inline patch or another transformation sets it."""
    return next((p for p in patches if p.kind == base.kind and p.name == base.name
                 and _chart(p.obj, p.kind).get("version") == version), None)


def _unpinned(obj: FluxObject, chart: dict[str, Any], version: Any, severity: Severity, why: str) -> Finding:
    where = _chart_path(obj.kind) + (["version"] if "version" in chart else ["chart"])
    return obj.finding("flux/unpinned-chart", f"chart {chart.get('chart')!r} version is {_shown(version)}{why}, "
                       "not an exact version: Flux installs every new release it matches", where, PIN_HINT, severity)


def _resolve_build(directory: Path, ctx: Context, index: FluxIndex, severity: Severity, into: _Resolution) -> None:
    files = applied_files(directory, index.bounds)
    bases = [o for o in index.objects if from_helm_repository(o) and o.path.resolve() in files]
    built = built_objects(directory, ctx) if bases else []
    patches = [FluxObject(doc, path, ctx.display(path)) for doc, path in patch_documents(directory, ctx)] if built else []
    into.patch_files.update((p.path, p.display) for p in patches if _base_of(p.obj, bases) is not None)
    for doc in built:
        base = _base_of(doc.obj, bases)
        if base is None:
            continue
        into.built.add(id(base))
        version = _chart(doc.obj, base.kind).get("version")
        if version == _chart(base.obj, base.kind).get("version"):
            into.kept.add(id(base))
            continue
        if _pinned(version):
            continue
        patch = _patch_setting(base, version, patches)
        shown = ctx.display(directory)
        into.findings.append(
            _unpinned(patch, _chart(base.obj, base.kind) | _chart(patch.obj, patch.kind), version, severity,
                      f", set by this patch of {base.label} ({base.display}) in the build of {shown}")
            if patch is not None else
            _unpinned(base, _chart(base.obj, base.kind), version, severity,
                      f" in the build of {shown}, where an overlay sets it"))


def chart_versions(ctx: Context, index: FluxIndex) -> ChartVersions:
    """Every `flux/unpinned-chart` finding on HelmReleases and HelmCharts, once each."""
    severity = Severity.ERROR if ctx.settings.strict else Severity.WARNING
    resolution = _Resolution()
    directories = {(index.root / path.lstrip("/")).resolve() for path in
                   (local_path(index, k) for k in index.objects if k.kind == "Kustomization") if path is not None}
    for directory in sorted(d for d in directories if index.bounds.inside(d) and d.is_dir()):
        _resolve_build(directory, ctx, index, severity, resolution)
    for base in (o for o in index.objects if from_helm_repository(o)):
        chart = _chart(base.obj, base.kind)
        if (id(base) not in resolution.built or id(base) in resolution.kept) and not _pinned(chart.get("version")):
            resolution.findings.append(_unpinned(base, chart, chart.get("version"), severity, ""))
    unique = {(f.file, f.line, f.message): f for f in resolution.findings}
    return ChartVersions(list(unique.values()), resolution.patch_files)


def check_oci_chart(obj: FluxObject, strict: bool) -> list[Finding]:
    """`flux/unpinned-chart` on an OCIRepository a HelmRelease's chartRef uses: a digest or an exact tag."""
    ref = obj.spec.get("ref")
    ref = ref if isinstance(ref, dict) else {}
    if ref.get("digest") or any(templated(v) for v in ref.values()) or \
            ("semver" not in ref and is_exact_version(ref.get("tag"))):
        return []
    if "semver" in ref:
        stated, where = f"semver range {ref['semver']!r}", ["spec", "ref", "semver"]
    else:
        stated, where = f"tag {ref.get('tag', 'latest')!r}", (["spec", "ref", "tag"] if "tag" in ref else ["spec"])
    return [obj.finding(
        "flux/unpinned-chart", f"the chart artifact a HelmRelease's chartRef uses is selected by {stated}, "
        "not an exact version", where, "set spec.ref.tag to one released chart version (or spec.ref.digest)",
        Severity.ERROR if strict else Severity.WARNING)]

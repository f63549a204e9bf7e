"""The checks on one Flux object (cycles, which span several, are in `cycles`)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from planforge.validate.argocd import is_exact_version
from planforge.validate.base import Finding, Severity
from planforge.validate.flux.clusters import kustomization_file
from planforge.validate.flux.objects import FluxIndex, FluxObject
from planforge.validate.flux.rules import FieldPath, vocabulary
from planforge.validate.inputs import OUTSIDE_HINT, OUTSIDE_ROOT, Bounds
from planforge.validate.manifests import MANIFEST_SUFFIXES, join_path


def templated(value: Any) -> bool:
    """A value Flux post-build substitution fills in (`${cluster_name}`): not checked."""
    return isinstance(value, str) and "${" in value


def _shown(namespace: str | None, name: Any) -> str:
    return f"{namespace}/{name}" if namespace else str(name)


def check_api_version(obj: FluxObject) -> list[Finding]:
    """`flux/deprecated-api`: a known Flux kind at another API version than the current one."""
    current = vocabulary().current_api_versions.get(obj.kind)
    if current is None or obj.obj.get("apiVersion") == current:
        return []
    return [obj.finding(
        "flux/deprecated-api", f"apiVersion {obj.obj.get('apiVersion')} is deprecated or no longer served "
        f"by current Flux; the current version is {current}", ["apiVersion"],
        f"set apiVersion: {current} (and adapt the fields the Flux release notes list as changed)",
        Severity.WARNING)]


def _elsewhere(index: FluxIndex, obj: FluxObject, kinds: list[str], name: Any, namespace: str | None) -> str:
    """When the named object exists only in files other clusters apply: which, for the message."""
    others = index.find(kinds, name, namespace)
    if not others:
        return "which is not defined in the repository"
    return (f"which is defined only in files other clusters apply ({index.clusters_of(others)}), not "
            f"{index.clusters_of([obj])}")


def resolve_source(obj: FluxObject, index: FluxIndex, where: FieldPath) -> tuple[FluxObject | None, list[Finding]]:
    """The source the reference at `where` names; its kind must be one data/flux.yaml allows there."""
    ref = obj.field(where)
    if not isinstance(ref, dict) or templated(ref.get("name")) or templated(ref.get("namespace")):
        return None, []  # absent (the schema says whether it must be there) or substituted
    kind, name = ref.get("kind"), ref.get("name")
    namespace = ref.get("namespace") or obj.namespace
    allowed = vocabulary().source_kinds[f"{obj.kind}.{join_path(where)}"]
    if kind not in allowed:
        return None, [obj.finding(
            "flux/undefined-source", f"{join_path(where)} names " + (f"a {kind}, which cannot be a source here"
                                                                      if kind else "no kind"),
            where + ["kind"], f"set kind to one of {', '.join(allowed)}")]
    found = index.find([kind], name, namespace, obj)
    if found:
        return found[0], []
    return None, [obj.finding(
        "flux/undefined-source",
        f"{join_path(where)} names {kind} {_shown(namespace, name)}, {_elsewhere(index, obj, [kind], name, namespace)}",
        where + ["name"], f"define the {kind} {name!r}" + (f" in namespace {namespace!r}" if namespace else "")
        + f" in the files this cluster applies, or fix {join_path(where)} (kind, name, namespace)")]


def check_path(obj: FluxObject, index: FluxIndex, source: FluxObject) -> list[Finding]:
    """`flux/missing-path`, `flux/unbuildable-path`: the Kustomization's spec.path in this repository."""
    path = obj.spec.get("path", "./")
    if not isinstance(path, str) or templated(path):
        return []
    shown = path or "./"
    directory = (index.root / path.lstrip("/")).resolve()
    if not index.bounds.inside(directory):
        return [obj.finding(OUTSIDE_ROOT, f"spec.path {shown!r} resolves outside the validated paths: not read",
                            ["spec", "path"], OUTSIDE_HINT)]
    where = f"in this repository (GitRepository {source.name}, {source.display})"
    if not directory.is_dir():
        what = "is a file, not a directory" if directory.exists() else "does not exist"
        return [obj.finding("flux/missing-path", f"spec.path {shown!r} {what} {where}", ["spec", "path"],
                            "create the directory or fix spec.path (relative to the repository root)")]
    if kustomization_file(directory) is not None or _has_manifests(directory, index.bounds):
        return []
    return [obj.finding(
        "flux/unbuildable-path", f"spec.path {shown!r} has no kustomization.yaml and no manifests {where}",
        ["spec", "path"], "add a kustomization.yaml listing the resources, or the manifests themselves")]


def check_chart_path(obj: FluxObject, index: FluxIndex, source: FluxObject) -> list[Finding]:
    """`flux/missing-path`: a HelmRelease's chart in this repository (`spec.chart.spec.chart` is then a
    path) is a directory with a Chart.yaml."""
    path = obj.field(["spec", "chart", "spec", "chart"])
    if not isinstance(path, str) or templated(path):
        return []
    where: FieldPath = ["spec", "chart", "spec", "chart"]
    directory = (index.root / path.lstrip("/")).resolve()
    if not index.bounds.inside(directory):
        return [obj.finding(OUTSIDE_ROOT, f"chart path {path!r} resolves outside the validated paths: not read",
                            where, OUTSIDE_HINT)]
    if (directory / "Chart.yaml").is_file():
        return []
    what = "has no Chart.yaml" if directory.is_dir() else "does not exist"
    return [obj.finding(
        "flux/missing-path", f"chart path {path!r} {what} in this repository (GitRepository {source.name}, "
        f"{source.display})", where, "fix spec.chart.spec.chart: the chart directory, relative to the repository root")]


def _has_manifests(directory: Path, bounds: Bounds) -> bool:
    """Any manifest below `directory` (kustomize-controller generates a kustomization from them)."""
    return any(p.is_file() and bounds.inside(p) for suffix in MANIFEST_SUFFIXES for p in directory.rglob(f"*{suffix}"))


def is_tenant(obj: FluxObject, root: Path) -> bool:
    """A tenant's Kustomization: in a namespace other than the controllers' (flux-system), or in a
    file below a `tenants` directory of the repository."""
    words = vocabulary()
    if obj.namespace is not None and obj.namespace != words.controller_namespace:
        return True
    try:
        parts = obj.path.resolve().relative_to(root.resolve()).parts[:-1]
    except ValueError:
        return False
    return any(part in words.tenant_directories for part in parts)


def check_tenant(obj: FluxObject, root: Path) -> list[Finding]:
    """`flux/tenant-service-account`."""
    if not is_tenant(obj, root) or obj.spec.get("serviceAccountName"):
        return []
    why = (f"in namespace {obj.namespace!r}" if obj.namespace not in (None, vocabulary().controller_namespace)
           else "in a file under a tenants directory")
    return [obj.finding(
        "flux/tenant-service-account", f"a tenant's Kustomization ({why}) without spec.serviceAccountName applies "
        "as the kustomize-controller, with cluster-admin rights", ["spec"],
        "set spec.serviceAccountName to the tenant's service account (bound to a Role in its namespace)")]


def check_source_namespace(obj: FluxObject, root: Path) -> list[Finding]:
    """`flux/cross-namespace-source`: a tenant's Kustomization whose sourceRef names another namespace than its own
    (with `--no-cross-namespace-refs=true` kustomize-controller refuses to read it)."""
    ref = obj.spec.get("sourceRef")
    namespace = ref.get("namespace") if isinstance(ref, dict) else None
    if obj.namespace is None or namespace in (None, obj.namespace) or templated(namespace) or not is_tenant(obj, root):
        return []
    return [obj.finding(
        "flux/cross-namespace-source", f"a tenant's Kustomization in namespace {obj.namespace!r} reads "
        f"{ref.get('kind')} {namespace}/{ref.get('name')} from another namespace: Flux's multi-tenancy lockdown "
        "(--no-cross-namespace-refs=true) refuses it", ["spec", "sourceRef", "namespace"],
        f"define the tenant's own {ref.get('kind')} in namespace {obj.namespace!r} and drop sourceRef.namespace")]


def depends_on(obj: FluxObject) -> list[tuple[int, dict[str, Any]]]:
    """The dependsOn entries, with their index."""
    entries = obj.spec.get("dependsOn")
    return [(i, e) for i, e in enumerate(entries) if isinstance(e, dict)] if isinstance(entries, list) else []


def check_dependencies(obj: FluxObject, index: FluxIndex) -> list[Finding]:
    """`flux/missing-dependency`: every dependsOn entry names an object of the same kind."""
    findings = []
    for i, entry in depends_on(obj):
        name, namespace = entry.get("name"), entry.get("namespace") or obj.namespace
        if templated(name) or templated(namespace) or index.find([obj.kind], name, namespace, obj):
            continue
        missing = _elsewhere(index, obj, [obj.kind], name, namespace)
        findings.append(obj.finding(
            "flux/missing-dependency", f"dependsOn names {obj.kind} {_shown(namespace, name)}, {missing}",
            ["spec", "dependsOn", i, "name"],
            f"fix the name (and namespace) of the entry, or define the {obj.kind} {name!r} in the files this "
            "cluster applies"))
    return findings


def check_chart_version(obj: FluxObject) -> list[Finding]:
    """`flux/unpinned-chart` on a HelmRelease's chart template or a HelmChart from a HelmRepository
    (a chart from a GitRepository or Bucket has its Chart.yaml's version: `version` is ignored)."""
    prefix: FieldPath = ["spec", "chart", "spec"] if obj.kind == "HelmRelease" else ["spec"]
    chart = obj.field(prefix)
    if not isinstance(chart, dict) or (chart.get("sourceRef") or {}).get("kind") != "HelmRepository":
        return []
    version = chart.get("version")
    if templated(version) or is_exact_version(version):
        return []
    shown = "missing (the latest, `*`)" if version in (None, "") else repr(version)
    return [obj.finding(
        "flux/unpinned-chart", f"chart {chart.get('chart')!r} version is {shown}, not an exact version",
        prefix + (["version"] if "version" in chart else ["chart"]),
        "pin version to one released chart version, e.g. 1.2.3")]


def check_oci_chart(obj: FluxObject) -> list[Finding]:
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
        "not an exact version", where, "set spec.ref.tag to one released chart version (or spec.ref.digest)")]


def check_object(obj: FluxObject, index: FluxIndex, chart_artifacts: set[int]) -> list[Finding]:
    """Every check on one Flux object except cycles."""
    findings = check_api_version(obj)
    if obj.kind == "Kustomization":
        source, unresolved = resolve_source(obj, index, ["spec", "sourceRef"])
        findings += unresolved + check_tenant(obj, index.root) + check_source_namespace(obj, index.root)
        findings += check_dependencies(obj, index)
        if source is not None and index.is_this_repository(source):
            findings += check_path(obj, index, source)
    elif obj.kind == "HelmRelease":
        chart_source, unresolved = resolve_source(obj, index, ["spec", "chart", "spec", "sourceRef"])
        findings += unresolved + resolve_source(obj, index, ["spec", "chartRef"])[1]
        findings += check_chart_version(obj) + check_dependencies(obj, index)
        if chart_source is not None and index.is_this_repository(chart_source):
            findings += check_chart_path(obj, index, chart_source)
    elif obj.kind == "HelmChart":
        findings += resolve_source(obj, index, ["spec", "sourceRef"])[1] + check_chart_version(obj)
    elif obj.kind == "OCIRepository" and id(obj) in chart_artifacts:
        findings += check_oci_chart(obj)
    return findings

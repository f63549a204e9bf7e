"""Flux validator: semantic checks on Flux Kustomizations, HelmReleases and their sources.

Schemas (the `*.toolkit.fluxcd.io` CRDs) are checked by the schemas validator on every manifest;
this module checks what a schema cannot see, across the whole repository (docs/flux.md):

* `flux/missing-path`: a Kustomization's `spec.path` in a GitRepository of this repository does
  not exist (or is a file);
* `flux/unbuildable-path`: that directory has neither a kustomization file nor any manifest;
* `flux/undefined-source`: a `sourceRef` (Kustomization, HelmRelease `spec.chart.spec`, HelmChart)
  or HelmRelease `chartRef` names no source of that kind, name and namespace in the repository;
* `flux/missing-dependency`: a `dependsOn` entry names no object of the referring kind;
* `flux/dependency-cycle`: `dependsOn` entries form a cycle (the path is reported);
* `flux/unpinned-chart`: a chart version that is not one exact version (HelmRelease or HelmChart
  from a HelmRepository; an OCIRepository a HelmRelease `chartRef` uses, by tag or digest);
* `flux/tenant-service-account`: a tenant's Kustomization without `serviceAccountName`;
* `flux/deprecated-api` (warning): a Flux kind at an API version other than the current one.

A reference without a namespace means the referring object's namespace; when neither states one
(the namespace comes from the Kustomization that applies the file), any namespace matches.
Values with `${...}` (post-build substitution) are not checked.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterator

import yaml

from planforge.validate.argocd import is_exact_version, is_placeholder_url, normalize_repo_url, own_repo_urls
from planforge.validate.base import Check, Context, Document, Finding, Severity, Status, Target
from planforge.validate.inputs import OUTSIDE_HINT, OUTSIDE_ROOT, Bounds
from planforge.validate.manifests import (
    MANIFEST_SUFFIXES,
    ManifestError,
    iter_manifest_files,
    join_path,
    line_of_path,
    load_documents,
)
from planforge.validate.manifests.discovery import KUSTOMIZATION_NAMES

NAME = "flux"
FLUX_GROUP = ".toolkit.fluxcd.io"
RULES = {
    "flux/missing-path": "a Kustomization's spec.path does not exist in this repository",
    "flux/unbuildable-path": "a Kustomization's spec.path has no kustomization file and no manifests",
    "flux/undefined-source": "a sourceRef or chartRef names no source of that kind, name and namespace in the repository",
    "flux/missing-dependency": "a dependsOn entry names no Kustomization (HelmRelease) in the repository",
    "flux/dependency-cycle": "dependsOn entries form a cycle: none of its objects would ever reconcile",
    "flux/unpinned-chart": "a Helm chart version (or the OCI artifact of a chartRef) is not one exact version",
    "flux/tenant-service-account": "a tenant's Kustomization does not set serviceAccountName (it would apply as "
                                   "the controller, cluster-admin)",
    "flux/deprecated-api": "a Flux kind at an API version other than the current one",
    "flux/malformed": "a Flux object does not have the shape of its kind: not checked",
}
FieldPath = list[str | int]


@dataclass(frozen=True)
class Vocabulary:
    """`data/flux.yaml`: current API versions, the kinds each reference may name, tenant markers."""

    current_api_versions: dict[str, str]
    source_kinds: dict[str, list[str]]
    controller_namespace: str
    tenant_directories: frozenset[str]
    bootstrap_source: tuple[str, str]


@cache
def vocabulary() -> Vocabulary:
    data = yaml.safe_load(resources.files("planforge").joinpath("data", "flux.yaml").read_text(encoding="utf-8"))
    namespace, _, name = data["bootstrap_source"].partition("/")
    return Vocabulary(data["current_api_versions"], data["source_kinds"], data["controller_namespace"],
                      frozenset(data["tenant_directories"]), (namespace, name))


# --- the repository's Flux objects -------------------------------------------------------------


@dataclass
class FluxObject:
    """One object of a `*.toolkit.fluxcd.io` kind found in the repository."""

    doc: Document
    path: Path
    display: str

    @property
    def obj(self) -> dict[str, Any]:
        return self.doc.obj

    @property
    def kind(self) -> str:
        return str(self.obj.get("kind"))

    @property
    def spec(self) -> dict[str, Any]:
        spec = self.obj.get("spec")
        return spec if isinstance(spec, dict) else {}

    def _meta(self, key: str) -> str | None:
        meta = self.obj.get("metadata")
        value = meta.get(key) if isinstance(meta, dict) else None
        return value if isinstance(value, str) and value else None

    @property
    def name(self) -> str | None:
        return self._meta("name")

    @property
    def namespace(self) -> str | None:
        return self._meta("namespace")

    @property
    def label(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {where}{self.name}"

    def line_of(self, path: FieldPath) -> int | None:
        """Line of a field of this object in its file (or of its nearest parent that exists)."""
        prefix = getattr(self.doc, "item_path", "")
        return line_of_path(self.doc, f"{prefix}.{join_path(path)}" if prefix else join_path(path))

    def finding(self, rule: str, message: str, path: FieldPath, hint: str,
                severity: Severity = Severity.ERROR) -> Finding:
        return Finding(NAME, rule, severity, f"{self.label}: {message}", self.display, self.line_of(path),
                       hint=hint, doc_index=self.doc.doc_index, json_path=join_path(path))


def _namespaces_match(wanted: str | None, actual: str | None) -> bool:
    return wanted is None or actual is None or wanted == actual


@dataclass
class FluxIndex:
    """Every Flux object of the repository, and what identifies the repository itself."""

    root: Path
    objects: list[FluxObject] = field(default_factory=list)
    repo_urls: set[str] = field(default_factory=set)  # normalised URLs of this repository
    bounds: Bounds | None = None

    def __post_init__(self) -> None:
        if self.bounds is None:
            self.bounds = Bounds.of([self.root])

    def find(self, kinds: list[str], name: Any, namespace: str | None) -> list[FluxObject]:
        """The objects of one of `kinds` called `name` in `namespace` (None: any namespace)."""
        return [o for o in self.objects
                if o.kind in kinds and o.name == name and _namespaces_match(namespace, o.namespace)]

    def is_this_repository(self, source: FluxObject) -> bool:
        """A GitRepository of this repository: its URL is this repository's (`.planforge.yaml` repo_url,
        git origin) or a placeholder, or it is the one `flux bootstrap` creates (flux-system/flux-system)."""
        if source.kind != "GitRepository":
            return False
        url = source.spec.get("url")
        if isinstance(url, str) and (is_placeholder_url(url) or normalize_repo_url(url) in self.repo_urls):
            return True
        return (source.namespace, source.name) == vocabulary().bootstrap_source

    def chart_artifacts(self) -> set[int]:
        """ids of the OCIRepositories some HelmRelease's chartRef names."""
        used: set[int] = set()
        for release in self.objects:
            ref = release.spec.get("chartRef") if release.kind == "HelmRelease" else None
            if isinstance(ref, dict) and ref.get("kind") == "OCIRepository":
                namespace = ref.get("namespace") or release.namespace
                used.update(id(o) for o in self.find(["OCIRepository"], ref.get("name"), namespace))
        return used


def is_flux_object(obj: Any) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("kind"), str) and \
        str(obj.get("apiVersion", "")).partition("/")[0].endswith(FLUX_GROUP)


def load_index(ctx: Context) -> FluxIndex:
    """Find every Flux object among the repository's manifests."""
    index = FluxIndex(ctx.root, repo_urls=own_repo_urls(ctx.root, ctx.bounds), bounds=ctx.bounds)
    for path in iter_manifest_files(ctx.root, ctx.settings):
        path = Path(path)
        try:
            docs = load_documents(path, display=ctx.display(path), bounds=ctx.bounds)
        except ManifestError:
            continue  # unparsable manifests are the schemas validator's findings
        index.objects.extend(FluxObject(doc, path, ctx.display(path)) for doc in docs if is_flux_object(doc.obj))
    return index


# --- checks ------------------------------------------------------------------------------------


def _templated(value: Any) -> bool:
    return isinstance(value, str) and "${" in value


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


def resolve_source(obj: FluxObject, index: FluxIndex, where: FieldPath, allowed: str) -> tuple[FluxObject | None,
                                                                                           list[Finding]]:
    """The source a reference at `where` names (`allowed`: its key in data/flux.yaml source_kinds)."""
    ref: Any = obj.obj
    for part in where:
        ref = ref.get(part) if isinstance(ref, dict) else None
    if not isinstance(ref, dict) or _templated(ref.get("name")) or _templated(ref.get("namespace")):
        return None, []  # absent (the schema says whether it must be there) or substituted
    kind, name = ref.get("kind"), ref.get("name")
    namespace = ref.get("namespace") or obj.namespace
    kinds = [kind] if kind in vocabulary().source_kinds[allowed] else []
    found = index.find(kinds, name, namespace)
    if found:
        return found[0], []
    shown = f"{namespace}/{name}" if namespace else str(name)
    return None, [obj.finding(
        "flux/undefined-source", f"{join_path(where)} names {kind} {shown}, which is not defined in the repository",
        where + ["name"], f"define the {kind} {name!r}"
        + (f" in namespace {namespace!r}" if namespace else "")
        + f" in the repository, or fix {join_path(where)} (kind, name, namespace)")]


def check_path(obj: FluxObject, index: FluxIndex, source: FluxObject) -> list[Finding]:
    """`flux/missing-path`, `flux/unbuildable-path`: the Kustomization's spec.path in this repository."""
    path = obj.spec.get("path", "./")
    if not isinstance(path, str) or _templated(path):
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
    if _buildable(directory, index.bounds):
        return []
    return [obj.finding(
        "flux/unbuildable-path", f"spec.path {shown!r} has no kustomization.yaml and no manifests {where}",
        ["spec", "path"], "add a kustomization.yaml listing the resources, or the manifests themselves")]


def _buildable(directory: Path, bounds: Bounds) -> bool:
    """What kustomize-controller can build: a kustomization file, else any manifest below (it generates one)."""
    if any((directory / n).is_file() for n in KUSTOMIZATION_NAMES):
        return True
    return any(p.is_file() and bounds.inside(p) for suffix in MANIFEST_SUFFIXES for p in directory.rglob(f"*{suffix}"))


def is_tenant(obj: FluxObject) -> bool:
    """A tenant's Kustomization: in a namespace other than the controllers', or in a file under a
    tenants directory."""
    words = vocabulary()
    if obj.namespace is not None and obj.namespace != words.controller_namespace:
        return True
    return any(part in words.tenant_directories for part in Path(obj.display).parts[:-1])


def check_tenant(obj: FluxObject) -> list[Finding]:
    """`flux/tenant-service-account`."""
    if not is_tenant(obj) or obj.spec.get("serviceAccountName"):
        return []
    why = (f"in namespace {obj.namespace!r}" if obj.namespace not in (None, vocabulary().controller_namespace)
           else "under a tenants directory")
    return [obj.finding(
        "flux/tenant-service-account", f"a tenant's Kustomization ({why}) without spec.serviceAccountName applies "
        "as the kustomize-controller, with cluster-admin rights", ["spec"],
        "set spec.serviceAccountName to the tenant's service account (bound to a Role in its namespace)")]


def check_dependencies(obj: FluxObject, index: FluxIndex) -> list[Finding]:
    """`flux/missing-dependency`: every dependsOn entry names an object of the same kind."""
    findings = []
    for i, entry in enumerate(_depends_on(obj)):
        name, namespace = entry.get("name"), entry.get("namespace") or obj.namespace
        if _templated(name) or _templated(namespace) or index.find([obj.kind], name, namespace):
            continue
        shown = f"{namespace}/{name}" if namespace else str(name)
        findings.append(obj.finding(
            "flux/missing-dependency", f"dependsOn names {obj.kind} {shown}, which is not defined in the repository",
            ["spec", "dependsOn", i, "name"],
            f"fix the name (and namespace) of the entry, or define the {obj.kind} {name!r}"))
    return findings


def _depends_on(obj: FluxObject) -> list[dict[str, Any]]:
    entries = obj.spec.get("dependsOn")
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def check_chart_version(obj: FluxObject) -> list[Finding]:
    """`flux/unpinned-chart` on a HelmRelease's chart template or a HelmChart (from a HelmRepository:
    the version of a chart in a GitRepository or Bucket is its Chart.yaml's)."""
    if obj.kind == "HelmRelease":
        prefix: FieldPath = ["spec", "chart", "spec"]
        chart = (obj.spec.get("chart") or {}).get("spec")
    else:
        prefix, chart = ["spec"], obj.spec
    if not isinstance(chart, dict) or (chart.get("sourceRef") or {}).get("kind") != "HelmRepository":
        return []
    version = chart.get("version")
    if _templated(version) or is_exact_version(version):
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
    if ref.get("digest") or (is_exact_version(ref.get("tag")) and "semver" not in ref) or \
            any(_templated(v) for v in ref.values()):
        return []
    if "semver" in ref:
        stated, where = f"semver range {ref['semver']!r}", ["spec", "ref", "semver"]
    else:
        stated, where = f"tag {ref.get('tag', 'latest')!r}", ["spec", "ref", "tag"] if "tag" in ref else ["spec"]
    return [obj.finding(
        "flux/unpinned-chart", f"the chart artifact a HelmRelease's chartRef uses is selected by {stated}, "
        "not an exact version", where, "set spec.ref.tag to one released chart version (or spec.ref.digest)")]


def check_object(obj: FluxObject, index: FluxIndex, chart_artifacts: set[int]) -> list[Finding]:
    """Every check on one Flux object except cycles (those span several objects)."""
    findings = check_api_version(obj)
    if obj.kind == "Kustomization":
        source, unresolved = resolve_source(obj, index, ["spec", "sourceRef"], "Kustomization.spec.sourceRef")
        findings += unresolved + check_tenant(obj) + check_dependencies(obj, index)
        if source is not None and index.is_this_repository(source):
            findings += check_path(obj, index, source)
    elif obj.kind == "HelmRelease":
        for where in (["spec", "chart", "spec", "sourceRef"], ["spec", "chartRef"]):
            findings += resolve_source(obj, index, where, f"HelmRelease.{join_path(where)}")[1]
        findings += check_chart_version(obj) + check_dependencies(obj, index)
    elif obj.kind == "HelmChart":
        findings += resolve_source(obj, index, ["spec", "sourceRef"], "HelmChart.spec.sourceRef")[1]
        findings += check_chart_version(obj)
    elif obj.kind == "OCIRepository" and id(obj) in chart_artifacts:
        findings += check_oci_chart(obj)
    return findings


# --- dependency cycles -------------------------------------------------------------------------


@dataclass(frozen=True)
class Cycle:
    """A dependsOn cycle: `objects[0]` (the first by file and line) depends on `objects[1]`, ... on `objects[0]`."""

    objects: tuple[FluxObject, ...]
    entry: int  # index of objects[0]'s dependsOn entry that starts the cycle

    def finding(self) -> Finding:
        first = self.objects[0]
        names = " -> ".join(o.label for o in (*self.objects, first))
        return first.finding(
            "flux/dependency-cycle", f"dependsOn forms a cycle: {names}; none of them would ever become ready",
            ["spec", "dependsOn", self.entry, "name"],
            "remove one dependsOn entry of the cycle (dependencies must be ordered, e.g. infrastructure before apps)")


def _edges(obj: FluxObject, index: FluxIndex) -> Iterator[tuple[int, FluxObject]]:
    for i, entry in enumerate(_depends_on(obj)):
        namespace = entry.get("namespace") or obj.namespace
        for target in index.find([obj.kind], entry.get("name"), namespace):
            yield i, target


def find_cycles(index: FluxIndex) -> list[Cycle]:
    """Every distinct dependsOn cycle a depth-first search meets (each reported from its first object)."""
    order = {id(o): n for n, o in enumerate(sorted(
        index.objects, key=lambda o: (o.display, o.doc.doc_index, o.doc.line or 0)))}
    nodes = [o for o in index.objects if o.kind in ("Kustomization", "HelmRelease")]
    state: dict[int, int] = {}  # 1 = on the stack, 2 = done
    stack: list[FluxObject] = []
    cycles: dict[tuple[int, ...], Cycle] = {}

    def visit(node: FluxObject) -> None:
        state[id(node)] = 1
        stack.append(node)
        for _, target in _edges(node, index):
            if state.get(id(target)) == 1:
                loop = stack[stack.index(target):]
                start = min(range(len(loop)), key=lambda k: order[id(loop[k])])
                loop = loop[start:] + loop[:start]
                key = tuple(id(o) for o in loop)
                if key not in cycles:
                    nxt = loop[1] if len(loop) > 1 else loop[0]
                    entry = next(i for i, t in _edges(loop[0], index) if t is nxt)
                    cycles[key] = Cycle(tuple(loop), entry)
            elif id(target) not in state:
                visit(target)
        stack.pop()
        state[id(node)] = 2

    for node in sorted(nodes, key=lambda o: order[id(o)]):
        if id(node) not in state:
            visit(node)
    return list(cycles.values())


# --- the validator -----------------------------------------------------------------------------


@dataclass
class _Analysis:
    index: FluxIndex
    chart_artifacts: set[int]
    cycles: list[Cycle]


class FluxValidator:
    """Cross-file semantic checks for Flux objects (one target per file with Flux objects)."""

    name = NAME

    def __init__(self) -> None:
        self._analyses: dict[Path, _Analysis] = {}
        self._lock = threading.Lock()

    def analysis(self, ctx: Context) -> _Analysis:
        """The Flux objects of one validated root, loaded once (targets may run in several threads)."""
        with self._lock:
            if ctx.root not in self._analyses:
                index = load_index(ctx)
                self._analyses[ctx.root] = _Analysis(index, index.chart_artifacts(), find_cycles(index))
            return self._analyses[ctx.root]

    def discover(self, ctx: Context) -> list[Target]:
        files = {o.path: o.display for o in self.analysis(ctx).index.objects}
        return [Target(NAME, "flux-manifest", path, display) for path, display in sorted(files.items())]

    def run(self, target: Target, ctx: Context) -> list[Check]:
        start = time.monotonic()
        analysis = self.analysis(ctx)
        findings: list[Finding] = []
        for obj in analysis.index.objects:
            if obj.path != target.path:
                continue
            try:
                findings.extend(check_object(obj, analysis.index, analysis.chart_artifacts))
            except (AttributeError, TypeError, ValueError):  # a field of the wrong type
                findings.append(obj.finding(
                    "flux/malformed", "its fields do not have the types of the Flux CRD, so its semantic checks "
                    "were not run", ["spec"], "fix the schemas findings of this object"))
        findings.extend(c.finding() for c in analysis.cycles if c.objects[0].path == target.path)
        status = Status.FAILED if any(f.severity is Severity.ERROR for f in findings) else Status.PASSED
        return [Check(NAME, "semantics", target.display, status, findings, time.monotonic() - start, "planforge")]


__all__ = ["FluxIndex", "FluxObject", "FluxValidator", "find_cycles", "is_flux_object", "is_tenant", "load_index"]

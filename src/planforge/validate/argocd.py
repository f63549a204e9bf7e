"""ArgoCD validator: semantic checks on Applications, ApplicationSets and AppProjects.

Schemas (the CRDs) are checked by the schemas validator on every manifest; this module checks
what a schema cannot see, across the whole repository:

* `argocd/missing-path`: a repo-local source (`repoURL` is this repository, per `.planforge.yaml`
  `repo_url` or the git remote `origin`, or a placeholder URL) has a `path` that does not exist;
  so do its Helm `valueFiles` (also `$ref/...` through a repo-local `ref` source) and the
  directory / file globs of ApplicationSet git generators on this repository;
* `argocd/unknown-project`: `spec.project` is neither `default` nor an AppProject in the repository;
* `argocd/destination-not-allowed`: the destination is not in the project's `destinations` (globs,
  `!` negations);
* `argocd/unpinned-chart`: a Helm chart source whose `targetRevision` is not one exact version;
* `argocd/source-not-allowed`: a source's `repoURL` is not in the project's `sourceRepos` (globs,
  `!` negations), so Argo CD would refuse to sync it;
* `argocd/unresolved-child`: an app-of-apps root (an Application whose repo-local path is a
  directory of Application manifests) has a child file that does not parse or is not an Argo CD
  object. A cluster registration is a child too: a Secret labelled `argocd.argoproj.io/secret-type:
  cluster`, or an ExternalSecret templating one, registers the cluster its sibling Applications target.

Applications rendered by an app-of-apps Helm chart (`argocd_charts`) are checked like plain ones, on
the chart template that renders them, and so are those a kustomization builds differently from how a file
writes them (`argocd_kustomize`), on the kustomization file; an ApplicationSet whose generators resolve offline
(`argocd_generators`: list elements, git directories of this repository) is checked as the Applications
it expands to. Strings still templated (`{{ ... }}`) are not checked.
"""
from __future__ import annotations

import configparser
import fnmatch
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import yaml

from planforge.validate.argocd_charts import RenderedDocument, app_of_apps_charts, render_chart, sources_digest
from planforge.validate.argocd_generators import expand
from planforge.validate.argocd_kustomize import argo_kustomizations, build
from planforge.validate.kustomize import find_kustomization
from planforge.validate.argocd_objects import ArgoObject, ExpandedApplication, RenderedArgoObject
from planforge.validate.base import Check, Context, Document, Finding, Severity, Status, Target
from planforge.validate.inputs import OUTSIDE_HINT, OUTSIDE_ROOT, Bounds, InputError, walk
from planforge.validate.manifests import (
    MANIFEST_SUFFIXES,
    ManifestError,
    join_path,
    load_documents,
    safe_load,
)
from planforge.validate.manifests.objects import repository_objects

NAME = "argocd"
ARGO_KINDS = ("Application", "ApplicationSet", "AppProject")
# the label of a Secret that registers a cluster with Argo CD (declarative setup)
CLUSTER_SECRET_LABEL = "argocd.argoproj.io/secret-type"
# repoURLs that stand for "this repository" in templates and examples.
_PLACEHOLDER = re.compile(
    r"(<[^>]*>|\{\{|\$\{|example\.(com|org|net)|github\.com/(example|your-?org|org|owner|my-?org)/|"
    r"REPLACE|CHANGE-?ME|TODO)",
    re.I,
)
RULES = {
    "argocd/missing-path": "a source path (or Helm value file, or generator path) in this repository does not exist",
    "argocd/unknown-project": "the Application's project is not defined in the repository (nor `default`)",
    "argocd/destination-not-allowed": "the destination is not allowed by the project's destinations",
    "argocd/unpinned-chart": "a Helm chart source's targetRevision is not one exact version",
    "argocd/unresolved-child": "a child of an app-of-apps root does not parse or is not an Application",
    "argocd/source-not-allowed": "a source repoURL is not in the project's sourceRepos",
    "argocd/malformed": "an Argo CD object (or its project) does not have the shape of its kind: not checked",
}
_EXACT_VERSION = re.compile(r"^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")


# --- the repository's Argo CD objects ----------------------------------------------------------


@dataclass
class ArgoIndex:
    """Every Argo CD object in the repository, and what identifies the repository itself."""

    root: Path
    objects: list[ArgoObject] = field(default_factory=list)
    repo_urls: set[str] = field(default_factory=set)  # normalised URLs of this repository
    bounds: Bounds | None = None  # what may be read (default: `root`)

    def __post_init__(self) -> None:
        if self.bounds is None:
            self.bounds = Bounds.of([self.root])

    @property
    def projects(self) -> dict[str, ArgoObject]:
        return {o.name: o for o in self.objects if o.kind == "AppProject" and o.name}

    def is_repo_local(self, repo_url: Any) -> bool:
        if not isinstance(repo_url, str) or not repo_url:
            return False
        return is_placeholder_url(repo_url) or normalize_repo_url(repo_url) in self.repo_urls


def is_placeholder_url(url: str) -> bool:
    """A URL that stands for "this repository" in templates and examples (`<repo>`, `github.com/your-org/...`)."""
    return bool(_PLACEHOLDER.search(url))


def normalize_repo_url(url: str) -> str:
    """`git@github.com:Org/repo.git`, `https://github.com/org/repo/` -> `github.com/org/repo`."""
    url = url.strip()
    url = re.sub(r"^[a-z+]+://", "", url, flags=re.I)
    url = re.sub(r"^[^@/]+@", "", url)  # user@
    url = re.sub(r"^([^/:]+):(?!\d)", r"\1/", url)  # scp-like host:path
    url = re.sub(r"(\.git)?/*$", "", url)
    return url.lower()


def own_repo_urls(root: Path, bounds: Bounds | None = None) -> set[str]:
    """This repository's URL(s): `.planforge.yaml` `repo_url`, then git's `origin` remote (files the
    bounds refuse are not read)."""
    bounds = bounds or Bounds.of([root])
    urls: set[str] = set()
    try:
        config = safe_load(bounds.read_text(root / ".planforge.yaml")) or {}
        if isinstance(config, dict) and isinstance(config.get("repo_url"), str):
            urls.add(normalize_repo_url(config["repo_url"]))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, InputError):
        pass
    git_config = configparser.ConfigParser(strict=False)
    try:
        git_config.read_string(bounds.read_text(root / ".git" / "config", errors="replace"))
        origin = git_config.get('remote "origin"', "url", fallback=None)
    except (configparser.Error, OSError, InputError):
        origin = None
    if origin:
        urls.add(normalize_repo_url(origin))
    return urls


def load_index(ctx: Context, charts: list[Path] | None = None, kustomizations: list[Path] | None = None) -> ArgoIndex:
    """Find every Argo CD object among the repository's manifests, what its app-of-apps `charts` render and what
    its `kustomizations` build (default: every such chart and kustomization of the repository)."""
    index = ArgoIndex(ctx.root, repo_urls=own_repo_urls(ctx.root, ctx.bounds), bounds=ctx.bounds)
    index.objects.extend(repository_objects(ctx, ArgoObject, _is_argo, ("argoproj.io",)))
    plain = list(index.objects)
    for chart in app_of_apps_charts(ctx) if charts is None else charts:
        index.objects.extend(_rendered_object(rendered, chart, ctx) for rendered in render_chart(chart, ctx)
                             if _is_argo(rendered.doc.obj))
    for directory in argo_kustomizations(ctx) if kustomizations is None else kustomizations:
        index.objects.extend(_built_objects(directory, ctx, plain))
    return index


def _rendered_object(rendered: RenderedDocument, chart: Path, ctx: Context) -> RenderedArgoObject:
    try:
        text = ctx.bounds.read_text(rendered.template, errors="replace")
    except (OSError, InputError):
        text = ""
    return RenderedArgoObject(rendered.doc, rendered.template, rendered.doc.file, built_by=chart,
                              origin=rendered.origin, template_text=text)


def _built_objects(directory: Path, ctx: Context, plain: list[ArgoObject]) -> list[RenderedArgoObject]:
    """The Argo CD objects a kustomization builds that are not written as they are in a plain file (those are
    checked there already)."""
    written = [o.obj for o in plain]
    kustomization = find_kustomization(directory) or directory
    return [RenderedArgoObject(doc, kustomization, doc.file, built_by=directory, origin=doc.origin or "")
            for doc in build(directory, ctx) if _is_argo(doc.obj) and doc.obj not in written]


def _is_argo(obj: Any) -> bool:
    return any(_is_kind(obj, kind) for kind in ARGO_KINDS)


# --- checks ------------------------------------------------------------------------------------


def _templated(value: Any) -> bool:
    return isinstance(value, str) and ("{{" in value or "${" in value)


def is_exact_version(revision: Any) -> bool:
    """One exact chart version: `1.2.3`, `v1.2.3-rc.1`; not `*`, `^1.2`, `>=1 <2`, `1.x`, `HEAD`, ``."""
    return isinstance(revision, str) and bool(_EXACT_VERSION.match(revision.strip()))


def _sources(spec: dict[str, Any]) -> Iterator[tuple[list[str | int], dict[str, Any]]]:
    if isinstance(spec.get("source"), dict):
        yield ["source"], spec["source"]
    for i, source in enumerate(spec.get("sources") or []):
        if isinstance(source, dict):
            yield ["sources", i], source


def _dest_allowed(project: dict[str, Any], dest: dict[str, Any]) -> bool:
    """Argo CD's rule: some destination entry matches and no `!` entry matches."""
    entries = [d for d in ((project.get("spec") or {}).get("destinations") or []) if isinstance(d, dict)]

    def matches(pattern: Any, value: Any) -> bool:
        return not isinstance(pattern, str) or not isinstance(value, str) or fnmatch.fnmatchcase(value, pattern)

    allowed = denied = False
    for entry in entries:
        namespace = str(entry.get("namespace", ""))
        negated = namespace.startswith("!")
        ns_ok = matches(namespace.lstrip("!"), dest.get("namespace", ""))
        cluster_ok = (matches(entry.get("server"), dest.get("server")) if "server" in entry and "server" in dest
                      else matches(entry.get("name"), dest.get("name")))
        if negated and ns_ok and cluster_ok:
            denied = True
        elif not negated and ns_ok and cluster_ok:
            allowed = True
    return allowed and not denied


class ArgoCDValidator:
    """Cross-file semantic checks for Argo CD objects (one target per file with Applications)."""

    name = NAME

    def __init__(self) -> None:
        self._indexes: dict[Path, ArgoIndex] = {}
        self._renderers: dict[Path, tuple[list[Path], list[Path]]] = {}
        self._lock = threading.Lock()

    def renderers(self, ctx: Context) -> tuple[list[Path], list[Path]]:
        """The app-of-apps charts and the kustomizations building Argo CD objects of one validated root."""
        with self._lock:
            if ctx.root not in self._renderers:
                self._renderers[ctx.root] = (app_of_apps_charts(ctx), argo_kustomizations(ctx))
            return self._renderers[ctx.root]

    def index(self, ctx: Context) -> ArgoIndex:
        """The Argo CD objects of one validated root, plain and rendered, loaded once (targets may run in
        several threads). Discovery does not load it: rendering is for the first target that runs."""
        charts, kustomizations = self.renderers(ctx)
        with self._lock:
            if ctx.root not in self._indexes:
                self._indexes[ctx.root] = load_index(ctx, charts, kustomizations)
            return self._indexes[ctx.root]

    def discover(self, ctx: Context) -> list[Target]:
        """One target per file of Applications / ApplicationSets, one per app-of-apps chart and one per
        kustomization building Argo CD objects; each carries the digest of those charts' and kustomizations'
        files, so a cached result is not reused once what they render changes."""
        files: dict[Path, str] = {}
        for obj in repository_objects(ctx, ArgoObject, _is_argo, ("argoproj.io",)):
            if obj.kind in ("Application", "ApplicationSet"):
                files.setdefault(obj.path, obj.display)
        charts, kustomizations = self.renderers(ctx)
        extra = {"renders": sources_digest(charts + kustomizations, ctx)} if charts or kustomizations else {}
        targets = [Target(NAME, "argocd-manifest", path, display, dict(extra)) for path, display in sorted(files.items())]
        targets += [Target(NAME, "argocd-chart", chart, ctx.display(chart), dict(extra)) for chart in charts]
        return targets + [Target(NAME, "argocd-kustomization", directory, ctx.display(directory), dict(extra))
                          for directory in kustomizations]

    def run(self, target: Target, ctx: Context) -> list[Check]:
        start = time.monotonic()
        index = self.index(ctx)
        findings: list[Finding] = []
        for obj in index.objects:
            mine = obj.built_by == target.path if isinstance(obj, RenderedArgoObject) else obj.path == target.path
            if mine and obj.kind in ("Application", "ApplicationSet"):
                try:
                    findings.extend(check_application(obj, index))
                except (AttributeError, TypeError, ValueError):  # a field of the wrong type, here or in its project
                    findings.append(Finding(
                        NAME, "argocd/malformed", Severity.ERROR,
                        f"{obj.label}: its fields (or its AppProject's) do not have the types of the Argo CD "
                        "CRD, so its semantic checks were not run", obj.display, obj.line_of(["spec"]),
                        hint="fix the schemas findings of this object and of its AppProject",
                        doc_index=obj.doc.doc_index))
        findings = list({(f.rule, f.file, f.line, f.message): f for f in findings}.values())  # one per values set
        status = Status.FAILED if any(f.severity is Severity.ERROR for f in findings) else Status.PASSED
        return [Check(NAME, "semantics", target.display, status, findings, time.monotonic() - start, "planforge")]


def check_application(app: ArgoObject, index: ArgoIndex) -> list[Finding]:
    """Every semantic check on one Application (or an ApplicationSet: its git generators, and the Applications
    its template expands to when its generators resolve offline, else its template as written)."""
    if app.kind != "ApplicationSet":
        return _check_app_spec(app, index)
    findings = check_git_generators(app, index)
    expanded = expand(app.obj, index.root, index.bounds, index.is_repo_local)
    if expanded is None:
        return findings + _check_app_spec(app, index)
    for params, template in expanded:
        application = {"apiVersion": app.obj.get("apiVersion"), "kind": "Application",
                       "metadata": template.get("metadata") or {}, "spec": template.get("spec")}
        findings += _check_app_spec(ExpandedApplication(app.doc, app.path, app.display, appset=app,
                                                        application=application, params=params), index)
    return findings


def _generators(generators: Any, path: list[str | int]) -> Iterator[tuple[list[str | int], dict[str, Any]]]:
    """Every generator with its path, including those nested in matrix / merge generators."""
    for i, gen in enumerate(generators if isinstance(generators, list) else []):
        if not isinstance(gen, dict):
            continue
        yield path + [i], gen
        for combinator in ("matrix", "merge"):
            nested = gen.get(combinator)
            if isinstance(nested, dict):
                yield from _generators(nested.get("generators"), path + [i, combinator, "generators"])


def check_git_generators(app: ArgoObject, index: ArgoIndex) -> list[Finding]:
    """`argocd/missing-path`: a git generator on this repository whose directory / file globs match nothing."""
    findings = []
    spec = app.obj.get("spec") or {}
    for where, gen in _generators(spec.get("generators"), ["spec", "generators"]):
        git = gen.get("git")
        if not isinstance(git, dict) or not index.is_repo_local(git.get("repoURL")):
            continue
        for field_name, want_dir in (("directories", True), ("files", False)):
            for j, entry in enumerate(git.get(field_name) or []):
                pattern = entry.get("path") if isinstance(entry, dict) else None
                if not isinstance(pattern, str) or _templated(pattern) or entry.get("exclude"):
                    continue
                hits = [p for p in index.root.glob(pattern.strip("/"))
                        if index.bounds.inside(p) and (p.is_dir() if want_dir else p.is_file())]
                if not hits:
                    path = where + ["git", field_name, j, "path"]
                    findings.append(Finding(
                        NAME, "argocd/missing-path", Severity.ERROR,
                        f"{app.label}: git generator {field_name} path {pattern!r} matches nothing "
                        "in this repository", app.display, app.line_of(path),
                        hint="fix the glob (relative to the repository root) or create the directories",
                        json_path=join_path(path)))
    return findings


def _check_app_spec(app: ArgoObject, index: ArgoIndex) -> list[Finding]:
    if app.kind == "ApplicationSet":
        prefix: list[str | int] = ["spec", "template", "spec"]
        spec = ((app.obj.get("spec") or {}).get("template") or {}).get("spec")
    else:
        prefix, spec = ["spec"], app.obj.get("spec")
    if not isinstance(spec, dict):
        return []  # the schema check reports a missing spec
    def finding(rule: str, message: str, path: list[str | int], hint: str, **extra: Any) -> Finding:
        return Finding(NAME, rule, Severity.ERROR, f"{app.label}: {message}", app.display, app.line_of(prefix + path),
                       hint=hint, json_path=join_path(app.where(prefix + path)), **extra)

    findings: list[Finding] = []
    sources = list(_sources(spec))
    refs = {src["ref"]: src for _, src in sources if isinstance(src.get("ref"), str)}
    for where, source in sources:
        findings.extend(_check_source(app, index, source, where, finding))
        findings.extend(_check_value_files(index, source, where, refs, finding))

    project_name = spec.get("project")
    project = index.projects.get(project_name) if isinstance(project_name, str) else None
    if isinstance(project_name, str) and not _templated(project_name) and project_name != "default" and project is None:
        known = ", ".join(sorted(index.projects)) or "none"
        findings.append(finding("argocd/unknown-project",
                                f"project {project_name!r} is not defined in the repository (AppProjects: {known})",
                                ["project"], "add an AppProject with this name, or use an existing project"))
    dest = spec.get("destination")
    if project is not None and isinstance(dest, dict) and not any(_templated(v) for v in dest.values()):
        if not _dest_allowed(project.obj, dest):
            target = dest.get("namespace") or "(no namespace)"
            findings.append(finding(
                "argocd/destination-not-allowed",
                f"destination {dest.get('server') or dest.get('name')} namespace {target!r} is not allowed by "
                f"AppProject {project.name!r} ({project.display})",
                ["destination", "namespace"] if "namespace" in dest else ["destination"],
                f"add the namespace to spec.destinations of AppProject {project.name!r} or change the destination"))
    if project is not None:
        for where, source in sources:
            repo_url = source.get("repoURL")
            if isinstance(repo_url, str) and not _PLACEHOLDER.search(repo_url) and \
                    not _source_allowed(project.obj, repo_url):
                findings.append(finding(
                    "argocd/source-not-allowed",
                    f"repoURL {repo_url!r} is not in the sourceRepos of AppProject {project.name!r} ({project.display})",
                    where + ["repoURL"],
                    f"add the repository to spec.sourceRepos of AppProject {project.name!r} or use another project"))
    return findings


def _source_allowed(project: dict[str, Any], repo_url: str) -> bool:
    """Argo CD's rule for `sourceRepos`: some pattern matches (after URL normalisation) and no `!` one does."""
    patterns = [p for p in ((project.get("spec") or {}).get("sourceRepos") or []) if isinstance(p, str)]

    def matches(pattern: str) -> bool:
        return fnmatch.fnmatchcase(repo_url, pattern) or \
            fnmatch.fnmatchcase(normalize_repo_url(repo_url), normalize_repo_url(pattern))

    denied = any(matches(p[1:]) for p in patterns if p.startswith("!"))
    return not denied and any(matches(p) for p in patterns if not p.startswith("!"))


def _check_source(app: ArgoObject, index: ArgoIndex, source: dict[str, Any], where: list[str | int],
                  finding: Callable[..., Finding]) -> list[Finding]:
    findings: list[Finding] = []
    if "chart" in source:
        revision = source.get("targetRevision")
        if not _templated(revision) and not is_exact_version(revision):
            shown = "missing" if revision in (None, "") else repr(revision)
            findings.append(finding(
                "argocd/unpinned-chart",
                f"Helm chart {source.get('chart')!r} targetRevision is {shown}, not an exact version",
                where + (["targetRevision"] if "targetRevision" in source else ["chart"]),
                "pin targetRevision to one released chart version, e.g. 1.2.3"))
        return findings
    path = source.get("path")
    if not isinstance(path, str) or _templated(path) or not index.is_repo_local(source.get("repoURL")):
        return findings
    directory = (index.root / path).resolve()
    if not index.bounds.inside(directory):
        findings.append(finding(OUTSIDE_ROOT, f"source path {path!r} resolves outside the validated paths: not read",
                                where + ["path"], OUTSIDE_HINT))
        return findings
    if not directory.is_dir():
        findings.append(finding(
            "argocd/missing-path", f"source path {path!r} does not exist in this repository",
            where + ["path"], "create the directory or fix source.path (relative to the repository root)"))
        return findings
    findings.extend(check_children(app, index, source, directory))
    return findings


def _check_value_files(index: ArgoIndex, source: dict[str, Any], where: list[str | int],
                       refs: dict[str, dict[str, Any]], finding: Callable[..., Finding]) -> list[Finding]:
    """`helm.valueFiles` that live in this repository exist: relative to a repo-local `path`, or
    `$ref/...` through a `ref` source on this repository."""
    helm = source.get("helm")
    if not isinstance(helm, dict) or helm.get("ignoreMissingValueFiles"):
        return []
    findings = []
    for i, value_file in enumerate(helm.get("valueFiles") or []):
        if not isinstance(value_file, str) or _templated(value_file) or "://" in value_file:
            continue
        if value_file.startswith("$"):
            ref, _, rest = value_file[1:].partition("/")
            ref_source = refs.get(ref)
            if ref_source is None or not index.is_repo_local(ref_source.get("repoURL")):
                continue
            file = index.root / rest
        elif isinstance(source.get("path"), str) and index.is_repo_local(source.get("repoURL")):
            file = index.root / source["path"] / value_file
        else:
            continue
        if not index.bounds.inside(file):
            findings.append(finding(OUTSIDE_ROOT, f"Helm value file {value_file!r} resolves outside the validated "
                                    "paths: not read", where + ["helm", "valueFiles", i], OUTSIDE_HINT))
        elif not file.is_file():
            findings.append(finding(
                "argocd/missing-path", f"Helm value file {value_file!r} does not exist in this repository",
                where + ["helm", "valueFiles", i],
                "create the values file or fix the entry (relative to the source path; `$ref/` from the "
                "repository root)"))
    return findings


def check_children(app: ArgoObject, index: ArgoIndex, source: dict[str, Any], directory: Path) -> list[Finding]:
    """App-of-apps: when `directory` holds Application manifests, every manifest there must be an Argo CD object."""
    if any((directory / n).is_file() for n in ("kustomization.yaml", "kustomization.yml", "Kustomization",
                                                "Chart.yaml")):
        return []  # built by kustomize / helm: the kustomize and helm validators render it
    options = source.get("directory") if isinstance(source.get("directory"), dict) else {}
    below = ([Path(d, f) for d, _, names in walk(directory) for f in names] if options.get("recurse")
             else list(directory.glob("*")))
    files = sorted(p for p in below if p.is_file() and p.suffix in MANIFEST_SUFFIXES)
    files = [p for p in files if _directory_selects(options, p.relative_to(directory).as_posix())]
    parsed: list[tuple[str, list[Document], ManifestError | None]] = []
    for child in files:
        display = _display(index.root, child)
        try:
            parsed.append((display, [d for d in load_documents(child, display=display, bounds=index.bounds)
                                     if d.obj is not None], None))
        except ManifestError as exc:
            parsed.append((display, [], exc))
    if not any(_is_kind(d.obj, "Application") for _, docs, _ in parsed for d in docs):
        return []  # a plain manifests directory, not an app-of-apps root
    findings = []
    parent = f"{app.label} ({app.display})"
    for display, docs, error in parsed:
        if error is not None and error.rule:  # refused: outside the validated paths, not a regular file, ...
            findings.append(Finding(NAME if not error.rule.startswith("input/") else "input", error.rule,
                                    Severity.ERROR, error.message, display, error.line, hint=error.hint))
        elif error is not None:
            findings.append(Finding(
                NAME, "argocd/unresolved-child", Severity.ERROR,
                f"child of app-of-apps {parent} does not parse: {error.message}", display, error.line,
                hint="fix the YAML so Argo CD can read this Application"))
        for doc in docs:
            if not any(_is_kind(doc.obj, kind) for kind in ARGO_KINDS) and not _registers_cluster(doc.obj):
                kind = doc.obj.get("kind") if isinstance(doc.obj, dict) else type(doc.obj).__name__
                findings.append(Finding(
                    NAME, "argocd/unresolved-child", Severity.ERROR,
                    f"child of app-of-apps {parent} is a {kind}, not an Argo CD Application", display, doc.line,
                    hint="keep only Application manifests in an app-of-apps directory; move other objects "
                         "to the path of a child Application", doc_index=doc.doc_index))
            elif not (doc.obj.get("metadata") or {}).get("name"):
                findings.append(Finding(
                    NAME, "argocd/unresolved-child", Severity.ERROR,
                    f"child of app-of-apps {parent} has no metadata.name", display, doc.line,
                    hint="give the child Application a metadata.name", doc_index=doc.doc_index))
    return findings


def _directory_selects(options: dict[str, Any], relative: str) -> bool:
    """Argo CD's `directory.include` / `directory.exclude` globs (`{a,b}` alternatives allowed)."""
    def globs(value: Any) -> list[str]:
        text = str(value or "").strip()
        if text.startswith("{") and text.endswith("}"):
            return [g.strip() for g in text[1:-1].split(",") if g.strip()]
        return [text] if text else []

    name = relative.rsplit("/", 1)[-1]

    def hit(patterns: list[str]) -> bool:
        return any(fnmatch.fnmatchcase(relative, p) or fnmatch.fnmatchcase(name, p) for p in patterns)

    include, exclude = globs(options.get("include")), globs(options.get("exclude"))
    return (not include or hit(include)) and not hit(exclude)


def _registers_cluster(obj: Any) -> bool:
    """An Argo CD cluster Secret, or an ExternalSecret whose target template is one."""
    if not isinstance(obj, dict):
        return False
    if obj.get("kind") == "Secret" and obj.get("apiVersion") == "v1":
        labels = (obj.get("metadata") or {}).get("labels") or {}
    elif obj.get("kind") == "ExternalSecret" and str(obj.get("apiVersion", "")).startswith("external-secrets.io/"):
        template = (((obj.get("spec") or {}).get("target") or {}).get("template") or {})
        labels = (template.get("metadata") or {}).get("labels") or {} if isinstance(template, dict) else {}
    else:
        return False
    return isinstance(labels, dict) and labels.get(CLUSTER_SECRET_LABEL) == "cluster"


def _is_kind(obj: Any, kind: str) -> bool:
    return isinstance(obj, dict) and obj.get("kind") == kind and str(obj.get("apiVersion", "")).startswith("argoproj.io/")


def _display(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


__all__ = ["ArgoCDValidator", "ArgoIndex", "ArgoObject", "check_application", "is_exact_version",
           "is_placeholder_url", "load_index", "normalize_repo_url", "own_repo_urls"]

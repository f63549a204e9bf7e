"""`wiring/duplicate-gitops-object`: two GitOps objects with the same namespace and name synced to one cluster, so
one overwrites the other (Argo CD flips the Application between both definitions, Flux applies the last one):

* Argo CD: Applications reachable from one root Application (an app-of-apps or bootstrap no other Application
  syncs) through sources of this repository (`path`, `directory.recurse`/`include`/`exclude`, a kustomization);
* Flux: Kustomizations and HelmReleases one cluster directory (a directory right under `clusters/`, or one holding
  the `flux-system/` that `flux bootstrap` commits) applies, directly or through the Kustomizations it applies."""
from __future__ import annotations

import fnmatch
import re
from pathlib import Path
from typing import Any, Iterator

from planforge.validate.argocd import is_placeholder_url, normalize_repo_url, own_repo_urls
from planforge.validate.base import Finding
from planforge.validate.flux.clusters import applied_files, kustomization_file
from planforge.validate.manifests import line_of_path
from planforge.validate.manifests.discovery import MANIFEST_SUFFIXES
from planforge.validate.wiring.gitops import kustomization_files
from planforge.validate.wiring.repo import K8sObject, Repository

RULE = "wiring/duplicate-gitops-object"
_FLUX_KINDS = ("Kustomization", "HelmRelease")
_BRACES = re.compile(r"\{([^{}]*)\}")


def _expand(pattern: str) -> list[str]:
    """Argo CD's `{a,b}` alternatives of a directory include/exclude pattern."""
    match = _BRACES.search(pattern)
    if match is None:
        return [pattern]
    return [x for choice in match.group(1).split(",")
            for x in _expand(pattern[:match.start()] + choice + pattern[match.end():])]


def _matches(relative: str, pattern: Any) -> bool:
    return isinstance(pattern, str) and any(fnmatch.fnmatchcase(relative, p) for p in _expand(pattern) if p)


def _directory_files(repo: Repository, manifests: list[Path], directory: Path, source: dict[str, Any]) -> set[Path]:
    """The files an Argo CD directory source applies: a kustomization's, else the `manifests` of the directory
    (below it with `recurse`), filtered by `include` and `exclude`."""
    assert repo.bounds is not None
    if kustomization_file(directory) is not None:
        return applied_files(directory, repo.bounds)
    options = source.get("directory") if isinstance(source.get("directory"), dict) else {}
    recurse = options.get("recurse") is True
    files = set()
    for path in manifests:
        if not path.is_relative_to(directory) or (not recurse and path.parent != directory):
            continue
        relative = path.relative_to(directory).as_posix()
        if (not options.get("include") or _matches(relative, options.get("include"))) and \
                not _matches(relative, options.get("exclude")):
            files.add(path)
    return files


def _synced_files(repo: Repository, manifests: list[Path], app: K8sObject, own: set[str]) -> set[Path]:
    """The files of this repository an Application's sources apply."""
    files: set[Path] = set()
    root = repo.root.resolve()
    for _where, source in app.sources():
        url, path = source.get("repoURL"), source.get("path")
        if not isinstance(url, str) or not isinstance(path, str) or "chart" in source:
            continue
        directory = (root / path.lstrip("/")).resolve()
        local = is_placeholder_url(url) or normalize_repo_url(url) in own or not own
        if local and directory.is_dir() and directory.is_relative_to(root):
            files |= _directory_files(repo, manifests, directory, source)
    return files


def _argo_scopes(repo: Repository) -> Iterator[tuple[K8sObject, list[K8sObject]]]:
    """(root Application, the Applications it syncs directly or through other Applications)."""
    apps = [a for a in repo.of_kind("Application") if a.group == "argoproj.io"]
    own = own_repo_urls(repo.root, repo.bounds)
    manifests = [p.resolve() for p in repo.files if p.suffix in MANIFEST_SUFFIXES] if apps else []
    by_file: dict[Path, list[K8sObject]] = {}
    for app in apps:
        by_file.setdefault(app.path, []).append(app)
    children = {id(a): [c for f in sorted(_synced_files(repo, manifests, a, own)) for c in by_file.get(f, [])
                        if c is not a] for a in apps}
    reached = {id(c) for found in children.values() for c in found}
    for root in (a for a in apps if id(a) not in reached and children[id(a)]):
        scope, todo, seen = [], [root], {id(root)}
        while todo:
            for child in children[id(todo.pop())]:
                if id(child) not in seen:
                    seen.add(id(child))
                    scope.append(child)
                    todo.append(child)
        yield root, scope


def _namespace(obj: K8sObject) -> str:
    namespace = obj.meta("namespace")
    return namespace if isinstance(namespace, str) else ",".join(sorted(obj.namespaces))


def _duplicates(objects: list[K8sObject], scope: str) -> list[Finding]:
    first: dict[tuple[str, str, str], K8sObject] = {}
    findings = []
    for obj in sorted(objects, key=lambda o: (o.display, o.doc.doc_index)):
        if obj.name is None:
            continue
        key = (obj.kind, _namespace(obj), obj.name)
        if key not in first:
            first[key] = obj
            continue
        other = first[key]
        line = line_of_path(other.doc, "metadata.name") or other.doc.line or 1
        findings.append(obj.finding(
            RULE, f"also defined in {other.display}:{line}; both are synced by {scope}: one "
            "overwrites the other", ["metadata", "name"],
            f"rename one of them (or remove the copy) so that each {obj.kind} of the cluster has its own name"))
    return findings


def _cluster_directories(repo: Repository) -> list[Path]:
    """The directories `flux bootstrap --path` points at: right under `clusters/`, or holding `flux-system/`."""
    root = repo.root.resolve()
    found = set()
    for path in (p.resolve() for p in repo.files):
        parts = path.relative_to(root).parts if path.is_relative_to(root) else ()
        found.update(root.joinpath(*parts[:i + 2]) for i, part in enumerate(parts[:-2]) if part == "clusters")
        found.update(root.joinpath(*parts[:i]) for i, part in enumerate(parts[:-1]) if part == "flux-system" and i)
    return sorted(found)


def reads_this_repository(repo: Repository, kustomization: K8sObject, own: set[str]) -> bool:
    """Whether a Flux Kustomization applies a path of this repository: its source is `flux-system` (the
    GitRepository `flux bootstrap` writes for this repository), a GitRepository this repository does not define, or
    one it defines with one of its own URLs (or a placeholder); a tenant's GitRepository of another repository or
    branch, an OCI or bucket source is not."""
    ref = kustomization.field(["spec", "sourceRef"])
    if not isinstance(ref, dict) or ref.get("kind", "GitRepository") != "GitRepository":
        return False
    if ref.get("name") == "flux-system":
        return True
    namespace = ref.get("namespace") or kustomization.meta("namespace")
    sources = [s for s in repo.of_kind("GitRepository") if s.group.endswith(".toolkit.fluxcd.io")
               and s.name == ref.get("name") and s.meta("namespace") in (namespace, None)]
    urls = [s.field(["spec", "url"]) for s in sources]
    return not sources or any(isinstance(u, str) and (is_placeholder_url(u) or normalize_repo_url(u) in own)
                              for u in urls)


def _flux_scope(repo: Repository, directory: Path) -> list[K8sObject]:
    """The Kustomizations and HelmReleases a cluster directory applies, directly or through Kustomizations that
    read this repository."""
    assert repo.bounds is not None
    own = own_repo_urls(repo.root, repo.bounds)
    files, todo, done = set(), [applied_files(directory, repo.bounds)], set()
    while todo:
        new = todo.pop() - files
        files |= new
        for obj in (o for o in repo.objects if o.path in new and o.group.endswith(".toolkit.fluxcd.io")):
            if obj.kind == "Kustomization" and id(obj) not in done and reads_this_repository(repo, obj, own):
                done.add(id(obj))
                todo.append(kustomization_files(repo, obj))
    return [o for o in repo.objects if o.path in files and o.kind in _FLUX_KINDS and
            o.group.endswith(".toolkit.fluxcd.io")]


def check_duplicates(repo: Repository) -> list[Finding]:
    findings = []
    for root, scope in _argo_scopes(repo):
        findings += _duplicates(scope, f"Application {root.name} ({root.display})")
    if any(o.group.endswith(".toolkit.fluxcd.io") for o in repo.objects):
        for directory in _cluster_directories(repo):
            findings += _duplicates(_flux_scope(repo, directory), f"the cluster directory "
                                    f"{directory.relative_to(repo.root.resolve())}/")
    return findings

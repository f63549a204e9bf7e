"""GitOps ordering (CRDs installed before the resources that use them) and privilege (application-level
AppProjects, production revisions)."""
from __future__ import annotations

import fnmatch
import re
from pathlib import Path
from typing import Any

from planforge.validate.argocd import is_exact_version
from planforge.validate.base import Finding
from planforge.validate.flux.clusters import applied_files
from planforge.validate.flux.rules import vocabulary as flux_vocabulary
from planforge.validate.wiring.identity import deployed_components
from planforge.validate.wiring.repo import K8sObject, Repository
from planforge.validate.wiring.rules import crd_owner, vocabulary

SKIP_DRY_RUN = "SkipDryRunOnMissingResource=true"
WAVE = "argocd.argoproj.io/sync-wave"
ARGO_SELF = ("argo-cd",)  # Argo CD's own CRDs exist before any Application syncs
_COMMIT = re.compile(r"^[0-9a-f]{7,40}$")


def _wave(obj: K8sObject) -> int:
    try:
        return int(str(obj.annotations().get(WAVE, "0")).strip())
    except ValueError:
        return 0


def _local_paths(obj: K8sObject, root: Path) -> list[Path]:
    """Directories of this repository an Application's git sources deploy."""
    found = []
    for _where, source in obj.sources():
        if isinstance(source.get("path"), str) and not source.get("chart"):
            directory = (root / source["path"].lstrip("/")).resolve()
            if directory.is_dir():
                found.append(directory)
    return found


def _skips_dry_run(*objects: K8sObject) -> bool:
    for obj in objects:
        options = obj.field(["spec", "syncPolicy", "syncOptions"]) or []
        if SKIP_DRY_RUN in options or SKIP_DRY_RUN in str(obj.annotations().get("argocd.argoproj.io/sync-options", "")):
            return True
    return False


def check_argocd_order(repo: Repository) -> list[Finding]:
    """`wiring/crd-order` for Argo CD: the Application installing a CRD syncs in an earlier wave."""
    installers = [(obj, component) for obj, component, _p, _v in deployed_components(repo) if obj.kind == "Application"]
    by_file: dict[Path, list[K8sObject]] = {}
    for obj in repo.objects:
        by_file.setdefault(obj.path, []).append(obj)
    findings = []
    for app in repo.of_kind("Application"):
        files: set[Path] = set()
        for directory in _local_paths(app, repo.root):
            files |= applied_files(directory, repo.bounds)
        reported: set[str] = set()
        for resource in (r for f in sorted(files) for r in by_file.get(f, [])):
            owner = crd_owner(resource.obj.get("apiVersion"), resource.kind)
            if owner is None or owner.chart in ARGO_SELF or _skips_dry_run(app, resource) or resource.kind in reported:
                continue
            siblings = [o for o, c in installers if c is owner and o is not app and o.path.parent == app.path.parent]
            late = [o for o in siblings if _wave(o) >= _wave(app)]
            if late:
                reported.add(resource.kind)
                findings.append(app.finding(
                    "wiring/crd-order", f"syncs {resource.kind} ({resource.display}) at wave {_wave(app)}, but its CRD "
                    f"comes from {late[0].label} ({late[0].display}) at wave {_wave(late[0])}: the first sync fails",
                    ["metadata", "annotations"], f"give {app.name} a later sync wave than {late[0].name} (e.g. "
                    f"{_wave(late[0]) + 1}), or add syncOptions {SKIP_DRY_RUN}"))
    return findings


def kustomization_files(repo: Repository, kustomization: K8sObject) -> set[Path]:
    """The files a Flux Kustomization of this repository applies (its `spec.path`)."""
    path = kustomization.field(["spec", "path"])
    if not isinstance(path, str) or "${" in path:
        return set()
    return applied_files(repo.root / path.lstrip("/"), repo.bounds)


def check_flux_order(repo: Repository) -> list[Finding]:
    """`wiring/crd-order` for Flux: the Kustomization applying a custom resource dependsOn (transitively) the
    one applying the HelmRelease that installs its CRD."""
    kustomizations = [k for k in repo.of_kind("Kustomization") if k.group.endswith(".toolkit.fluxcd.io")]
    applies = {id(k): kustomization_files(repo, k) for k in kustomizations}
    releases = [(o, c) for o, c, _p, _v in deployed_components(repo) if o.kind == "HelmRelease"]
    by_name = {k.name: k for k in kustomizations}
    findings = []
    for kustomization in kustomizations:
        ancestors = _depends(kustomization, by_name)
        for resource in (o for o in repo.objects if o.path in applies[id(kustomization)]):
            owner = crd_owner(resource.obj.get("apiVersion"), resource.kind)
            installers = [k for release, c in releases if c is owner
                          for k in kustomizations if release.path in applies[id(k)]]
            if owner is None or not installers or any(k.name in ancestors for k in installers if k is not kustomization):
                continue
            if any(k is kustomization for k in installers):
                message = (f"applies {resource.kind} ({resource.display}) together with the HelmRelease that installs "
                           f"its CRD ({owner.chart}): the dry-run of {resource.kind} fails before the chart is installed")
                hint = "move the custom resources to another Kustomization that dependsOn this one"
            else:
                message = (f"applies {resource.kind} ({resource.display}) but does not dependsOn "
                           f"{installers[0].label}, which installs its CRD ({owner.chart})")
                hint = f"add dependsOn: [{{name: {installers[0].name}}}]"
            findings.append(kustomization.finding("wiring/crd-order", message, ["spec", "dependsOn"], hint))
            break
    return findings


def _depends(kustomization: K8sObject, by_name: dict[str | None, K8sObject]) -> set[str]:
    seen: set[str] = set()
    todo = [kustomization]
    while todo:
        for entry in todo.pop().field(["spec", "dependsOn"]) or []:
            name = entry.get("name") if isinstance(entry, dict) else None
            if isinstance(name, str) and name not in seen:
                seen.add(name)
                if name in by_name:
                    todo.append(by_name[name])
    return seen


def _is_platform(project: K8sObject) -> bool:
    name = (project.name or "").lower()
    return any(word in re.split(r"[-_.]", name) for word in vocabulary().platform_project_words)


def check_projects(repo: Repository) -> list[Finding]:
    """`wiring/appproject-privilege`."""
    words = vocabulary()
    findings = []
    for app in repo.of_kind("Application", "ApplicationSet"):
        where = ["spec", "template", "spec", "project"] if app.kind == "ApplicationSet" else ["spec", "project"]
        if app.field(where) == "default":
            findings.append(app.finding(
                "wiring/appproject-privilege", "runs in project 'default', which allows every source, destination and "
                "kind (cluster-scoped ones included)", where,
                "give it a dedicated AppProject: only this repository, only the namespaces and kinds it deploys"))
    for project in repo.of_kind("AppProject"):
        if _is_platform(project):
            continue
        for index, dest in enumerate(project.field(["spec", "destinations"]) or []):
            pattern = dest.get("namespace") if isinstance(dest, dict) else None
            hit = [ns for ns in sorted(words.controller_namespaces) if isinstance(pattern, str)
                   and not pattern.startswith("!") and fnmatch.fnmatchcase(ns, pattern)]
            if hit:
                findings.append(project.finding(
                    "wiring/appproject-privilege", f"may deploy into {hit[0]}, the GitOps controller's namespace: "
                    "its applications could create Applications and AppProjects (privilege escalation)",
                    ["spec", "destinations", index, "namespace"],
                    f"list the application's own namespaces only (never {hit[0]} or '*')"))
        for field in ("namespaceResourceWhitelist", "clusterResourceWhitelist"):
            for index, entry in enumerate(project.field(["spec", field]) or []):
                if not isinstance(entry, dict):
                    continue
                if entry.get("group") in ("argoproj.io", "*") and (entry.get("kind") in words.gitops_kinds
                                                                   or entry.get("kind") == "*"):
                    findings.append(project.finding(
                        "wiring/appproject-privilege", f"{field} allows {entry.get('group')}/{entry.get('kind')}: its "
                        "applications could create Applications or AppProjects", ["spec", field, index],
                        "whitelist only the kinds the application deploys (never argoproj.io kinds)"))
    return findings


def _argocd_only_projects(repo: Repository) -> set[str]:
    """AppProjects that may create Argo CD Applications and AppProjects and nothing else (no cluster-scoped kind): an
    Application of one (a bootstrap, an app-of-apps) delivers no workload, so its revision is not what reaches
    production; the Applications it creates are, and they are checked themselves."""
    names, wider = set(), set()
    for project in repo.of_kind("AppProject"):
        allowed = project.field(["spec", "namespaceResourceWhitelist"])
        if project.field(["spec", "clusterResourceWhitelist"]) == [] and isinstance(allowed, list) and allowed and all(
                isinstance(entry, dict) and entry.get("group") == "argoproj.io" and entry.get("kind") in
                ("Application", "AppProject") for entry in allowed):
            names.add(project.name or "")
        else:
            wider.add(project.name or "")  # one file of several declaring the project lets it deploy more
    return names - wider - {""}


def _is_production(obj: K8sObject, *texts: Any) -> bool:
    words = vocabulary().prod_environments
    tokens = set(re.split(r"[^a-z0-9]+", " ".join([obj.name or "", obj.display, *map(str, texts)]).lower()))
    return bool(tokens & words)


def _pinned(revision: Any) -> bool:
    if not isinstance(revision, str) or not revision.strip():
        return False
    revision = revision.strip()
    if revision in vocabulary().moving_revisions:
        return False
    return is_exact_version(revision) or bool(_COMMIT.match(revision)) or bool(re.match(r"^v?\d+(\.\d+)*", revision))


def _written_by_bootstrap(source: K8sObject) -> bool:
    """The GitRepository `flux bootstrap` writes (flux-system/flux-system in gotk-sync.yaml). It follows the
    branch bootstrap ran on by design: it is how the cluster reads its own directory of this repository, so
    changes reach production through review on that branch, and every `flux bootstrap` rewrites it."""
    words = flux_vocabulary()
    return source.path.name == words.bootstrap_sync_file and \
        (source.field(["metadata", "namespace"]), source.name) == words.bootstrap_source


def check_revisions(repo: Repository) -> list[Finding]:
    """`wiring/unpinned-production`: Argo CD git sources and Flux GitRepositories of production."""
    findings = []
    delivers_argocd_only = _argocd_only_projects(repo)
    for app in repo.of_kind("Application"):
        if app.field(["spec", "project"]) in delivers_argocd_only:
            continue
        for where, source in app.sources():
            if source.get("chart") or not _is_production(app, source.get("path", "")):
                continue
            revision = source.get("targetRevision")
            if not _pinned(revision):
                findings.append(app.finding(
                    "wiring/unpinned-production", f"a production source follows {revision or 'HEAD'!r}, a moving "
                    "branch: every push reaches production unreviewed", where + ["targetRevision"],
                    "set targetRevision to a release tag (e.g. v1.4.0) or a commit SHA, promoted from staging"))
    for source in repo.of_kind("GitRepository"):
        ref = source.field(["spec", "ref"]) or {}
        if not _is_production(source) or _written_by_bootstrap(source) or \
                any(k in ref for k in ("tag", "semver", "commit", "name")):
            continue
        findings.append(source.finding(
            "wiring/unpinned-production", f"a production source follows branch {ref.get('branch', 'the default')!r}",
            ["spec", "ref"], "set spec.ref.tag (or semver, commit) instead of a branch"))
    return findings

"""`wiring/appproject-kind-denied`: an Argo CD Application syncs a cluster-scoped object its AppProject does not
permit. Argo CD refuses the whole sync ("resource ... is not permitted in project"), so nothing of the Application
is applied. Read: the objects of the files each Application's local sources apply (a kustomization's references,
else the directory's manifests, recursively only with `directory.recurse`), the AppProject of the same name in the
repository, and which kinds are cluster-scoped (`data/wiring.yaml` `cluster_scoped_kinds`). A project lets a
cluster-scoped object through when an entry of `clusterResourceWhitelist` matches its group and kind (globs) and
none of `clusterResourceBlacklist` does; without a whitelist it lets none through."""
from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Any

from planforge.validate.base import Finding
from planforge.validate.flux.clusters import applied_files, kustomization_file
from planforge.validate.manifests import MANIFEST_SUFFIXES
from planforge.validate.wiring.repo import K8sObject, Repository
from planforge.validate.wiring.rules import vocabulary

RULE = "wiring/appproject-kind-denied"


def _synced_files(app: K8sObject, repo: Repository) -> set[Path]:
    """The files of this repository an Application's git sources apply."""
    files: set[Path] = set()
    for _where, source in app.sources():
        path = source.get("path")
        if not isinstance(path, str) or source.get("chart") or "{{" in path:
            continue
        directory = (repo.root / path.lstrip("/")).resolve()
        if not directory.is_dir() or not repo.bounds.inside(directory):
            continue
        options = source.get("directory")
        if kustomization_file(directory) is not None or isinstance(options, dict) and options.get("recurse") is True:
            files |= applied_files(directory, repo.bounds)
        else:
            files |= {entry.resolve() for entry in directory.iterdir()
                      if entry.is_file() and entry.suffix in MANIFEST_SUFFIXES and repo.bounds.inside(entry)}
    return files


def _matches(entries: Any, group: str, kind: str) -> bool:
    return isinstance(entries, list) and any(
        isinstance(e, dict) and fnmatch.fnmatchcase(group, str(e.get("group", "")))
        and fnmatch.fnmatchcase(kind, str(e.get("kind", ""))) for e in entries)


def _permits(project: K8sObject, group: str, kind: str) -> bool:
    spec = project.field(["spec"]) or {}
    return _matches(spec.get("clusterResourceWhitelist"), group, kind) and not _matches(
        spec.get("clusterResourceBlacklist"), group, kind)


def check_project_kinds(repo: Repository) -> list[Finding]:
    cluster_scoped = vocabulary().cluster_scoped_kinds
    projects: dict[str | None, list[K8sObject]] = {}
    for project in repo.of_kind("AppProject"):
        if project.group == "argoproj.io":
            projects.setdefault(project.name, []).append(project)
    by_file: dict[Path, list[K8sObject]] = {}
    for obj in repo.objects:
        by_file.setdefault(obj.path, []).append(obj)
    findings = []
    for app in repo.of_kind("Application"):
        declared = projects.get(app.field(["spec", "project"]), [])
        if len(declared) != 1:  # `default`, a project defined elsewhere, or one declared twice: not judged
            continue
        project, denied = declared[0], {}
        for obj in (o for f in sorted(_synced_files(app, repo)) for o in by_file.get(f, [])):
            if (obj.group, obj.kind) in cluster_scoped and not _permits(project, obj.group, obj.kind):
                denied.setdefault((obj.group, obj.kind), obj)
        if denied:
            kinds = [(group, kind, obj) for (group, kind), obj in sorted(denied.items())]
            shown = ", ".join(f"{kind} {obj.name} ({obj.display})" for _g, kind, obj in kinds)
            entries = ", ".join(f"{{group: {group!r}, kind: {kind}}}" for group, kind, _o in kinds)
            findings.append(app.finding(
                RULE, f"syncs cluster-scoped objects its project {project.name} ({project.display}) does not permit in "
                f"clusterResourceWhitelist: {shown}; Argo CD refuses the whole sync", ["spec", "project"],
                f"add {entries} to the clusterResourceWhitelist of AppProject {project.name}, or sync them from an "
                "Application of a project that permits them"))
    return findings

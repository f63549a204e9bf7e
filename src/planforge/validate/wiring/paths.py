"""`wiring/empty-gitops-path`: a GitOps source path of this repository that will not exist once the repository is
pushed: a directory that holds no file (git commits files, not directories, so an empty directory is not in the
clone the controller fetches; a path that is missing already is `argocd/missing-path` / `flux/missing-path`). Argo CD then fails the Application ("app path does not
exist"), Flux the Kustomization ("kustomization path not found").

Read: the `path` of an Argo CD Application's (or an ApplicationSet template's) `source` and `sources` without a
`chart`, and a Flux Kustomization's `spec.path`, when they read this repository, as `duplicates` decides it: an Argo
CD `repoURL` that is one of this repository's URLs (or a placeholder; when neither `.planforge.yaml` nor git says
them, the URLs of the Argo CD sources whose path is a directory here are taken for them); a Flux Kustomization whose
source is `flux-system`, a GitRepository of such a URL, or one the repository does not define. Paths with `{{...}}`
/ `${...}` are filled in later and not read; a path leaving the repository is not read."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

from planforge.validate.argocd import is_placeholder_url, normalize_repo_url, own_repo_urls
from planforge.validate.base import Finding
from planforge.validate.inputs import walk
from planforge.validate.wiring.duplicates import reads_this_repository
from planforge.validate.wiring.repo import FieldPath, K8sObject, Repository

RULE = "wiring/empty-gitops-path"
_FAILURE = {"argo": "Argo CD fails the Application: app path does not exist",
            "flux": "Flux fails the Kustomization: kustomization path not found"}
HINT = ("commit the manifests (or the kustomization.yaml) the path is meant to deliver there, or point the path at "
        "the directory that holds them (relative to the repository root)")


def _templated(path: str) -> bool:
    return "{{" in path or "${" in path


def _holds_a_file(directory: Path) -> bool:
    """Whether git would commit something below `directory`: a file or a symlink, at any depth (`.git` aside)."""
    for dirpath, dirnames, filenames in walk(directory):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        if filenames or any(os.path.islink(os.path.join(dirpath, d)) for d in dirnames):
            return True
    return False


def _argo_sources(repo: Repository) -> Iterator[tuple[K8sObject, FieldPath, str, str]]:
    """(object, path field, repoURL, path) of the Argo CD git sources."""
    for obj in repo.of_kind("Application", "ApplicationSet"):
        if obj.group != "argoproj.io":
            continue
        spec = ("spec", "template", "spec") if obj.kind == "ApplicationSet" else ("spec",)
        for where, source in obj.sources(spec):
            url, path = source.get("repoURL"), source.get("path")
            if isinstance(url, str) and isinstance(path, str) and "chart" not in source and not _templated(url):
                yield obj, [*where, "path"], url, path


def _directory(root: Path, path: str) -> Path | None:
    """The directory a source path names, None when it is filled in later or leaves the repository."""
    directory = (root / path.lstrip("/")).resolve()
    return directory if not _templated(path) and directory.is_relative_to(root) else None


def _evident_urls(repo: Repository, root: Path) -> set[str]:
    """The repoURLs some Argo CD source reads a directory of this repository from (taken for this repository's own
    URLs when neither .planforge.yaml nor git says them)."""
    return {normalize_repo_url(url) for _o, _f, url, path in _argo_sources(repo)
            if (directory := _directory(root, path)) is not None and directory.is_dir()}


def _argo_paths(repo: Repository, own: set[str]) -> Iterator[tuple[K8sObject, FieldPath, str, str]]:
    for obj, field, url, path in _argo_sources(repo):
        if is_placeholder_url(url) or normalize_repo_url(url) in own:
            yield obj, field, path, "argo"


def _flux_paths(repo: Repository, own: set[str]) -> Iterator[tuple[K8sObject, FieldPath, str, str]]:
    for obj in repo.of_kind("Kustomization"):
        path = obj.field(["spec", "path"])
        if obj.group == "kustomize.toolkit.fluxcd.io" and isinstance(path, str) and \
                reads_this_repository(repo, obj, own):
            yield obj, ["spec", "path"], path, "flux"


def check_paths(repo: Repository) -> list[Finding]:
    assert repo.bounds is not None
    root = repo.root.resolve()
    own = own_repo_urls(repo.root, repo.bounds) or _evident_urls(repo, root)
    findings = []
    for obj, field, path, tool in [*_argo_paths(repo, own), *_flux_paths(repo, own)]:
        directory = _directory(root, path)
        if directory is None or not repo.bounds.inside(directory):
            continue
        if directory.is_dir() and not _holds_a_file(directory):  # a missing one is argocd/flux `missing-path`
            findings.append(obj.finding(
                RULE, f"path {path!r} is an empty directory: git does not commit it, so it is missing from the clone "
                f"the controller fetches: {_FAILURE[tool]}", field, HINT))
    return findings

"""`planforge reconcile`: apply a repository's GitOps entry point to a throwaway cluster (kind in CI) and wait until
every Flux Kustomization is Ready, or every Argo CD Application Synced and Healthy, as
fluxcd/flux2-kustomize-helm-example's end-to-end test does.

`plan` decides from the checkout (`flux`, `argocd`) what is applied and awaited and why anything is not (`health`);
`run` carries it out; `summary` writes the table. Without a cluster, `--plan` prints the decisions only.
"""
from __future__ import annotations

from pathlib import Path

from planforge.errors import UsageError
from planforge.validate.argocd import normalize_repo_url, own_repo_urls
from planforge.validate.reconcile.argocd import APPLICATION, argocd_plan
from planforge.validate.reconcile.flux import KUSTOMIZATION, flux_plan
from planforge.validate.reconcile.health import ImageCheck, group_kind
from planforge.validate.reconcile.plan import ReconcilePlan, Target
from planforge.validate.reconcile.sources import load, repository_path


def target_for(root: Path, repository_url: str, revision: str, credential: bool, ref: str | None = None) -> Target:
    return Target(repository_url, revision, frozenset(normalize_repo_url(u) for u in own_repo_urls(root)), credential,
                  ref)


def make_plan(root: Path, entry: str, target: Target, image_available: ImageCheck) -> ReconcilePlan:
    """The plan of an entry point, Flux or Argo CD by the objects it holds (UsageError when it holds neither)."""
    path = repository_path(root, entry)
    kinds = {group_kind(obj) for obj in load(path, root)}
    if KUSTOMIZATION in kinds:
        return flux_plan(root, path, target, image_available)
    if APPLICATION in kinds:
        return argocd_plan(root, path, target, image_available)
    raise UsageError(f"{entry}: holds no Flux Kustomization and no Argo CD Application: name a cluster directory "
                     "(clusters/<env>) or an Argo CD bootstrap file (argocd/bootstrap/<env>.yaml) with --entry")

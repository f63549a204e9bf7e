"""Snapshots of generated trees: every path with a hash of its content.

One snapshot per example and real plan (and per answer variant below, for the structure,
cloud and strategy combinations no plan reaches), in `tests/render/snapshots/`. A change
to generated output fails here with a readable diff of the listing; a change that is meant
updates the snapshots in the same commit, regenerated with

    PLANFORGE_UPDATE_SNAPSHOTS=1 pytest tests/render/test_snapshots.py

A refused plan's snapshot records the refusal, so a plan that starts or stops being
accepted shows here too.
"""
from __future__ import annotations

import difflib
import hashlib
import os
import re
from pathlib import Path

import pytest
import yaml
from testlib import PLANS, REAL_PLANS

from planforge.decide import decide
from planforge.errors import RefusedError
from planforge.plan import parse_plan
from planforge.render.engine import render_new
from planforge.render.template import resolve_template

SNAPSHOTS = Path(__file__).parent / "snapshots"
REPO_URL = "https://github.com/acme/infra.git"
UPDATE = os.environ.get("PLANFORGE_UPDATE_SNAPSHOTS") == "1"
# Lines of the answers file that name where and which template version rendered it.
VOLATILE = re.compile(rb"^(_commit|_src_path): .*$", re.MULTILINE)

PLAN_FILES = sorted(PLANS.glob("*.plan.md")) + sorted(REAL_PLANS.glob("*.plan.md"))

# The answers that move a plan to another cloud.
ON_AZURE = {"cloud": "azure", "region": "westeurope", "state_backend": "azurerm", "state_locking": "none",
            "secrets_manager": "azure-key-vault"}
ON_GCP = {"cloud": "gcp", "region": "europe-west1", "state_backend": "gcs", "state_locking": "none",
          "secrets_manager": "gcp-secret-manager"}

# name: (plan, answer overrides) for combinations the plans above do not reach.
VARIANTS: dict[str, tuple[str, dict]] = {
    "multi-tenant-azure-aks": ("multi-tenant-saas", {**ON_AZURE, "kubernetes_distribution": "aks"}),
    "multi-tenant-gcp-gke": ("multi-tenant-saas", {**ON_GCP, "kubernetes_distribution": "gke"}),
    "multi-tenant-aws-no-cluster": ("multi-tenant-saas", {"kubernetes_distribution": "none"}),
    "multi-tool-azure": ("aws-eks-argocd", {**ON_AZURE, "kubernetes_distribution": "aks"}),
    "multi-tool-gcp": ("aws-eks-argocd", {**ON_GCP, "kubernetes_distribution": "gke"}),
    "multi-tool-gcp-multiregion": ("aws-eks-multiregion", {**ON_GCP, "kubernetes_distribution": "gke",
                                                           "regions": ["europe-west1", "us-east1"]}),
    "multi-tool-kustomize-only": ("aws-eks-argocd", {"deployment_strategy": "kustomize-only"}),
    "multi-tool-raw-manifests": ("aws-eks-argocd", {"deployment_strategy": "raw-manifests", "components": []}),
    "multi-tool-no-gitops": ("aws-eks-argocd", {"gitops": "none", "blueprints": ["terraform", "kubernetes"]}),
    "multi-tool-workspaces": ("aws-eks-argocd", {"terraform_roots": "workspaces"}),
    "multi-tool-workspaces-tfc": ("aws-eks-tfc", {"terraform_roots": "workspaces"}),
    "single-iac-azure": ("aws-single-iac", ON_AZURE),
    "single-iac-gcp-workspaces": ("aws-single-iac", {**ON_GCP, "terraform_roots": "workspaces"}),
    "single-iac-gcp": ("aws-single-iac", ON_GCP),
    "helm-chart-per-service": ("event-driven-dapr", {"chart_layout": "per-service"}),
    "helm-chart-no-gitops": ("helm-chart-payments", {"gitops": "none", "blueprints": ["helm-chart"]}),
    "multi-tool-flux-kustomize-only": ("aws-eks-flux", {"deployment_strategy": "kustomize-only"}),
    "multi-tool-flux-raw-manifests": ("aws-eks-flux", {"deployment_strategy": "raw-manifests", "components": []}),
}


def listing(root: Path) -> list[str]:
    """`<sha256 prefix> <size> <path>` for every file (a symlink as its target), sorted by path."""
    lines = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            data = b"-> " + os.readlink(path).encode()
        elif path.is_file():
            data = VOLATILE.sub(rb"\1: <template>", path.read_bytes())
        else:
            continue
        lines.append(f"{hashlib.sha256(data).hexdigest()[:16]} {len(data):>7} {rel}")
    return lines


def placeholder_destinations(root: Path) -> list[str]:
    """Argo CD destinations (Applications' and AppProjects') whose server is a placeholder (`.invalid`)."""
    found = []
    for path in sorted(root.rglob("*.yaml")):
        if ".git" in path.parts or "argoproj.io/" not in path.read_text(encoding="utf-8"):
            continue
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            spec = doc.get("spec") or {} if isinstance(doc, dict) and str(doc.get("apiVersion", "")).startswith(
                "argoproj.io/") else {}
            for dest in [spec.get("destination") or {}] + list(spec.get("destinations") or []):
                if ".invalid" in str(dest.get("server", "")):
                    found.append(f"{path.relative_to(root)}: {dest['server']}")
    return found


def render(answers, dest: Path) -> list[str]:
    render_new(answers, dest, resolve_template(None, None), init_git=False)
    # every cluster Argo CD deploys to is a real address or a registered name, never a placeholder
    assert placeholder_destinations(dest) == []
    return listing(dest)


def compare(name: str, lines: list[str]) -> None:
    snapshot = SNAPSHOTS / f"{name}.txt"
    text = "\n".join(lines) + "\n"
    if UPDATE:
        SNAPSHOTS.mkdir(exist_ok=True)
        snapshot.write_text(text, encoding="utf-8")
        return
    assert snapshot.is_file(), f"no snapshot {snapshot.name}: run with PLANFORGE_UPDATE_SNAPSHOTS=1 and commit it"
    expected = snapshot.read_text(encoding="utf-8")
    if expected != text:
        diff = "".join(difflib.unified_diff(expected.splitlines(keepends=True), text.splitlines(keepends=True),
                                            f"snapshots/{snapshot.name}", "generated"))
        pytest.fail(f"the generated tree changed (update the snapshot if that is meant):\n{diff}", pytrace=False)


@pytest.mark.parametrize("plan", PLAN_FILES, ids=lambda p: p.name.removesuffix(".plan.md")[:48])
def test_generated_tree_matches_snapshot(plan: Path, tmp_path: Path) -> None:
    try:
        decided = decide(parse_plan(plan))
    except RefusedError as exc:
        problems = sorted(exc.problems, key=lambda p: (p.line or 0, p.field or ""))
        lines = ["refused"] + [f"{p.line}: {p.field}: {p.message}" for p in problems]
    else:
        lines = render(decided.answers.model_copy(update={"repo_url": REPO_URL}), tmp_path / "repo")
    compare(plan.name.removesuffix(".plan.md"), lines)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_variant_tree_matches_snapshot(variant: str, tmp_path: Path) -> None:
    plan, overrides = VARIANTS[variant]
    answers = decide(parse_plan(PLANS / f"{plan}.plan.md")).answers
    if overrides.get("cloud", answers.cloud) != answers.cloud:
        # the plan's node types (stated, or a default the capacity rule moved up) are the other cloud's
        overrides = {**overrides, "environment_sizing": [
            s.model_copy(update={"instance_type": None, "db_instance_class": None}) for s in answers.environment_sizing]}
    changed = answers.model_validate({**answers.model_dump(), "repo_url": REPO_URL, **overrides})
    compare(f"variant-{variant}", render(changed, tmp_path / "repo"))


def test_every_snapshot_belongs_to_a_case() -> None:
    """A snapshot left behind by a removed plan or variant is an error, not dead weight."""
    names = {p.name.removesuffix(".plan.md") for p in PLAN_FILES} | {f"variant-{v}" for v in VARIANTS}
    assert sorted(p.stem for p in SNAPSHOTS.glob("*.txt") if p.stem not in names) == []

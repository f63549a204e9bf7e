"""`planforge update --plan` from an Argo CD plan to the same plan with GitOps = Flux: argocd/ goes, the Flux
layout comes, and the user's edits to files the change does not concern are kept."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from render_helpers import PLANS, git, new_from_plan, run_cli

pytestmark = pytest.mark.slow

EDIT = "# scaled by the storefront team after load tests\n"


def test_moving_from_argo_cd_to_flux_keeps_unrelated_edits(tmp_path: Path, capsys) -> None:
    plan, dest = new_from_plan(tmp_path, "aws-eks-argocd.plan.md", capsys)
    assert (dest / "argocd").is_dir() and not (dest / "clusters").exists()
    overlay = dest / "kubernetes/apps/orders-api/overlays/prod/kustomization.yaml"
    overlay.write_text(overlay.read_text() + EDIT)
    (dest / "docs").mkdir()
    (dest / "docs/runbook.md").write_text("ours\n")  # not generated: never touched
    git("add", "-A", cwd=dest)
    git("commit", "-qm", "team edits", cwd=dest)

    shutil.copy(PLANS / "aws-eks-flux.plan.md", plan)
    code, out, err = run_cli("update", str(dest), "--plan", str(plan), capsys=capsys)
    assert code == 0, err
    assert not (dest / "argocd").exists()
    assert (dest / "clusters/prod/kustomization.yaml").is_file()
    assert (dest / "infrastructure/controllers/prod/cert-manager.yaml").is_file()
    assert overlay.read_text().endswith(EDIT)
    assert (dest / "docs/runbook.md").read_text() == "ours\n"
    answers = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert (answers["gitops"], answers["flux_version"]) == ("flux", "2.3.0")


def test_moving_a_helm_chart_repository_from_argo_cd_to_flux_keeps_unrelated_edits(tmp_path: Path, capsys) -> None:
    plan, dest = new_from_plan(tmp_path, "event-driven-dapr.plan.md", capsys)
    assert (dest / "argocd").is_dir() and not (dest / "clusters").exists()
    values = dest / "charts/backend/values.yaml"
    values.write_text(values.read_text() + EDIT)
    dapr = sorted((dest / "dapr").glob("*.yaml"))[0]
    dapr.write_text(dapr.read_text() + EDIT)
    (dest / "docs").mkdir()
    (dest / "docs/runbook.md").write_text("ours\n")  # not generated: never touched
    git("add", "-A", cwd=dest)
    git("commit", "-qm", "team edits", cwd=dest)

    shutil.copy(PLANS / "event-driven-dapr-flux.plan.md", plan)
    code, out, err = run_cli("update", str(dest), "--plan", str(plan), capsys=capsys)
    assert code == 0, err
    assert not (dest / "argocd").exists()
    assert (dest / "clusters/prod/charts.yaml").is_file() and (dest / "clusters/prod/dapr.yaml").is_file()
    assert values.read_text().endswith(EDIT) and dapr.read_text().endswith(EDIT)
    assert (dest / "docs/runbook.md").read_text() == "ours\n"
    assert "Flux code: review it" in (dest / "README.md").read_text()
    answers = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert (answers["structure"], answers["gitops"]) == ("helm-chart", "flux")

"""A Flux repository speaks of Flux: no generated text (README, .planforge.yaml, Kubernetes comments and labels, the
answers file's decision sources) names Argo CD."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from testlib import PLANS

from planforge.cli import main

ARGO = re.compile(r"argo[ -]?cd", re.I)


def argo_mentions(repo: Path) -> list[str]:
    found = []
    for path in sorted(p for p in repo.rglob("*") if p.is_file() and ".git" not in p.relative_to(repo).parts):
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if ARGO.search(line):
                found.append(f"{path.relative_to(repo)}:{number}: {line.strip()}")
    return found


@pytest.mark.parametrize("plan", ["aws-eks-flux", "multi-tenant-flux", "event-driven-dapr-flux"])
def test_a_flux_repository_names_no_argo_cd(plan: str, tmp_path: Path):
    dest = tmp_path / "repo"
    assert main(["new", str(PLANS / f"{plan}.plan.md"), str(dest), "--no-git"]) == 0
    assert argo_mentions(dest) == []
    assert "Flux code: review it" in (dest / "README.md").read_text()
    assert "the Flux GitRepository points at" in (dest / ".planforge.yaml").read_text()
    answers = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    [repo_url] = [d for d in answers["decisions"] if d["name"] == "repo_url"]
    assert "the Flux GitRepository carries a marked placeholder" in repo_url["source"]


def test_an_argo_cd_repository_still_names_argo_cd(tmp_path: Path):
    dest = tmp_path / "repo"
    assert main(["new", str(PLANS / "aws-eks-argocd.plan.md"), str(dest), "--no-git"]) == 0
    assert "ArgoCD code: review it" in (dest / "README.md").read_text()
    assert "app.kubernetes.io/managed-by: argocd" in (dest / "kubernetes/base/kustomization.yaml").read_text()

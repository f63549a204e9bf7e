"""Without a GitOps tool, `kubernetes/components/install.sh <env>` installs the catalog charts in order, and stops
before a chart whose values name a Secret (`existingSecret`) that nobody has created yet; the README says how to
deploy. Run with fake `kubectl` and `helm` that record their calls (no cluster here)."""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from testlib import PLANS, rendered_plan

BASE = PLANS / "aws-eks-argocd.plan.md"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """aws-eks-argocd with `GitOps: none` (kube-prometheus-stack's Grafana reads the Secret grafana-admin)."""
    plan = tmp_path_factory.mktemp("no-gitops") / "no-gitops.plan.md"
    text = re.sub(r"(?m)^\*\*GitOps\*\*:.*$", "**GitOps**: none", BASE.read_text(encoding="utf-8"))
    plan.write_text(text, encoding="utf-8")
    return rendered_plan(plan, tmp_path_factory)


def _run(repo: Path, tmp_path: Path, secrets: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """install.sh prod with a kubectl whose `get secret` finds the names in `secrets` (space-separated)."""
    bin_dir, log = tmp_path / "bin", tmp_path / "calls"
    bin_dir.mkdir()
    (bin_dir / "helm").write_text(f'#!/bin/sh\necho "helm $*" >> {log}\n')
    (bin_dir / "kubectl").write_text(
        f'#!/bin/sh\necho "kubectl $*" >> {log}\n'
        f'if [ "$3 $4" = "get secret" ]; then for s in {secrets}; do [ "$s" = "$5" ] && exit 0; done; exit 1; fi\n')
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:/usr/bin:/bin"}
    proc = subprocess.run(["bash", str(repo / "kubernetes/components/install.sh"), "prod"], env=env,
                          capture_output=True, text=True, timeout=60)
    return proc, log.read_text().splitlines() if log.exists() else []


def _installed(calls: list[str]) -> list[str]:
    return [c.split()[3] for c in calls if c.startswith("helm upgrade --install")]


def test_a_missing_secret_stops_the_install_before_its_chart(repo: Path, tmp_path: Path) -> None:
    proc, calls = _run(repo, tmp_path, secrets="")
    assert proc.returncode == 1
    assert "create the Secret grafana-admin in namespace monitoring first" in proc.stderr
    installed = _installed(calls)
    assert "kube-prometheus-stack" not in installed and installed[0] == "cert-manager", installed
    assert "kubectl -n monitoring get secret grafana-admin" in calls


def test_with_its_secrets_every_component_is_installed_cert_manager_first(repo: Path, tmp_path: Path) -> None:
    proc, calls = _run(repo, tmp_path, secrets="grafana-admin")
    assert proc.returncode == 0, proc.stderr
    installed = _installed(calls)
    assert installed[0] == "cert-manager"
    assert {"ingress-nginx", "external-secrets", "kube-prometheus-stack", "argo-cd"} <= set(installed), installed
    assert all("--wait" in c and "--version" in c for c in calls if c.startswith("helm upgrade"))


def test_the_readme_says_how_to_deploy_without_gitops(repo: Path) -> None:
    readme = (repo / "README.md").read_text()
    deploy = readme.split("## Deploy", 1)[1].split("\n## ", 1)[0]
    steps = re.findall(r"(?m)^\d\. (.*)$", deploy)
    assert [s for s in steps if "install.sh" in s] and "kubectl apply -k kubernetes/overlays/<env>" in deploy
    assert deploy.index("Secrets") < deploy.index("install.sh") < deploy.index("kubernetes/overlays")
    assert "kubectl apply -k kubernetes/apps/<app>/overlays/<env>" in deploy

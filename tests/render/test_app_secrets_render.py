"""The secret variables a plan names reach its chart's services: each Deployment reads the existing Secret (envFrom),
the README says how to create it with those keys, and the repository validates strictly (real `helm`)."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from render_helpers import validate_strict
from testlib import PLANS, REAL_PLANS, rendered_plan, require_tool

PLAN = REAL_PLANS / "sitarasheikh--todo-app--011-cloud-native-deployment.plan.md"  # secret-template.yaml: ... keys


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return rendered_plan(PLAN, tmp_path_factory)


def test_every_service_reads_the_secret_and_the_readme_creates_it(repo: Path) -> None:
    chart = repo / "phase-4/helm/todo-app"
    out = subprocess.run([require_tool("helm"), "template", "todo", str(chart), "-f", str(chart / "values-production.yaml")],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    deployments = [d for d in yaml.safe_load_all(out) if d and d["kind"] == "Deployment"]
    assert len(deployments) == 2
    for d in deployments:
        sources = d["spec"]["template"]["spec"]["containers"][0]["envFrom"]
        assert {"secretRef": {"name": "todo-app-secrets"}} in sources
    readme = (repo / "README.md").read_text()
    assert ("kubectl create secret generic todo-app-secrets -n todo-app --from-literal=OPENAI_API_KEY=... "
            "--from-literal=BETTER_AUTH_SECRET=...") in readme
    assert "kubectl create secret generic todo-app-db -n todo-app --from-literal=connection-string=..." in readme


def test_the_repository_validates_strictly(repo: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, report = validate_strict(repo, monkeypatch, capsys)
    assert code == 0, report


def test_a_chart_whose_plan_names_no_secret_takes_one_by_value(tmp_path_factory: pytest.TempPathFactory) -> None:
    chart = rendered_plan(PLANS / "todo-chart.plan.md", tmp_path_factory) / "helm/todo"
    out = subprocess.run([require_tool("helm"), "template", "todo", str(chart), "--set", "secretEnv.existingSecret=keys"],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    for d in (d for d in yaml.safe_load_all(out) if d and d["kind"] == "Deployment"):
        assert {"secretRef": {"name": "keys"}} in d["spec"]["template"]["spec"]["containers"][0]["envFrom"]

"""A helm-chart plan's in-cluster database runs in a chart's release: a PostgreSQL StatefulSet pinned to the plan's
version with the volume size it states, a Service, and a NetworkPolicy admitting the namespace's pods; every chart's
services get DATABASE_URL built from the credentials Secret the README asks for. Rendered with the real `helm`."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from render_helpers import validate_strict
from testlib import PLANS, REAL_PLANS, rendered_plan, require_tool

AROOJ = REAL_PLANS / "arooj-26--todo-hackathon--1-kubernetes-deployment.plan.md"  # PostgreSQL 15 in a pod, PVC (5Gi)
PER_SERVICE = (PLANS / "todo-chart.plan.md").read_text(encoding="utf-8").replace(
    "SQLite on a PersistentVolumeClaim (1Gi) mounted by the backend",
    "PostgreSQL 16 in-cluster (StatefulSet) with a 8Gi PersistentVolumeClaim").replace(
    "One Helm chart at `helm/todo/` with the backend and frontend workloads.", "One Helm chart per service.")


def _objects(chart: Path, *values: str) -> list[dict]:
    out = subprocess.run([require_tool("helm"), "template", "todo", str(chart), *[a for v in values for a in ("-f", v)]],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def _database_urls(objects: list[dict]) -> set[str]:
    return {env["value"] for d in objects if d["kind"] == "Deployment"
            for env in d["spec"]["template"]["spec"]["containers"][0]["env"] if env["name"] == "DATABASE_URL"}


@pytest.fixture(scope="module")
def arooj(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return rendered_plan(AROOJ, tmp_path_factory)


def test_the_release_runs_the_plans_postgresql_and_the_services_connect_to_it(arooj: Path) -> None:
    chart = arooj / "k8s/helm-charts/todo-app"  # where the plan's tree places it
    objects = _objects(chart, str(chart / "platforms/minikube.yaml"), str(chart / "values-dev.yaml"))
    [db] = [d for d in objects if d["kind"] == "StatefulSet"]
    assert db["spec"]["template"]["spec"]["containers"][0]["image"] == "postgres:15"
    assert db["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] == "5Gi"
    assert {d["metadata"]["name"] for d in objects if d["kind"] == "Service"} >= {"postgres", "postgres-headless"}
    assert _database_urls(objects) == {
        "postgresql://$(DATABASE_USERNAME):$(DATABASE_PASSWORD)@postgres:5432/kubernetes_deployment"}
    readme = (arooj / "README.md").read_text()
    assert ("kubectl create secret generic kubernetes-deployment-database -n todo-app --from-literal=username=app"
            in readme)


def test_the_repository_with_its_database_validates_strictly(arooj: Path, monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    code, report = validate_strict(arooj, monkeypatch, capsys)
    assert code == 0, report


def test_with_a_chart_per_service_the_backends_release_runs_it(tmp_path_factory: pytest.TempPathFactory,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path_factory.mktemp("plan") / "per-service.plan.md"
    plan.write_text(PER_SERVICE, encoding="utf-8")
    repo = rendered_plan(plan, tmp_path_factory)
    backend, frontend = repo / "helm/backend", repo / "helm/frontend"
    assert (backend / "templates/database.yaml").is_file() and not (frontend / "templates/database.yaml").exists()
    assert yaml.safe_load((frontend / "values.yaml").read_text())["database"]["inCluster"]["enabled"] is False
    for chart in (backend, frontend):
        objects = _objects(chart)
        assert _database_urls(objects) == {"postgresql://$(DATABASE_USERNAME):$(DATABASE_PASSWORD)@postgres:5432/todo_chart"}
    [db] = [d for d in _objects(backend) if d["kind"] == "StatefulSet"]
    assert db["spec"]["template"]["spec"]["containers"][0]["image"] == "postgres:16"
    assert db["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] == "8Gi"
    code, report = validate_strict(repo, monkeypatch, capsys)
    assert code == 0, report


def test_with_dapr_the_credentials_secret_also_holds_the_state_stores_connection_string(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    # the Dapr state store reads `connection-string` from the database's Secret: the README's command creates it
    plan = tmp_path_factory.mktemp("plan") / "dapr.plan.md"
    plan.write_text(PER_SERVICE.replace("**Primary Dependencies**: none beyond the chart", "**Primary Dependencies**: Dapr"),
                    encoding="utf-8")
    repo = rendered_plan(plan, tmp_path_factory)
    store = yaml.safe_load((repo / "dapr/statestore.yaml").read_text())
    [ref] = [m["secretKeyRef"] for m in store["spec"]["metadata"] if m["name"] == "connectionString"]
    readme = (repo / "README.md").read_text()
    assert (f"kubectl create secret generic {ref['name']} -n todo-chart --from-literal=username=app --from-literal=password=... "
            f"--from-literal={ref['key']}=\"host=postgres port=5432 user=app password=... dbname=todo_chart") in readme

"""A chart service's volume reaches the chart: a PersistentVolumeClaim, its mount, one pod (issue 9)."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from render_helpers import run_cli
from testlib import PLANS

from planforge.decide import decide
from planforge.decide.answers import Answers, Component
from planforge.decide.data import catalog
from planforge.plan import parse_plan
from planforge.render.engine import render_new
from planforge.render.template import resolve_template

@pytest.fixture(scope="module")
def chart(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("todo") / "todo"
    render_new(decide(parse_plan(PLANS / "todo-chart.plan.md")).answers, dest, resolve_template(None, None),
               init_git=False)
    return dest


def helm_template(chart_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["helm", "template", "todo", str(chart_dir), *args], capture_output=True, text=True,
                          check=False)


def manifests(chart_dir: Path, *args: str) -> dict[tuple[str, str], dict]:
    out = helm_template(chart_dir, *args)
    assert out.returncode == 0, out.stderr
    return {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(out.stdout) if d}


def test_the_backend_gets_its_claim_mounted_at_data_with_one_pod_and_recreate(chart: Path):
    docs = manifests(chart / "helm/todo")
    pvc = docs[("PersistentVolumeClaim", "todo-backend")]
    assert pvc["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert pvc["spec"]["resources"]["requests"]["storage"] == "1Gi"
    assert [k for k in docs if k[0] == "PersistentVolumeClaim"] == [("PersistentVolumeClaim", "todo-backend")]
    backend = docs[("Deployment", "todo-backend")]["spec"]
    pod = backend["template"]["spec"]
    assert backend["replicas"] == 1 and backend["strategy"] == {"type": "Recreate"}
    assert {"name": "data", "mountPath": "/data"} in pod["containers"][0]["volumeMounts"]
    assert {"name": "data", "persistentVolumeClaim": {"claimName": "todo-backend"}} in pod["volumes"]
    frontend = docs[("Deployment", "todo-frontend")]["spec"]
    assert frontend["strategy"]["type"] == "RollingUpdate"
    assert all(v["name"] != "data" for v in frontend["template"]["spec"]["volumes"])


def test_production_and_advanced_ci_values_keep_the_backend_at_one_pod(chart: Path):
    for values in ("production-values.yaml", "advanced-values.yaml"):
        docs = manifests(chart / "helm/todo", "-f", str(chart / "helm/todo/ci" / values))
        assert docs[("Deployment", "todo-backend")]["spec"]["replicas"] == 1
        assert ("HorizontalPodAutoscaler", "todo-backend") not in docs
        assert ("PodDisruptionBudget", "todo-backend") not in docs
        assert ("PodDisruptionBudget", "todo-frontend") in docs


def test_the_schema_refuses_a_second_pod_or_a_hostile_size_for_a_service_with_a_volume(chart: Path):
    for setting in ("services.backend.replicaCount=2", "services.backend.autoscaling.enabled=true",
                    "services.backend.persistence.size=1Gi x", "services.backend.persistence.mountPath=/"):
        out = helm_template(chart / "helm/todo", "--set", setting)
        assert out.returncode != 0 and "schema" in out.stderr, setting
    assert helm_template(chart / "helm/todo", "--set", "services.frontend.replicaCount=3").returncode == 0


def test_values_readme_and_validation(chart: Path, capsys):
    values = yaml.safe_load((chart / "helm/todo/values.yaml").read_text())
    assert values["services"]["backend"]["persistence"] == {"enabled": True, "size": "1Gi", "mountPath": "/data",
                                                            "storageClass": ""}
    assert values["services"]["frontend"]["persistence"]["enabled"] is False
    assert "| `services.backend.persistence.enabled` | bool | `true` |" in (chart / "helm/todo/README.md").read_text()
    code, out, err = run_cli("validate", str(chart), "--strict", "--fail-on-skip", capsys=capsys)
    assert code == 0, out + err


def test_high_availability_in_production_keeps_the_backend_at_one_pod(tmp_path: Path, capsys):
    answers = decide(parse_plan(PLANS / "todo-chart.plan.md")).answers.model_dump()
    argo = catalog().charts["argo-cd"]  # what the model's closure adds for Argo CD Applications, which this override skips
    components = [Component(name=argo.name, chart_repo=argo.chart_repo, chart=argo.chart, version=argo.version,
                            namespace=argo.namespace)]
    answers.update(high_availability=True, gitops="argocd", blueprints=[], environments=["dev", "prod"],
                   components=components)
    dest = tmp_path / "ha"
    render_new(Answers(**answers), dest, resolve_template(None, None), init_git=False)
    app = yaml.safe_load((dest / "argocd/applications/prod/todo.yaml").read_text())
    services = app["spec"]["source"]["helm"]["valuesObject"]["services"]
    assert services["backend"]["replicaCount"] == 1 and services["backend"]["podDisruptionBudget"]["enabled"] is False
    assert services["frontend"]["replicaCount"] == 2
    code, out, err = run_cli("validate", str(dest), "--strict", capsys=capsys)
    assert code == 0, out + err


def test_the_chart_mounts_the_volume_where_the_plan_says(tmp_path: Path):
    text = (PLANS / "todo-chart.plan.md").read_text(encoding="utf-8").replace(
        "mounted by the backend", "mounted by the backend, mounted at /var/lib/todo")
    plan = tmp_path / "plan.md"
    plan.write_text(text, encoding="utf-8")
    render_new(decide(parse_plan(plan)).answers, tmp_path / "todo", resolve_template(None, None), init_git=False)
    chart_dir = tmp_path / "todo/helm/todo"
    assert yaml.safe_load((chart_dir / "values.yaml").read_text())["services"]["backend"]["persistence"][
        "mountPath"] == "/var/lib/todo"
    assert "| `services.backend.persistence.mountPath` | string | `\"/var/lib/todo\"` |" in (
        chart_dir / "README.md").read_text()
    pod = manifests(chart_dir)[("Deployment", "todo-backend")]["spec"]["template"]["spec"]
    assert {"name": "data", "mountPath": "/var/lib/todo"} in pod["containers"][0]["volumeMounts"]


def test_a_kustomize_application_gets_its_claim_mounted_and_one_pod_in_production(tmp_path: Path, capsys):
    text = (PLANS / "aws-eks-argocd.plan.md").read_text(encoding="utf-8").replace(
        "**Deployment Type**:", "**Storage**: uploads on a PersistentVolumeClaim (5Gi) for orders-api, mounted at "
        "`/data/uploads`\n**Deployment Type**:")
    plan = tmp_path / "plan.md"
    plan.write_text(text, encoding="utf-8")
    dest = tmp_path / "eks"
    render_new(decide(parse_plan(plan)).answers, dest, resolve_template(None, None), init_git=False)
    base = dest / "kubernetes/apps/orders-api/base"
    pvc, deployment = yaml.safe_load_all((base / "deployment.yaml").read_text())
    assert (pvc["kind"], pvc["metadata"]["name"], pvc["spec"]["resources"]["requests"]["storage"]) == (
        "PersistentVolumeClaim", "orders-api-data", "5Gi")
    pod = deployment["spec"]["template"]["spec"]
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    assert {"name": "data", "mountPath": "/data/uploads"} in pod["containers"][0]["volumeMounts"]
    assert {"name": "data", "persistentVolumeClaim": {"claimName": "orders-api-data"}} in pod["volumes"]
    prod = dest / "kubernetes/apps/orders-api/overlays/prod"
    assert yaml.safe_load((prod / "kustomization.yaml").read_text())["replicas"] == [{"name": "orders-api", "count": 1}]
    assert not (prod / "pdb.yaml").exists() and (dest / "kubernetes/apps/web-frontend/overlays/prod/pdb.yaml").exists()
    code, out, err = run_cli("validate", str(dest), "--strict", capsys=capsys)
    assert code == 0, out + err

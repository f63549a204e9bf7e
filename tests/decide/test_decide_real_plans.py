"""The 14 real plans in tests/fixtures/plans-real: every one parses and gets a sensible decision."""
from __future__ import annotations

import pytest

from testlib import REAL_PLANS
from planforge.decide import decide
from planforge.errors import RefusedError
from planforge.plan import parse_plan

REAL = sorted(REAL_PLANS.glob("*.plan.md"))


def real(prefix: str):
    [path] = [p for p in REAL if p.name.startswith(prefix)]
    return decide(parse_plan(path)).answers


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name.split("--")[0])
def test_every_real_plan_decides_or_refuses_precisely(path):
    try:
        d = decide(parse_plan(path))
    except RefusedError as exc:
        lines = path.read_text(encoding="utf-8").splitlines()
        for p in exc.problems:
            assert p.line and p.field
            assert p.field.split()[0].lower() in lines[p.line - 1].lower()
        return
    assert d.answers.structure in ("single-iac", "multi-tool", "multi-tenant", "helm-chart")
    assert d.answers.blueprints


def test_keygraphhq_terraform_aws():
    a = real("keygraphhq")
    assert (a.structure, a.blueprints, a.cloud, a.region) == ("single-iac", ["terraform"], "aws", "us-east-1")
    assert a.environments == ["dev", "staging", "prod"]
    assert (a.state_backend, a.state_locking) == ("s3", "dynamodb")


def test_radioso_runs_its_two_cloud_run_services():
    """The plan runs on Cloud Run and describes each service as a bullet with its own bullets below: both are read,
    with their ports, and only the backend (given DATABASE_URL, private Cloud SQL access) reaches the database."""
    [path] = [p for p in REAL if p.name.startswith("radioso-ai")]
    d = decide(parse_plan(path))
    a = d.answers
    assert (a.structure, a.cloud, a.compute, a.state_backend) == ("single-iac", "gcp", "cloud-run", "gcs")
    assert {app.name: (app.port, app.public, app.database_access) for app in a.apps} == {
        "backend": (8080, True, True), "frontend": (3000, True, False)}
    line = path.read_text(encoding="utf-8").splitlines()[d.provenance["apps"].line - 1]
    assert "**Backend Cloud Run service**" in line


def test_traffic_tacos_argocd_on_eks():
    a = real("traffic-tacos")
    assert "argocd" in a.blueprints and a.gitops == "argocd"
    assert (a.cloud, a.region) == ("aws", "ap-northeast-2")
    assert a.platforms == ["eks"]


def test_jnroesch_terraform_aks_with_workloads():
    a = real("jnroesch")
    assert a.structure == "multi-tool"
    assert a.blueprints[:2] == ["terraform", "kubernetes"] and a.cloud == "azure"
    assert a.kubernetes_distribution == "aks" and a.state_backend == "azurerm"
    assert a.environments == ["dev", "prod"] and a.terraform_version == "1.9"
    assert [c.name for c in a.components] == ["ingress-nginx", "cert-manager"]
    assert a.storage == "in-cluster-postgresql"


@pytest.mark.parametrize("prefix, services", [
    # its tree's manifests: todo-backend-deployment.yaml, ..., chatbot-frontend-service.yaml (postgresql-*: the database)
    ("arooj-26", ["todo-backend", "todo-frontend", "chatbot-backend", "chatbot-frontend"]),
    ("muhammadarsalaanakbar", ["backend", "frontend"]),
    ("soobiarao14", ["frontend", "backend"]),
])
def test_minikube_helm_plans(prefix, services):
    a = real(prefix)
    assert (a.structure, a.blueprints, a.platforms) == ("helm-chart", ["helm-chart"], ["minikube"])
    assert [s.name for s in a.services] == services
    assert not a.dapr


def test_the_workloads_a_plan_describes_by_their_manifests_are_the_charts_services():
    # sitarasheikh: `phase-4/backend/` under the tree's root directory, and a list of the manifests the chart holds:
    # `deployment-backend.yaml: 2 replicas`, `service-backend.yaml: ClusterIP port 8000`, `hpa-backend.yaml: Min 2,
    # max 10 replicas`
    a = real("sitarasheikh")
    assert [(s.name, s.port, s.replicas, s.min_replicas, s.max_replicas) for s in a.services] == [
        ("backend", 8000, 2, 2, 10), ("frontend", 3000, 2, 0, 0)]
    # sharjeeltanoli: five HPA manifests name five services, one of them no word planforge knows (`mcp-hpa.yaml`)
    assert [s.name for s in real("sharjeeltanoli").services] == [
        "backend", "frontend", "sse-gateway", "notification", "mcp"]


def test_arooj_in_cluster_database_is_built_with_its_claim_size():
    # `PostgreSQL 15-alpine in Kubernetes pod with PersistentVolumeClaim (5Gi)`: the claim's size, not a pod's memory
    d = decide(parse_plan(REAL_PLANS / "arooj-26--todo-hackathon--1-kubernetes-deployment.plan.md"))
    a = d.answers
    assert (a.storage, a.database_version, a.database_storage_gb) == ("in-cluster-postgresql", "15", 5)
    assert not [n for n in d.not_applied if "in-cluster database is generated" in n.why or n.text == "5Gi"]


def test_arooj_negations_are_respected():
    a = real("arooj-26")
    assert not a.monitoring  # "no Prometheus/Grafana yet"
    assert a.storage == "in-cluster-postgresql"
    assert a.gitops == "none"


@pytest.mark.parametrize("prefix", ["baselhussain", "foqia-sd", "rvwaqas", "linta70", "sharjeeltanoli", "shazilk-dev"])
def test_dapr_plans(prefix):
    a = real(prefix)
    assert a.structure == "helm-chart" and a.dapr
    assert a.kafka in ("redpanda", "strimzi")


def test_dapr_plan_details():
    assert real("foqia-sd").kafka == "strimzi"
    assert real("foqia-sd").chart_layout == "single"  # umbrella chart
    assert real("linta70").platforms == ["oke", "minikube"]
    sharjeel = real("sharjeeltanoli")
    assert sharjeel.platforms == ["doks"] and sharjeel.environments == ["staging", "production"] and sharjeel.monitoring  # values-production.yaml
    assert real("rvwaqas").platforms == ["minikube"]
    assert real("shazilk-dev").cloud == "azure" and real("shazilk-dev").platforms == ["aks"]


def test_sitarasheikh_technical_stack():
    a = real("sitarasheikh")
    assert a.structure == "helm-chart" and a.chart_name == "todo-app"
    assert a.storage == "external-postgresql"


@pytest.mark.parametrize("prefix", ["linta70", "baselhussain", "foqia-sd"])
def test_a_brokers_managed_service_is_not_installed_in_the_clusters(prefix):
    # linta70: `Redpanda Kafka` in Primary Dependencies, `Redpanda Cloud free tier` in Constraints; baselhussain:
    # `Redpanda Cloud (Kafka-compatible)`; foqia-sd: `Strimzi Operator (local) or managed Kafka/Redpanda (cloud)`
    a = real(prefix)
    assert "redpanda" not in [c.name for c in a.components]
    assert a.kafka_managed is (prefix != "foqia-sd")  # foqia-sd installs its local Strimzi

"""Loki is a log store: its chart (6.x) installs nothing without a schema and a storage, and stores only what a
collector ships it. A plan naming Loki gets working values, the Alloy collector the system model adds for it
(`needs log-shipper`), and Grafana reading Loki, wherever the components are delivered (install script, Argo CD)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from testlib import PLANS, REAL_PLANS, rendered_plan

from planforge.decide import decide
from planforge.plan import parse_plan

HELM_CHART_PLAN = REAL_PLANS / "sharjeeltanoli--todoadvanceapp--006-cloud-deployment.plan.md"


@pytest.fixture(scope="module")
def chart_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return rendered_plan(HELM_CHART_PLAN, tmp_path_factory)


@pytest.fixture(scope="module")
def argocd_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    plan = tmp_path_factory.mktemp("loki-argocd") / "loki-argocd.plan.md"
    text = (PLANS / "aws-eks-argocd.plan.md").read_text(encoding="utf-8")
    plan.write_text(text.replace("| argo-cd | Yes |", "| loki | Yes | Logs, read in Grafana |\n| argo-cd | Yes |"),
                    encoding="utf-8")
    return rendered_plan(plan, tmp_path_factory)


def _push_host(alloy_values: dict) -> str:
    [url] = re.findall(r'url = "([^"]+)"', alloy_values["alloy"]["configMap"]["content"])
    return url


def test_the_model_adds_alloy_for_loki_and_says_why() -> None:
    decided = decide(parse_plan(HELM_CHART_PLAN))
    [alloy] = [u for u in decided.model.added() if u.name == "alloy"]
    assert alloy.provenance.by == "component:loki" and "log-shipper" in alloy.provenance.note
    assert decided.model.unmet() == []


def test_loki_values_carry_a_schema_and_a_storage_and_alloy_ships_to_it(chart_repo: Path) -> None:
    values = chart_repo / "platform/values/production"  # the plan's environments share one cluster
    loki = yaml.safe_load((values / "loki.yaml").read_text())
    assert loki["deploymentMode"] == "SingleBinary" and loki["singleBinary"]["replicas"] == 1
    assert loki["loki"]["storage"]["type"] == "filesystem"
    [schema] = loki["loki"]["schemaConfig"]["configs"]
    assert schema["object_store"] == "filesystem" and schema["store"] == "tsdb"
    assert loki["loki"]["commonConfig"]["replication_factor"] == 1
    assert all(loki[target]["replicas"] == 0 for target in ("read", "write", "backend"))
    assert _push_host(yaml.safe_load((values / "alloy.yaml").read_text())) == \
        "http://loki-gateway.monitoring.svc.cluster.local/loki/api/v1/push"
    grafana = yaml.safe_load((values / "kube-prometheus-stack.yaml").read_text())["grafana"]
    [source] = grafana["additionalDataSources"]
    assert source["type"] == "loki" and source["url"] == "http://loki-gateway.monitoring.svc.cluster.local"


def _helm_values(repo: Path, application: str) -> dict:
    for path in repo.rglob("*.yaml"):
        for doc in yaml.safe_load_all(path.read_text()):
            if isinstance(doc, dict) and doc.get("kind") == "Application" and doc["metadata"]["name"] == application:
                return doc["spec"]["source"]["helm"]["valuesObject"]
    raise AssertionError(f"no Application {application}")


def test_loki_keeps_logs_as_long_as_prometheus_keeps_metrics(argocd_repo: Path) -> None:
    for env, days in (("staging", 3), ("prod", 15)):
        loki = _helm_values(argocd_repo, f"loki-{env}")
        prometheus = _helm_values(argocd_repo, f"kube-prometheus-stack-{env}")
        assert loki["loki"]["limits_config"]["retention_period"] == f"{days * 24}h"
        assert prometheus["prometheus"]["prometheusSpec"]["retention"] == f"{days}d"


def test_argo_cd_delivers_alloy_beside_loki_and_grafana_reads_it(argocd_repo: Path) -> None:
    apps = {}
    for path in argocd_repo.rglob("*.yaml"):
        for doc in yaml.safe_load_all(path.read_text()):
            if isinstance(doc, dict) and doc.get("kind") == "Application":
                apps[doc["metadata"]["name"]] = doc
    alloy = apps["alloy-prod"]
    assert alloy["spec"]["source"]["chart"] == "alloy" and alloy["spec"]["destination"]["namespace"] == "monitoring"
    assert "loki-prod" in apps
    assert _push_host(_helm_values(argocd_repo, "alloy-prod")).startswith("http://loki-gateway.monitoring.")
    [source] = _helm_values(argocd_repo, "kube-prometheus-stack-prod")["grafana"]["additionalDataSources"]
    assert source["type"] == "loki"

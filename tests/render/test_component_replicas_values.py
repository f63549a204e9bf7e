"""The catalog's `replicas` and `retention` keys are where each chart's values carry the component's replica count
and metrics retention, and a chart without one carries none: a plan's figure (`2 replicas in production`, `metrics
kept 15 days`) reaches the chart it is stated for."""
from __future__ import annotations

import pytest
import yaml
from render_helpers import render_macro

from planforge.catalog import load_catalog

CHARTS = load_catalog()["charts"]


def values(name: str, env: str, replicas: dict[str, int], ha: bool = True,
           retention_days: dict[str, int] | None = None) -> dict:
    entry = CHARTS[name]
    component = {"name": name, "chart": entry["chart"], "chart_repo": entry["chart_repo"], "version": entry["version"],
                 "namespace": entry["namespace"], "replicas": replicas, "retention_days": retention_days or {}}
    site = {"kubernetes_version": "1.31", "region": "us-east-1"}  # what cluster-autoscaler's values read
    return yaml.safe_load(render_macro("includes/k8s/components.jinja", "component_values", component, env, ha,
                                       "aws", site=site)) or {}


def at(document: dict, key: str):
    for part in key.split("."):
        document = document[part]
    return document


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_a_stated_count_lands_at_the_catalog_key_and_nowhere_else(name: str) -> None:
    key = CHARTS[name].get("replicas")
    stated = values(name, "prod", {"prod": 5})
    if key:
        assert at(stated, key) == 5
        assert at(values(name, "dev", {"prod": 5}), key) == 1  # another environment keeps the default
        assert at(values(name, "prod", {}), key) == 2  # highly available production
    else:
        assert stated == values(name, "prod", {})


def test_ingress_nginx_keeps_two_controllers_in_production_unless_the_plan_states_a_count() -> None:
    assert at(values("ingress-nginx", "prod", {}, ha=False), "controller.replicaCount") == 2
    assert at(values("ingress-nginx", "prod", {"prod": 3}, ha=False), "controller.replicaCount") == 3
    assert at(values("ingress-nginx", "prod", {"prod": 1}), "controller.replicaCount") == 1


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_a_stated_retention_lands_at_the_catalog_key_and_nowhere_else(name: str) -> None:
    key = CHARTS[name].get("retention")
    stated = values(name, "prod", {}, retention_days={"prod": 30})
    if key:
        assert at(stated, key) == "30d"
        assert at(values(name, "dev", {}, retention_days={"prod": 30}), key) == "3d"  # another keeps the default
        assert at(values(name, "prod", {}), key) == "15d"
    else:
        assert stated == values(name, "prod", {})


@pytest.mark.parametrize(("distribution", "off"), [
    ("eks", {"kubeControllerManager", "kubeScheduler", "kubeEtcd", "kubeProxy"}),
    ("aks", {"kubeControllerManager", "kubeScheduler", "kubeEtcd"}),
    ("k3s", set()),
])
def test_prometheus_scrapes_no_control_plane_a_managed_cluster_hides(distribution: str, off: set[str]) -> None:
    """A managed control plane cannot be scraped from the nodes (nor kube-proxy where its metrics are on localhost):
    those targets are off, with the chart's alerts that they are down; a self-managed cluster keeps them."""
    entry = CHARTS["kube-prometheus-stack"]
    component = {"name": "kube-prometheus-stack", "chart": entry["chart"], "chart_repo": entry["chart_repo"],
                 "version": entry["version"], "namespace": entry["namespace"]}
    rendered = yaml.safe_load(render_macro("includes/k8s/components.jinja", "component_values", component, "prod",
                                           True, "aws", site={"distribution": distribution}))
    targets = ("kubeControllerManager", "kubeScheduler", "kubeEtcd", "kubeProxy")
    assert {t for t in targets if rendered.get(t, {}).get("enabled") is False} == off
    assert rendered["prometheus"]["prometheusSpec"]["retention"] == "15d"

"""`ServiceMonitor for orders-api`: the application's overlays get a ServiceMonitor that kube-prometheus-stack's
Prometheus selects (its `release` label) and a NetworkPolicy letting Prometheus scrape past the namespace's default
deny; without kube-prometheus-stack the line is reported."""
from __future__ import annotations

import pytest
import yaml
from render_helpers import validate_strict
from testlib import PLANS, rendered_plan

from planforge.decide import decide
from planforge.plan import parse_text

FLUX = PLANS / "aws-eks-flux.plan.md"
APPS = "**Custom Applications**: orders-api, web-frontend"
OPERATOR_ROW = "| kube-prometheus-stack | Yes | Prometheus + Grafana + Alertmanager |"


def _plan(with_operator: bool = True) -> str:
    text = FLUX.read_text()
    assert APPS in text and OPERATOR_ROW in text
    text = text.replace(APPS, APPS + "\n\nMetrics: a ServiceMonitor for orders-api scrapes its /metrics.\n")
    return text if with_operator else text.replace(OPERATOR_ROW, "| kube-prometheus-stack | No | later |")


def test_only_the_named_application_gets_one() -> None:
    apps = {a.name: a.service_monitor for a in decide(parse_text(_plan(), "plan.md")).answers.apps}
    assert apps == {"orders-api": True, "web-frontend": False}


def test_without_kube_prometheus_stack_it_is_reported() -> None:
    decided = decide(parse_text(_plan(with_operator=False), "plan.md"))
    assert not any(a.service_monitor for a in decided.answers.apps)
    assert any(n.text == "ServiceMonitor" and "kube-prometheus-stack" in n.why for n in decided.not_applied)


def test_the_overlay_carries_the_monitor_and_its_network_path(tmp_path_factory: pytest.TempPathFactory,
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path_factory.mktemp("plan") / "flux-monitored.plan.md"
    plan.write_text(_plan())
    repo = rendered_plan(plan, tmp_path_factory)
    overlay = next(repo.glob("**/apps/orders-api/overlays/prod"))
    assert "  - servicemonitor.yaml" in (overlay / "kustomization.yaml").read_text()
    monitor, policy = yaml.safe_load_all((overlay / "servicemonitor.yaml").read_text())
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    assert monitor["spec"]["endpoints"] == [{"port": "http", "path": "/metrics", "interval": "30s"}]
    assert policy["spec"]["ingress"][0]["from"] == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]
    assert not list(repo.glob("**/apps/web-frontend/overlays/prod/servicemonitor.yaml"))
    code, report = validate_strict(repo, monkeypatch, capsys, "--only", "kustomize,schemas,policy,flux,wiring")
    assert code == 0, report  # the Terraform roots are those of test_app_ingress's repository

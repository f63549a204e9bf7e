"""The Ingress routes a plan states reach the chart: each routed service's Ingress on its path, on the host the plan
names, with the certificate cert-manager issues for it from the ClusterIssuer letsencrypt the repository creates;
rendered with the real `helm` and validated strictly."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from render_helpers import validate_strict
from testlib import PLANS, rendered_plan, require_tool

ROUTED = (PLANS / "todo-chart.plan.md").read_text(encoding="utf-8").replace(
    "**Primary Dependencies**: none beyond the chart", "**Primary Dependencies**: cert-manager, ingress-nginx") + (
    "\nThe Ingress routes /api → backend and / → frontend on host todo.example.com, with TLS.\n")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    plan = tmp_path_factory.mktemp("plan") / "routed.plan.md"
    plan.write_text(ROUTED, encoding="utf-8")
    return rendered_plan(plan, tmp_path_factory)


def _ingresses(chart: Path, *values: str) -> list[dict]:
    out = subprocess.run([require_tool("helm"), "template", "todo", str(chart), *[a for v in values for a in ("-f", v)]],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    return [d for d in yaml.safe_load_all(out) if d and d["kind"] == "Ingress"]


def test_each_routed_service_gets_its_path_on_the_host_with_a_certificate(repo: Path) -> None:
    chart = repo / "helm/todo"
    ingresses = _ingresses(chart, str(chart / "platforms/minikube.yaml"), str(chart / "values-dev.yaml"))
    routes = {}
    for ing in ingresses:
        assert ing["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == "letsencrypt"
        assert ing["spec"]["ingressClassName"] == "nginx"
        assert ing["spec"]["tls"] == [{"hosts": ["todo.example.com"], "secretName": "todo-example-com-tls"}]
        [rule] = ing["spec"]["rules"]
        assert rule["host"] == "todo.example.com"
        [path] = rule["http"]["paths"]
        routes[path["path"]] = path["backend"]["service"]["name"]
    assert routes == {"/api": "todo-backend", "/": "todo-frontend"}  # release todo of chart todo
    issuers = yaml.safe_load((repo / "cluster-issuers/cluster-issuer.yaml").read_text())
    assert issuers["metadata"]["name"] == "letsencrypt"


def test_the_repository_with_its_routes_validates_strictly(repo: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, report = validate_strict(repo, monkeypatch, capsys)
    assert code == 0, report


def test_a_route_without_a_host_answers_any_host(tmp_path_factory: pytest.TempPathFactory) -> None:
    plan = tmp_path_factory.mktemp("plan") / "anyhost.plan.md"
    plan.write_text(ROUTED.replace(" on host todo.example.com, with TLS", ""), encoding="utf-8")
    chart = rendered_plan(plan, tmp_path_factory) / "helm/todo"
    ingresses = _ingresses(chart, str(chart / "platforms/minikube.yaml"))
    assert sorted(i["spec"]["rules"][0]["http"]["paths"][0]["path"] for i in ingresses) == ["/", "/api"]
    assert all("host" not in i["spec"]["rules"][0] and "tls" not in i["spec"] for i in ingresses)

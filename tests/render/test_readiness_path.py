"""A readiness path the plan states apart from the health path (`liveness /healthz, readiness /ready`): the readiness
probe uses it, the startup and liveness probes the health path, in a chart and in a Kustomize application."""
from __future__ import annotations

import subprocess

import pytest
import yaml
from render_helpers import render_macro, validate_strict
from testlib import PLANS, rendered_plan, require_tool

from planforge.decide import decide
from planforge.decide.answers import Service
from planforge.plan import parse_text

APP = "includes/k8s/app.jinja"
SHOP = PLANS / "shop-chart.plan.md"
STATED = "backend (image ghcr.io/acme/shop-backend:1.4.0, port 8080)"


def _shop(backend: str) -> str:
    text = SHOP.read_text()
    assert STATED in text
    return text.replace(STATED, backend)


@pytest.mark.parametrize("backend", [
    "backend (image ghcr.io/acme/shop-backend:1.4.0, port 8080, liveness /healthz, readiness /ready)",
    "backend (image ghcr.io/acme/shop-backend:1.4.0, port 8080, readiness probe: /ready, health check /healthz)",
])
def test_the_readiness_path_is_read_apart_from_the_health_path(backend: str) -> None:
    services = {s.name: s for s in decide(parse_text(_shop(backend), "plan.md")).answers.services}
    assert (services["backend"].health_path, services["backend"].ready_path) == ("/healthz", "/ready")
    assert services["frontend"].ready_path == ""  # states none: its health path serves every probe


def test_probe_words_joined_by_a_slash_name_no_path() -> None:
    """`liveness/readiness probe on /healthz`: the probes' path is /healthz (`/readiness` was taken for it, and
    every probe of the app failed)."""
    backend = "backend (image ghcr.io/acme/shop-backend:1.4.0, port 8080, liveness/readiness probe on `/healthz`)"
    [svc] = [s for s in decide(parse_text(_shop(backend), "plan.md")).answers.services if s.name == "backend"]
    assert (svc.health_path, svc.ready_path) == ("/healthz", "")


def test_a_readiness_path_alone_is_not_taken_for_the_health_path() -> None:
    backend = "backend (image ghcr.io/acme/shop-backend:1.4.0, port 8080, readiness /readyz)"
    [svc] = [s for s in decide(parse_text(_shop(backend), "plan.md")).answers.services if s.name == "backend"]
    assert svc.ready_path == "/readyz" and svc.health_path != "/readyz"


def test_the_chart_probes_readiness_on_its_own_path(tmp_path_factory: pytest.TempPathFactory,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path_factory.mktemp("plan") / "shop-readiness.plan.md"
    plan.write_text(_shop("backend (image ghcr.io/acme/shop-backend:1.4.0, port 8080, liveness /healthz, "
                          "readiness /ready)"))
    repo = rendered_plan(plan, tmp_path_factory)
    [chart] = [p.parent for p in repo.glob("**/Chart.yaml")]
    out = subprocess.run([require_tool("helm"), "template", "shop", str(chart)], capture_output=True, text=True,
                         check=True, timeout=120).stdout
    probes = {d["metadata"]["name"].rsplit("-", 1)[-1]: d["spec"]["template"]["spec"]["containers"][0]
              for d in yaml.safe_load_all(out) if d and d["kind"] == "Deployment"}
    backend, frontend = probes["backend"], probes["frontend"]
    assert backend["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert backend["livenessProbe"]["httpGet"]["path"] == backend["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert frontend["readinessProbe"]["httpGet"]["path"] == frontend["livenessProbe"]["httpGet"]["path"]
    code, report = validate_strict(repo, monkeypatch, capsys)
    assert code == 0, report


def test_a_kustomize_application_probes_readiness_on_its_own_path() -> None:
    app = Service(name="orders-api", image="ghcr.io/acme/orders-api", health_path="/healthz", ready_path="/ready")
    for ready, expected in ((app, "/ready"), (app.model_copy(update={"ready_path": ""}), "/healthz")):
        deployment = yaml.safe_load(render_macro(APP, "deployment", ready.model_dump(), "acme", 2))
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert container["readinessProbe"]["httpGet"]["path"] == expected
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"

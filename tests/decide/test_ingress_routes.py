"""Ingress routes of a chart's services: the paths a plan routes to them (in a sentence, or an Ingress manifest it
shows), the host it names for them and TLS from cert-manager where it names both; what cannot be built is reported
at its line with what it lacks."""
from __future__ import annotations

from testlib import PLANS, REAL_PLANS

from planforge.decide import decide
from planforge.plan import parse_plan, parse_text

TODO_CHART = (PLANS / "todo-chart.plan.md").read_text(encoding="utf-8")
ROUTES = "\nThe Ingress routes /api → backend and / → frontend on host todo.example.com, with TLS.\n"


def _routes(decided) -> list[tuple[str, str, str, bool]]:
    return [(s.name, s.ingress_path, s.ingress_host, s.ingress_tls) for s in decided.answers.services]


def _real(prefix: str):
    return decide(parse_plan(next(REAL_PLANS.glob(prefix + "*.plan.md"))))


def test_a_sentence_routes_paths_to_services_and_tls_without_a_host_is_reported() -> None:
    d = _real("sitarasheikh")  # `7. **ingress.yaml**: Path routing (/api → backend, / → frontend), TLS config`
    assert _routes(d) == [("backend", "/api", "", False), ("frontend", "/", "", False)]
    [tls] = [n for n in d.not_applied if n.line == 64]
    assert tls.text == "TLS" and "names none" in tls.why


def test_a_route_to_a_services_port_and_the_host_of_the_ingress_line() -> None:
    d = _real("soobiarao14")  # `ingress.yaml`: NGINX ingress class, host `todo.local`, path `/` → service port 3000
    assert _routes(d) == [("frontend", "/", "todo.local", False), ("backend", "", "", False)]


def test_the_routes_of_an_ingress_manifest_the_plan_shows() -> None:
    d = _real("sharjeeltanoli")  # `- path: /sse` ... `name: {{ .Release.Name }}-sse-gateway`
    assert {s.name: s.ingress_path for s in d.answers.services} == {
        "backend": "/api", "frontend": "/", "sse-gateway": "/sse", "notification": "", "mcp": "/mcp"}


def test_tls_needs_the_host_and_cert_manager() -> None:
    with_issuer = TODO_CHART.replace("**Primary Dependencies**: none beyond the chart",
                                     "**Primary Dependencies**: cert-manager, ingress-nginx")
    d = decide(parse_text(with_issuer + ROUTES))
    assert _routes(d) == [("backend", "/api", "todo.example.com", True), ("frontend", "/", "todo.example.com", True)]
    assert not [n for n in d.not_applied if "TLS" in n.text]
    without = decide(parse_text(TODO_CHART + ROUTES))
    assert _routes(without) == [("backend", "/api", "todo.example.com", False), ("frontend", "/", "todo.example.com", False)]
    [tls] = [n for n in without.not_applied if n.text == "TLS"]
    assert "cert-manager" in tls.why


def test_no_lets_encrypt_certificate_for_a_local_host() -> None:
    """Let's Encrypt never issues for `todo.local`: a Certificate that stays pending and an Ingress serving the
    controller's fake certificate are not built; the line says what would."""
    plan = TODO_CHART.replace("**Primary Dependencies**: none beyond the chart",
                              "**Primary Dependencies**: cert-manager, ingress-nginx")
    d = decide(parse_text(plan + ROUTES.replace("todo.example.com", "todo.local")))
    assert _routes(d) == [("backend", "/api", "todo.local", False), ("frontend", "/", "todo.local", False)]
    [tls] = [n for n in d.not_applied if n.text == "TLS"]
    assert "public DNS names only and todo.local is a local one" in tls.why


def test_a_route_to_the_releases_service_and_its_port() -> None:
    """`path /api → shop-api:3000`: the Service of release shop named after the api service, on its port."""
    plan = TODO_CHART + "\n- Ingress: path `/api` → `todo-backend:8000`, path `/` → `todo-frontend:3000`.\n"
    d = decide(parse_text(plan))
    assert [(s.name, s.ingress_path) for s in d.answers.services] == [("backend", "/api"), ("frontend", "/")]
    assert not [n for n in d.not_applied if "todo-backend" in n.text or "todo-frontend" in n.text]

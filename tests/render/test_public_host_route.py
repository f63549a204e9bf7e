"""An application the plan says is public at a host (`web-frontend (publicly reachable at https://shop.example.com)`,
`the frontend is public at todo.example.com, over HTTPS`): an Ingress routes the host's root (or the path after it)
to it, with cert-manager's certificate when the plan asks for TLS; one `served under /api` gets that path there. Before, only `/path → app` routes were read and
the line was silent: the application had no Ingress at all."""
from __future__ import annotations

from pathlib import Path

import pytest
from render_helpers import kustomize, validate_strict
from testlib import PLANS, rendered_plan

from planforge.decide import decide
from planforge.plan import parse_text

TODO = (PLANS / "todo-chart.plan.md").read_text(encoding="utf-8").replace(
    "**Primary Dependencies**: none beyond the chart", "**Primary Dependencies**: cert-manager, ingress-nginx")
STOREFRONT = (PLANS / "aws-eks-argocd.plan.md").read_text(encoding="utf-8")
APPS = "**Custom Applications**: orders-api, web-frontend"


def _routes(text: str, answer: str = "services") -> dict[str, tuple[str, str, bool]]:
    d = decide(parse_text(text, "plan.md"))
    return {s.name: (s.ingress_path, s.ingress_host, s.ingress_tls) for s in getattr(d.answers, answer)
            if s.ingress_path}


@pytest.mark.parametrize(("line", "expected"), [
    ("The frontend is public at todo.example.com, over HTTPS.", ("/", "todo.example.com", True)),
    ("The frontend is publicly reachable at https://todo.example.com/app", ("/app", "todo.example.com", True)),
    ("frontend: exposed on `todo.example.com` (plain HTTP for now)", ("/", "todo.example.com", False)),
])
def test_a_public_host_routes_to_the_application_it_names(line: str, expected: tuple[str, str, bool]) -> None:
    assert _routes(f"{TODO}\n{line}\n") == {"frontend": expected}


def test_the_route_belongs_to_the_application_named_last_and_never_to_a_private_one() -> None:
    stated = STOREFRONT.replace(APPS, f"{APPS} (publicly reachable at https://shop.example.com)")
    assert _routes(stated, "apps") == {"web-frontend": ("/", "shop.example.com", True)}
    # a dot inside a word (an image's registry and tag) ends no sentence: a table row's image comes before the words
    # (no `https`, yet the plan names a Let's Encrypt issuer for cert-manager: its public hosts get certificates)
    imaged = STOREFRONT.replace(APPS, f"{APPS} (image acr.azurecr.io/web:1.8.2, publicly reachable at shop.example.com)")
    assert _routes(imaged, "apps") == {"web-frontend": ("/", "shop.example.com", True)}
    assert _routes(f"{TODO}\nThe backend is not public at todo.example.com.\n") == {}


def test_each_environment_routes_the_host_to_the_application(tmp_path_factory: pytest.TempPathFactory,
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    plan: Path = tmp_path_factory.mktemp("plan") / "storefront-public.plan.md"
    plan.write_text(STOREFRONT.replace(APPS, f"{APPS} (publicly reachable at https://shop.example.com)"),
                    encoding="utf-8")
    repo = rendered_plan(plan, tmp_path_factory)
    [ingress] = [o for o in kustomize(repo / "kubernetes/apps/web-frontend/overlays/prod") if o["kind"] == "Ingress"]
    assert ingress["spec"]["tls"] == [{"hosts": ["shop.example.com"], "secretName": "web-frontend-tls"}]
    [rule] = ingress["spec"]["rules"]
    assert rule["host"] == "shop.example.com" and rule["http"]["paths"][0]["path"] == "/"
    assert rule["http"]["paths"][0]["backend"]["service"]["name"] == "web-frontend"
    assert not (repo / "kubernetes/apps/orders-api/overlays/prod/ingress.yaml").exists()
    # the application the plan routes admits the ingress controller; the other one is internal (before, both did)
    admitted = {app: [peer for rule in policy["spec"]["ingress"] for peer in rule["from"]]
                for app in ("web-frontend", "orders-api")
                for policy in kustomize(repo / f"kubernetes/apps/{app}/overlays/prod")
                if policy["kind"] == "NetworkPolicy" and policy["metadata"]["name"] == f"{app}-allow-http"}
    edge = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}
    assert edge in admitted["web-frontend"] and edge not in admitted["orders-api"]
    assert {"podSelector": {}} in admitted["orders-api"]
    code, report = validate_strict(repo, monkeypatch, capsys, "--only", "kustomize,policy,schemas")
    assert code == 0, report


def test_an_application_served_under_a_path_shares_the_host() -> None:
    """`orders-api (REST API, served under `/api` on the same host)`: its path on the Ingress host (it was silent)."""
    stated = STOREFRONT.replace(APPS, "**Custom Applications**: web-frontend (publicly reachable at "
                                      "https://shop.example.com), orders-api (REST API, served under `/api` on the "
                                      "same host)\n")
    assert _routes(stated, "apps") == {"web-frontend": ("/", "shop.example.com", True),
                                       "orders-api": ("/api", "shop.example.com", True)}
    assert _routes(STOREFRONT.replace(APPS, f"{APPS} (orders-api not served under /api)\n"), "apps") == {}


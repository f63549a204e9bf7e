"""The GKE review's plan names its ingress controller and certificate issuer in the Technical Context's Ingress field
(`ingress-nginx behind a regional external passthrough load balancer; certificates from cert-manager ...`) and its
storefront's hosts in the application's bullet (`Public: exposed through ingress-nginx at `shop.acme.example` (prod) and
`shop.dev.acme.example` (dev)`). Before, neither controller was installed and no Ingress was generated: the storefront
was unreachable once applied, and every application admitted the ingress controller's namespace."""
from __future__ import annotations

from testlib import FIXTURES

from planforge.decide import decide
from planforge.plan import parse_plan

PLAN = FIXTURES / "reviewed/gke-orders-flux.plan.md"


def test_the_ingress_field_installs_the_charts_it_names() -> None:
    d = decide(parse_plan(PLAN))
    notes = {c.name: c.notes for c in d.answers.components}
    assert notes["ingress-nginx"] == notes["cert-manager"] == "named in Ingress"
    assert d.answers.cluster_issuer == "letsencrypt-prod"


def test_a_bullet_routes_its_application_to_each_environment_s_host() -> None:
    d = decide(parse_plan(PLAN))
    routes = {a.name: (a.ingress_path, a.ingress_host) for a in d.answers.apps}
    assert routes == {"orders-web": ("/", "shop.acme.example"), "orders-api": ("", ""), "fulfilment-worker": ("", "")}
    assert {s.name: s.host for s in d.answers.environment_sizing} == {"dev": "shop.dev.acme.example",
                                                                      "prod": "shop.acme.example"}
    # `.example` is reserved (RFC 2606): no public CA issues for it, so the certificate the plan asks for is reported
    [tls] = [n for n in d.not_applied if n.text == "TLS"]
    assert "shop.acme.example is a local one" in tls.why

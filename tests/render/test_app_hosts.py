"""An environment serving several hosts, one per application (`web is served at `app.<env-domain>`, api at
`api.<env-domain>``, over an environments table's `app.staging.ledgerly.northwind.io, api.staging...`): each
application's Ingress serves its own host in each environment, with its certificate (before: no application was
routed at all, and ingress-nginx ran with nothing behind it)."""
from __future__ import annotations

import pytest
from render_helpers import kustomize
from testlib import FIXTURES, plan_group, rendered_plan

from planforge.decide import decide
from planforge.plan import parse_plan, parse_text

LEDGERLY = FIXTURES / "reviewed/gke-flux-ledgerly.plan.md"
ROUTES = "- web is served at `app.<env-domain>`, api at `api.<env-domain>` (see Environments table)."
HOSTS = {"ledgerly-web": {"staging": "app.staging.ledgerly.northwind.io", "prod": "app.ledgerly.northwind.io"},
         "ledgerly-api": {"staging": "api.staging.ledgerly.northwind.io", "prod": "api.ledgerly.northwind.io"}}


def test_each_application_takes_its_host_of_each_environments_list() -> None:
    d = decide(parse_plan(LEDGERLY))
    routed = {s.name: (s.ingress_path, s.ingress_tls, s.environment_hosts) for s in d.answers.apps if s.ingress_path}
    assert routed == {name: ("/", True, hosts) for name, hosts in HOSTS.items()}
    assert not [n for n in d.not_applied if "ledgerly.northwind.io" in n.text or "<env-domain>" in n.text]


def test_a_label_no_environment_lists_routes_on_no_host_of_its_own() -> None:
    text = LEDGERLY.read_text(encoding="utf-8")
    assert ROUTES in text
    d = decide(parse_text(text.replace(ROUTES, "- web is served at `www.<env-domain>`."), "plan.md"))
    assert {s.name: (s.ingress_path, s.environment_hosts) for s in d.answers.apps if s.ingress_path} == {
        "ledgerly-web": ("/", {})}


@plan_group(LEDGERLY)
def test_each_ingress_serves_its_applications_host(tmp_path_factory: pytest.TempPathFactory) -> None:
    repo = rendered_plan(LEDGERLY, tmp_path_factory)
    for name, hosts in HOSTS.items():
        for env, host in hosts.items():
            [ingress] = [d for d in kustomize(repo / f"kubernetes/apps/{name}/overlays/{env}") if d["kind"] == "Ingress"]
            assert [r["host"] for r in ingress["spec"]["rules"]] == [host]
            assert ingress["spec"]["tls"] == [{"hosts": [host], "secretName": f"{name}-tls"}]
            assert ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == "letsencrypt-prod"
    assert not (repo / "kubernetes/apps/ledgerly-worker/overlays/prod/ingress.yaml").exists()
    readme = (repo / "README.md").read_text()
    assert "- prod: `app.ledgerly.northwind.io`, `api.ledgerly.northwind.io`" in readme


HARBOR = FIXTURES / "reviewed/doks-argocd-harbor.plan.md"


def test_a_table_of_hosts_per_environment_routes_each_application() -> None:
    """`| App | Host (staging) | Host (production) |` over `| web | staging.harbor.seabright.io | harbor.seabright.io |`
    and `| worker | — (not exposed) | — (not exposed) |`: no application was routed."""
    apps = {s.name: s for s in decide(parse_plan(HARBOR)).answers.apps}
    assert {n: (s.ingress_path, s.ingress_tls, s.environment_hosts) for n, s in apps.items()} == {
        "web": ("/", True, {"staging": "staging.harbor.seabright.io", "production": "harbor.seabright.io"}),
        "api": ("/", True, {"staging": "api.staging.harbor.seabright.io", "production": "api.harbor.seabright.io"}),
        "worker": ("", False, {})}

"""The Kustomize applications a plan routes a path to get an Ingress in each environment's overlay, on the host the plan
names for that environment, with cert-manager's certificate where it runs (and the NetworkPolicy its HTTP-01 solver
needs past the namespace's default deny); the repository validates strictly."""
from __future__ import annotations

import pytest
import yaml
from render_helpers import validate_strict
from testlib import FIXTURES, PLANS, plan_group, rendered_plan

from planforge.decide import decide
from planforge.plan import parse_text

FLUX = PLANS / "aws-eks-flux.plan.md"
GKE_REVIEWED = FIXTURES / "reviewed/gke-orders-flux.plan.md"
APPS = "**Custom Applications**: orders-api, web-frontend"
ROUTED = (APPS + "\n\nRouting: `shop.example.com/api → orders-api`, `/ → web-frontend`, over HTTPS. Production serves "
          "`shop.example.com`, staging serves `staging.shop.example.com`; dev = `dev.shop.example.com`.\n")
TABLE = (APPS + "\n\nRouting: `/api → orders-api`, `/ → web-frontend` (TLS).\n\n"
         "| | dev | staging | production |\n|---|---|---|---|\n"
         "| Host | dev.shop.example.com | staging.shop.example.com | shop.example.com |\n"
         "| QA host | qa: qa.shop.example.com | - | - |\n")

# the table's first column headed like the others, the routes as a sentence of `to`s
LABELLED = (APPS + "\n\n| Setting | dev | staging | production |\n|---|---|---|---|\n"
            "| Hostname | dev.shop.example.com | staging.shop.example.com | shop.example.com |\n\n"
            "Ingress routes `/api` to orders-api and `/` to web-frontend on the environment hostname, TLS everywhere.\n")


def _plan(addition: str) -> str:
    text = FLUX.read_text()
    assert APPS in text
    return text.replace(APPS, addition)


@pytest.mark.parametrize("addition", [ROUTED, TABLE, LABELLED])
def test_each_environment_takes_the_host_the_plan_names_for_it(addition: str) -> None:
    decided = decide(parse_text(_plan(addition), "plan.md"))
    hosts = {s.name: s.host for s in decided.answers.environment_sizing}
    assert hosts == {"dev": "dev.shop.example.com", "staging": "staging.shop.example.com",
                     "prod": "shop.example.com"}
    routes = {a.name: (a.ingress_path, a.ingress_tls) for a in decided.answers.apps}
    assert routes == {"orders-api": ("/api", True), "web-frontend": ("/", True)}


ONE_HOST = APPS + "\n\nIngress: `/api → orders-api`, `/ → web-frontend` on host `shop.example.com`, over HTTPS.\n"


@pytest.mark.parametrize(("addition", "hosts"), [
    (ONE_HOST, {"dev": "dev.shop.example.com", "staging": "staging.shop.example.com", "prod": "shop.example.com"}),
    (ONE_HOST + "Production serves `shop.example.com`.\n",
     {"dev": "dev.shop.example.com", "staging": "staging.shop.example.com", "prod": "shop.example.com"}),
    (ONE_HOST + "Staging serves `shop.example.com`.\n",
     {"dev": "dev.shop.example.com", "staging": "shop.example.com", "prod": "prod.shop.example.com"}),
    # the host before the route's path (`shop.example.com/api → orders-api`) was read as no host at all
    (APPS + "\n\nRouting: `shop.example.com/api → orders-api`, `/ → web-frontend`, over HTTPS.\n",
     {"dev": "dev.shop.example.com", "staging": "staging.shop.example.com", "prod": "shop.example.com"}),
], ids=["one-host", "production-named", "another-environment-named", "host-before-path"])
def test_one_host_for_every_environment_is_spread_one_name_per_cluster(addition: str, hosts: dict[str, str]) -> None:
    """Before, every environment's Ingress took the one host: DNS points it at one cluster, so the others' HTTP-01
    challenges (and their traffic) never arrive. Production serves it unless the plan gives it to another environment;
    the others get `<env>.<host>`."""
    decided = decide(parse_text(_plan(addition), "plan.md"))
    assert {s.name: s.host for s in decided.answers.environment_sizing} == hosts
    assert {a.ingress_tls for a in decided.answers.apps if a.ingress_path} == {True}
    if "serves" not in addition:
        assert "the plan names one host, shop.example.com" in decided.provenance["environment_sizing"].note


def test_a_host_for_an_environment_the_plan_lacks_is_reported() -> None:
    text = _plan(ROUTED.replace("; dev =", "; qa serves `qa.shop.example.com`; dev ="))
    decided = decide(parse_text(text, "plan.md"))
    assert any("qa is no environment of this plan" in n.why for n in decided.not_applied)


def test_the_overlays_route_each_environment_host_with_tls(tmp_path_factory: pytest.TempPathFactory,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path_factory.mktemp("plan") / "flux-routed.plan.md"
    plan.write_text(_plan(ROUTED))
    repo = rendered_plan(plan, tmp_path_factory)
    for env, host in (("dev", "dev.shop.example.com"), ("prod", "shop.example.com")):
        overlay = next(repo.glob(f"**/apps/orders-api/overlays/{env}"))
        assert "  - ingress.yaml" in (overlay / "kustomization.yaml").read_text()
        ingress, solver = yaml.safe_load_all((overlay / "ingress.yaml").read_text())
        assert ingress["spec"]["ingressClassName"] == "nginx"
        assert ingress["metadata"]["annotations"] == {"cert-manager.io/cluster-issuer": "letsencrypt"}
        assert ingress["spec"]["tls"] == [{"hosts": [host], "secretName": "orders-api-tls"}]
        [rule] = ingress["spec"]["rules"]
        assert rule["host"] == host and rule["http"]["paths"][0]["path"] == "/api"
        assert rule["http"]["paths"][0]["backend"]["service"] == {"name": "orders-api", "port": {"name": "http"}}
        assert solver["kind"] == "NetworkPolicy" and solver["spec"]["ingress"][0]["ports"] == [
            {"port": 8089, "protocol": "TCP"}]
    readme = (repo / "README.md").read_text()
    hosts = readme.split("## Public hosts", 1)[1].split("\n## ", 1)[0]
    assert "HTTP-01" in hosts and all(f"- {env}: `{host}`" in hosts for env, host in (
        ("dev", "dev.shop.example.com"), ("staging", "staging.shop.example.com"), ("prod", "shop.example.com")))
    code, report = validate_strict(repo, monkeypatch, capsys)
    assert code == 0, report


def test_a_local_environment_host_gets_no_certificate_and_says_why() -> None:
    decided = decide(parse_text(_plan(ROUTED.replace("dev.shop.example.com", "shop.local")), "plan.md"))
    assert {a.ingress_tls for a in decided.answers.apps} == {False}
    [why] = [n.why for n in decided.not_applied if n.text == "HTTPS"]
    assert "shop.local is a local one" in why and "chart" not in why


@plan_group(GKE_REVIEWED)
def test_on_gke_the_routed_storefront_gets_its_ingress_and_only_it_admits_the_controller(tmp_path_factory, monkeypatch,
                                                                                         capsys):
    """The plan routes orders-web only: its overlays carry the Ingress on each environment's host, its policy admits
    the ingress controller's namespace, and orders-api admits only orders-web (the GKE review); the repository
    validates strictly (its GCP roots' `terraform validate` skipped: no google provider offline)."""
    repo = rendered_plan(GKE_REVIEWED, tmp_path_factory)
    for env, host in (("dev", "shop.dev.acme.example"), ("prod", "shop.acme.example")):
        [ingress] = yaml.safe_load_all((repo / f"kubernetes/apps/orders-web/overlays/{env}/ingress.yaml").read_text())
        assert [r["host"] for r in ingress["spec"]["rules"]] == [host]
    assert {p.name for p in (repo / "infrastructure/controllers/prod").iterdir()} >= {"ingress-nginx.yaml",
                                                                                      "cert-manager.yaml"}
    admitted = {app: (repo / f"kubernetes/apps/{app}/base/networkpolicy.yaml").read_text()
                for app in ("orders-web", "orders-api")}
    assert "ingress-nginx" in admitted["orders-web"] and "ingress-nginx" not in admitted["orders-api"]
    code, report = validate_strict(repo, monkeypatch, capsys, provider_skips=True)
    assert code == 0, report


LEDGER_REVIEWED = FIXTURES / "reviewed/aws-eks-ledger.plan.md"


@plan_group(LEDGER_REVIEWED)
def test_a_route_through_ingress_nginx_installs_it_and_its_issuer(tmp_path_factory, monkeypatch, capsys):
    """`Public through ingress-nginx at ... (prod)`, `TLS certificates from cert-manager using a letsencrypt-prod
    ClusterIssuer` on EKS: both charts are Argo CD Applications, the Ingress is nginx's with that issuer's
    certificate (before: the ALB class nothing installs), and the repository validates strictly, Terraform included."""
    repo = rendered_plan(LEDGER_REVIEWED, tmp_path_factory)
    assert {"ingress-nginx.yaml", "cert-manager.yaml"} <= {p.name for p in (repo / "argocd/applications/prod").iterdir()}
    [ingress] = [d for d in yaml.safe_load_all((repo / "kubernetes/overlays/prod/ledger-web/ingress.yaml").read_text())
                 if d["kind"] == "Ingress"]
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == "letsencrypt-prod"
    assert [r["host"] for r in ingress["spec"]["rules"]] == ["ledger.acme-pay.io"]
    code, report = validate_strict(repo, monkeypatch, capsys)
    assert code == 0, report


@plan_group(LEDGER_REVIEWED)
def test_a_listed_secrets_manager_entry_is_synced_as_its_variable(tmp_path_factory):
    """`- ledger/<env>/api-db-password — ..., consumed by ledger-api as DB_PASSWORD` under `### Secrets`: the
    ExternalSecret reads that entry as DB_PASSWORD, and the External Secrets role of each environment may read it."""
    repo = rendered_plan(LEDGER_REVIEWED, tmp_path_factory)
    secret = yaml.safe_load((repo / "kubernetes/overlays/prod/ledger-api/externalsecret.yaml").read_text())
    assert secret["spec"]["data"] == [{"secretKey": "DB_PASSWORD", "remoteRef": {"key": "ledger/prod/api-db-password"}}]
    assert '"ledger/${var.environment}/api-db-password"' in (repo / "terraform/environments/prod/main.tf").read_text()


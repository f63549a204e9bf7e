"""The EKS + Flux review's plan rendered (tests/fixtures/reviewed/eks-flux-kestrel.plan.md): staging's API endpoint
is public behind the office range and production's private, each environment's node group is sized by its first row
of the node groups table, and the hosts table's applications get their Ingresses."""
from __future__ import annotations

import pytest
import yaml
from testlib import FIXTURES, find_terraform_mirror, plan_group, rendered_plan, strict_validation

KESTREL = FIXTURES / "reviewed/eks-flux-kestrel.plan.md"


@plan_group(KESTREL)
def test_only_staging_opens_its_api_endpoint_to_the_office(tmp_path_factory) -> None:
    repo = rendered_plan(KESTREL, tmp_path_factory)
    staging = (repo / "terraform/environments/staging/main.tf").read_text()
    production = (repo / "terraform/environments/production/main.tf").read_text()
    assert "endpoint_public_access = true" in staging and "public_access_cidrs    = var.api_authorized_cidrs" in staging
    assert "endpoint_public_access" not in production and "public_access_cidrs" not in production
    assert 'default     = ["203.0.113.0/24"]' in (repo / "terraform/environments/staging/variables.tf").read_text()
    assert "staging public, admitting only\n`api_authorized_cidrs` (203.0.113.0/24);\nproduction private" in \
        (repo / "terraform/README.md").read_text()


@plan_group(KESTREL)
def test_each_node_group_takes_its_environments_first_row(tmp_path_factory) -> None:
    repo = rendered_plan(KESTREL, tmp_path_factory)
    production = (repo / "terraform/environments/production/terraform.tfvars").read_text()
    for setting in ('instance_type = "m6i.xlarge"', "min_size      = 3", "max_size      = 9"):
        assert setting in production
    assert not list(repo.rglob("cluster-autoscaler.yaml"))


@plan_group(KESTREL)
def test_the_hosts_tables_applications_get_their_ingresses(tmp_path_factory) -> None:
    repo = rendered_plan(KESTREL, tmp_path_factory)
    found = {}
    for path in repo.rglob("ingress.yaml"):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and doc.get("kind") == "Ingress":
                found[doc["metadata"]["name"], path.parent.name] = [r["host"] for r in doc["spec"]["rules"]]
    assert found[("quote-api", "production")] == ["quote.kestrelfreight.com"]
    assert found[("tracking-ws", "staging")] == ["track.staging.kestrelfreight.com"]


@plan_group(KESTREL)
def test_tracking_ws_is_probed_over_tcp_and_billing_worker_by_its_command(tmp_path_factory) -> None:
    """tracking-ws was probed with HTTP GET /healthz on its WebSocket port (the plan: `TCP 9000`), billing-worker's
    `exec probe /app/healthcheck` was dropped."""
    repo = rendered_plan(KESTREL, tmp_path_factory)
    containers = {}
    for app in ("tracking-ws", "billing-worker"):
        deployment = yaml.safe_load((repo / f"kubernetes/apps/{app}/base/deployment.yaml").read_text())
        [containers[app]] = deployment["spec"]["template"]["spec"]["containers"]
    assert all(containers["tracking-ws"][p]["tcpSocket"] == {"port": "http"}
               for p in ("startupProbe", "readinessProbe", "livenessProbe"))
    assert containers["billing-worker"]["livenessProbe"]["exec"] == {"command": ["/app/healthcheck"]}
    assert "readinessProbe" not in containers["billing-worker"]


@plan_group(KESTREL)
def test_the_repository_passes_its_own_strict_validation(tmp_path_factory: pytest.TempPathFactory,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    if find_terraform_mirror() is None:
        pytest.skip("no filesystem mirror with hashicorp/aws (scripts/install-tools.sh)")
    code, out = strict_validation(rendered_plan(KESTREL, tmp_path_factory), monkeypatch, capsys)
    assert code == 0, out

"""The AKS + Flux review's plan rendered (tests/fixtures/reviewed/aks-flux-northwind.plan.md): what it states reaches
the repository. Before, no Ingress was built, production's backups and a Key Vault went to the paired region against
`all patient data stays in westeurope`, the existing state storage was created again by a bootstrap root, and
scheduler-api was probed on /health while the plan says /healthz."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from testlib import FIXTURES, plan_group, rendered_plan, strict_validation

NORTHWIND = FIXTURES / "reviewed/aks-flux-northwind.plan.md"


@plan_group(NORTHWIND)
def test_each_environment_routes_the_hosts_of_its_row(tmp_path_factory) -> None:
    repo = rendered_plan(NORTHWIND, tmp_path_factory)
    hosts = {}
    for app in ("portal", "scheduler-api"):
        for env in ("dev", "prod"):
            ingress = yaml.safe_load((repo / f"kubernetes/apps/{app}/overlays/{env}/ingress.yaml").read_text())
            hosts[app, env] = [rule["host"] for rule in ingress["spec"]["rules"]]
    assert hosts == {("portal", "dev"): ["dev.northwind-clinics.example"], ("portal", "prod"): ["northwind-clinics.example"],
                     ("scheduler-api", "dev"): ["api.dev.northwind-clinics.example"],
                     ("scheduler-api", "prod"): ["api.northwind-clinics.example"]}
    assert not (repo / "kubernetes/apps/reminder-worker/overlays/prod/ingress.yaml").exists()


@plan_group(NORTHWIND)
def test_production_backups_stay_in_the_region(tmp_path_factory) -> None:
    root = (rendered_plan(NORTHWIND, tmp_path_factory) / "infra/terraform/envs/prod/main.tf").read_text()
    assert "geo_backup_key    = false" in root  # no Key Vault nor key in the paired region
    assert "geo_redundant_backup  = false" in root


@plan_group(NORTHWIND)
def test_existing_state_storage_is_not_created_and_probes_use_the_plans_path(tmp_path_factory) -> None:
    repo = rendered_plan(NORTHWIND, tmp_path_factory)
    assert not (repo / "infra/terraform/bootstrap").exists()
    assert 'storage_account_name = "stnwctfstate01"' in (repo / "infra/terraform/envs/prod/backend.tf").read_text()
    deployment = yaml.safe_load((repo / "kubernetes/apps/scheduler-api/base/deployment.yaml").read_text())
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    assert {container[p]["httpGet"]["path"] for p in ("livenessProbe", "readinessProbe")} == {"/healthz"}


@plan_group(NORTHWIND)
def test_the_repository_passes_its_own_strict_validation(tmp_path_factory: pytest.TempPathFactory,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str], packed_tf_mirror: Path) -> None:
    """external-dns (Azure DNS as a workload identity the aks module does not build) shipped with empty values and
    failed the repository's own CI (wiring/identity-missing in every environment); it is now reported, not installed,
    and the whole repository validates, `terraform validate` of every root included."""
    repo = rendered_plan(NORTHWIND, tmp_path_factory)
    assert not list(repo.rglob("external-dns.yaml"))
    code, out = strict_validation(repo, monkeypatch, capsys, packed_tf_mirror)
    assert code == 0, out

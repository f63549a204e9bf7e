"""A plan's existing state storage is the one every backend names (bucket, DynamoDB lock table, its own region),
while the resources go to the deployment region; the repository validates clean with the real Terraform."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from render_helpers import generate, plan_variant, validate_strict
from testlib import PLANS, hcl_string, plan_group, rendered_plan

PLAN = PLANS / "aws-reporting-existing-state.plan.md"


@plan_group(PLAN)
def test_the_backend_names_the_plans_bucket_table_and_region(tmp_path_factory: pytest.TempPathFactory,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    repo = rendered_plan(PLAN, tmp_path_factory)
    root = repo / "terraform/environments/prod"
    backend = (root / "backend.tf").read_text(encoding="utf-8")
    assert hcl_string(backend, "bucket") == "acme-terraform-state-eu"
    assert hcl_string(backend, "dynamodb_table") == "terraform-locks"
    assert hcl_string(backend, "region") == "eu-west-1"
    assert hcl_string((root / "terraform.tfvars").read_text(encoding="utf-8"), "region") == "eu-central-1"
    assert not (repo / "terraform/bootstrap").exists()  # the plan creates no state storage
    code, report = validate_strict(repo, monkeypatch, capsys)
    assert code == 0, report


@plan_group(PLAN)
def test_production_keeps_the_one_nat_gateway_the_plan_allows(tmp_path_factory: pytest.TempPathFactory) -> None:
    """`Must not use more than one NAT gateway (cost)`: production's network gets one, not one per zone."""
    tfvars = (rendered_plan(PLAN, tmp_path_factory) / "terraform/environments/prod/terraform.tfvars").read_text()
    assert re.search(r"(?m)^nat_gateway_per_az\s*=\s*false$", tfvars), tfvars


def test_the_bootstrap_root_creates_the_bucket_the_plan_names(tmp_path: Path) -> None:
    """`state bucket `acme-ledger-tfstate`` with Terraform creating the state: the bootstrap root creates that bucket
    and every environment's backend names it (before, a name derived from the project replaced it silently)."""
    plan = plan_variant(tmp_path, PLANS / "gke-flux-secretmanager.plan.md", **{
        "**State Backend**: GCS": "**State Backend**: GCS, state bucket `acme-ledger-tfstate`"})
    repo = generate(plan, tmp_path / "repo", "https://github.com/acme/ledger.git")
    tfvars = (repo / "terraform/bootstrap/terraform.tfvars").read_text(encoding="utf-8")
    assert hcl_string(tfvars, "state_bucket_name") == "acme-ledger-tfstate"
    for env in ("dev", "staging", "prod"):
        backend = (repo / f"terraform/environments/{env}/backend.tf").read_text(encoding="utf-8")
        assert hcl_string(backend, "bucket") == "acme-ledger-tfstate", env


def test_the_azurerm_backends_name_the_plans_existing_storage_account(tmp_path: Path) -> None:
    plan = plan_variant(tmp_path, PLANS / "aks-argocd-keyvault.plan.md", **{
        "**State Backend**: Azure Blob  ": "**State Backend**: Azure Blob (existing storage account `stclaimstfstate` "
                                          "in resource group `rg-claims-tfstate`; created outside Terraform)  "})
    repo = generate(plan, tmp_path / "repo", "https://github.com/acme/claims.git")
    assert not (repo / "terraform/bootstrap").exists()
    backend = (repo / "terraform/environments/prod/backend.tf").read_text(encoding="utf-8")
    assert (hcl_string(backend, "storage_account_name"), hcl_string(backend, "resource_group_name")) == (
        "stclaimstfstate", "rg-claims-tfstate")
    readme = (repo / "terraform/README.md").read_text(encoding="utf-8")
    assert "exists already, as the plan says: storage account `stclaimstfstate`" in readme

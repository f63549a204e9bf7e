"""A state backend the plan creates outside Terraform: the Terraform README's first step creates it with the names
every backend block uses (so the first `terraform init` finds it), or says it exists when the plan names it."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from testlib import PLANS, hcl_string, plan_group, rendered_plan

JUGGERHUB = PLANS.parent / "plans-real" / "jnroesch--juggerhub--015-hosting.plan.md"
EXISTING = PLANS / "aws-reporting-existing-state.plan.md"


def _usage_step_one(readme: str) -> str:
    return readme.split("## Usage", 1)[1].split("\n2. ", 1)[0]


@plan_group(JUGGERHUB)
def test_the_azurerm_state_is_created_with_the_backends_names(tmp_path_factory: pytest.TempPathFactory) -> None:
    root = rendered_plan(JUGGERHUB, tmp_path_factory)
    backend = (root / "infra/live/backend.tf").read_text()
    group, account, container = (hcl_string(backend, k) for k in
                                 ("resource_group_name", "storage_account_name", "container_name"))
    step = _usage_step_one((root / "infra/README.md").read_text())
    assert f"az group create --name {group} " in step
    assert re.search(rf"az storage account create --name {account} --resource-group {group} ", step)
    assert "--allow-shared-key-access false" in step and "--allow-blob-public-access false" in step
    assert f"az storage container create --name {container} --account-name {account} --auth-mode login" in step
    assert '--role "Storage Blob Data Contributor"' in step  # use_azuread_auth: the backend signs in with Entra ID
    assert "use_azuread_auth     = true" in backend


def _outside_plan(tmp: Path) -> Path:
    """The existing-state fixture, its state created outside Terraform by someone else and named nowhere."""
    text = EXISTING.read_text()
    start, end = text.index("Terraform state goes into"), text.index("do not create a new backend.")
    text = (text[:start] + "Terraform state lives in an S3 bucket with a DynamoDB lock table, created outside "
            "Terraform\nby the platform team before the first apply." + text[end + len("do not create a new backend."):])
    text = re.sub(r"(?m)^- Must not create a new state bucket.*\n", "", text)
    text = re.sub(r"# s3 backend: .*", "# s3 backend", text)
    plan = tmp / "aws-state-outside.plan.md"
    plan.write_text(text)
    return plan


def test_the_s3_state_is_created_with_the_backends_names(tmp_path_factory: pytest.TempPathFactory) -> None:
    root = rendered_plan(_outside_plan(tmp_path_factory.mktemp("plan")), tmp_path_factory)
    assert not (root / "terraform/bootstrap").exists()
    backend = (root / "terraform/environments/prod/backend.tf").read_text()
    bucket, table, region = (hcl_string(backend, k) for k in ("bucket", "dynamodb_table", "region"))
    step = _usage_step_one((root / "terraform/README.md").read_text())
    assert f"aws s3api create-bucket --bucket {bucket} --region {region} " in step
    for setting in ("put-bucket-versioning", "put-bucket-encryption", "put-public-access-block"):
        assert f"aws s3api {setting} --bucket {bucket} " in step
    assert f"aws dynamodb create-table --table-name {table} --region {region} " in step
    assert "AttributeName=LockID,KeyType=HASH" in step  # the key the S3 backend's DynamoDB lock writes


@plan_group(EXISTING)
def test_existing_state_storage_is_named_not_created(tmp_path_factory: pytest.TempPathFactory) -> None:
    step = _usage_step_one((rendered_plan(EXISTING, tmp_path_factory) / "terraform/README.md").read_text())
    assert "exists already" in step and "`acme-terraform-state-eu` in `eu-west-1`" in step
    assert "lock table `terraform-locks`" in step and "create-bucket" not in step

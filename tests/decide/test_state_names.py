"""The state storage a plan says exists already is the one every backend names: its bucket, its DynamoDB lock table
and its region, which is not the deployment's; a region named on a line about that storage is not the deployment
region."""
from __future__ import annotations

from testlib import PLANS, line_of

from planforge.decide import decide
from planforge.plan import parse_plan, parse_text

PLAN = PLANS / "aws-reporting-existing-state.plan.md"


def test_the_existing_bucket_table_and_region_are_read() -> None:
    d = decide(parse_plan(PLAN))
    a = d.answers
    text = PLAN.read_text(encoding="utf-8")
    assert (a.state_bootstrap, a.state_bucket_name, a.lock_table_name) == (
        False, "acme-terraform-state-eu", "terraform-locks")
    assert d.provenance["state_bucket_name"].line == line_of(text, "`acme-terraform-state-eu` (key")
    # `reuse `acme-terraform-state-eu` / `terraform-locks` (region eu-west-1)`: the bucket's region ...
    assert a.existing_state_region == "eu-west-1"
    # ... while the deployment is where the Target Platform says
    assert a.region == "eu-central-1" and d.provenance["region"].line == line_of(text, "**Target Platform**")


def test_without_an_existing_bucket_planforge_names_it() -> None:
    text = PLAN.read_text(encoding="utf-8").replace("**existing** state bucket", "state").replace(
        "reuse `acme-terraform-state-eu` / `terraform-locks` (region eu-west-1)", "reuse them")
    a = decide(parse_text(text)).answers
    assert (a.state_bucket_name, a.existing_state_region) == ("", "")


def test_a_bucket_the_bootstrap_root_creates_is_not_read_as_existing() -> None:
    a = decide(parse_plan(PLANS / "aws-single-iac.plan.md")).answers
    assert a.state_bootstrap and (a.state_bucket_name, a.lock_table_name) == ("", "")


def test_a_word_of_prose_after_state_bucket_is_no_name() -> None:
    text = PLAN.read_text(encoding="utf-8").replace(
        "goes into the **existing** state bucket\n`acme-terraform-state-eu`", "goes into the **existing** state bucket\nfor the team")
    assert "state bucket\nfor the team" in text
    assert decide(parse_text(text)).answers.state_bucket_name == ""


def test_the_bucket_the_bootstrap_root_creates_keeps_the_plans_name() -> None:
    """`GCS state bucket `acme-ledger-tfstate`` with the state created by Terraform: the bootstrap root creates the
    bucket under that name and every backend names it; no lock table or region of its own is read."""
    text = (PLANS / "gke-flux-secretmanager.plan.md").read_text(encoding="utf-8")
    text = text.replace("**State Backend**: GCS", "**State Backend**: GCS, state bucket `acme-ledger-tfstate`", 1)
    assert "acme-ledger-tfstate" in text
    d = decide(parse_text(text))
    a = d.answers
    assert (a.state_bootstrap, a.state_backend, a.state_bucket_name) == (True, "gcs", "acme-ledger-tfstate")
    assert (a.lock_table_name, a.existing_state_region) == ("", "")
    assert d.provenance["state_bucket_name"].line == line_of(text, "acme-ledger-tfstate")


def test_the_bucket_and_table_named_on_the_state_backend_line_are_created_under_those_names() -> None:
    """`State Backend: S3+DynamoDB (bucket `acme-payments-tfstate`, lock table `acme-payments-tflock`)`: before, both
    were listed as not applied ("the state's names are planforge's") and the bootstrap root created others."""
    text = (PLANS / "aws-eks-argocd.plan.md").read_text(encoding="utf-8")
    assert "**State Backend**: S3+DynamoDB" in text
    text = text.replace("**State Backend**: S3+DynamoDB", "**State Backend**: S3+DynamoDB (bucket "
                        "`acme-payments-tfstate`, lock table `acme-payments-tflock`)")
    d = decide(parse_text(text))
    a = d.answers
    assert (a.state_bootstrap, a.state_bucket_name, a.lock_table_name) == (True, "acme-payments-tfstate",
                                                                           "acme-payments-tflock")
    assert not [n for n in d.not_applied if "acme-payments" in n.text]


def test_an_existing_azure_storage_account_and_its_resource_group_are_the_backends() -> None:
    """`Azure Blob (existing storage account `stclaimstfstate` in resource group `rg-claims-tfstate`, container
    `tfstate`; created outside Terraform)`: before, a bootstrap root created another account (the `:` and `;` of the
    line hid both statements) and every backend named it."""
    text = (PLANS / "aks-argocd-keyvault.plan.md").read_text(encoding="utf-8")
    assert "**State Backend**: Azure Blob  " in text
    text = text.replace("**State Backend**: Azure Blob  ", "**State Backend**: Azure Blob (existing storage account "
                        "`stclaimstfstate` in resource group `rg-claims-tfstate`, container `tfstate`; created outside "
                        "Terraform)  ")
    a = decide(parse_text(text)).answers
    assert (a.state_bootstrap, a.state_bucket_name, a.state_resource_group_name) == (
        False, "stclaimstfstate", "rg-claims-tfstate")

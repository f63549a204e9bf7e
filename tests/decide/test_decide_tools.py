"""Tools and platforms named on any plan line: what planforge generates is used, what it does not is refused
naming the tool and its line, or reported as not applied; never replaced silently."""
from __future__ import annotations

import pytest

from testlib import line_of, PLANS
from planforge.decide import decide
from planforge.errors import RefusedError
from planforge.plan import parse_text

BASE = (PLANS / "tools" / "terraform-aws.plan.md").read_text(encoding="utf-8")


def decided(text: str):
    return decide(parse_text(text, "p.md"))


def refused(text: str) -> list:
    with pytest.raises(RefusedError) as exc:
        decided(text)
    return exc.value.problems


def test_base_plan_uses_what_it_names():
    d = decided(BASE)
    a = d.answers
    assert (a.cloud, a.iac_tool, a.state_locking, a.secrets_manager) == ("aws", "terraform", "dynamodb",
                                                                         "aws-secrets-manager")
    # Argo CD is named in the Summary and a requirement only: used, citing the requirement (Summary never feeds
    # an answer)
    assert a.gitops == "argocd" and d.provenance["gitops"].line == line_of(BASE, "FR-001")


def test_yandex_cloud_is_refused_naming_yandex_and_its_line():
    text = (BASE.replace("on AWS with", "on Yandex Cloud with").replace("hashicorp/aws provider (~> 5.100)",
                                                                       "yandex-cloud/yandex provider (~> 0.120)")
            .replace("AWS EKS 1.30 in eu-west-1", "Yandex Managed Service for Kubernetes 1.30")
            .replace("AWS Secrets Manager", "Lockbox").replace("RDS PostgreSQL", "PostgreSQL"))
    problems = refused(text)
    assert [p.message for p in problems if "no cloud named" in p.message] == []
    [p] = [p for p in problems if "Yandex" in p.message]
    # the first line naming it outside the Summary: the provider in Primary Dependencies
    assert p.line == line_of(text, "yandex-cloud/yandex provider") and "AWS, Azure, GCP, DigitalOcean or Oracle Cloud" in p.message
    assert p.field == "yandex"


@pytest.mark.parametrize("cloud", ["Hetzner Cloud", "Alibaba Cloud", "OpenStack"])
def test_other_unsupported_clouds_are_refused_by_name(cloud):
    text = (BASE.replace("on AWS with", f"on {cloud} with").replace("hashicorp/aws provider (~> 5.100)", "its provider")
            .replace("AWS EKS 1.30 in eu-west-1", f"{cloud}, Kubernetes 1.30").replace("AWS Secrets Manager", "Vault")
            .replace("RDS PostgreSQL", "PostgreSQL"))
    [p] = [p for p in refused(text) if p.line == line_of(text, "**Target Platform**")]
    assert "not supported" in p.message


def test_unsupported_cloud_beside_a_supported_one_is_reported_not_applied():
    text = BASE.replace("- **FR-002**", "- **FR-003**: Nightly backups are copied to Hetzner storage boxes.\n- **FR-002**")
    d = decided(text)
    [n] = [n for n in d.not_applied if n.text == "Hetzner"]
    assert n.line == line_of(text, "Hetzner storage") and "not generated" in n.why


# ECS on Fargate is built for an AWS plan (tests/decide/test_decide_serverless.py): on this plan's cloud it is no refusal
@pytest.mark.parametrize("runtime,said", [("Cloud Run", "Cloud Run"), ("Azure App Service", "App Service"),
                                          ("AWS Lambda", "Lambda")])
def test_serverless_runtime_without_kubernetes_is_refused(runtime, said):
    text = (BASE.replace("a VPC, an EKS cluster and", f"a VPC, {runtime} services and")
            .replace("**Target Platform**: AWS EKS 1.30 in eu-west-1", f"**Target Platform**: {runtime} in eu-west-1")
            .replace(", with Kubernetes manifests for the\ncluster add-ons.", ".")
            .replace("│   └── eks/            # cluster\n", "")
            .replace("Workloads are delivered by Argo CD from this repository", "Deploys run from CI"))
    problems = refused(text)
    lines = {p.line for p in problems if said in p.message}
    assert lines == {line_of(text, "**Target Platform**")}  # the Summary never feeds a decision
    assert all("Kubernetes" in p.message for p in problems if said in p.message)


def test_serverless_beside_kubernetes_is_not_applied():
    text = BASE.replace("- **FR-002**", "- **FR-003**: Thumbnails are resized by an AWS Lambda function.\n- **FR-002**")
    d = decided(text)
    assert [n.line for n in d.not_applied if n.text == "Lambda"] == [line_of(text, "AWS Lambda")]


@pytest.mark.parametrize("tool", ["Pulumi", "CloudFormation", "CDK"])
def test_other_iac_tool_named_as_the_iac_is_refused(tool):
    text = BASE.replace("Terraform", tool).replace("terraform", tool.lower()).replace("HCL (", "TypeScript (")
    problems = refused(text)
    [p] = [p for p in problems if tool in p.message]
    assert p.line == line_of(text, "**Language/Version**") and "Terraform" in p.message


def test_iac_tool_named_as_an_alternative_is_not_applied():
    text = BASE.replace("- **FR-002**", "- **FR-003**: Pulumi was considered and rejected.\n- **FR-002**")
    d = decided(text)
    [n] = [n for n in d.not_applied if n.text == "Pulumi"]
    assert n.line == line_of(text, "Pulumi was") and "optional" in n.why


def test_negated_tool_is_ignored():
    text = BASE.replace("no long-lived credentials in CI", "no Pulumi, no CloudFormation")
    d = decided(text)
    assert not [n for n in d.not_applied if n.text in ("Pulumi", "CloudFormation")]


def test_flux_chosen_on_a_line_is_the_gitops_tool():
    text = BASE.replace("delivered by Argo CD", "delivered by Flux")
    d = decided(text)
    assert d.answers.gitops == "flux" and d.provenance["gitops"].line == line_of(text, "FR-001")
    assert "flux" in d.answers.blueprints and "argocd" not in d.answers.blueprints
    assert not [n for n in d.not_applied if n.text == "Flux"]


def test_argo_cd_and_flux_both_chosen_is_a_contradiction_naming_both_lines():
    text = BASE.replace("from this repository.\n",
                        "from this repository.\n- **FR-099**: Platform add-ons are synced by Flux.\n")
    [p] = [p for p in refused(text) if "Flux" in p.message]
    argo, flux = line_of(text, "FR-001"), line_of(text, "FR-099")
    assert "contradiction" in p.message and f"lines {argo} (Argo CD) and {flux} (Flux)" in p.message
    assert p.line == argo


def test_terragrunt_is_reported_not_applied_with_its_line():
    text = BASE.replace("│   └── eks/            # cluster", "│   └── eks/            # cluster, wrapped by Terragrunt")
    d = decided(text)
    [n] = [n for n in d.not_applied if n.text == "Terragrunt"]
    assert n.line == line_of(text, "wrapped by Terragrunt")


TOFU = (PLANS / "tools" / "opentofu-aws.plan.md").read_text(encoding="utf-8")


def test_opentofu_chosen_on_a_line_is_the_iac_tool_with_its_version():
    d = decided(TOFU)
    line = line_of(TOFU, "OpenTofu 1.8")
    assert (d.answers.iac_tool, d.answers.terraform_version) == ("opentofu", "1.8")
    assert d.provenance["iac_tool"].line == line and d.provenance["terraform_version"].line == line
    assert not [n for n in d.answers.not_applied if n.text == "OpenTofu"] and not d.warnings


def test_opentofu_without_a_version_defaults_to_its_first_release():
    d = decided(TOFU.replace("HCL (OpenTofu 1.8)", "HCL (OpenTofu)"))
    assert (d.answers.iac_tool, d.answers.terraform_version) == ("opentofu", "1.6")
    assert d.provenance["terraform_version"].source == "default"


def test_opentofu_version_before_its_first_release_is_refused():
    text = TOFU.replace("HCL (OpenTofu 1.8)", "HCL (OpenTofu 1.5)")
    [p] = [p for p in refused(text) if "OpenTofu 1.5" in p.message]
    assert p.line == line_of(text, "OpenTofu 1.5") and "1.6" in p.message


def test_opentofu_named_as_an_alternative_keeps_terraform_and_says_so():
    text = BASE.replace("HCL (Terraform >= 1.11)", "HCL (Terraform >= 1.11 rather than OpenTofu)")
    d = decided(text)
    assert (d.answers.iac_tool, d.answers.terraform_version) == ("terraform", "1.11")
    [n] = [n for n in d.answers.not_applied if n.text == "OpenTofu"]
    assert n.line == line_of(text, "rather than OpenTofu") and "Terraform chosen" in n.why


def test_sops_without_a_secrets_manager_is_refused():
    text = BASE.replace("Secrets are read from AWS Secrets Manager", "Secrets are encrypted in git with SOPS and age")
    [p] = [p for p in refused(text) if "SOPS" in p.message]
    assert p.line == line_of(text, "with SOPS")


@pytest.mark.parametrize("storage", [
    "S3 remote state with the native S3 lock file (use_lockfile); no DynamoDB table",
    "S3 remote state locked with S3 lock files, not DynamoDB",
])
def test_s3_lock_file_is_used_and_dynamodb_never_credited(storage):
    text = BASE.replace("S3 remote state with DynamoDB for state locking", storage)
    d = decided(text)
    assert (d.answers.state_backend, d.answers.state_locking) == ("s3", "lockfile")
    assert d.provenance["state_locking"].line == line_of(text, storage)


def test_dynamodb_named_for_locking_is_kept():
    d = decided(BASE)
    assert d.answers.state_locking == "dynamodb"


EKS = (PLANS / "aws-eks-argocd.plan.md").read_text(encoding="utf-8")


def test_opentofu_in_the_iac_tools_field_is_the_iac_tool_and_terragrunt_is_not_applied():
    text = EKS.replace("**IaC Tools**: Terraform 1.7", "**IaC Tools**: OpenTofu 1.7 with Terragrunt")
    d = decided(text)
    line = line_of(text, "**IaC Tools**")
    assert (d.answers.iac_tool, d.answers.terraform_version) == ("opentofu", "1.7")
    assert {n.text for n in d.answers.not_applied if n.line == line} == {"Terragrunt"}


def test_tofu_inside_a_hyphenated_name_is_not_opentofu():
    d = decided(BASE.replace("014-platform-infra", "014-platform-tofu"))
    assert d.answers.iac_tool == "terraform" and not [n for n in d.answers.not_applied if n.text == "OpenTofu"]


@pytest.mark.parametrize(("field", "tool"), [
    ("Terraform 1.7, OpenTofu later", "terraform"),
    ("Terraform 1.7 / OpenTofu", "terraform"),
    ("OpenTofu 1.7 (Terraform-compatible)", "opentofu"),
    ("OpenTofu 1.7 rather than Terraform", "opentofu"),
    ("Terraform 1.7 rather than OpenTofu", "terraform"),
])
def test_the_tool_named_first_as_the_choice_in_the_iac_tools_field_is_the_iac_tool(field, tool):
    text = EKS.replace("**IaC Tools**: Terraform 1.7", f"**IaC Tools**: {field}")
    assert decided(text).answers.iac_tool == tool


def test_terraform_linters_named_become_linters_and_other_checks_are_reported_not_applied():
    """tflint and checkov named for the generated Terraform run in its CI (`linters`, with the Testing line as
    provenance); helm unittest is not run: reported with its line."""
    text = BASE.replace("terraform fmt -check, tflint", "terraform fmt -check, tflint, checkov, helm unittest")
    d = decided(text)
    testing = line_of(text, "**Testing**")
    assert d.answers.linters == ["tflint", "checkov"]
    assert d.provenance["linters"].source == "plan" and d.provenance["linters"].line == testing
    reported = {n.text: n for n in d.not_applied}
    assert "tflint" not in reported and "checkov" not in reported
    assert reported["helm unittest"].line == testing and "not run" in reported["helm unittest"].why


def test_a_linter_named_as_optional_is_not_run():
    text = BASE.replace("terraform fmt -check, tflint", "terraform fmt -check, optionally tflint later")
    d = decided(text)
    assert d.answers.linters == [] and d.provenance["linters"].source != "plan"
    assert {n.text for n in d.not_applied} >= {"tflint"}


def test_powershell_scripts_named_are_reported_not_applied():
    text = BASE.replace("terraform fmt -check, tflint", "terraform fmt -check; scripts are PowerShell only")
    [n] = [n for n in decided(text).not_applied if n.text == "PowerShell"]
    assert n.line == line_of(text, "PowerShell only") and "bash" in n.why


def test_a_secrets_manager_named_beside_the_chosen_one_is_reported():
    text = BASE.replace("**Testing**:", "**Secrets Management**: Kubernetes Secrets + Azure Key Vault (optional)\n"
                        "**Testing**:")
    d = decided(text)
    assert d.answers.secrets_manager == "kubernetes"
    [n] = [n for n in d.not_applied if "Vault" in n.text]  # once: `Vault` of `Azure Key Vault` is not another
    assert (n.line, n.text) == (line_of(text, "Secrets Management"), "Azure Key Vault") and "kubernetes" in n.why


def test_s3_native_locking_before_terraform_1_10_says_the_roots_require_1_10():
    """The plan's Terraform 1.9 with S3 native locking: the roots require 1.10 (use_lockfile), and the version's
    decision says so instead of reading as if 1.9 were used; DynamoDB locking leaves the version as it is."""
    text = BASE.replace("(Terraform >= 1.11)", "(Terraform >= 1.9)")
    lockfile = decided(text.replace("with DynamoDB for state locking", "with native lockfile locking"))
    assert (lockfile.answers.terraform_version, lockfile.answers.state_locking) == ("1.9", "lockfile")
    note = lockfile.provenance["terraform_version"].note
    assert "the roots require >= 1.10" in note and "so 1.9 cannot run them" in note
    assert "1.10" not in (decided(text).provenance["terraform_version"].note or "")

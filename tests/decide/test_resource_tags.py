"""The tags a plan says its cloud resources carry (`tagged Project=payments, Owner=platform-team`): read as
`resource_tags` where the Terraform roots carry them (AWS, Azure, GCP labels), each key once, else reported with why."""
from __future__ import annotations

import pytest
from testlib import PLANS

from planforge.decide import decide
from planforge.decide.answers import ResourceTag
from planforge.plan import parse_text

TAGS = "All cloud resources carry the tags `Project=payments`, `Environment=<env>`, `Owner=platform-team` and " \
       "`CostCenter=CC-4471`."


def _decided(plan: str, statement: str, label: str = "Tagging"):
    text = (PLANS / plan).read_text(encoding="utf-8").replace("**Constraints**:", f"**{label}**: {statement}\n"
                                                                                   "**Constraints**:", 1)
    line = next(n for n, raw in enumerate(text.splitlines(), 1) if raw.startswith(f"**{label}**"))
    return decide(parse_text(text, "plan.md")), line


@pytest.mark.parametrize("plan", ["aws-eks-argocd.plan.md", "aks-argocd-keyvault.plan.md"])
def test_the_stated_tags_are_the_resources_tags_each_environment_its_own(plan: str):
    decided, line = _decided(plan, TAGS)
    assert decided.answers.resource_tags == [
        ResourceTag(key="Project", value="payments"), ResourceTag(key="Environment", value="${environment}"),
        ResourceTag(key="Owner", value="platform-team"), ResourceTag(key="CostCenter", value="CC-4471")]
    assert decided.provenance["resource_tags"].line == line
    assert not [n for n in decided.not_applied if n.line == line]
    assert "Project=payments, Environment=<environment>, Owner=platform-team, CostCenter=CC-4471" in \
        next(d.value for d in decided.answers.decisions if d.name == "resource_tags")


def test_a_key_stated_twice_keeps_its_first_value_and_reports_the_other():
    decided, line = _decided("aws-eks-argocd.plan.md", "Resources are tagged Owner=platform-team, then owner=sre.")
    assert decided.answers.resource_tags == [ResourceTag(key="Owner", value="platform-team")]
    [other] = [n for n in decided.not_applied if n.line == line]
    assert other.text == "owner=sre" and "platform-team" in other.why


@pytest.mark.parametrize("plan, why", [("doks-argocd.plan.md", "digitalocean roots carry planforge's own tags"),
                                       ("gke-flux-secretmanager.plan.md", "a GCP label takes lowercase letters"),
                                       ("aws-pulumi-invoices.plan.md", "pulumi stacks carry planforge's own tags")])
def test_tags_where_the_roots_carry_none_are_reported(plan: str, why: str):
    decided, line = _decided(plan, "Every resource is tagged `Owner=platform-team`.")
    assert decided.answers.resource_tags == []
    [reported] = [n for n in decided.not_applied if n.line == line]
    assert reported.text == "Owner=platform-team" and why in reported.why


def test_a_line_naming_no_tags_gives_none():
    decided, _ = _decided("aws-eks-argocd.plan.md", "The release is cut with VERSION=1.2.0 in the Makefile.", "Release")
    assert decided.answers.resource_tags == []


def test_resources_labelled_on_gcp_are_the_providers_default_labels():
    """`All resources labelled team=commerce and cost-center=cc-42 for budget reporting` on GKE: the google provider's
    default labels (the line was read as nothing at all); a Kubernetes label line is no resource tag."""
    decided, line = _decided("gke-flux-secretmanager.plan.md",
                             "All resources labelled team=commerce and cost-center=cc-42 for budget reporting")
    assert decided.answers.resource_tags == [ResourceTag(key="team", value="commerce"),
                                             ResourceTag(key="cost-center", value="cc-42")]
    assert not [n for n in decided.not_applied if n.line == line]
    pods, _ = _decided("gke-flux-secretmanager.plan.md", "Pods carry the labels app=web and tier=frontend", "Labels")
    assert pods.answers.resource_tags == []


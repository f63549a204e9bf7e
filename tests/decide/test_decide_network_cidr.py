"""The address space a plan states for its network is every environment's network where the plan has one network per
environment; where the layout gives each network a /16 of its own (regions, clouds, tenants' subnets carved from the
default) or the range cannot hold the subnets, the statement is reported with why, never silently replaced."""
from __future__ import annotations

from pathlib import Path

import pytest
from testlib import PLANS, line_of

from planforge.cli import main
from planforge.decide import decide
from planforge.plan import parse_text

SINGLE = (PLANS / "aws-single-iac.plan.md").read_text(encoding="utf-8")
CONSTRAINTS = "**Constraints**: SOC2, data residency EU"


def _stating(plan: str, anchor: str, words: str) -> str:
    text = plan.replace(anchor, anchor.replace("**: ", f"**: {words}, ", 1), 1)
    assert text != plan
    return text


def test_a_stated_slash16_is_each_environments_network_in_terraform(tmp_path: Path) -> None:
    text = _stating(SINGLE, CONSTRAINTS, "VPC CIDR 10.20.0.0/16")
    d = decide(parse_text(text, "plan.md"))
    assert d.answers.network_cidr == "10.20.0.0/16"
    assert d.provenance["network_cidr"].line == line_of(text, "VPC CIDR 10.20.0.0/16")
    assert not [n for n in d.not_applied if "10.20.0.0/16" in n.text]
    plan = tmp_path / "plan.md"
    plan.write_text(text, encoding="utf-8")
    assert main(["new", str(plan), str(tmp_path / "repo"), "--no-git"]) == 0
    for env in ("dev", "staging", "prod"):  # one network per environment, each a separate VPC taking the same range
        tfvars = (tmp_path / "repo/terraform/environments" / env / "terraform.tfvars").read_text()
        assert 'vpc_cidr    = "10.20.0.0/16" # the plan\'s address space' in tfvars, tfvars


@pytest.mark.parametrize(("plan", "anchor", "words", "why"), [
    ("aws-single-iac", CONSTRAINTS, "VPC CIDR 10.20.0.0/20", "carved from a private /16"),
    ("aws-single-iac", CONSTRAINTS, "VPC CIDR 100.20.0.0/16", "carved from a private /16"),
    ("aws-single-iac", CONSTRAINTS, "VPC CIDR 10.20.0.0/16 in prod and 10.21.0.0/16 in dev", "2 address spaces"),
    ("aws-eks-multiregion", "**Constraints**: PCI-DSS", "VPC CIDR 10.20.0.0/16", "a /16 of its own per region"),
    ("multi-tenant-saas", "**Constraints**: GDPR", "VPC CIDR 10.20.0.0/16", "tenants' database subnets"),
    ("aks-argocd-keyvault", "**Constraints**: PCI-DSS", "VNet CIDR 172.20.0.0/16", "AKS's service range"),
])
def test_an_address_space_the_layout_cannot_take_is_reported(plan: str, anchor: str, words: str, why: str) -> None:
    text = _stating((PLANS / f"{plan}.plan.md").read_text(encoding="utf-8"), anchor, words)
    d = decide(parse_text(text, "plan.md"))
    assert d.answers.network_cidr == ""
    notes = [n for n in d.not_applied if n.line == line_of(text, words) and "/" in n.text and n.text[0].isdigit()]
    assert notes and all(why in n.why and "10.0.0.0/16" in n.why for n in notes), notes


ENVIRONMENT_NETWORKS = ("\n| Setting | dev | staging | production |\n|---|---|---|---|\n"
                        "| VPC CIDR | 10.30.0.0/16 | 10.40.0.0/16 | {prod} |\n\n## Project Structure")


def test_an_environments_row_of_address_spaces_gives_each_environment_its_own(tmp_path: Path) -> None:
    text = SINGLE.replace("\n## Project Structure", ENVIRONMENT_NETWORKS.format(prod="10.50.0.0/16"), 1)
    d = decide(parse_text(text, "plan.md"))
    assert {s.name: s.network_cidr for s in d.answers.environment_sizing} == {
        "dev": "10.30.0.0/16", "staging": "10.40.0.0/16", "prod": "10.50.0.0/16"}
    assert d.answers.network_cidr == ""
    assert not [n for n in d.not_applied if "10." in n.text]
    plan = tmp_path / "plan.md"
    plan.write_text(text, encoding="utf-8")
    assert main(["new", str(plan), str(tmp_path / "repo"), "--no-git"]) == 0
    for env, cidr in (("dev", "10.30.0.0/16"), ("staging", "10.40.0.0/16"), ("prod", "10.50.0.0/16")):
        tfvars = (tmp_path / "repo/terraform/environments" / env / "terraform.tfvars").read_text()
        assert f'vpc_cidr    = "{cidr}" # the plan\'s address space of {env}\'s network' in tfvars, tfvars


def test_an_environments_address_space_the_subnets_cannot_fit_is_reported() -> None:
    text = SINGLE.replace("\n## Project Structure", ENVIRONMENT_NETWORKS.format(prod="10.50.0.0/20"), 1)
    d = decide(parse_text(text, "plan.md"))
    assert {s.name: s.network_cidr for s in d.answers.environment_sizing}["prod"] == ""
    [reported] = [n for n in d.not_applied if n.text == "10.50.0.0/20"]
    assert reported.why.startswith("prod's network takes the blueprint's address space (the subnets are carved")

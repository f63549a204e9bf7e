"""The state key and tags a plan states reach every environment root: `one state key per environment
(`berth/<env>/terraform.tfstate`)` (before: each root's path, `environments/dev/terraform.tfstate`, in silence) and a
tags table's rows (before: only `Project` was read; `ManagedBy` now replaces planforge's own `managed-by`)."""
from __future__ import annotations

import re

import pytest
from render_helpers import answers_context, render_macro
from testlib import FIXTURES, plan_group, rendered_plan

from planforge.decide import decide
from planforge.plan import parse_plan

BERTH = FIXTURES / "reviewed/aws-eks-berth.plan.md"
TALLY = FIXTURES / "reviewed/azure-aks-tally.plan.md"


@plan_group(BERTH)
def test_each_environment_root_stores_its_state_under_the_plans_key_and_carries_its_tags(tmp_path_factory) -> None:
    repo = rendered_plan(BERTH, tmp_path_factory)
    for env in ("dev", "staging", "prod"):
        root = repo / "terraform/environments" / env
        assert f'key            = "berth/{env}/terraform.tfstate"' in (root / "backend.tf").read_text()
        providers = root / "providers.tf"
        tags = dict(re.findall(r"^\s+(\w+)\s+= (.+)$", providers.read_text().split("tags = {")[1].split("}")[0], re.M))
        assert tags == {"Project": '"berth"', "Environment": "var.environment", "tenant": "var.tenant",
                        "ManagedBy": '"terraform"', "Owner": '"platform-team@tidewater.io"',
                        "CostCenter": '"CC-4410"'}
    # the bootstrap root keeps its own local state: the key is the environment roots'
    assert "berth/" not in (repo / "terraform/bootstrap/main.tf").read_text()


@pytest.mark.parametrize(("plan", "env", "expected"), [
    (TALLY, "prod", "prod.tfstate"),  # `one state key per env (`dev.tfstate`, `staging.tfstate`, `prod.tfstate`)`
    (BERTH, "dev", "berth/dev/terraform.tfstate"),
])
def test_the_state_file_and_a_gcs_prefix_follow_the_key(plan, env, expected) -> None:
    context = answers_context(decide(parse_plan(plan)).answers)
    assert render_macro("includes/terraform.jinja", "state_file", "environments/" + env, env, context=context) == expected
    assert render_macro("includes/terraform.jinja", "state_file", "tenants/acme/" + env, "", context=context) == \
        f"tenants/acme/{env}/terraform.tfstate"
    prefix = render_macro("includes/terraform.jinja", "state_prefix", expected, context=context)
    assert prefix == expected.removesuffix("/terraform.tfstate").removesuffix(".tfstate")

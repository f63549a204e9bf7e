"""Environments a plan names outside its Target Environment field are the generated environments."""
from __future__ import annotations

from pathlib import Path

import pytest
from testlib import PLANS

from planforge.decide import decide
from planforge.plan import parse_plan
from planforge.render.engine import render_new
from planforge.render.template import resolve_template


@pytest.mark.parametrize(("plan", "envs"), [("env-in-scope", ["prod"]), ("env-in-sentence", ["dev", "prod"])])
def test_generated_environments_are_the_ones_the_plan_names(plan: str, envs: list[str], tmp_path: Path):
    dest = tmp_path / plan
    render_new(decide(parse_plan(PLANS / f"{plan}.plan.md")).answers, dest, resolve_template(None, None), init_git=False)
    assert sorted(p.name for p in (dest / "terraform/environments").iterdir()) == envs
    assert sorted(p.name for p in (dest / "kubernetes/overlays").iterdir()) == envs
    for env in envs:
        tfvars = (dest / "terraform/environments" / env / "terraform.tfvars").read_text()
        assert f'environment = "{env}"' in tfvars
    if plan == "env-in-scope":  # "3-6 nodes (m6i.large) in one environment, prod": production settings
        tfvars = (dest / "terraform/environments/prod/terraform.tfvars").read_text()
        assert 'instance_type = "m6i.large"' in tfvars and "min_size      = 3" in tfvars
        assert "nat_gateway_per_az   = true" in tfvars

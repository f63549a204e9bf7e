"""The on-premise K3s review's plan rendered (tests/fixtures/reviewed/onprem-k3s-alder.plan.md): the components its
table names are installed in each environment at their pinned charts (the plan was refused whole before)."""
from __future__ import annotations

import yaml
from testlib import FIXTURES, plan_group, rendered_plan

ALDER = FIXTURES / "reviewed/onprem-k3s-alder.plan.md"


@plan_group(ALDER)
def test_metallb_longhorn_and_cloudnative_pg_are_installed_in_each_environment(tmp_path_factory) -> None:
    repo = rendered_plan(ALDER, tmp_path_factory)
    installed = {}
    for env in ("staging", "production"):
        for name in ("metallb", "longhorn", "cloudnative-pg"):
            app = yaml.safe_load((repo / f"argocd/applications/{env}/{name}.yaml").read_text())
            installed[env, name] = (app["spec"]["source"]["chart"], app["spec"]["destination"]["namespace"])
    assert installed["production", "metallb"] == ("metallb", "metallb-system")
    assert installed["production", "longhorn"] == ("longhorn", "longhorn-system")
    assert installed["staging", "cloudnative-pg"] == ("cloudnative-pg", "cnpg-system")

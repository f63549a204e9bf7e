"""The secrets manager entries the applications' ExternalSecrets read are listed in the README with the command that
creates each: nothing in the repository creates them, and an application whose entry is missing never starts."""
from __future__ import annotations

import pytest
import yaml
from testlib import PLANS, plan_group, rendered_plan

FLUX = PLANS / "aws-eks-flux.plan.md"


@plan_group(FLUX)
def test_every_entry_an_externalsecret_reads_is_listed_with_its_command(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    repo = rendered_plan(FLUX, tmp_path_factory)
    readme = (repo / "README.md").read_text()
    section = readme.split("## Secrets in aws-secrets-manager", 1)[1].split("\n## ", 1)[0]
    keys = set()
    for path in repo.glob("**/overlays/*/externalsecret.yaml"):
        [secret] = [d for d in yaml.safe_load_all(path.read_text()) if d]
        keys.add(secret["spec"]["dataFrom"][0]["extract"]["key"])
    assert len(keys) == 6  # two applications in three environments
    for key in keys:
        assert (f"`aws secretsmanager create-secret --region us-east-1 --name {key} "
                "--secret-string '{\"KEY\":\"value\"}'`") in section, key

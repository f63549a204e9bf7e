"""An AWS plan choosing CloudFormation gets one stack per environment of one root template: the key, network, compute
and database as nested stacks, each environment's figures in its parameter file, a deploy script that packages and
reviews a change set, and no Terraform. The whole repository passes `planforge validate --strict` (cfn-lint, nested
stacks' parameters checked against the templates they name), and a wrong property or a nested parameter the
template does not declare is caught at its line."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from testlib import PLANS, injected, plan_group, rendered_plan, require_tool

from planforge.cli import main

LEDGER = PLANS / "aws-cloudformation-ledger.plan.md"
CFN = "cloudformation"


def _template(path: Path) -> dict:
    """A CloudFormation template read with its short-form tags kept as plain values."""
    class _Loader(yaml.SafeLoader):
        pass
    _Loader.add_multi_constructor("!", lambda loader, tag, node: None)
    return yaml.load(path.read_text(), Loader=_Loader)  # noqa: S506 - a SafeLoader subclass


@plan_group(LEDGER)
def test_each_environment_is_one_stack_with_the_plans_figures(tmp_path_factory: pytest.TempPathFactory) -> None:
    root = rendered_plan(LEDGER, tmp_path_factory)
    assert not (root / "terraform").exists()
    assert sorted(p.name for p in (root / CFN / "stacks").iterdir()) == [
        "compute.yaml", "database.yaml", "kms.yaml", "network.yaml"]
    params = {env: json.loads((root / CFN / "parameters" / f"{env}.json").read_text())["Parameters"]
              for env in ("staging", "prod")}
    sized = {env: (p["InstanceType"], p["MinSize"], p["MaxSize"], p["DbInstanceClass"], p["MultiAz"],
                   p["BackupRetentionDays"], p["DeletionProtection"], p["NatGatewayPerAz"])
             for env, p in params.items()}
    assert sized == {"staging": ("m6i.large", "1", "2", "db.t4g.medium", "false", "3", "false", "false"),
                     "prod": ("m6i.2xlarge", "2", "8", "db.r6g.large", "true", "14", "true", "true")}
    assert {p["CustomerManagedKey"] for p in params.values()} == {"true"}  # PCI DSS: customer-managed keys
    main_yaml = _template(root / CFN / "main.yaml")
    declared = main_yaml["Parameters"]
    for p in params.values():  # every value reaches a parameter; every parameter without a default is given
        assert set(p) <= set(declared)
        assert {k for k, v in declared.items() if "Default" not in v} <= set(p)
    assert declared["DbStorageGb"]["Default"] == 200 and declared["DbMaxStorageGb"]["Default"] == 250
    network = _template(root / CFN / "stacks/network.yaml")["Resources"]
    assert sorted(k for k in network if k.startswith("PrivateSubnet") and k[-1].isdigit()) == [
        "PrivateSubnet0", "PrivateSubnet1"]  # the plan's 2 AZs
    database = _template(root / CFN / "stacks/database.yaml")["Resources"]
    assert (database["Database"]["Properties"]["Engine"], database["Database"]["Properties"]["EngineVersion"]) == (
        "mysql", "8.0.46")
    assert database["ParameterGroup"]["Properties"]["Family"] == "mysql8.0"
    assert database["Database"]["DeletionPolicy"] == "Snapshot"
    # the exported logs' groups exist before the instance, with the environment's retention (never RDS's own)
    assert database["Database"]["DependsOn"] == ["ErrorLogGroup", "SlowqueryLogGroup"]
    stack = (root / CFN / "stacks/database.yaml").read_text()
    assert all(f"LogGroupName: !Sub /aws/rds/instance/${{Name}}/{log}" in stack for log in ("error", "slowquery"))
    assert stack.count("RetentionInDays: !Ref LogRetentionDays") == 2
    deploy = (root / CFN / "deploy.sh").read_text()
    assert deploy.startswith("#!/usr/bin/env bash") and (root / CFN / "deploy.sh").stat().st_mode & 0o111
    assert 'region="us-east-2"' in deploy and "--no-execute-changeset" in deploy
    assert "update-termination-protection" in deploy and "  prod)" in deploy
    ci = (root / ".github/workflows/validate.yml").read_text()
    assert '"cfn-lint==1.58.0"' in ci and "setup-terraform" not in ci
    hooks = (root / ".pre-commit-config.yaml").read_text()
    assert "id: cfn-lint" in hooks and "|cloudformation/)" in hooks and "terraform_fmt" not in hooks
    readme = (root / "README.md").read_text()
    assert "ordinary CloudFormation code" in readme and f"| `{CFN}/` |" in readme
    # the post-deploy host suite knows the database it checks the hosts reach
    expected = yaml.safe_load((root / "validation/post-deploy/expected.yaml").read_text())
    assert expected["hosts"] == {"database_engine": "mysql"}


@plan_group(LEDGER)
def test_the_stacks_validate_and_a_defect_is_caught_at_its_line(
        tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> None:
    require_tool("cfn-lint")
    root = rendered_plan(LEDGER, tmp_path_factory)

    def findings(expected_exit: int) -> list[tuple[str, str, int]]:
        report = tmp_path / "report.json"
        assert main(["validate", str(root), "--strict", "--only", "cloudformation", "--format", "json",
                     "-o", str(report)]) == expected_exit
        checks = json.loads(report.read_text())["checks"]
        return [(f["rule"], f["file"], f["line"]) for c in checks for f in c["findings"]
                if f["severity"] == "error"]

    assert findings(0) == []
    kms = root / CFN / "stacks/kms.yaml"
    with injected(kms, "      EnableKeyRotation: true", "      EnableKeyRotations: true"):
        line = next(n for n, t in enumerate(kms.read_text().splitlines(), 1) if "EnableKeyRotations" in t)
        assert ("cloudformation/E3002", f"{CFN}/stacks/kms.yaml", line) in findings(1)
    stack = root / CFN / "main.yaml"
    with injected(stack, "        InstanceType: !Ref InstanceType", "        InstanceTypes: !Ref InstanceType"):
        assert {rule for rule, file, _ in findings(1) if file == f"{CFN}/main.yaml"} == {"cloudformation/E3043"}

"""An AWS plan choosing Pulumi gets one Python program with one stack per environment: the key, network, compute and
database as components, each environment's figures in its stack file, unit tests under Pulumi's mocks, a deploy
script that previews before it applies, and no Terraform. The program's own tests pass for every stack, and a
resource given an argument it does not take fails them."""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from testlib import PLANS, injected, plan_group, rendered_plan

from planforge.cli import main

LEDGER = PLANS / "aws-pulumi-invoices.plan.md"
UNITS_SCHEMA = Path(__file__).resolve().parents[2] / "src/planforge/data/units.schema.json"
PULUMI = "pulumi"


def _require_pulumi_sdk() -> None:
    for package in ("pulumi", "pulumi_aws"):
        if importlib.util.find_spec(package) is None:
            pytest.skip(f"the {package} package is not installed (pip install -e '.[test]')")


def _program_tests(program: Path) -> subprocess.CompletedProcess[str]:
    """The generated program's unit tests, run as its CI runs them (pytest in the program's directory)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "PYTEST_"))}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "ignore"],
                          cwd=program, env=env, capture_output=True, text=True, timeout=300, check=False)


@plan_group(LEDGER)
def test_each_environment_is_one_stack_with_the_plans_figures(tmp_path_factory: pytest.TempPathFactory) -> None:
    root = rendered_plan(LEDGER, tmp_path_factory)
    assert not (root / "terraform").exists()
    program = root / PULUMI
    project = yaml.safe_load((program / "Pulumi.yaml").read_text())
    assert project["name"] == "invoice-export" and project["runtime"]["name"] == "python"
    stacks = {env: yaml.safe_load((program / f"Pulumi.{env}.yaml").read_text())["config"]
              for env in ("dev", "staging", "prod")}
    keys = ("instanceType", "minSize", "maxSize", "natGatewayPerAz", "multiAz", "backupRetentionDays",
            "deletionProtection")
    sized = {env: tuple(c[f"invoice-export:{k}"] for k in keys) for env, c in stacks.items()}
    assert sized == {"dev": ("t3.medium", 1, 2, False, False, 3, False),
                     "staging": ("m6g.large", 2, 3, False, False, 3, False),
                     "prod": ("m6g.large", 2, 6, True, True, 30, True)}
    assert {c["aws:region"] for c in stacks.values()} == {"eu-west-1"}  # EU data residency
    assert stacks["dev"]["invoice-export:dbInstanceClass"] == "db.t4g.small"
    assert stacks["prod"]["invoice-export:dbInstanceClass"] == "db.m6g.large"
    declared = project["config"]
    assert declared["dbStorageGb"]["default"] == 100 and declared["zones"]["default"] == 3
    for config in stacks.values():  # every value is a declared setting; every setting without a default is set
        mine = {k.split(":", 1)[1] for k in config if k.startswith("invoice-export:")}
        assert mine <= set(declared)
        assert {k for k, spec in declared.items() if "default" not in spec} <= mine
    database = (program / "infra/database.py").read_text()
    assert 'ENGINE_VERSION = "16"' in database and 'family="postgres16"' in database
    requirements = [ln for ln in (program / "requirements.txt").read_text().splitlines() if "==" in ln]
    ci = (root / ".github/workflows/validate.yml").read_text()
    assert len(requirements) == 2 and all(f'"{pin}"' in ci for pin in requirements) and "pulumi-test:" in ci and "setup-terraform" not in ci
    deploy = program / "deploy.sh"
    assert deploy.stat().st_mode & 0o111 and 'region="eu-west-1"' in deploy.read_text()
    assert "pulumi preview" in deploy.read_text() and "LocationConstraint" in deploy.read_text()
    readme = (root / "README.md").read_text()
    assert "ordinary Pulumi code" in readme and f"| `{PULUMI}/` |" in readme
    # the post-deploy host suite knows the database it checks the hosts reach
    expected = yaml.safe_load((root / "validation/post-deploy/expected.yaml").read_text())
    assert expected["hosts"] == {"database_engine": "postgres"}


@plan_group(LEDGER)
def test_the_programs_tests_pass_for_every_stack_and_catch_a_wrong_argument(
        tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> None:
    _require_pulumi_sdk()
    program = tmp_path / PULUMI
    shutil.copytree(rendered_plan(LEDGER, tmp_path_factory) / PULUMI, program)
    result = _program_tests(program)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "21 passed" in result.stdout, result.stdout  # 7 tests x 3 stacks
    with injected(program / "infra/network.py", "cidr_block=s.cidr_block, enable_dns_support",
                  "cidr_blocks=s.cidr_block, enable_dns_support"):
        result = _program_tests(program)
    assert result.returncode != 0
    assert "unexpected keyword argument 'cidr_blocks'" in result.stdout
    with injected(program / "infra/compute.py", "min_size=s.min_size", "min_size=s.max_size"):
        result = _program_tests(program)
    assert "test_compute_figures" in result.stdout and result.returncode != 0


@plan_group(LEDGER)
def test_the_program_validates_and_a_wrong_argument_is_caught_at_its_line(
        tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> None:
    """planforge validate reads the program without running it: the same defect the program's tests catch by running
    it is an error at its file and line."""
    _require_pulumi_sdk()
    root = tmp_path / "repo"
    shutil.copytree(rendered_plan(LEDGER, tmp_path_factory), root)

    def findings(expected_exit: int) -> list[tuple[str, str, int]]:
        report = tmp_path / "report.json"
        assert main(["validate", str(root), "--strict", "--format", "json", "-o", str(report)]) == expected_exit
        checks = json.loads(report.read_text())["checks"]
        if expected_exit == 0:  # the program's calls were checked against the SDK, not skipped
            assert {(c["name"], c["status"]) for c in checks if c["validator"] == "pulumi"} == {
                ("project", "passed"), ("syntax", "passed"), ("sdk", "passed")}
        return [(f["rule"], f["file"], f["line"]) for c in checks for f in c["findings"] if f["severity"] == "error"]

    assert findings(0) == []
    units = tmp_path / "units.json"
    assert main(["validate", str(root), "--list-units", "-o", str(units)]) == 0
    listed = json.loads(units.read_text())
    jsonschema.validate(listed, json.loads(UNITS_SCHEMA.read_text()))
    assert [u["id"] for u in listed["units"] if u["kind"] == "pulumi-project"] == [f"pulumi-project:{PULUMI}"]
    network = root / PULUMI / "infra/network.py"
    with injected(network, "cidr_block=s.cidr_block, enable_dns_support", "cidr_blocks=s.cidr_block, enable_dns_support"):
        line = next(n for n, t in enumerate(network.read_text().splitlines(), 1) if "cidr_blocks=" in t)
        assert findings(1) == [("pulumi/sdk-argument", f"{PULUMI}/infra/network.py", line)]
    stack = root / PULUMI / "Pulumi.prod.yaml"
    with injected(stack, "  invoice-export:minSize: 2\n", ""):
        config_line = stack.read_text().splitlines().index("config:") + 1  # the mapping the key is missing from
        assert findings(1) == [("pulumi/stack-config", f"{PULUMI}/Pulumi.prod.yaml", config_line)]

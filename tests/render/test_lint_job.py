"""The generated `lint` job over generated AWS, Azure, GCP and multi-cloud repositories (the plans of
tests/fixtures/checkov/plans/ and one real plan name tflint and checkov). checkov: by default, that the step's command
and the repository's .checkov.yaml agree with includes/checkov-kept.yaml for its clouds; with `-m checkov`
(`bash scripts/checkov.sh --all`, which installs the pinned checkov), that the real checkov, run as the workflow states
the step, fails no check. tflint is not run here: its .tflint.hcl is checked to be canonical HCL (Terraform's own
parser) with every plugin pinned."""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import hcl2
import pytest
import yaml
from testlib import FIXTURES, REAL_PLANS, REPO

from planforge.decide import decide
from planforge.plan import parse_plan
from planforge.render.engine import render_new
from planforge.render.template import resolve_template

# One plan per cloud naming tflint and checkov, a multi-cloud one (AWS and Azure) and the real plan that names them
# (Azure, Terraform under infra/).
PLAN_FILES = [*(FIXTURES / "checkov/plans" / f"{name}.plan.md"
                for name in ("aws", "azure", "gcp", "multicloud-aws-azure")),
              REAL_PLANS / "jnroesch--juggerhub--015-hosting.plan.md"]


@pytest.fixture(scope="module", params=PLAN_FILES, ids=lambda p: p.name.removesuffix(".plan.md"))
def generated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], Path]:
    """(the repository's clouds, the repository generated from the plan), once per plan."""
    decided = decide(parse_plan(request.param))
    assert decided.answers.linters == ["tflint", "checkov"]
    dest = tmp_path_factory.mktemp("lint") / "repo"
    # The session's template cache (conftest's isolated_cache, not yet applied to a module fixture), not the user's.
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PLANFORGE_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "planforge-cache"))
        env.setenv("PLANFORGE_CONFIG", str(tmp_path_factory.getbasetemp() / "planforge-cache" / "no-config.yaml"))
        env.delenv("PLANFORGE_TEMPLATE", raising=False)
        render_new(decided.answers, dest, resolve_template(None, None), init_git=False)
    return decided.answers.clouds or [decided.answers.cloud], dest


def lint_job(repo: Path) -> dict:
    return yaml.safe_load((repo / ".github/workflows/validate.yml").read_text())["jobs"]["lint"]


def checkov_command(repo: Path) -> str:
    """The `run` of the lint job's step that runs checkov (exactly one)."""
    runs = [step["run"] for step in lint_job(repo)["steps"] if step.get("run", "").startswith("checkov ")]
    assert len(runs) == 1, runs
    return runs[0]


def kept_ids(clouds: list[str]) -> list[str]:
    kept = yaml.safe_load((REPO / "includes/checkov-kept.yaml").read_text())["kept"]
    return [check["id"] for check in kept if check["applies"] in clouds]


def test_the_lint_job_runs_checkov_over_the_terraform_with_the_config_skipping_the_clouds_kept_checks(generated):
    """The step reads .checkov.yaml, scans the repository's Terraform directory and gates (no --soft-fail); the
    config skips exactly the checks kept on purpose for the repository's clouds, none of another cloud's or
    Kubernetes'; pre-commit's checkov hook reads the same config."""
    clouds, repo = generated
    args = shlex.split(checkov_command(repo))
    assert args[:3] == ["checkov", "--config-file", ".checkov.yaml"]
    assert args[args.index("--framework") + 1] == "terraform" and "--soft-fail" not in args
    directory = repo / args[args.index("--directory") + 1]
    assert any(directory.rglob("*.tf"))
    assert kept_ids(clouds) and yaml.safe_load((repo / ".checkov.yaml").read_text()) == {"skip-check": kept_ids(clouds)}
    assert "--args=--config-file=__GIT_WORKING_DIR__/.checkov.yaml" in (repo / ".pre-commit-config.yaml").read_text()
    installs = [step["run"] for step in lint_job(repo)["steps"] if "pip install" in step.get("run", "")]
    assert installs == ['python -m pip install "checkov==${CHECKOV_VERSION}"']


@pytest.mark.checkov
def test_checkov_fails_no_check_when_run_as_the_lint_job_runs_it(generated):
    """The real checkov, at the version the job pins, run with the step's command from the checkout's root (as
    GitHub runs a `run` step: bash -e), passes: every check either passes or is skipped with its reason."""
    clouds, repo = generated
    checkov = shutil.which("checkov")
    if checkov is None:
        pytest.fail("checkov is not on PATH: run `bash scripts/checkov.sh --all`, which installs the pinned version")
    version = subprocess.run([checkov, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    assert version == lint_job(repo)["env"]["CHECKOV_VERSION"]
    proc = subprocess.run(["bash", "-e", "-c", checkov_command(repo)], cwd=repo, capture_output=True, text=True,
                          env={**os.environ, "PATH": f"{Path(checkov).parent}{os.pathsep}{os.environ['PATH']}"},
                          timeout=1800)
    assert proc.returncode == 0, f"{clouds}: checkov failed checks:\n{proc.stdout[-6000:]}{proc.stderr[-2000:]}"
    assert "Failed checks: 0" in proc.stdout


RULESETS = {"aws": "aws", "azure": "azurerm", "gcp": "google"}  # the tflint ruleset plugin of each cloud


def test_tflint_config_is_canonical_hcl_with_every_plugin_pinned(generated):
    """.tflint.hcl parses with HashiCorp's HCL parser (`terraform fmt -` leaves it unchanged) and declares the
    terraform ruleset and each of the repository's clouds', each enabled at an exact version from terraform-linters on
    GitHub; the lint job initialises and runs tflint with it."""
    clouds, repo = generated
    text = (repo / ".tflint.hcl").read_text()
    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.skip("terraform is not on PATH: its HCL parser checks .tflint.hcl")
    proc = subprocess.run([terraform, "fmt", "-"], input=text, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout == text, proc.stderr
    plugins = {name.strip('"'): body for block in hcl2.loads(text)["plugin"] for name, body in block.items()}
    assert set(plugins) == {"terraform", *(RULESETS[cloud] for cloud in clouds)}
    for name, body in plugins.items():
        assert body["enabled"] is True and re.fullmatch(r'"\d+\.\d+\.\d+"', body["version"]), (name, body)
        assert body["source"] == f'"github.com/terraform-linters/tflint-ruleset-{name}"'
    runs = [step.get("run", "") for step in lint_job(repo)["steps"]]
    assert any('tflint --init --config "${PWD}/.tflint.hcl"' in run for run in runs)
    assert re.fullmatch(r"v\d+\.\d+\.\d+", lint_job(repo)["env"]["TFLINT_VERSION"])

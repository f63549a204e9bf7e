"""The composite GitHub Action (action.yml): clean under actionlint, its steps' scripts run as the
runner runs them: the validation's outcome decides, SARIF goes to code scanning only where that is
available (a notice otherwise and on pull requests from forks), and the upload never fails the job."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from render_helpers import REPO
from test_common_files import _actionlint

ACTION = yaml.safe_load((REPO / "action.yml").read_text())
STEPS = {step["name"]: step for step in ACTION["runs"]["steps"]}
PLANFORGE_BIN = Path(sys.executable).parent


def test_action_inputs_and_steps():
    assert ACTION["runs"]["using"] == "composite"
    assert {"path", "version", "install", "args", "format", "sarif-upload", "category"} <= set(ACTION["inputs"])
    upload = STEPS["Upload SARIF to code scanning"]
    assert upload["if"] == "steps.scanning.outputs.upload == 'true'" and upload["continue-on-error"] is True
    assert not any("always()" in str(step.get("if", "")) for step in ACTION["runs"]["steps"])
    assert list(STEPS)[-1] == "Outcome of the validation"


def test_action_is_clean_under_actionlint(tmp_path: Path):
    """actionlint reads workflows: the action's steps, as a reusable workflow with the same inputs."""
    command = _actionlint()
    inputs = {name: {"type": "string", "required": False, "default": spec.get("default", ""),
                     "description": spec["description"]} for name, spec in ACTION["inputs"].items()}
    workflow = {"name": "action", "on": {"workflow_call": {"inputs": inputs}}, "permissions": {"contents": "read"},
                "jobs": {"action": {"runs-on": "ubuntu-22.04", "steps": ACTION["runs"]["steps"]}}}
    path = tmp_path / ".github" / "workflows" / "action.yml"
    path.parent.mkdir(parents=True)
    path.write_text(yaml.safe_dump(workflow, sort_keys=False))
    proc = subprocess.run([*command, str(path)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_generated_workflows_pass_only_inputs_the_action_has(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    from render_helpers import PLANS, run_cli

    code, _, err = run_cli("new", str(PLANS / "aws-single-iac.plan.md"), str(tmp_path / "repo"), "--no-git",
                           capsys=capsys)
    assert code == 0, err
    workflow = yaml.safe_load((tmp_path / "repo/.github/workflows/validate.yml").read_text())
    calls = [s for job in workflow["jobs"].values() for s in job["steps"] if s.get("uses", "").startswith("planforge/")]
    assert calls and all(set(call["with"]) <= set(ACTION["inputs"]) for call in calls)
    assert all(call["with"]["command"] in ("validate", "report merge") for call in calls)


def _run_step(name: str, env: dict[str, str], tmp_path: Path, path: str = "") -> tuple[int, dict[str, str], str]:
    """Run one step's script as the runner runs `shell: bash` (`bash --noprofile --norc -eo pipefail`);
    (exit code, its GITHUB_OUTPUT, the log)."""
    output = tmp_path / "github_output"
    output.write_text("")
    full = {**os.environ, "RUNNER_TEMP": str(tmp_path), "GITHUB_OUTPUT": str(output), **env}
    if path:
        full["PATH"] = f"{path}{os.pathsep}{full['PATH']}"
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", STEPS[name]["run"]], env=full, capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    values = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
    return proc.returncode, values, proc.stdout + proc.stderr


@pytest.fixture
def defect(tmp_path: Path) -> Path:
    """A manifest with a policy finding (a pod with no security settings)."""
    root = tmp_path / "repo"
    root.mkdir()
    (root / "pod.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n"
                                   "    - name: web\n      image: nginx\n")
    return root


def test_run_records_the_outcome_and_writes_sarif_without_failing(defect: Path, tmp_path: Path):
    env = {"COMMAND": "validate", "TARGETS": str(defect), "ARGS": "--only schemas,policy --strict",
           "FORMAT": "sarif", "CATEGORY": "planforge/test"}
    code, out, log = _run_step("Run planforge", env, tmp_path, str(PLANFORGE_BIN))
    assert code == 0, log  # the outcome is decided in the last step, after the upload
    assert out["exit-code"] == "1"
    sarif = yaml.safe_load(Path(out["report"]).read_text())
    assert sarif["runs"][0]["automationDetails"]["id"].startswith("planforge/test")
    assert sarif["runs"][0]["results"]
    assert "error" in log  # the findings as text, for the log


@pytest.mark.parametrize(("status", "expected"), [("0", 0), ("1", 1), ("2", 2)])
def test_the_outcome_step_fails_on_findings_and_errors(status: str, expected: int, tmp_path: Path):
    assert _run_step("Outcome of the validation", {"STATUS": status}, tmp_path)[0] == expected


def _fake_gh(tmp_path: Path, stdout: str, code: int) -> str:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    gh = bin_dir / "gh"
    gh.write_text(f"#!/bin/sh\necho '{stdout}'\nexit {code}\n")
    gh.chmod(gh.stat().st_mode | stat.S_IEXEC)
    return str(bin_dir)


@pytest.mark.parametrize(("case", "env", "gh", "upload", "notice"), [
    ("available", {}, ('[{"id": 1}]', 0), "true", None),
    ("enabled, no analysis yet", {}, ('{"message": "no analysis found"}', 1), "true", None),
    ("not available", {}, ('{"message": "Advanced Security must be enabled for this repository"}', 1), "false",
     "code scanning is not available"),
    ("fork pull request", {"EVENT": "pull_request", "HEAD_REPO": "someone/fork"}, ('[]', 0), "false", "forks"),
    ("same-repository pull request", {"EVENT": "pull_request", "HEAD_REPO": "acme/infra"}, ('[]', 0), "true", None),
    ("turned off", {"UPLOAD": "false"}, ('[]', 0), "false", None),
    ("not sarif", {"FORMAT": "json"}, ('[]', 0), "false", None),
    ("forced", {"UPLOAD": "true"}, ('{"message": "Not Found"}', 1), "true", None),
])
def test_sarif_is_uploaded_only_where_code_scanning_is_available(case, env, gh, upload, notice, tmp_path: Path):
    report = tmp_path / "report.sarif"
    report.write_text("{}")
    base = {"UPLOAD": "auto", "FORMAT": "sarif", "REPORT": str(report), "EVENT": "push", "HEAD_REPO": "",
            "REPOSITORY": "acme/infra", "GH_TOKEN": "token"}
    code, out, log = _run_step("Is code scanning available?", {**base, **env}, tmp_path, _fake_gh(tmp_path, *gh))
    assert code == 0, log
    assert out["upload"] == upload, (case, log)
    if notice:
        assert "::notice" in log and notice in log, log

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
    assert {"path", "version", "install", "args", "format", "sarif-upload", "category", "fail-on", "config",
            "output-file"} <= set(ACTION["inputs"])
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
    """A repository generated from a team's template repository on GitHub uses its action (at the commit rendered)."""
    from render_helpers import PLANS, make_template_repo, run_cli

    from planforge.render.source import TemplateSource, fetched_from_cache

    fork = "https://github.com/acme/planforge.git"
    template = make_template_repo(tmp_path / "template", tag="v1")
    with fetched_from_cache(TemplateSource(fork, "v1", cache=str(template)), tmp_path / "copier"):
        code, _, err = run_cli("new", str(PLANS / "aws-single-iac.plan.md"), str(tmp_path / "repo"), "--no-git",
                               "--template", fork, capsys=capsys)
    assert code == 0, err
    workflow = yaml.safe_load((tmp_path / "repo/.github/workflows/validate.yml").read_text())
    calls = [s for job in workflow["jobs"].values() for s in job["steps"] if s.get("uses", "").startswith("acme/")]
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
           "FORMAT": "sarif", "CATEGORY": "planforge/test", "CONFIG": "", "OUTPUT_FILE": ""}
    code, out, log = _run_step("Run planforge", env, tmp_path, str(PLANFORGE_BIN))
    assert code == 0, log  # the outcome is decided in the last step, after the upload
    assert out["exit-code"] == "1"
    sarif = yaml.safe_load(Path(out["report"]).read_text())
    assert sarif["runs"][0]["automationDetails"]["id"].startswith("planforge/test")
    assert sarif["runs"][0]["results"]
    assert "error" in log  # the findings as text, for the log


@pytest.mark.parametrize(("status", "expected"), [("0", 0), ("1", 1), ("2", 2)])
def test_the_outcome_step_fails_on_findings_and_errors(status: str, expected: int, tmp_path: Path):
    env = {"STATUS": status, "WARNINGS": "0", "FAIL_ON": "error"}
    assert _run_step("Outcome of the validation", env, tmp_path)[0] == expected


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


def _warning_repo(root: Path) -> Path:
    """A tiny repository whose only finding is a warning (a Flux HelmRelease chart version range, not strict)."""
    root.mkdir()
    (root / "release.yaml").write_text(
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: web\n  namespace: shop\n"
        "spec:\n  interval: 10m\n  chart:\n    spec:\n      chart: web\n      version: \">=1.0.0\"\n"
        "      sourceRef:\n        kind: HelmRepository\n        name: charts\n---\n"
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: charts\n"
        "  namespace: shop\nspec:\n  interval: 1h\n  url: https://charts.example.com\n")
    return root


def _action(defect_or_repo: Path, tmp_path: Path, **inputs: str) -> tuple[int, dict[str, str], str]:
    """The Run step, then the Outcome step, with the inputs set as GitHub sets the steps' env from them."""
    run_env = {"COMMAND": inputs.get("command", "validate"), "TARGETS": str(defect_or_repo),
               "ARGS": inputs.get("args", ""), "FORMAT": inputs.get("format", "sarif"), "CATEGORY": "planforge",
               "CONFIG": inputs.get("config", ""), "OUTPUT_FILE": inputs.get("output-file", "")}
    code, out, log = _run_step("Run planforge", run_env, tmp_path, str(PLANFORGE_BIN))
    assert code == 0, log
    outcome_env = {"STATUS": out["exit-code"], "WARNINGS": out["warnings"], "FAIL_ON": inputs.get("fail-on", "error")}
    code, _, outcome_log = _run_step("Outcome of the validation", outcome_env, tmp_path)
    return code, out, log + outcome_log


@pytest.mark.parametrize(("fail_on", "on_error", "on_warning"), [("error", 1, 0), ("warning", 1, 1), ("never", 0, 0)])
def test_fail_on_decides_which_findings_fail_the_job(fail_on, on_error, on_warning, defect: Path, tmp_path: Path):
    code, out, log = _action(defect, tmp_path, args="--only policy", **{"fail-on": fail_on})
    assert (out["exit-code"], code) == ("1", on_error), log
    warned = _warning_repo(tmp_path / "warned")
    code, out, log = _action(warned, tmp_path, args="--only flux", **{"fail-on": fail_on})
    assert out["exit-code"] == "0" and int(out["warnings"]) >= 1, log
    assert code == on_warning, log
    assert _run_step("Outcome of the validation", {"STATUS": "2", "WARNINGS": "0", "FAIL_ON": fail_on},
                     tmp_path)[0] == 2, "planforge unable to validate must fail the job whatever fail-on says"


def test_an_unknown_fail_on_is_an_error(tmp_path: Path):
    code, _, log = _run_step("Outcome of the validation", {"STATUS": "0", "WARNINGS": "0", "FAIL_ON": "sometimes"},
                             tmp_path)
    assert code == 2 and "fail-on must be error, warning or never" in log


def test_config_names_the_settings_file_and_output_file_the_report(defect: Path, tmp_path: Path):
    config = tmp_path / "ci-settings.yaml"
    config.write_text("ignore_filename_patterns: ['pod\\.yaml$']\n")
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    code, out, log = _action(defect, tmp_path, args="--only policy", config=str(config), format="json",
                             **{"output-file": str(workspace / "reports" / "planforge.json")})
    report = yaml.safe_load((workspace / "reports" / "planforge.json").read_text())
    assert out["report"] == str(workspace / "reports" / "planforge.json")
    assert report["summary"]["errors"] == 0 and report["paths"] == [str(defect)], report["summary"]
    assert (out["exit-code"], code) == ("0", 0), log

    config.write_text("allow_outside: [/etc]\n")  # the settings file's rules hold for --config too
    code, out, log = _action(defect, tmp_path, args="--only policy", config=str(config))
    assert (out["exit-code"], code) == ("2", 2) and "'allow_outside' is not read from the settings file" in log

    code, out, log = _action(defect, tmp_path, command="report merge", config=str(config))
    assert (out["exit-code"], code) == ("2", 2) and "the config input applies to validate only" in log

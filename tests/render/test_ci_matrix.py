"""The generated CI workflow's unit-listing step, run locally: it emits a valid shard matrix and fails closed.

The step is taken from the generated workflow and run with bash in a git repository, as the `units` job
runs it. Most cases use a stand-in `planforge` that prints a given unit list, so the matrix arithmetic and
the fail-closed rules are tested on their own; one case runs the real `planforge validate --list-units`.
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from render_helpers import copy_template, sample_answers
from testlib import render_copy

STANDIN = """#!/bin/sh
# Stand-in for `planforge validate . --list-units [--changed-since REF]`.
case " $* " in
  *" --changed-since "*) cat "$STANDIN_CHANGED" ;;
  *" --list-units "*) cat "$STANDIN_ALL" ;;
  *) echo "stand-in: unexpected arguments: $*" >&2; exit 2 ;;
esac
"""


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ci-matrix")
    template = copy_template(root / "template")
    data = sample_answers(structure="multi-tool", blueprints=["terraform", "kubernetes", "argocd"],
                          tenants=[]).to_copier_data()
    render_copy(template, root / "repo", data)
    return root / "repo"


@pytest.fixture(scope="module")
def workflow(generated: Path) -> dict:
    return yaml.safe_load((generated / ".github/workflows/validate.yml").read_text())


def _git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout.strip()


def _repository(path: Path, files: dict[str, str]) -> Path:
    """A git repository whose first commit is `origin/main` (the pull request's base)."""
    path.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text)
    _git(path, "init", "-q", "-b", "main")
    _git(path, "add", "-A")
    _git(path, "commit", "-q", "-m", "base")
    _git(path, "update-ref", "refs/remotes/origin/main", "HEAD")
    return path


def _commit(repo: Path, name: str, text: str) -> None:
    (repo / name).parent.mkdir(parents=True, exist_ok=True)
    (repo / name).write_text(text)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", f"change {name}")


def _run_step(workflow: dict, repo: Path, base_ref: str, path: str, **env: str) -> tuple[int, dict[str, str], str]:
    job = workflow["jobs"]["units"]
    [step] = [s for s in job["steps"] if s.get("id") == "units"]
    output = repo.parent / f"{repo.name}-github-output"
    output.write_text("")
    temp = repo.parent / f"{repo.name}-runner-temp"
    temp.mkdir(exist_ok=True)
    environ = {**os.environ, **{k: str(v) for k, v in workflow["env"].items()}, "BASE_REF": base_ref,
               "GITHUB_OUTPUT": str(output), "RUNNER_TEMP": str(temp),
               "PATH": f"{path}{os.pathsep}{os.environ['PATH']}", **env}
    proc = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=repo, env=environ, capture_output=True, text=True,
                          timeout=600)
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
    return proc.returncode, outputs, proc.stdout + proc.stderr


def _units(count: int, prefix: str = "terraform/envs") -> list[dict]:
    return [{"id": f"terraform-root:{prefix}/e{i}", "kind": "terraform-root", "paths": [f"{prefix}/e{i}/main.tf"],
             "depends_on": [], "cost": 1} for i in range(count)]


@pytest.fixture
def standin(tmp_path: Path):
    """Returns (bin dir, env) making `planforge` print `every` for all units and `changed` for changed ones."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "planforge").write_text(STANDIN)
    (bindir / "planforge").chmod(0o755)

    def make(every: list[dict], changed: list[dict] | None = None) -> tuple[str, dict[str, str]]:
        (tmp_path / "all.json").write_text(json.dumps({"version": 1, "units": every}))
        (tmp_path / "changed.json").write_text(json.dumps({"version": 1, "units": every if changed is None else changed}))
        return str(bindir), {"STANDIN_ALL": str(tmp_path / "all.json"), "STANDIN_CHANGED": str(tmp_path / "changed.json")}

    return make


def _matrix(outputs: dict[str, str]) -> list[int]:
    matrix = json.loads(outputs["matrix"])
    assert list(matrix) == ["shard"]
    assert matrix["shard"] == list(range(1, int(outputs["shards"]) + 1))
    return matrix["shard"]


@pytest.mark.parametrize("count, shards", [(1, 1), (25, 1), (26, 2), (60, 3), (500, 8)])
def test_a_push_validates_every_unit_in_capped_shards(workflow, standin, tmp_path, count, shards):
    path, env = standin(_units(count))
    repo = _repository(tmp_path / "repo", {"README.md": "x\n"})
    code, outputs, log = _run_step(workflow, repo, "", path, **env)
    assert code == 0, log
    assert _matrix(outputs) == list(range(1, shards + 1)) and outputs["since"] == ""
    assert f"{count} of {count} units to validate in {shards} shard(s)" in log
    per_shard, cap = int(workflow["env"]["PLANFORGE_UNITS_PER_SHARD"]), int(workflow["env"]["PLANFORGE_MAX_SHARDS"])
    assert shards == min(cap, math.ceil(count / per_shard))


def test_a_pull_request_validates_the_changed_units_since_its_base(workflow, standin, tmp_path):
    path, env = standin(_units(60), _units(30))
    repo = _repository(tmp_path / "repo", {"terraform/envs/e1/main.tf": "\n"})
    _commit(repo, "terraform/envs/e1/main.tf", "# changed\n")
    code, outputs, log = _run_step(workflow, repo, "main", path, **env)
    assert code == 0, log
    assert outputs["since"] == _git(repo, "rev-parse", "origin/main")
    assert _matrix(outputs) == [1, 2] and "30 of 60 units" in log


def test_a_change_outside_every_unit_needs_no_shard(workflow, standin, tmp_path):
    path, env = standin(_units(3), [])
    repo = _repository(tmp_path / "repo", {"README.md": "x\n"})
    _commit(repo, "README.md", "y\n")
    code, outputs, log = _run_step(workflow, repo, "main", path, **env)
    assert code == 0, log
    assert outputs["shards"] == "0" and json.loads(outputs["matrix"]) == {"shard": []}


def test_a_unit_change_that_selects_no_unit_fails_closed(workflow, standin, tmp_path):
    path, env = standin(_units(3), [])
    repo = _repository(tmp_path / "repo", {"terraform/envs/e2/main.tf": "\n"})
    _commit(repo, "terraform/envs/e2/main.tf", "# changed\n")
    code, outputs, log = _run_step(workflow, repo, "main", path, **env)
    assert code == 1 and "matrix" not in outputs
    assert "::error::files of validation units changed (terraform/envs/e2/main.tf) but no unit was selected" in log


def test_an_empty_change_needs_no_shard(workflow, standin, tmp_path):
    path, env = standin(_units(3), [])
    repo = _repository(tmp_path / "repo", {"README.md": "x\n"})
    code, outputs, log = _run_step(workflow, repo, "main", path, **env)
    assert code == 0, log
    assert outputs["shards"] == "0"


def test_a_repository_without_units_fails_closed(workflow, standin, tmp_path):
    path, env = standin([])
    repo = _repository(tmp_path / "repo", {"README.md": "x\n"})
    code, _, log = _run_step(workflow, repo, "", path, **env)
    assert code == 1 and "the repository has no validation units" in log


@pytest.mark.parametrize("changed", [".planforge.yaml", ".github/workflows/validate.yml"])
def test_a_change_to_the_validation_itself_validates_every_unit(workflow, standin, tmp_path, changed):
    path, env = standin(_units(40), [])
    repo = _repository(tmp_path / "repo", {changed: "a: 1\n"})
    _commit(repo, changed, "a: 2\n")
    code, outputs, log = _run_step(workflow, repo, "main", path, **env)
    assert code == 0, log
    assert outputs["since"] == "" and _matrix(outputs) == [1, 2] and "40 of 40 units" in log


def test_the_listing_step_on_a_generated_repository_gives_a_valid_matrix(workflow, generated, tmp_path):
    planforge = Path(sys.executable).with_name("planforge")
    help_text = subprocess.run([str(planforge), "validate", "--help"], capture_output=True, text=True).stdout
    if "--list-units" not in help_text:
        pytest.skip("planforge validate has no --list-units yet (the units options of the change-detection work)")
    repo = tmp_path / "repo"
    subprocess.run(["cp", "-a", str(generated), str(repo)], check=True)
    _repository(repo, {})
    code, outputs, log = _run_step(workflow, repo, "", str(planforge.parent))
    assert code == 0, log
    assert not _git(repo, "status", "--porcelain")  # the lists are not written into the checkout
    units = json.loads((tmp_path / "repo-runner-temp" / "units.json").read_text())["units"]
    assert units and all({"id", "kind", "paths", "depends_on"} <= set(u) for u in units)
    assert 1 <= len(_matrix(outputs)) <= int(workflow["env"]["PLANFORGE_MAX_SHARDS"])


def test_shard_one_runs_the_repository_wide_checks_and_the_merge_fails_closed_without_them(workflow, tmp_path):
    """A shard leaves out default-deny (it needs every namespace): shard 1 runs it once, the report job merges it."""
    shard_steps = workflow["jobs"]["shard"]["steps"]
    [step] = [s for s in shard_steps if "--repository-checks" in s.get("run", "")]
    assert "matrix.shard == 1" in step["if"] and "!cancelled()" in step["if"]
    upload = next(s for s in shard_steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert "repository.json" in upload["with"]["path"].split()
    report_steps = workflow["jobs"]["report"]["steps"]
    [count] = [s for s in report_steps if s.get("name") == "Count the shard reports"]
    [findings] = [s for s in report_steps if s.get("name", "").startswith("Findings")]
    # (with the planforge action, its report merge reads the repository-wide report too: test_common_files)
    planforge = Path(sys.executable).with_name("planforge")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "namespaces.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n")
    reports = tmp_path / "reports"
    reports.mkdir()
    for options, name in ((["--shard", "1/1"], "shard-1.json"), (["--repository-checks"], "repository.json")):
        subprocess.run([str(planforge), "validate", "repo", "--format", "json", "-o", f"reports/{name}", *options],
                       cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert {"shard-1.json", "repository.json"} <= {p.name for p in reports.iterdir()}
    env = {**os.environ, "SHARDS": "1", "SHARD_RESULT": "success",
           "PATH": f"{planforge.parent}{os.pathsep}{os.environ['PATH']}"}

    def run(step: dict) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", "-e", "-c", step["run"]], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=300)

    counted = run(count)
    assert counted.returncode == 0, counted.stdout + counted.stderr
    merged = run(findings)  # the merged findings hold the repository-wide default-deny error
    assert merged.returncode == 1 and "policy/default-deny-ingress" in merged.stdout, merged.stdout + merged.stderr
    (reports / "repository.json").unlink()
    missing = run(count)
    assert missing.returncode == 1 and "the repository-wide checks left no report" in missing.stdout

"""The generated template-update workflow (.github/workflows/template-update.yml), run for real against a local
tagged template: its check step (`copier check-update`) finds no update at v1 and the v2 tag once released; its
update step (`copier update --defaults` on a branch, push, pull request) pushes the branch to the remote and opens
the pull request (a recording `gh`); a change that conflicts with an edit leaves markers that `planforge validate`
reports at their line."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from render_helpers import GIT_ENV, PLANS, git, make_template_repo, run_cli

from planforge.validate.base import Settings
from planforge.validate.runner import run_validation

pytestmark = pytest.mark.slow

PLAN = PLANS / "multi-tenant-saas.plan.md"
WORKFLOW = ".github/workflows/template-update.yml"
# A `gh` recording its arguments and the pull request body (the word after --body-file).
FAKE_GH = ('#!/bin/sh\nprintf "%s\\n" "$@" > "$GH_LOG"\n'
           'while [ $# -gt 0 ]; do [ "$1" = --body-file ] && cat "$2" >> "$GH_LOG"; shift; done\n')


def _step(repo: Path, step_id_or_name: str) -> dict:
    steps = yaml.safe_load((repo / WORKFLOW).read_text())["jobs"]["update"]["steps"]
    return next(s for s in steps if step_id_or_name in (s.get("id"), s.get("name")))


def _run_step(repo: Path, step: dict, tmp_path: Path, env: dict[str, str]) -> tuple[subprocess.CompletedProcess,
                                                                                   dict[str, str]]:
    """The step's script under bash as the runner runs it (RUNNER_TEMP, GITHUB_OUTPUT), Copier from this venv."""
    temp = tmp_path / "runner-temp"
    temp.mkdir(exist_ok=True)
    output = temp / "github-output"
    output.write_text("")
    path = f"{tmp_path / 'bin'}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    proc = subprocess.run(["bash", "-c", step["run"]], cwd=repo, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **GIT_ENV, **env, "PATH": path, "RUNNER_TEMP": str(temp),
                               "GITHUB_OUTPUT": str(output)})
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
    return proc, outputs


@pytest.fixture()
def generated(tmp_path: Path, capsys) -> tuple[Path, Path]:
    """(template repository tagged v1, repository generated from it with a bare `origin` remote)."""
    template = make_template_repo(tmp_path / "template", tag="v1", with_blueprints=False)
    plan = tmp_path / "plan" / "plan.md"
    plan.parent.mkdir()
    shutil.copy(PLAN, plan)
    dest = tmp_path / "repo"
    code, _, err = run_cli("new", str(plan), str(dest), "--template", str(template), capsys=capsys)
    assert code == 0, err
    origin = tmp_path / "origin.git"
    git("init", "-q", "--bare", str(origin), cwd=tmp_path)
    git("remote", "add", "origin", str(origin), cwd=dest)
    git("push", "-q", "origin", "HEAD", cwd=dest)
    (tmp_path / "bin").mkdir()
    gh = tmp_path / "bin" / "gh"
    gh.write_text(FAKE_GH)
    gh.chmod(0o755)
    return template, dest


def _release_v2(template: Path, title: str) -> None:
    """Tag v2 with a new README title line (`# {{ project_name }}` in v1)."""
    readme = template / "blueprints" / "README.md.jinja"
    text = readme.read_text()
    assert "\n# {{ project_name }}\n" in text
    readme.write_text(text.replace("\n# {{ project_name }}\n", f"\n{title}\n", 1))
    git("commit", "-qam", "template v2", cwd=template)
    git("tag", "v2", cwd=template)


def test_the_check_step_finds_a_new_template_tag(generated, tmp_path: Path) -> None:
    template, dest = generated
    proc, outputs = _run_step(dest, _step(dest, "check"), tmp_path, {})
    assert proc.returncode == 0, proc.stderr
    assert outputs["available"] == "false" and "up to date" in proc.stdout

    _release_v2(template, "# Infrastructure (template v2)")
    proc, outputs = _run_step(dest, _step(dest, "check"), tmp_path, {})
    assert proc.returncode == 0, proc.stderr
    assert outputs["available"] == "true" and outputs["latest"] == "2" and outputs["current"] == "1"


def test_the_update_step_pushes_a_branch_and_opens_a_pull_request(generated, tmp_path: Path) -> None:
    template, dest = generated
    _release_v2(template, "# Infrastructure (template v2)")
    log = tmp_path / "gh.log"
    env = {"CURRENT": "1", "LATEST": "2", "BASE": "main", "GH_LOG": str(log), "GH_TOKEN": "unused"}
    proc, _ = _run_step(dest, _step(dest, "Apply the update on a branch and open a pull request"), tmp_path, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    pushed = git("show", "template-update/2:README.md", cwd=tmp_path / "origin.git")
    assert pushed.startswith("# Infrastructure (template v2)\n")
    assert yaml.safe_load(git("show", "template-update/2:.copier-answers.yml", cwd=tmp_path / "origin.git")
                          )["_commit"] == "v2"
    call = log.read_text()
    assert call.startswith("pr\ncreate\n--base\nmain\n--head\ntemplate-update/2\n") and "conflict" not in call

    proc, _ = _run_step(dest, _step(dest, "Apply the update on a branch and open a pull request"), tmp_path, env)
    assert proc.returncode == 0 and "exists already" in proc.stdout  # the next run leaves the open one alone


def test_a_conflicting_update_leaves_markers_that_validate_reports(generated, tmp_path: Path) -> None:
    template, dest = generated
    readme = dest / "README.md"
    readme.write_text("# Our platform (edited)\n" + readme.read_text().split("\n", 1)[1])
    git("commit", "-qam", "our title", cwd=dest)
    _release_v2(template, "# Infrastructure (template v2)")
    log = tmp_path / "gh.log"
    env = {"CURRENT": "1", "LATEST": "2", "BASE": "main", "GH_LOG": str(log), "GH_TOKEN": "unused"}
    proc, _ = _run_step(dest, _step(dest, "Apply the update on a branch and open a pull request"), tmp_path, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "conflict markers" in log.read_text() and "- README.md" in log.read_text()
    marker = next(i for i, line in enumerate(readme.read_text().splitlines(), 1) if line.startswith("<<<<<<<"))
    found = [(f.file, f.line) for c in run_validation([str(dest)], Settings(), only=["schemas"])
             for f in c.findings if f.rule == "input/conflict-marker"]
    assert found == [("README.md", marker)]

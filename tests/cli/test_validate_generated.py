"""End to end: every repository generated from the shared plans validates with exit 0 under --strict."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from planforge.validate.base import Severity
from planforge.validate.runner import exit_code, run_validation

from testlib import ACCEPTED_PLANS, PLANS, REPO, per_plan, rendered_plan

WITHOUT_TERRAFORM = ["helm", "kustomize", "argocd", "flux", "schemas", "policy"]


def generate(plan: Path, dest: Path) -> Path:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.run([sys.executable, "-m", "planforge", "new", str(plan), str(dest), "--no-git"],
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return dest


def expected_validators(repo: Path) -> set[str]:
    """Validators that must find targets, judged from the files the repository holds."""
    files = [p for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts]
    expected = set()
    if any(p.name == "Chart.yaml" for p in files):
        expected.add("helm")
    if any(p.name == "kustomization.yaml" for p in files):
        expected.add("kustomize")
    texts = [p.read_text(errors="replace") for p in files if p.suffix in (".yaml", ".yml")]
    if any("argoproj.io/" in t and "kind: Application" in t for t in texts):
        expected.add("argocd")
    if any(".toolkit.fluxcd.io/" in t for t in texts):
        expected.add("flux")
    if expected & {"helm", "kustomize"}:
        expected |= {"schemas", "policy"}
    return expected


@pytest.mark.slow
@pytest.mark.parametrize("plan", per_plan(ACCEPTED_PLANS))
def test_generated_repository_validates_strict(plan, tmp_path_factory):
    # The render of `planforge new PLAN --no-git` the other per-plan tests of this worker read too; the subprocess
    # path of `planforge new` is run by the SARIF test below.
    repo = rendered_plan(plan, tmp_path_factory)
    assert (repo / ".planforge.yaml").is_file()
    from planforge.validate.settings import resolve_settings

    settings = resolve_settings({}, environ={}, paths=[str(repo)])
    assert settings.strict is True  # generated repositories turn strict mode on
    checks = run_validation([str(repo)], settings, only=WITHOUT_TERRAFORM)
    errors = [f"{c.validator} {f.file}:{f.line} {f.message}" for c in checks for f in c.findings
              if f.severity is Severity.ERROR]
    assert errors == []
    # Generated workloads need no waiver and trip no policy rule, warnings included.
    assert [f"{f.rule} {f.file}" for c in checks for f in c.findings if c.validator == "policy"] == []
    assert exit_code(checks) == 0
    ran = {c.validator for c in checks}
    assert expected_validators(repo) <= ran


@pytest.mark.slow
def test_generated_terraform_repository_validates_with_sarif(tmp_path, tf_mirror):
    import jsonschema

    plan = PLANS / "aws-single-iac.plan.md"
    repo = generate(plan, tmp_path / "repo")
    sarif = tmp_path / "planforge.sarif"
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "PLANFORGE_TF_PLUGIN_MIRROR": str(tf_mirror)}
    proc = subprocess.run([sys.executable, "-m", "planforge", "validate", ".", "--strict", "--fail-on-skip", "--format", "sarif",
                           "-o", str(sarif)], cwd=repo, capture_output=True, text=True, env=env, timeout=1200)
    assert proc.returncode == 0, proc.stderr + (sarif.read_text() if sarif.exists() else "")
    assert "terraform:" in proc.stderr  # the summary line counts terraform checks
    data = json.loads(sarif.read_text())
    schema = json.loads((REPO / "tests" / "fixtures" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(data)
    assert data["runs"][0]["results"] == []

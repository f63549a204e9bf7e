"""Tools named in the plan reach the generated repository: a plan asking for the S3 native lock file gets
`use_lockfile = true` and no DynamoDB lock table, and its Terraform validates."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from testlib import PLANS, find_terraform_mirror

from planforge.cli import main
from planforge.decide import decide
from planforge.plan import parse_text
from planforge.render.engine import render_new
from planforge.render.template import resolve_template

BASE = (PLANS / "tools" / "terraform-aws.plan.md").read_text(encoding="utf-8")
LOCK_FILE = BASE.replace("S3 remote state with DynamoDB for state locking",
                         "S3 remote state with the native S3 lock file (use_lockfile), no DynamoDB table")


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("lockfile") / "repo"
    render_new(decide(parse_text(LOCK_FILE, "plan.md")).answers, dest, resolve_template(None, None), init_git=False)
    return dest


def test_s3_lock_file_plan_gets_use_lockfile_and_no_dynamodb(repo: Path):
    backends = sorted((repo / "terraform" / "environments").glob("*/backend.tf"))
    assert backends
    for backend in backends:
        text = backend.read_text(encoding="utf-8")
        assert "use_lockfile = true" in text and "dynamodb" not in text.lower()
    bootstrap = repo / "terraform" / "bootstrap"
    assert "lock_table_name   = null" in (bootstrap / "terraform.tfvars").read_text(encoding="utf-8")
    readme = (repo / "README.md").read_text(encoding="utf-8")
    assert "DynamoDB lock table" not in readme


def test_s3_lock_file_repository_terraform_validates(repo: Path, capsys, monkeypatch):
    mirror = find_terraform_mirror()
    if shutil.which("terraform") is None or mirror is None:
        pytest.skip("terraform or its plugin mirror is not available (PLANFORGE_TF_PLUGIN_MIRROR)")
    monkeypatch.setenv("PLANFORGE_TF_PLUGIN_MIRROR", str(mirror))
    code = main(["validate", str(repo), "--strict", "--only", "terraform"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "0 skipped" in out and "(terraform: " in out

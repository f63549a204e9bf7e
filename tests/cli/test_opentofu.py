"""A plan that chooses OpenTofu gets a repository set up for `tofu` (README, CI, pre-commit, .planforge.yaml), and
`planforge validate` runs its Terraform checks with `tofu` when it is on PATH, else with terraform and a notice."""
from __future__ import annotations

import json
import os
import shutil

import pytest
import yaml

from planforge.cli import main
from planforge.errors import UsageError
from planforge.validate.settings import from_file

from testlib import PLANS, find_terraform_mirror, require_tool

TOFU_PLAN = PLANS / "tools" / "opentofu-aws.plan.md"
FALLBACK = "notice: validated with terraform: OpenTofu not installed"


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    dest = tmp_path_factory.mktemp("opentofu") / "repo"
    assert main(["new", str(TOFU_PLAN), str(dest), "--no-git"]) == 0
    return dest


@pytest.fixture
def mirror(monkeypatch):
    require_tool("terraform")
    found = find_terraform_mirror()
    if found is None:
        pytest.skip("no Terraform provider mirror (PLANFORGE_TF_PLUGIN_MIRROR)")
    monkeypatch.setenv("PLANFORGE_TF_PLUGIN_MIRROR", str(found))
    return found


def test_readme_and_required_version_are_for_opentofu(repo):
    readme = (repo / "terraform" / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# OpenTofu (AWS")
    assert "tofu init && tofu apply" in readme and "tofu fmt -check -recursive terraform" in readme
    assert "terraform init" not in readme and "terraform apply" not in readme
    assert "`.terraform.lock.hcl`" in readme and "tofu init -upgrade" in readme
    versions = (repo / "terraform" / "environments" / "prod" / "versions.tf").read_text(encoding="utf-8")
    assert 'required_version = ">= 1.8"' in versions


def test_ci_installs_opentofu_not_terraform(repo):
    workflow = yaml.safe_load((repo / ".github" / "workflows" / "validate.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["shard"]["steps"]
    [tofu] = [s for s in steps if s.get("uses", "").startswith("opentofu/setup-opentofu@")]
    assert tofu["with"] == {"tofu_version": "1.8.0", "tofu_wrapper": False}
    assert len(tofu["uses"].split("@")[1]) == 40  # pinned by commit SHA
    assert not [s for s in steps if "setup-terraform" in s.get("uses", "")]


def test_pre_commit_fmt_hook_runs_tofu(repo):
    config = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    [hook] = [h for r in config["repos"] for h in r["hooks"] if h["id"] == "terraform_fmt"]
    assert hook["args"] == ["--hook-config=--tf-path=tofu"]


def test_settings_file_records_the_tool(repo):
    assert from_file(repo / ".planforge.yaml")["iac_tool"] == "opentofu"


def test_unknown_iac_tool_in_the_settings_file_is_refused_with_its_line(tmp_path):
    (tmp_path / ".planforge.yaml").write_text("strict: true\niac_tool: pulumi\n", encoding="utf-8")
    with pytest.raises(UsageError) as exc:
        from_file(tmp_path / ".planforge.yaml")
    [problem] = exc.value.problems
    assert problem.line == 2 and "terraform, opentofu" in problem.message


def test_without_tofu_terraform_validates_with_a_notice(repo, mirror, capsys, monkeypatch):
    if shutil.which("tofu"):
        pytest.skip("tofu is installed here")
    monkeypatch.chdir(repo)
    code = main(["validate", "--strict", "--only", "terraform", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0, report
    [notice] = report["settings"]["notices"]
    assert notice.startswith("validated with terraform: OpenTofu not installed")
    assert main(["validate", "--strict", "--only", "terraform"]) == 0
    assert FALLBACK in capsys.readouterr().out


def test_with_tofu_on_path_tofu_runs_fmt_init_and_validate(repo, mirror, capsys, monkeypatch, tmp_path):
    terraform = shutil.which("terraform")
    log = tmp_path / "tofu.log"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "tofu"
    fake.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{terraform}" "$@"\n', encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.chdir(repo)
    code = main(["validate", "--strict", "--only", "terraform"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "notice:" not in out and "tofu 1." in out
    calls = log.read_text(encoding="utf-8").splitlines()
    assert any(c.startswith("fmt -check -list=true -diff -no-color ") and "versions.tf" in c for c in calls)  # one call
    assert "init -backend=false -input=false -no-color -json" in calls
    assert "validate -json -no-color" in calls


def test_terraform_repository_ignores_tofu_on_path(tmp_path, capsys, monkeypatch):
    """iac_tool is terraform unless the repository says opentofu: a tofu on PATH is not used."""
    require_tool("terraform")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "tofu"
    fake.write_text("#!/bin/sh\nexit 1\n", encoding="utf-8")
    fake.chmod(0o755)
    root = tmp_path / "repo"
    root.mkdir()
    (root / "main.tf").write_text('output "x" {\n  value = 1\n}\n', encoding="utf-8")
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    assert main(["validate", str(root), "--only", "terraform", "-v"]) == 0
    out = capsys.readouterr().out
    assert "terraform 1." in out and "tofu" not in out

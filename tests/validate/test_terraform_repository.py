"""A Terraform module repository validated from its `examples/`: the module at the top of the same git repository
is read (`source = "../../"`), and nothing outside that repository is (a minimal reproduction of the layout of
terraform-aws-modules/terraform-aws-vpc, written here)."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from planforge.validate.base import Check, Context, Settings, Severity, Status
from planforge.validate.terraform import TerraformValidator
from planforge.validate.terraform.repository import repository_root
from testlib import require_tool

VERSIONS = """terraform {
  required_version = ">= 1.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "%s"
    }
  }
}
"""
MODULE = {
    "main.tf": 'resource "aws_vpc" "this" {\n  cidr_block = var.cidr\n\n  tags = {\n    Name = var.name\n  }\n}\n',
    "variables.tf": 'variable "name" {\n  type    = string\n  default = ""\n}\n\n'
                    'variable "cidr" {\n  type    = string\n  default = "10.0.0.0/16"\n}\n',
    "outputs.tf": 'output "vpc_id" {\n  value = aws_vpc.this.id\n}\n',
}
EXAMPLE = """provider "aws" {
  region = "eu-west-1"
}

module "vpc" {
  source = "../../"

  name = "%s"
  cidr = "10.0.0.0/16"
}

output "vpc_id" {
  value = module.vpc.vpc_id
}
"""


@pytest.fixture(autouse=True)
def _terraform() -> None:
    require_tool("terraform")


def module_repository(repo: Path, constraint: str = ">= 5.0", git: bool = True) -> Path:
    """The module at `repo`'s top, `examples/simple` and `examples/complete` calling it; `repo/examples` returned."""
    files = {**MODULE, "versions.tf": VERSIONS % constraint}
    for example in ("simple", "complete"):
        files[f"examples/{example}/main.tf"] = EXAMPLE % example
        files[f"examples/{example}/versions.tf"] = VERSIONS % constraint
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    if git:
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
    return repo / "examples"


def run(root: Path, workdir: Path, mirror: Path) -> tuple[TerraformValidator, list[Check]]:
    validator = TerraformValidator()
    ctx = Context(root=root, settings=Settings(terraform_plugin_mirrors=[mirror], timeout=120),
                  validate_documents=lambda docs, origin: [], workdir=workdir)
    return validator, [c for t in validator.discover(ctx) for c in validator.run(t, ctx)]


def errors(checks: list[Check]) -> list[tuple[str, str | None, int | None]]:
    return [(f.rule, f.file, f.line) for c in checks for f in c.findings if f.severity == Severity.ERROR]


def validate_checks(checks: list[Check]) -> dict[str, Check]:
    return {c.target: c for c in checks if c.name == "validate"}


def test_examples_read_the_module_above_them_in_the_same_repository(tmp_path: Path, tf_mirror: Path) -> None:
    examples = module_repository(tmp_path / "repo")
    canary = tmp_path / "git-ran"
    with (tmp_path / "repo" / ".git" / "config").open("a") as fh:  # any git command here would run it
        fh.write(f'[core]\n\tfsmonitor = "touch {canary}"\n[alias]\n\tstatus = "!touch {canary}"\n')
    validator, checks = run(examples, tmp_path / "work", tf_mirror)
    assert not canary.exists()
    assert errors(checks) == []
    validates = validate_checks(checks)
    assert set(validates) == {"simple", "complete"}
    assert {c.status for c in validates.values()} == {Status.PASSED}
    assert validator.validation_runs == ["aggregate of complete, simple"]


def test_a_module_defect_is_reported_once_at_the_users_file(tmp_path: Path, tf_mirror: Path) -> None:
    examples = module_repository(tmp_path / "repo")
    with (tmp_path / "repo" / "variables.tf").open("a") as fh:
        fh.write('\nvariable "zone" {\n  type = strin\n}\n')  # line 12: not a type
    _, checks = run(examples, tmp_path / "work", tf_mirror)
    assert errors(checks) == [("terraform/validate", "../variables.tf", 12)]
    shown = [f"{f.file} {f.message} {f.detail}" for c in checks for f in c.findings]
    assert not any(str(tmp_path / "work") in text or "src/" in text for text in shown)


def test_outside_any_repository_the_module_is_still_refused(tmp_path: Path, tf_mirror: Path) -> None:
    validator, checks = run(module_repository(tmp_path / "repo", git=False), tmp_path / "work", tf_mirror)
    assert sorted(errors(checks)) == [("input/outside-root", "complete/main.tf", 6),
                                      ("input/outside-root", "simple/main.tf", 6)]
    assert {c.status for c in validate_checks(checks).values()} == {Status.SKIPPED}
    assert validator.validation_runs == []


def test_a_symlink_leaving_the_repository_is_still_refused(tmp_path: Path, tf_mirror: Path) -> None:
    examples = module_repository(tmp_path / "repo")
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "main.tf").write_text('output "canary" {\n  value = "outside"\n}\n')
    os.symlink(secret / "main.tf", examples / "simple" / "leak.tf")  # in a validated directory
    os.symlink(secret, tmp_path / "repo" / "vendored")  # in the module above, read through the widened root
    (tmp_path / "repo" / "vendored.tf").symlink_to(secret / "main.tf")
    validator, checks = run(examples, tmp_path / "work", tf_mirror)
    found = errors(checks)
    assert ("input/outside-root", "simple/leak.tf", None) in found
    assert any(rule == "input/outside-root" and file and file.endswith("vendored.tf") for rule, file, _ in found)
    assert {c.status for c in validate_checks(checks).values()} == {Status.SKIPPED}
    assert validator.validation_runs == []
    assert not any("canary" in f.message or "outside\"" in f.message for c in checks for f in c.findings)


def test_a_constraint_the_mirror_cannot_meet_names_it_and_the_mirrors_versions(tmp_path: Path, tf_mirror: Path) -> None:
    held = sorted(p.name for p in (tf_mirror / "registry.terraform.io" / "hashicorp" / "aws").iterdir())
    if any(v.startswith("3.") for v in held):
        pytest.skip(f"the mirror holds an aws 3.x release ({held}): the constraint can be met")
    _, checks = run(module_repository(tmp_path / "repo", constraint="~> 3.0"), tmp_path / "work", tf_mirror)
    assert errors(checks) == []
    for check in validate_checks(checks).values():
        assert check.status == Status.SKIPPED
        assert "registry.terraform.io/hashicorp/aws" in (check.reason or "")
        assert "~> 3.0" in (check.reason or "")
        assert all(version in (check.reason or "") for version in held)


def test_the_repository_is_the_nearest_git_directory_or_gitdir_file(tmp_path: Path) -> None:
    worktree = tmp_path / "worktree"
    (worktree / "examples" / "simple").mkdir(parents=True)
    (worktree / ".git").write_text("gitdir: /elsewhere/.git/worktrees/w\n")
    assert repository_root(worktree / "examples" / "simple") == worktree.resolve()
    for name, make in {"no-head": lambda p: (p / ".git").mkdir(),
                       "not-gitdir": lambda p: (p / ".git").write_text("hello\n"),
                       "symlink": lambda p: (p / ".git").symlink_to(worktree / ".git")}.items():
        lone = tmp_path / name / "examples"
        lone.mkdir(parents=True)
        make(lone.parent)
        found = repository_root(lone)
        assert found is None or not found.is_relative_to(tmp_path.resolve()), name

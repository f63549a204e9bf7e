"""Helpers for the render tests: template git repositories, in-process CLI runs, tree
comparison, hand-made answers."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from planforge.cli import main
from planforge.decide.answers import Answers, Component, Decision, EnvironmentSizing, Service

import testlib
from testlib import GIT_ENV, PLANS, REPO  # noqa: F401  (re-exported for the render tests)

def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}).stdout


def copy_template(dest: Path, *, with_blueprints: bool = True) -> Path:
    """A copy of this repository's template; without blueprints: the common frame only
    (the tests of the frame and the lifecycle render exactly the files under test)."""
    return testlib.copy_template(dest, None if with_blueprints else ())


def make_template_repo(dest: Path, *, with_blueprints: bool = True, tag: str | None = "v1") -> Path:
    copy_template(dest, with_blueprints=with_blueprints)
    git("init", "-q", "-b", "main", cwd=dest)
    git("add", "-A", cwd=dest)
    git("commit", "-q", "-m", "template v1", cwd=dest)
    if tag:
        git("tag", tag, cwd=dest)
    return dest


def new_from_plan(tmp_path: Path, plan_name: str, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    """`planforge new` from a copy of a fixture plan with a tagged template repository: (plan copy, repository)."""
    template = make_template_repo(tmp_path / "template", tag="v1")
    plan = tmp_path / "plan" / "plan.md"
    plan.parent.mkdir()
    shutil.copy(PLANS / plan_name, plan)
    dest = tmp_path / "repo"
    code, _, err = run_cli("new", str(plan), str(dest), "--template", str(template), capsys=capsys)
    assert code == 0, err
    return plan, dest


USER_EDIT = "Owned by the storefront team (edited after generation)."


def commit_user_edits(dest: Path, *files: str) -> list[Path]:
    """A team's edits after generation, committed: USER_EDIT under README.md's title and as a comment at the
    end of each of FILES. Returns the edited files (README.md first)."""
    readme = dest / "README.md"
    readme.write_text(readme.read_text().replace("\n", f"\n\n{USER_EDIT}\n", 1))
    edited = [readme]
    for rel in files:
        path = dest / rel
        path.write_text(path.read_text() + f"# {USER_EDIT}\n")
        edited.append(path)
    git("commit", "-qam", "user edits", cwd=dest)
    return edited


def run_cli(*argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def tree(root: Path, *, skip: tuple[str, ...] = (".git",)) -> dict[str, bytes]:
    """Every file (and symlink target) under root, keyed by relative path."""
    result: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if rel.parts[0] in skip or rel.as_posix() in skip:
            continue
        if path.is_symlink():
            result[rel.as_posix()] = b"-> " + os.readlink(path).encode()
        elif path.is_file():
            result[rel.as_posix()] = path.read_bytes()
    return result


def sample_answers(**overrides) -> Answers:
    """Hand-made answers for a multi-tenant AWS repository (independent of plan parsing)."""
    data = dict(
        project_name="acme-platform", plan_title="Multi-Tenant Analytics SaaS", plan_family="specops",
        structure="multi-tenant", blueprints=["terraform", "kubernetes", "argocd"], cloud="aws",
        region="eu-central-1", iac_tool="terraform", terraform_version="1.8", kubernetes_distribution="eks",
        kubernetes_version="1.30", gitops="argocd", state_backend="s3", state_locking="dynamodb",
        secrets_manager="vault", environments=["staging", "prod"], tenants=["acme", "globex"],
        components=[Component(name="ingress-nginx", chart_repo="https://kubernetes.github.io/ingress-nginx",
                              chart="ingress-nginx", version="4.11.3", namespace="ingress-nginx")],
        apps=[Service(name="analytics-api", image="ghcr.io/acme/analytics-api")],
        high_availability=True, rpo_minutes=15, compliance=["gdpr"], customer_managed_kms=True,
        database_engine="postgres", database_version="16",
        environment_sizing=[EnvironmentSizing(name="staging"), EnvironmentSizing(name="prod", multi_az=True)],
        decisions=[Decision(name="structure", value="multi-tenant",
                            source="plan.md:30: **Scale/Scope**: 3 organizations (acme, globex)")],
    )
    data.update(overrides)
    return Answers(**data)


def validate_strict(repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                    *options: str) -> tuple[int, str]:
    """`planforge validate REPO --strict OPTIONS` in process, with the Terraform provider mirror when this
    machine has one: (exit code, text report)."""
    mirror = testlib.find_terraform_mirror()
    if mirror is not None:
        monkeypatch.setenv("PLANFORGE_TF_PLUGIN_MIRROR", str(mirror))
    capsys.readouterr()
    code = main(["validate", str(repo), "--strict", *options])
    return code, capsys.readouterr().out


def generate(plan: Path, dest: Path, repo_url: str) -> Path:
    """`planforge new PLAN DEST --no-git --repo-url URL`, which must succeed."""
    assert main(["new", str(plan), str(dest), "--no-git", "--repo-url", repo_url]) == 0
    return dest


def plan_variant(tmp_path: Path, source: Path, **replace: str) -> Path:
    """A copy of the plan `source` with each `old` text (which must be there) replaced by its `new` text."""
    text = source.read_text()
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    plan = tmp_path / "plan.md"
    plan.write_text(text)
    return plan

"""The delivery workflow of a multi-tool repository Argo CD or Flux deliver: each application's image is built once
and pushed, and its digest pinned in each environment's overlays in order, committed to main, each promotion in its
GitHub environment. The promotion step's script runs here against a git remote, and the pinned overlay is built with
kustomize: the Deployment runs the image at the built digest."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from test_common_files import assert_actionlint_clean
from testlib import PLANS, plan_group, rendered_copy, rendered_plan, require_tool

from planforge.decide import decide
from planforge.plan import parse_text

PLAN = PLANS / "aws-eks-argocd-delivery.plan.md"
DIGEST = "sha256:" + "cd" * 32
ENVIRONMENTS = ("dev", "staging", "prod")
OVERLAY = "kubernetes/apps/orders-api/overlays/{env}/kustomization.yaml"


def _jobs(root: Path) -> dict:
    return yaml.safe_load((root / ".github/workflows/deliver.yml").read_text())["jobs"]


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@plan_group(PLAN)
def test_each_image_is_built_once_and_its_digest_promoted_in_order(tmp_path_factory: pytest.TempPathFactory) -> None:
    jobs = _jobs(rendered_plan(PLAN, tmp_path_factory))
    builds = ["build-orders-api", "build-web-frontend"]
    assert set(jobs) == {*builds, *(f"promote-{env}" for env in ENVIRONMENTS)}
    assert jobs["promote-dev"]["needs"] == builds
    assert jobs["promote-staging"]["needs"] == [*builds, "promote-dev"]
    assert jobs["promote-prod"]["needs"] == [*builds, "promote-staging"]
    for env in ENVIRONMENTS:
        job = jobs[f"promote-{env}"]
        assert job["environment"] == env and job["permissions"] == {"contents": "write"}
        assert job["concurrency"] == {"group": f"promote-{env}", "cancel-in-progress": False}
        assert job["if"] == "github.ref == 'refs/heads/main'"
    assert jobs["build-orders-api"]["steps"][-1]["env"]["DOCKERFILE"] == "services/orders-api/Dockerfile"


@plan_group(PLAN)
def test_the_workflow_is_clean_under_actionlint(tmp_path_factory: pytest.TempPathFactory) -> None:
    assert_actionlint_clean(rendered_plan(PLAN, tmp_path_factory) / ".github/workflows/deliver.yml")


def _repository(tmp_path: Path, factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The rendered repository committed on main and pushed to a bare remote, as the workflow's checkout sees it."""
    remote = tmp_path / "origin.git"
    root = rendered_copy(PLAN, factory, tmp_path / "repo")
    _git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(remote))
    _git(root, "init", "--quiet", "--initial-branch=main")
    _git(root, "config", "user.name", "t")
    _git(root, "config", "user.email", "t@example.com")
    _git(root, "add", "--all")
    _git(root, "commit", "--quiet", "--message", "generated")
    _git(root, "remote", "add", "origin", str(remote))
    _git(root, "push", "--quiet", "origin", "main")
    return root, remote


def _promote(root: Path, env: str, commit: str, tmp_path: Path) -> str:
    """Run promote-<env>'s step as the runner would, for a build of `commit`; its output."""
    step = _jobs(root)[f"promote-{env}"]["steps"][-1]
    variables = {**os.environ, "GITHUB_SHA": commit, "HOME": str(tmp_path),
                 "IMAGE_ORDERS_API": "ghcr.io/acme/storefront/orders-api", "DIGEST_ORDERS_API": DIGEST,
                 "IMAGE_WEB_FRONTEND": "ghcr.io/acme/storefront/web-frontend", "DIGEST_WEB_FRONTEND": DIGEST}
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=root,
                          env=variables, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


@plan_group(PLAN)
def test_a_promotion_commits_the_digest_and_the_overlay_runs_it(tmp_path_factory: pytest.TempPathFactory,
                                                                 tmp_path: Path) -> None:
    kubectl = require_tool("kubectl")
    root, remote = _repository(tmp_path, tmp_path_factory)
    built = _git(root, "rev-parse", "HEAD").strip()
    _promote(root, "dev", built, tmp_path)
    assert _git(remote, "log", "-1", "--format=%s", "main").strip() == f"deliver: dev runs {built[:12]}"
    _git(root, "pull", "--quiet", "origin", "main")
    output = subprocess.run([kubectl, "kustomize", str(root / OVERLAY.format(env="dev")).rpartition("/")[0]],
                            capture_output=True, text=True, check=True).stdout
    images = [c["image"] for d in yaml.safe_load_all(output) if d and d["kind"] == "Deployment"
              for c in d["spec"]["template"]["spec"]["containers"]]
    assert images == [f"ghcr.io/acme/storefront/orders-api@{DIGEST}"]
    assert f"# delivered from {built}" in (root / OVERLAY.format(env="dev")).read_text()
    staging = (root / OVERLAY.format(env="staging")).read_text()
    assert "newTag:" in staging and DIGEST not in staging  # promoted by its own job, after dev
    assert "dev runs these digests already" in _promote(root, "dev", built, tmp_path)  # a rerun commits nothing


@plan_group(PLAN)
def test_an_older_build_never_replaces_a_newer_one(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> None:
    root, remote = _repository(tmp_path, tmp_path_factory)
    older = _git(root, "rev-parse", "HEAD").strip()
    (root / "services").mkdir()
    (root / "services/CHANGELOG").write_text("a change\n")
    _git(root, "add", "--all")
    _git(root, "commit", "--quiet", "--message", "a later change")
    _git(root, "push", "--quiet", "origin", "main")
    newer = _git(root, "rev-parse", "HEAD").strip()
    _promote(root, "dev", newer, tmp_path)
    head = _git(remote, "rev-parse", "main")
    assert "a later commit than this run's: nothing to promote" in _promote(root, "dev", older, tmp_path)
    assert _git(remote, "rev-parse", "main") == head


@plan_group(PLAN)
def test_production_is_released_with_the_next_version(tmp_path_factory: pytest.TempPathFactory,
                                                        tmp_path: Path) -> None:
    """prod follows release tags: its promotion moves its Applications to the next version and tags that commit."""
    root, remote = _repository(tmp_path, tmp_path_factory)
    first = _git(root, "rev-parse", "HEAD").strip()
    _promote(root, "prod", first, tmp_path)
    assert _git(remote, "tag", "--list").split() == ["v0.1.0"]  # the first release keeps the plan's tag
    assert _git(remote, "rev-parse", "v0.1.0^{commit}") == _git(remote, "rev-parse", "main")
    _git(root, "fetch", "--quiet", "--tags", "origin")
    _git(root, "reset", "--quiet", "--hard", "origin/main")
    (root / "services").mkdir()
    (root / "services/CHANGELOG").write_text("a change\n")
    _git(root, "add", "--all")
    _git(root, "commit", "--quiet", "--message", "a later change")
    _git(root, "push", "--quiet", "origin", "main")
    _promote(root, "prod", _git(root, "rev-parse", "HEAD").strip(), tmp_path)
    assert sorted(_git(remote, "tag", "--list").split()) == ["v0.1.0", "v0.1.1"]
    released = _git(remote, "show", "v0.1.1:argocd/applications/prod.yaml")
    assert "targetRevision: v0.1.1" in released and "v0.1.0" not in released
    apps = _git(remote, "show", "v0.1.1:argocd/applications/prod/orders-api.yaml")
    assert "targetRevision: v0.1.1" in apps


@plan_group(PLAN)
def test_the_pin_script_refuses_what_it_cannot_pin(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> None:
    root = rendered_copy(PLAN, tmp_path_factory, tmp_path / "repo")
    overlay = str(root / OVERLAY.format(env="dev"))
    script = str(root / ".github/scripts/pin_image.py")

    def pin(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, script, *args], capture_output=True, text=True, timeout=60)

    missing = pin(overlay, "ghcr.io/other/app", "ghcr.io/acme/app", DIGEST)
    assert missing.returncode == 1 and "no image ghcr.io/other/app" in missing.stderr
    assert pin(overlay, "ghcr.io/storefront-delivery/orders-api", "ghcr.io/acme/app", "latest").returncode == 2
    assert pin(overlay, "ghcr.io/storefront-delivery/orders-api", "ghcr.io/acme/app", DIGEST, "HEAD").returncode == 2
    assert pin(overlay).returncode == 2


FLUX = [("ArgoCD", "Flux"), ("| argo-cd | Yes | Manages itself after bootstrap |\n", ""),
        ("argocd/\n├── applications/\n└── projects/", "clusters/")]


@pytest.mark.parametrize(("edits", "delivered"), [
    (FLUX, True),
    ([("**GitOps**: ArgoCD", "**GitOps**: none")], False),
], ids=["flux", "no-gitops"])
def test_delivery_follows_how_the_repository_deploys(edits: list[tuple[str, str]], delivered: bool) -> None:
    text = PLAN.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
    d = decide(parse_text(text, "plan.md"))
    assert (d.answers.delivery == "github-actions") == delivered
    line = next(n for n, t in enumerate(text.splitlines(), 1) if t.startswith("**CI/CD**"))
    reported = [n for n in d.not_applied if n.line == line]
    assert bool(reported) != delivered, reported

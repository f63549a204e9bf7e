"""The entry points of generated Flux repositories, as a cluster reads them: production follows the release tags the
README's release step pushes (an edit on main reaches it once released), every GitRepository authenticates with an
SSH deploy key over an ssh:// URL, and the Kustomizations in the shared flux-system namespace carry the project's
name, so they cannot take over another repository's objects there."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from testlib import GIT_ENV, PLANS, generate_repo

from planforge.decide import decide
from planforge.plan import parse_plan

EXISTING = "gitops-only-existing"
PLANS_WITH_FLUX = [EXISTING, "aws-eks-flux", "multi-tenant-flux", "gke-flux-secretmanager"]
SSH_URL = "ssh://git@github.com/acme/storefront.git"  # generate_repo's --repo-url, as a deploy key reads it


def project(plan: str) -> str:
    return decide(parse_plan(PLANS / f"{plan}.plan.md")).answers.project_name


def flux_objects(repo: Path) -> list[dict]:
    docs = [d for top in ("clusters", "tenants") if (repo / top).is_dir() for p in sorted((repo / top).rglob("*.yaml"))
            for d in yaml.safe_load_all(p.read_text())]
    return [d for d in docs if isinstance(d, dict) and "toolkit.fluxcd.io" in str(d.get("apiVersion"))]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True,
                          env={**GIT_ENV, "PATH": "/usr/bin:/bin", "HOME": str(repo)}).stdout.strip()


def version(tag: str) -> tuple[int, ...]:
    return tuple(int(n) for n in tag.lstrip("v").split("."))


def resolve(repo: Path, ref: dict) -> str:
    """The commit a GitRepository `ref` checks out: a branch, a tag, or the highest tag in a `>=X.Y.Z` range."""
    if "semver" in ref:
        lower = re.fullmatch(r">=(\d+\.\d+\.\d+)", ref["semver"])
        assert lower, ref
        tags = [t for t in git(repo, "tag", "--list", "v*").split() if version(t) >= version(lower.group(1))]
        assert tags, f"no release tag matches {ref['semver']}"
        return git(repo, "rev-parse", f"{max(tags, key=version)}^{{commit}}")
    return git(repo, "rev-parse", f"{ref.get('tag') or ref['branch']}^{{commit}}")


def production(repo: Path) -> str:
    """The production environment's name, as the plan spells it (`clusters/production/`, else prod)."""
    return "production" if (repo / "clusters" / "production").is_dir() else "prod"


def production_revision(repo: Path, name: str, deployed: str, entry_on_main: bool) -> str:
    """The commit production syncs: its GitRepository as the entry point reads it (from main when `flux bootstrap`'s
    own source reads the entry point, else from what the cluster runs now), resolved until it settles."""
    revision = "main" if entry_on_main else deployed
    for _ in range(5):
        sources = yaml.safe_load(git(repo, "show", f"{revision}:clusters/{production(repo)}/sources.yaml"))
        assert sources["metadata"]["name"] == name
        following = resolve(repo, sources["spec"]["ref"])
        if following == revision or entry_on_main:
            return following
        revision = following
    return revision


@pytest.mark.parametrize("plan", [EXISTING, "aws-eks-flux"])
def test_an_edit_on_main_reaches_production_through_the_readmes_release_step(plan: str, tmp_path: Path,
                                                                           tmp_path_factory: pytest.TempPathFactory):
    repo = shutil.copytree(generate_repo(plan, tmp_path_factory), tmp_path / "repo")
    readme = (repo / "README.md").read_text()
    first = re.search(r"`git tag (v\d+\.\d+\.\d+) && git push origin \1`", readme)
    assert first, readme
    git(repo, "tag", first.group(1))
    entry_on_main = plan != EXISTING  # bootstrapped by this repository: flux-system reads clusters/<env> from main
    deployed = git(repo, "rev-parse", f"{first.group(1)}^{{commit}}")
    assert production_revision(repo, project(plan), deployed, entry_on_main) == deployed

    overlay = next((repo / "kubernetes/apps").glob(f"*/overlays/{production(repo)}/kustomization.yaml"))
    overlay.write_text(overlay.read_text() + "# reviewed change\n")
    git(repo, "commit", "-qam", "a change on main")
    release = re.search(r"`git tag (v\d+\.\d+\.\d+) <commit> && git push origin \1`", readme)
    assert release, readme
    git(repo, "tag", release.group(1), "main")
    now = production_revision(repo, project(plan), deployed, entry_on_main)
    assert now == git(repo, "rev-parse", "main"), "the released change does not reach production"
    staging = yaml.safe_load((repo / "clusters/staging/sources.yaml").read_text())
    assert staging["spec"]["ref"] == {"branch": "main"}


@pytest.mark.parametrize("plan", PLANS_WITH_FLUX)
def test_every_git_repository_reads_an_ssh_url_with_a_deploy_key(plan: str, tmp_path_factory):
    repo = generate_repo(plan, tmp_path_factory)
    sources = [d for d in flux_objects(repo) if d["kind"] == "GitRepository"]
    assert sources
    for source in sources:
        assert source["spec"]["url"] == SSH_URL, source
    readme = (repo / "clusters/README.md").read_text()
    assert "https://github.com/acme/storefront.git" not in readme
    if plan == EXISTING:
        secret = f"{project(plan)}-git"
        assert {s["spec"]["secretRef"]["name"] for s in sources} == {secret}
        assert f"flux create secret git {secret} --namespace=flux-system --url={SSH_URL}" in readme
    else:
        assert f"--url={SSH_URL}" in readme and "flux bootstrap git" in readme


@pytest.mark.parametrize("plan", PLANS_WITH_FLUX)
def test_the_kustomizations_in_flux_system_carry_the_project_name(plan: str, tmp_path_factory):
    repo = generate_repo(plan, tmp_path_factory)
    name = project(plan)
    kustomizations = [d for d in flux_objects(repo) if d["kind"] == "Kustomization"]
    shared = [d for d in kustomizations if d["metadata"]["namespace"] == "flux-system"]
    assert shared and all(d["metadata"]["name"].startswith(f"{name}-") for d in shared), \
        [d["metadata"]["name"] for d in shared]
    names = {d["metadata"]["name"] for d in shared}
    for d in kustomizations:
        for dep in d["spec"].get("dependsOn", []):
            assert dep["name"] in names, (d["metadata"]["name"], dep)
    readme = (repo / "clusters/README.md").read_text()
    assert f"`{name}-infra-configs`" in readme

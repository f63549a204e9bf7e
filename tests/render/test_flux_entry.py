"""The entry points of generated Flux repositories, as a cluster reads them: every GitRepository authenticates with an
SSH deploy key over an ssh:// URL, and the Kustomizations in the shared flux-system namespace carry the project's
name, so they cannot take over another repository's objects there."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from testlib import PLANS, generate_repo

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

"""Deployment Type multi-region in the multi-tenant layout: every shared stack gets one more state per standby region
of each regional environment (its own backend key or HCP Terraform workspace, region and network), Argo CD sends the
platform and the tenants' applications to the standby cluster, Flux gets the standby cluster's entry point; the
repository validates."""
from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from render_helpers import validate_strict
from testlib import PLANS, hcl_string, yaml_documents as docs

from planforge.cli import main
from planforge.decide import decide
from planforge.plan import parse_plan

PLAN = PLANS / "multi-tenant-multiregion.plan.md"
SHARED = Path("terraform/shared")
STACKS = ["cluster", "monitoring", "networking", "security"]
STANDBY_SERVER = "https://tenant-isolation-prod-eu-west-1.cluster.invalid"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("mt-multiregion") / "repo"
    assert main(["new", str(PLAN), str(dest), "--no-git", "--repo-url", "https://github.com/acme/tenants.git"]) == 0
    return dest


def test_the_multi_tenant_plan_decides_regional_environments_and_applies_the_deployment_type():
    d = decide(parse_plan(PLAN))
    assert (d.answers.region, d.answers.regions, d.answers.regional_environments) == (
        "eu-central-1", ["eu-central-1", "eu-west-1"], ["prod"])
    assert not [n for n in d.not_applied if "region" in n.why]


def test_every_shared_stack_has_a_standby_state_with_its_own_key_region_and_network(repo: Path):
    assert sorted(p.name for p in (repo / SHARED).iterdir() if p.is_dir()) == STACKS
    for stack in STACKS:
        root = repo / SHARED / stack
        keys = {p.name: hcl_string(p.read_text(), "key") for p in root.glob("backend-*.hcl")}
        assert sorted(keys) == ["backend-prod-eu-west-1.hcl", "backend-prod.hcl", "backend-staging.hcl"]
        assert len(set(keys.values())) == 3, keys
        assert keys["backend-prod-eu-west-1.hcl"] == f"shared/{stack}/prod-eu-west-1/terraform.tfstate"
        standby = (root / "prod-eu-west-1.tfvars").read_text()
        assert (hcl_string(standby, "environment"), hcl_string(standby, "region")) == ("prod", "eu-west-1")
        assert hcl_string((root / "prod.tfvars").read_text(), "region") == "eu-central-1"
        assert not (root / "staging-eu-west-1.tfvars").exists()  # production only: the plan asks for no more
        # the standby region's names carry the region: IAM roles and S3 buckets are global
        assert ('var.region == var.primary_region ? "${var.project}-${var.environment}" : '
                '"${var.project}-${var.environment}-${var.region}"') in (root / "main.tf").read_text()
        assert 'default     = "eu-central-1"' in (root / "variables.tf").read_text()
    networking = repo / SHARED / "networking"
    standby_cidr = ipaddress.ip_network(hcl_string((networking / "prod-eu-west-1.tfvars").read_text(), "vpc_cidr"))
    assert not standby_cidr.overlaps(ipaddress.ip_network("10.0.0.0/16"))  # the primary's default network
    assert "backend-<env>-<region>.hcl" in (repo / "terraform/README.md").read_text()


def test_hcp_terraform_names_a_workspace_per_standby_region(tmp_path: Path):
    text = (PLANS / "multi-tenant-tfc.plan.md").read_text().replace(
        "**Deployment Type**: single-region (eu-central-1)",
        "**Deployment Type**: multi-region (eu-central-1 primary, eu-west-1 standby)")
    plan = tmp_path / "plan.md"
    plan.write_text(text)
    dest = tmp_path / "repo"
    assert main(["new", str(plan), str(dest), "--no-git"]) == 0
    cluster = dest / SHARED / "cluster"
    assert not list(cluster.glob("backend-*.hcl"))
    assert hcl_string((cluster / "prod-eu-west-1.tfvars").read_text(), "region") == "eu-west-1"
    assert '"tenant-isolation-shared-cluster-<environment>-<region>"' in (cluster / "backend.tf").read_text()
    assert "workspace `tenant-isolation-shared-$stack-<env>-<region>`" in (dest / "terraform/README.md").read_text()


def test_argocd_sends_the_platform_and_every_tenant_to_the_standby_cluster(repo: Path):
    apps = repo / "argocd/applications"
    standby = docs(apps / "prod-eu-west-1/applications.yaml")
    assert {d["spec"]["destination"]["server"] for d in standby} == {STANDBY_SERVER}
    primary_tenant_apps = [d for f in sorted((apps / "prod").glob("tenant-*.yaml")) for d in docs(f)]
    # the tenants' security-group ApplicationSets generate from the clusters External Secrets records, not per site
    platform = [d for f in sorted((apps / "platform").glob("*.yaml")) for d in docs(f) if d["kind"] == "Application"]
    names = {d["metadata"]["name"] for d in standby}
    assert names == {d["metadata"]["name"] + "-eu-west-1" for d in primary_tenant_apps + platform}
    [app_of_apps] = docs(apps / "prod-eu-west-1.yaml")
    assert app_of_apps["spec"]["source"]["path"] == "argocd/applications/prod-eu-west-1"
    for tenant in ("acme", "globex", "initech"):
        [project] = docs(repo / f"argocd/projects/{tenant}.yaml")
        assert {"server": STANDBY_SERVER, "namespace": f"{tenant}-prod"} in project["spec"]["destinations"]
    platform_servers = {d["server"] for d in docs(repo / "argocd/projects/platform.yaml")[0]["spec"]["destinations"]}
    assert STANDBY_SERVER in platform_servers


def test_flux_gives_the_multi_tenant_standby_cluster_its_entry_point(tmp_path: Path):
    text = (PLANS / "multi-tenant-flux.plan.md").read_text().replace(
        "**Deployment Type**: single-region (eu-central-1)",
        "**Deployment Type**: multi-region (eu-central-1 primary, eu-west-1 standby)")
    plan = tmp_path / "plan.md"
    plan.write_text(text)
    dest = tmp_path / "repo"
    assert main(["new", str(plan), str(dest), "--no-git"]) == 0
    clusters = dest / "clusters"
    assert sorted(p.name for p in clusters.iterdir() if p.is_dir()) == ["prod", "prod-eu-west-1", "staging"]
    for name in ("apps.yaml", "infrastructure.yaml"):
        assert docs(clusters / "prod-eu-west-1" / name) == docs(clusters / "prod" / name), name
    assert "--path=clusters/prod-eu-west-1" in (clusters / "prod-eu-west-1/kustomization.yaml").read_text()


def test_the_multi_tenant_multiregion_repository_validates_strict(repo: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]):
    code, out = validate_strict(repo, monkeypatch, capsys)
    assert code == 0 and "terraform:" in out, out


def test_dns_failover_is_reported_not_applied_in_the_multi_tenant_layout(tmp_path: Path):
    text = PLAN.read_text().replace("eu-west-1 standby)", "eu-west-1 standby), Route 53 failover")
    plan = tmp_path / "plan.md"
    plan.write_text(text)
    d = decide(parse_plan(plan))
    assert d.answers.dns_failover is False
    line = next(n for n, t in enumerate(text.splitlines(), 1) if t.startswith("**Deployment Type**"))
    assert [n.line for n in d.not_applied if "multi-tenant shared stacks" in n.why] == [line]

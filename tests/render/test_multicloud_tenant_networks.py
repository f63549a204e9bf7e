"""Multi-cloud multi-tenant repositories once deployed: each cluster's tenant NetworkPolicies send the database port
to that cluster's own tenant database network (the network the cloud's Terraform creates the tenants' databases in),
the wiring validator checks it on every cloud's cluster, and a plan both multi-region and multi-cloud generates."""
from __future__ import annotations

import ipaddress
import shutil
from pathlib import Path

import pytest
import yaml
from render_helpers import (
    AZURE_PRIMARY, MULTICLOUD_TENANT_DT as TENANT_DT, MULTICLOUD_TENANT_PLAN as TENANT_PLAN, database_egress_cidrs,
    generate, kustomize, plan_variant, run_wiring, validate_strict)
from testlib import PLANS, hcl_string, yaml_documents as docs

from planforge.decide import decide
from planforge.plan import parse_plan

TENANTS = ["acme", "globex", "initech"]
ENVS = ["prod", "staging"]
REPO_URL = "https://github.com/acme/tenant-isolation.git"


@pytest.fixture(scope="module")
def tenant_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(TENANT_PLAN, tmp_path_factory.mktemp("mt-multicloud-net") / "repo", REPO_URL)


def tenant_application(repo: Path, site: str, tenant: str) -> dict:
    [app] = [d for d in docs(repo / f"argocd/applications/{site}/applications.yaml")
             if d["spec"]["source"].get("path") == f"kubernetes/tenants/{tenant}"]
    return app


def test_each_argocd_cluster_sends_the_tenants_database_egress_to_its_own_cloud(tenant_repo: Path, tmp_path: Path):
    terraform = tenant_repo / "terraform"
    azure_vpc = ipaddress.ip_network(hcl_string((terraform / "azure/shared/networking/prod.tfvars").read_text(),
                                                "vpc_cidr"))
    azure_dbs = {}
    for tenant in TENANTS:
        own = hcl_string((terraform / f"tenants/{tenant}/prod.tfvars").read_text(), "database_cidr")
        # the tenant's Azure server sits in a subnet of its own inside the Azure network, from the same macro
        azure_db = azure_dbs[tenant] = hcl_string((terraform / f"azure/tenants/{tenant}/prod.tfvars").read_text(),
                                                  "database_cidr")
        assert ipaddress.ip_network(azure_db).subnet_of(azure_vpc), (tenant, azure_db)
        shutil.copytree(tenant_repo / f"kubernetes/tenants/{tenant}", tmp_path / tenant)
        primary = kustomize(tmp_path / tenant)
        assert database_egress_cidrs(primary) == {f"{tenant}-{env}": [own] for env in ENVS}
        for env in ENVS:
            patches = tenant_application(tenant_repo, f"{env}-azure", tenant)["spec"]["source"]["kustomize"]["patches"]
            other = kustomize(tmp_path / tenant, patches, tmp_path / f"{tenant}-{env}-azure")
            assert database_egress_cidrs(other) == {f"{tenant}-{e}": [azure_db] for e in ENVS}, (tenant, env)
    assert len(set(azure_dbs.values())) == len(TENANTS)
    # the primary cluster's Applications carry no patch
    primary_apps = [d for f in (tenant_repo / "argocd/applications/platform").glob("*.yaml") for d in docs(f)
                    if d["kind"] == "Application"]
    assert primary_apps and all("kustomize" not in d["spec"]["source"] for d in primary_apps)


def test_the_aws_cluster_of_an_azure_primary_gets_each_tenants_own_database_subnet(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    plan = plan_variant(tmp_path, TENANT_PLAN, **AZURE_PRIMARY)
    dest = generate(plan, tmp_path / "repo", REPO_URL)
    tenant_dir = dest / "kubernetes/tenants/acme"
    for tenant in TENANTS:
        own = hcl_string((dest / f"terraform/aws/tenants/{tenant}/prod.tfvars").read_text(), "database_cidr")
        patches = tenant_application(dest, "prod-aws", tenant)["spec"]["source"]["kustomize"]["patches"]
        assert {p["target"]["namespace"] for p in patches} == {f"{tenant}-{env}" for env in ENVS}
        assert all(yaml.safe_load(p["patch"])[0]["value"] == [{"ipBlock": {"cidr": own}}] for p in patches)
    assert hcl_string((dest / "terraform/aws/tenants/globex/prod.tfvars").read_text(), "database_cidr") == \
        "10.1.192.64/26"
    # an AWS cluster keeps its SecurityGroupPolicies: only the egress is patched
    rendered = kustomize(tenant_dir, tenant_application(dest, "prod-aws", "acme")["spec"]["source"]["kustomize"]
                              ["patches"], tmp_path / "acme-aws")
    assert database_egress_cidrs(rendered) == {f"acme-{env}": ["10.1.192.0/26"] for env in ENVS}
    code, out = run_wiring(dest, capsys)
    assert code == 0, out
    # another tenant's database subnet in the AWS cluster's patch: the tenants are no longer isolated
    applications = dest / "argocd/applications/prod-aws/applications.yaml"
    text = applications.read_text()
    applications.write_text(text.replace('"10.1.192.0/26"', '"10.1.192.64/26"', 1))
    code, out = run_wiring(dest, capsys)
    assert code == 1
    assert "[wiring/tenant-database-isolation]" in out and "tenant globex" in out
    assert "argocd/applications/prod-aws/applications.yaml" in out


def test_the_multicloud_fixture_has_no_wiring_findings_and_a_primary_cidr_on_azure_is_caught(
        tenant_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    code, out = run_wiring(tenant_repo, capsys)
    assert code == 0, out
    assert "0 errors" in out
    broken = tmp_path / "repo"
    shutil.copytree(tenant_repo, broken)
    applications = broken / "argocd/applications/prod-azure/applications.yaml"
    # the old output: the Azure cluster's patch names the primary (AWS) tenant database subnet
    acme = hcl_string((tenant_repo / "terraform/azure/tenants/acme/prod.tfvars").read_text(), "database_cidr")
    applications.write_text(applications.read_text().replace(f'"{acme}"', '"10.0.192.0/26"', 1))
    code, out = run_wiring(broken, capsys)
    assert code == 1, out
    assert "[wiring/database-egress]" in out and "argocd/applications/prod-azure/applications.yaml" in out
    assert "outside the azure network (10.1.0.0/16)" in out


def test_an_other_cloud_cluster_without_the_patch_is_caught(tenant_repo: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]):
    broken = tmp_path / "repo"
    shutil.copytree(tenant_repo, broken)
    applications = broken / "argocd/applications/staging-azure/applications.yaml"
    apps = docs(applications)
    for app in apps:
        app["spec"]["source"].pop("kustomize", None)  # every cluster gets the primary's policies as written
    applications.write_text(yaml.safe_dump_all(apps))
    code, out = run_wiring(broken, capsys)
    assert code == 1, out
    assert "[wiring/database-egress]" in out and "10.0.192.0/26" in out
    assert "argocd/applications/staging-azure/applications.yaml" in out


def test_flux_patches_each_tenants_database_egress_on_the_gcp_cluster(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]):
    plan = plan_variant(tmp_path, PLANS / "multi-tenant-flux.plan.md", **{
        "**Cloud Provider**: AWS  ": "**Cloud Provider**: AWS + GCP  ",
        "**Deployment Type**: single-region (eu-central-1)": "**Deployment Type**: multi-cloud (AWS primary, GCP)"})
    dest = generate(plan, tmp_path / "repo", REPO_URL)
    terraform = dest / "terraform"
    gcp_vpc = ipaddress.ip_network(hcl_string((terraform / "gcp/shared/networking/prod.tfvars").read_text(), "vpc_cidr"))
    tenants = sorted(p.name for p in (dest / "kubernetes/tenants").iterdir())
    # each tenant's Cloud SQL instance takes its address from a private services /24 of its own in the GCP network
    gcp_dbs = {t: hcl_string((terraform / f"gcp/tenants/{t}/prod.tfvars").read_text(), "database_cidr") for t in tenants}
    assert all(ipaddress.ip_network(c).subnet_of(gcp_vpc) and c.endswith("/24") for c in gcp_dbs.values())
    assert len(set(gcp_dbs.values())) == len(tenants)
    configs = dest / "infrastructure/configs/prod"
    layers = {d["metadata"]["name"]: d for d in docs(dest / "clusters/prod-gcp/infrastructure.yaml")}
    configs_layer = layers["tenant-isolation-infra-configs"]
    assert configs_layer["spec"]["path"] == "./infrastructure/configs/prod"
    other = kustomize(configs, configs_layer["spec"]["patches"], tmp_path / "gcp")
    primary = kustomize(configs)
    envs = sorted(p.stem for p in (terraform / "tenants" / tenants[0]).glob("*.tfvars"))
    assert database_egress_cidrs(other) == {f"{t}-{e}": [gcp_dbs[t]] for t in tenants for e in envs}
    assert database_egress_cidrs(primary) == {
        f"{t}-{e}": [hcl_string((terraform / f"tenants/{t}/{e}.tfvars").read_text(), "database_cidr")]
        for t in tenants for e in envs}
    shutil.rmtree(tmp_path / "gcp")
    code, out = run_wiring(dest, capsys)
    assert code == 0, out
    infrastructure = dest / "clusters/prod-gcp/infrastructure.yaml"
    infrastructure.write_text(infrastructure.read_text().replace(f'"{gcp_dbs[tenants[0]]}"', '"10.0.192.0/26"', 1))
    code, out = run_wiring(dest, capsys)
    assert code == 1 and "[wiring/database-egress]" in out and "clusters/prod-gcp/infrastructure.yaml" in out, out


def test_a_plan_both_multi_region_and_multi_cloud_generates_and_validates_strict(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    both = ("**Deployment Type**: multi-region (eu-central-1 primary, eu-west-1 standby), "
            "multi-cloud (AWS primary, Azure westeurope)")
    plan = plan_variant(tmp_path, TENANT_PLAN, **{TENANT_DT: both})
    line = plan.read_text().splitlines().index(both + "  ") + 1
    decided = decide(parse_plan(plan))
    assert not [n for n in decided.not_applied if n.line == line]
    answers = decided.answers
    assert (answers.regions, answers.clouds, answers.regional_environments) == \
        (["eu-central-1", "eu-west-1"], ["aws", "azure"], ["prod"])
    dest = generate(plan, tmp_path / "repo", REPO_URL)
    terraform = dest / "terraform"
    # the primary cloud's regions take 10.0 and 10.1, the other cloud the next /16
    assert hcl_string((terraform / "shared/networking/prod-eu-west-1.tfvars").read_text(), "vpc_cidr") == \
        "10.1.0.0/16"
    assert hcl_string((terraform / "azure/shared/networking/prod.tfvars").read_text(), "vpc_cidr") == "10.2.0.0/16"
    apps = dest / "argocd/applications"
    assert {"prod-eu-west-1", "prod-azure", "staging-azure"} <= {p.name for p in apps.iterdir() if p.is_dir()}
    patches = tenant_application(dest, "prod-azure", "acme")["spec"]["source"]["kustomize"]["patches"]
    assert {yaml.safe_load(p["patch"])[0]["value"][0]["ipBlock"]["cidr"] for p in patches
            if p["target"]["kind"] == "NetworkPolicy"} == {
        hcl_string((terraform / "azure/tenants/acme/prod.tfvars").read_text(), "database_cidr")}
    code, out = validate_strict(dest, monkeypatch, capsys, provider_skips=True)
    assert code == 0, out


def test_malformed_patches_and_policies_on_another_clouds_cluster_are_read_without_a_crash(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    (tmp_path / "terraform/azure/shared/networking").mkdir(parents=True)
    (tmp_path / "terraform/azure/shared/networking/main.tf").write_text('variable "vpc_cidr" {}\n')
    (tmp_path / "terraform/azure/shared/networking/prod.tfvars").write_text('vpc_cidr = "10.1.0.0/16"\n')
    tenant = tmp_path / "kubernetes/tenants/acme"
    tenant.mkdir(parents=True)
    policy = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
              "metadata": {"name": "allow-database-egress", "namespace": "acme-prod"},
              "spec": {"podSelector": {}, "policyTypes": ["Egress"],
                       "egress": [{"ports": [{"port": 5432}], "to": [{"ipBlock": "10.0.0.0/8"}]},
                                  {"ports": 5432}, 7, {"ports": [{"port": 5432}], "to": [{"ipBlock": {"cidr": "x"}}]}]}}
    (tenant / "network-policies.yaml").write_text(yaml.safe_dump(policy))
    site = tmp_path / "argocd/applications/prod-azure"
    site.mkdir(parents=True)
    primary = '[{"op": "add", "path": "/spec/egress/0/to", "value": [{"ipBlock": {"cidr": "10.0.192.0/26"}}]}]'
    patches = [{"target": {"kind": "NetworkPolicy", "name": "["}, "patch": "[{op: add"},
               {"target": "NetworkPolicy", "patch": 3},
               {"target": {"kind": "NetworkPolicy"}, "patch": '[{"op": "add", "path": "/spec/egress/9/to"}]'},
               {"target": {"kind": "NetworkPolicy", "namespace": "acme-prod"},
                "patch": primary}]
    (site / "applications.yaml").write_text(yaml.safe_dump({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": {"name": "acme-azure"},
        "spec": {"project": "acme", "source": {"path": "kubernetes/tenants/acme", "kustomize": {"patches": patches}},
                 "destination": {"server": "https://azure.invalid", "namespace": "acme-prod"}}}))
    code, out = run_wiring(tmp_path, capsys)
    assert "Traceback" not in out
    # the one well-formed patch still sends the database port outside the azure network
    assert code == 1 and "[wiring/database-egress]" in out and "10.0.192.0/26" in out, out

"""Multi-cloud in the multi-tenant and workspaces layouts: every other cloud gets its shared stacks and tenant roots
(terraform/<cloud>/shared/<stack>, terraform/<cloud>/tenants/<tenant>) or its own workspaces root
(terraform/live-<cloud>/), each with its own states, provider, modules and network, and GitOps delivers the
platform and the tenants to that cloud's clusters."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from render_helpers import (
    AZURE_PRIMARY, MULTICLOUD_TENANT_DT as TENANT_DT, MULTICLOUD_TENANT_PLAN as TENANT_PLAN, generate, plan_variant,
    validate_strict)
from testlib import PLANS, find_terraform_mirror, hcl_string, yaml_documents as docs

from planforge.cli import main
from planforge.decide import decide
from planforge.plan import parse_plan

WORKSPACES_PLAN = PLANS / "multicloud-workspaces.plan.md"
TENANTS = ["acme", "globex", "initech"]
STACKS = ["cluster", "monitoring", "networking", "security"]
TENANT_ENVS = ["prod", "staging"]
WORKSPACE_ENVS = ["dev", "prod", "staging"]
REPO_URL = "https://github.com/acme/tenant-isolation.git"


@pytest.fixture(scope="module")
def tenant_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(TENANT_PLAN, tmp_path_factory.mktemp("mt-multicloud") / "repo", REPO_URL)


@pytest.fixture(scope="module")
def workspaces_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(WORKSPACES_PLAN, tmp_path_factory.mktemp("ws-multicloud") / "repo", REPO_URL)


def test_the_multi_tenant_and_workspaces_layouts_apply_the_multi_cloud_line():
    for plan, line_text in ((TENANT_PLAN, TENANT_DT),
                            (WORKSPACES_PLAN, "**Deployment Type**: multi-cloud (AWS primary in us-east-1, Azure)")):
        d = decide(parse_plan(plan))
        line = plan.read_text().splitlines().index(line_text + "  ") + 1
        assert (d.answers.cloud, d.answers.clouds) == ("aws", ["aws", "azure"]), plan.name
        assert d.provenance["clouds"].line == line
        assert not [n for n in d.not_applied if n.line == line], plan.name
    assert decide(parse_plan(WORKSPACES_PLAN)).answers.terraform_roots == "workspaces"


def test_the_other_cloud_has_its_shared_stacks_with_their_own_states_and_network(tenant_repo: Path):
    terraform = tenant_repo / "terraform"
    assert sorted(p.name for p in (terraform / "shared").iterdir()) == \
        sorted(p.name for p in (terraform / "azure/shared").iterdir()) == STACKS
    assert sorted(p.name for p in (terraform / "azure/modules").iterdir()) == ["aks", "database", "keyvault", "vpc"]
    keys = [hcl_string(f.read_text(), "key") for f in sorted(terraform.glob("**/backend-*.hcl"))]
    assert len(keys) == len(set(keys)) == 2 * (len(STACKS) + len(TENANTS)) * len(TENANT_ENVS)
    networking = terraform / "azure/shared/networking"
    assert hcl_string((networking / "backend-prod.hcl").read_text(), "key") == \
        "azure/shared/networking/prod/terraform.tfstate"
    # the state stays in the primary cloud's backend; the stack runs on its own cloud, in its own /16
    assert hcl_string((networking / "backend-prod.hcl").read_text(), "region") == "eu-central-1"
    tfvars = (networking / "prod.tfvars").read_text()
    assert (hcl_string(tfvars, "region"), hcl_string(tfvars, "vpc_cidr")) == ("westeurope", "10.1.0.0/16")
    assert "vpc_cidr" not in (terraform / "shared/networking/prod.tfvars").read_text()  # the primary keeps 10.0/16
    assert 'provider "azurerm"' in (networking / "providers.tf").read_text()
    assert 'source = "../../modules/vpc"' in (networking / "main.tf").read_text()
    cluster = (terraform / "azure/shared/cluster/main.tf").read_text()
    assert 'module "aks"' in cluster and 'source = "../../modules/aks"' in cluster
    assert hcl_string((terraform / "azure/shared/cluster/prod.tfvars").read_text(), "instance_type") == "Standard_D4s_v5"
    # AWS roots commit the provider lock; the README says why the azurerm roots do not
    assert (terraform / "shared/cluster/.terraform.lock.hcl").is_file()
    assert not list((terraform / "azure").glob("**/.terraform.lock.hcl"))
    readme = (terraform / "README.md").read_text()
    assert "`terraform/azure/shared/<stack>`" in readme and "`terraform/azure/tenants/<tenant>`" in readme
    assert "No `.terraform.lock.hcl` is committed for the azure roots" in readme


def test_every_tenant_has_a_root_on_every_cloud(tenant_repo: Path):
    terraform = tenant_repo / "terraform"
    assert sorted(p.name for p in (terraform / "azure/tenants").iterdir()) == TENANTS
    for tenant in TENANTS:
        root = terraform / "azure/tenants" / tenant
        main_tf = (root / "main.tf").read_text()
        assert 'module "keyvault"' in main_tf and 'source = "../../modules/database"' in main_tf
        tfvars = (root / "prod.tfvars").read_text()
        assert (hcl_string(tfvars, "tenant"), hcl_string(tfvars, "region")) == (tenant, "westeurope")
        assert hcl_string((root / "backend-staging.hcl").read_text(), "key") == \
            f"azure/tenants/{tenant}/staging/terraform.tfstate"


def test_argocd_delivers_the_platform_and_the_tenants_to_the_other_clouds_clusters(tenant_repo: Path):
    apps = tenant_repo / "argocd/applications"
    for env in TENANT_ENVS:
        cluster = f"tenant-isolation-{env}-azure"  # registered by name, no placeholder server
        other = docs(apps / f"{env}-azure/applications.yaml")
        assert {(d["spec"]["destination"].get("name"), d["spec"]["destination"].get("server")) for d in other} == {
            (cluster, None)}
        paths = {d["spec"]["source"].get("path") for d in other}
        assert {"kubernetes/cluster-config", *(f"kubernetes/tenants/{t}" for t in TENANTS),
                *(f"kubernetes/tenants/{t}/apps/analytics-api/{env}" for t in TENANTS)} <= paths
        [app_of_apps] = docs(apps / f"{env}-azure.yaml")
        assert app_of_apps["spec"]["source"]["path"] == f"argocd/applications/{env}-azure"
        for tenant in TENANTS:
            allowed = {(d.get("name"), d.get("namespace"))
                       for d in docs(tenant_repo / f"argocd/projects/{tenant}.yaml")[0]["spec"]["destinations"]}
            assert (cluster, f"{tenant}-{env}") in allowed
    # each environment's bootstrap (applied to that environment's cluster) includes the platform, its own
    # app-of-apps and its other clouds' app-of-apps, never another environment's
    for env in ("staging", "prod"):
        include = docs(tenant_repo / f"argocd/bootstrap/{env}.yaml")[1]["spec"]["source"]["directory"]["include"]
        assert {"applications/platform.yaml", f"applications/{env}.yaml", f"applications/{env}-azure.yaml"} <= set(
            include.strip("{}").split(","))
        assert not any(f"/{other}" in include for other in ("staging", "prod") if other != env)


def test_the_other_clouds_cluster_gets_no_eks_security_group_policies(tenant_repo: Path, tmp_path: Path):
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl not installed")
    other = docs(tenant_repo / "argocd/applications/prod-azure/applications.yaml")
    assert {d["kind"] for d in other} == {"Application"}  # no tenant security-group ApplicationSet
    assert not any(d["spec"]["source"].get("path", "").endswith("/security-groups") for d in other)
    [guardrails] = [d for d in other if d["spec"]["source"].get("path") == "kubernetes/tenants/acme"]
    # what Argo CD renders for the other cloud: the tenant's kustomization with the Application's patches
    tenant = tmp_path / "acme"
    shutil.copytree(tenant_repo / "kubernetes/tenants/acme", tenant)
    kustomization = yaml.safe_load((tenant / "kustomization.yaml").read_text())
    kustomization["patches"] = guardrails["spec"]["source"]["kustomize"]["patches"]
    (tenant / "kustomization.yaml").write_text(yaml.safe_dump(kustomization))
    rendered = subprocess.run([kubectl, "kustomize", str(tenant)], capture_output=True, text=True, check=True).stdout
    kinds = {d["kind"] for d in yaml.safe_load_all(rendered) if d}
    assert "SecurityGroupPolicy" not in kinds and {"Namespace", "NetworkPolicy", "ResourceQuota"} <= kinds
    policies = tenant_repo / "kubernetes/tenants/acme/security-groups/policies.yaml"
    assert "kind: SecurityGroupPolicy" in policies.read_text()  # the primary (EKS) cluster's own


def test_the_multi_tenant_multicloud_repository_validates_strict(tenant_repo: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture[str]):
    code, out = validate_strict(tenant_repo, monkeypatch, capsys, provider_skips=True)
    assert code == 0, out
    assert "terraform/azure/tenants/acme: provider registry.terraform.io/hashicorp/azurerm not available" in out \
        or find_terraform_mirror() is None


@pytest.mark.slow
def test_the_aws_roots_of_another_cloud_pass_terraform_validate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]):
    if find_terraform_mirror() is None:
        pytest.skip("no Terraform provider mirror: the AWS provider cannot be installed")
    plan = plan_variant(tmp_path, TENANT_PLAN, **AZURE_PRIMARY)
    dest = generate(plan, tmp_path / "repo", REPO_URL)
    terraform = dest / "terraform"
    assert sorted(p.name for p in (terraform / "aws/shared").iterdir()) == STACKS
    assert (terraform / "aws/tenants/acme/.terraform.lock.hcl").is_file()
    # the tenant's database subnets lie in the AWS network (10.1.0.0/16), not in the primary's
    assert hcl_string((terraform / "aws/tenants/acme/prod.tfvars").read_text(), "database_cidr") == "10.1.192.0/26"
    assert hcl_string((terraform / "aws/shared/networking/prod.tfvars").read_text(), "vpc_cidr") == "10.1.0.0/16"
    code, out = validate_strict(dest, monkeypatch, capsys, "--only", "terraform", provider_skips=True)
    assert code == 0, out
    assert "skipped [terraform/validate] terraform/aws/" not in out
    assert "skipped [terraform/validate] terraform/shared/cluster" in out  # azurerm: not installable here


def test_flux_gives_the_other_clouds_clusters_the_platform_and_the_tenants(tmp_path: Path):
    plan = plan_variant(tmp_path, PLANS / "multi-tenant-flux.plan.md", **{
        "**Cloud Provider**: AWS  ": "**Cloud Provider**: AWS + GCP  ",
        "**Deployment Type**: single-region (eu-central-1)": "**Deployment Type**: multi-cloud (AWS primary, GCP)"})
    dest = generate(plan, tmp_path / "repo", REPO_URL)
    clusters = dest / "clusters"
    assert {"prod-gcp", "staging-gcp"} <= {p.name for p in clusters.iterdir()}
    primary, other = clusters / "prod", clusters / "prod-gcp"
    assert docs(other / "apps.yaml") == docs(primary / "apps.yaml")  # every tenant's Kustomization
    def kustomizations(cluster: Path) -> dict[str, dict]:
        return {d["metadata"]["name"]: d for d in docs(cluster / "infrastructure.yaml")}

    # security groups for pods exist on EKS only: the GCP cluster gets no tenant security-group Kustomization
    assert any(name.endswith("-security-groups") for name in kustomizations(primary))
    assert not any(name.endswith("-security-groups") or name.endswith("-pod-security-group-ids") for name in kustomizations(other))
    # the tenants' database egress to GCP's networks, and no EBS default StorageClass (GKE marks its own default)
    patches = kustomizations(other)["tenant-isolation-infra-configs"]["spec"]["patches"]
    assert {p["target"]["kind"] for p in patches} == {"NetworkPolicy", "StorageClass"}
    assert "patches" not in kustomizations(primary)["tenant-isolation-infra-configs"]["spec"]
    assert (dest / "terraform/gcp/shared/cluster/main.tf").is_file()
    assert main(["validate", str(dest), "--strict", "--only", "flux,kustomize,schemas"]) == 0


def test_hcp_terraform_gives_every_cloud_stack_and_tenant_its_own_workspaces(tmp_path: Path):
    plan = plan_variant(tmp_path, PLANS / "multi-tenant-tfc.plan.md", **{
        "**Cloud Provider**: AWS  ": "**Cloud Provider**: AWS + Azure  ",
        "**Deployment Type**: single-region (eu-central-1)": "**Deployment Type**: multi-cloud (AWS primary, Azure)"})
    dest = generate(plan, tmp_path / "repo", REPO_URL)
    backends = sorted((dest / "terraform").glob("**/backend.tf"))
    tags = [m.group(1) if (m := re.search(r'^\s*tags = \["([^"]+)"\]', b.read_text(), re.M)) else None
            for b in backends]
    assert None not in tags and len(tags) == len(set(tags)) == 2 * (len(STACKS) + len(TENANTS))
    readme = (dest / "terraform/README.md").read_text()
    assert any("azure-tenants-acme-prod`" in line for line in readme.splitlines())


def test_workspaces_give_the_other_cloud_its_own_root_and_workspace_states(workspaces_repo: Path):
    terraform = workspaces_repo / "terraform"
    live, other = terraform / "live", terraform / "live-azure"
    assert sorted(p.stem for p in (other / "envs").glob("*.tfvars")) == WORKSPACE_ENVS
    assert hcl_string((live / "backend.tf").read_text(), "workspace_key_prefix") == "environments"
    assert hcl_string((other / "backend.tf").read_text(), "workspace_key_prefix") == "environments/azure"
    assert hcl_string((other / "backend.tf").read_text(), "bucket") == hcl_string((live / "backend.tf").read_text(),
                                                                                   "bucket")
    assert 'provider "azurerm"' in (other / "providers.tf").read_text()
    main_tf = (other / "main.tf").read_text()
    assert 'module "aks"' in main_tf and 'source = "../azure/modules/aks"' in main_tf
    assert sorted(p.name for p in (terraform / "azure/modules").iterdir()) == ["aks", "database", "keyvault", "vpc"]
    assert "local.environment" in main_tf and "terraform.workspace" in (other / "workspace.tf").read_text()
    tfvars = (other / "envs/prod.tfvars").read_text()
    assert (hcl_string(tfvars, "region"), hcl_string(tfvars, "vpc_cidr")) == ("eastus", "10.1.0.0/16")
    assert not (other / ".terraform.lock.hcl").exists() and (live / ".terraform.lock.hcl").is_file()
    assert "`terraform/live-azure/` with a workspace per environment" in (terraform / "README.md").read_text()


def test_the_workspaces_multicloud_repository_validates_strict(workspaces_repo: Path, monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]):
    code, out = validate_strict(workspaces_repo, monkeypatch, capsys, provider_skips=True)
    assert code == 0, out
    assert "terraform/live-azure: provider registry.terraform.io/hashicorp/azurerm not available" in out \
        or find_terraform_mirror() is None


@pytest.mark.slow
def test_update_moves_a_multi_tenant_repository_from_one_cloud_to_two_keeping_user_edits(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    from render_helpers import USER_EDIT, commit_user_edits, new_from_plan, run_cli, tree

    plan, dest = new_from_plan(tmp_path, "multi-tenant-saas.plan.md", capsys)
    edited = commit_user_edits(dest, "kubernetes/tenants/acme/resource-quotas.yaml",
                               "terraform/shared/networking/prod.tfvars", "terraform/tenants/acme/prod.tfvars")
    before = tree(dest)
    text = plan.read_text()
    plan.write_text(text.replace("**Cloud Provider**: AWS  ", "**Cloud Provider**: AWS + Azure  ").replace(
        "**Deployment Type**: single-region (eu-central-1)", TENANT_DT))
    code, _, err = run_cli("update", str(dest), "--plan", str(plan), capsys=capsys)
    assert code == 0, err

    after = tree(dest)
    assert all(USER_EDIT in path.read_text() for path in edited)
    added = set(after) - set(before)
    assert {f"terraform/azure/shared/{stack}/main.tf" for stack in STACKS} <= added
    assert {f"terraform/azure/tenants/{tenant}/main.tf" for tenant in TENANTS} <= added
    assert {"terraform/azure/modules/aks/main.tf", "argocd/applications/prod-azure.yaml",
            "argocd/applications/prod-azure/applications.yaml"} <= added
    assert all(p.startswith(("terraform/azure/", "argocd/applications/")) and "azure" in p for p in added), added
    # the EBS default StorageClass stays in the shared cluster configuration: the Azure clusters' Applications leave it out
    assert set(before) <= set(after)
    changed = {p for p in before if before[p] != after[p]}
    # the primary cloud's roots, modules and the tenants' guardrails keep their code and state
    assert not [p for p in changed if p.startswith(("terraform/shared/", "terraform/tenants/", "terraform/modules/",
                                                    "kubernetes/"))], changed
    answers = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert (answers["clouds"], answers["cloud_regions"]) == (["aws", "azure"], {"azure": "westeurope"})

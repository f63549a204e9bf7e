"""Deployment Type multi-region in the multi-tenant layout: every shared stack gets one more state per standby region
of each regional environment (its own backend key or HCP Terraform workspace, region and network), Argo CD sends the
platform and the tenants' applications to the standby cluster, Flux gets the standby cluster's entry point; the
repository validates."""
from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from render_helpers import new_with_dns_failover, validate_strict
from testlib import PLANS, hcl_string, yaml_documents as docs

from planforge.cli import main
from planforge.decide import decide
from planforge.plan import parse_plan

PLAN = PLANS / "multi-tenant-multiregion.plan.md"
SHARED = Path("terraform/shared")
STACKS = ["cluster", "monitoring", "networking", "security"]
STANDBY_CLUSTER = "tenant-isolation-prod-eu-west-1"


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


def test_every_tenant_has_a_standby_state_with_its_own_key_identity_and_database_replica(repo: Path):
    for tenant in ("acme", "globex", "initech"):
        root = repo / "terraform/tenants" / tenant
        keys = {p.name: hcl_string(p.read_text(), "key") for p in root.glob("backend-*.hcl")}
        assert keys["backend-prod-eu-west-1.hcl"] == f"tenants/{tenant}/prod-eu-west-1/terraform.tfstate"
        assert len(set(keys.values())) == 3, keys
        standby = (root / "prod-eu-west-1.tfvars").read_text()
        assert (hcl_string(standby, "tenant"), hcl_string(standby, "region")) == (tenant, "eu-west-1")
        # the tenant's database subnets sit in the standby region's own network
        cidr = ipaddress.ip_network(hcl_string(standby, "database_cidr"))
        assert cidr.subnet_of(ipaddress.ip_network("10.1.0.0/16"))
        assert ipaddress.ip_network(hcl_string((root / "prod.tfvars").read_text(), "database_cidr")).subnet_of(
            ipaddress.ip_network("10.0.0.0/16"))
        assert not (root / "staging-eu-west-1.tfvars").exists()
    main_tf = (repo / "terraform/tenants/acme/main.tf").read_text()
    # the role decides the names, the shared stacks looked up, and the database: a cross-region read replica
    assert 'standby = var.region != var.primary_region' in main_tf
    assert 'role    = local.standby ? "standby" : "primary"' in main_tf
    assert 'shared  = local.standby ? "${var.project}-${var.environment}-${var.region}"' in main_tf
    assert ("replicate_source_db        = local.standby ? data.aws_db_instance.primary[0].db_instance_arn : null"
            in main_tf)
    assert "provider = aws.primary" in main_tf and "region = var.primary_region" in (
        repo / "terraform/tenants/acme/providers.tf").read_text()
    assert 'default     = "eu-central-1"' in (repo / "terraform/tenants/acme/variables.tf").read_text()
    # a key per region, the workload identity on the region's cluster, the pod security group in the region's network
    assert 'module "kms"' in main_tf and "kms_key_arn                = module.kms.key_arn" in main_tf
    assert 'resource "aws_eks_pod_identity_association" "workload"' in main_tf
    assert "cluster_name    = data.aws_eks_cluster.shared.name" in main_tf and "name = local.shared" in main_tf
    assert 'resource "aws_security_group" "pods"' in main_tf
    assert "allowed_security_group_ids = [aws_security_group.pods.id]" in main_tf
    assert 'output "region_role"' in (repo / "terraform/tenants/acme/outputs.tf").read_text()
    assert "Each tenant root has a standby" in (repo / "terraform/README.md").read_text()


def test_the_standby_cluster_gets_each_tenants_own_pod_security_group(repo: Path):
    standby = docs(repo / "argocd/applications/prod-eu-west-1/applications.yaml")
    appsets = [d for d in standby if d["kind"] == "ApplicationSet"]
    assert sorted(d["spec"]["template"]["spec"]["source"]["path"] for d in appsets) == [
        f"kubernetes/tenants/{t}/security-groups" for t in ("acme", "globex", "initech")]
    for appset in appsets:
        tenant = appset["spec"]["template"]["spec"]["source"]["path"].split("/")[2]
        assert appset["spec"]["template"]["spec"]["destination"]["name"] == STANDBY_CLUSTER
        [replace] = [p for p in appset["spec"]["template"]["spec"]["source"]["kustomize"]["patches"]
                     if "op: replace" in p["patch"]]
        assert replace["target"] == {"kind": "SecurityGroupPolicy", "namespace": f"{tenant}-prod"}
        assert f'"{tenant}-prod-eu-west-1"' in replace["patch"]
    primary = [d for f in sorted((repo / "argocd/applications/platform").glob("tenant-*.yaml")) for d in docs(f)
               if d["kind"] == "Application"]
    assert all("kustomize" not in d["spec"]["source"] for d in primary)


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
    tenant = dest / "terraform/tenants/acme"
    assert not list(tenant.glob("backend-*.hcl"))
    assert hcl_string((tenant / "prod-eu-west-1.tfvars").read_text(), "region") == "eu-west-1"
    assert '"tenant-isolation-tenants-acme-<environment>-<region>"' in (tenant / "backend.tf").read_text()
    assert "workspace `tenant-isolation-shared-$stack-<env>-<region>`" in (dest / "terraform/README.md").read_text()


def test_argocd_sends_the_platform_and_every_tenant_to_the_standby_cluster(repo: Path):
    apps = repo / "argocd/applications"
    standby = [d for d in docs(apps / "prod-eu-west-1/applications.yaml") if d["kind"] == "Application"]
    assert {d["spec"]["destination"].get("name") for d in standby} == {STANDBY_CLUSTER}
    primary_tenant_apps = [d for f in sorted((apps / "prod").glob("tenant-*.yaml")) for d in docs(f)]
    # the tenants' security-group ApplicationSets generate from the clusters External Secrets records, not per site
    platform = [d for f in sorted((apps / "platform").glob("*.yaml")) for d in docs(f) if d["kind"] == "Application"]
    names = {d["metadata"]["name"] for d in standby}
    assert names == {d["metadata"]["name"] + "-eu-west-1" for d in primary_tenant_apps + platform}
    [app_of_apps] = docs(apps / "prod-eu-west-1.yaml")
    assert app_of_apps["spec"]["source"]["path"] == "argocd/applications/prod-eu-west-1"
    for tenant in ("acme", "globex", "initech"):
        [project] = docs(repo / f"argocd/projects/{tenant}.yaml")
        assert {"name": STANDBY_CLUSTER, "namespace": f"{tenant}-prod"} in project["spec"]["destinations"]
    platform_names = {d.get("name") for d in docs(repo / "argocd/projects/platform.yaml")[0]["spec"]["destinations"]}
    assert STANDBY_CLUSTER in platform_names
    # no platform secret store (the tenants' stores only): the README registers the cluster under its name
    assert not (apps / "prod-eu-west-1/cluster.yaml").exists()
    assert "`argocd cluster add <kube-context> --name <name>`" in (repo / "argocd/README.md").read_text()


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
    assert docs(clusters / "prod-eu-west-1/apps.yaml") == docs(clusters / "prod/apps.yaml")
    standby = docs(clusters / "prod-eu-west-1/infrastructure.yaml")
    primary = docs(clusters / "prod/infrastructure.yaml")
    # the same layers, but the configuration layer reads the standby region's parameters (the pod security group
    # ids the standby tenant roots write) and sends the database egress to the standby region's networks
    [configs] = [d for d in standby if d["metadata"]["name"].endswith("-infra-configs")]
    patches = configs["spec"].pop("patches")
    # and the components layer leaves out Cluster Autoscaler, whose values name the primary cluster
    [controllers] = [d for d in standby if d["metadata"]["name"].endswith("-infra-controllers")]
    [delete] = controllers["spec"].pop("patches")
    assert delete["target"] == {"kind": "HelmRelease", "name": "cluster-autoscaler"}
    assert standby == primary
    assert {p["target"]["kind"] for p in patches} == {"NetworkPolicy", "ClusterSecretStore"}
    assert all("10.1." in p["patch"] or "eu-west-1" in p["patch"] for p in patches)
    assert "--path=clusters/prod-eu-west-1" in (clusters / "prod-eu-west-1/kustomization.yaml").read_text()


def test_the_multi_tenant_multiregion_repository_validates_strict(repo: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]):
    code, out = validate_strict(repo, monkeypatch, capsys)
    assert code == 0 and "terraform:" in out, out


def test_a_dns_component_gives_the_networking_stack_a_failover_record_per_region(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    dest = new_with_dns_failover(PLAN, tmp_path)
    networking = (dest / SHARED / "networking/main.tf").read_text()
    # one code for both regions' states: the role follows the state's region, regional environments only
    assert 'dns_role     = var.region == var.primary_region ? "PRIMARY" : "SECONDARY"' in networking
    assert 'contains(["prod"], var.environment)' in networking
    assert "type = local.dns_role" in networking and 'resource "aws_route53_health_check" "ingress"' in networking
    assert all("aws_route53_record" not in (dest / SHARED / s / "main.tf").read_text() for s in STACKS
               if s != "networking")
    assert "`PRIMARY` in the\n   primary region's" in (dest / "terraform/README.md").read_text()
    code, out = validate_strict(dest, monkeypatch, capsys)
    assert code == 0 and "terraform:" in out, out


@pytest.mark.parametrize(("cloud", "replica"), [
    ("azure", ['resource "azurerm_postgresql_flexible_server" "replica"', 'create_mode                   = "Replica"',
               "key_vault_key_id                  = module.keyvault.key_id",
               'subject             = "system:serviceaccount:${var.tenant}-${var.environment}:${each.value}"',
               'resource_group_name = "rg-${local.shared}-cluster"']),
    ("gcp", ['resource "google_sql_database_instance" "replica"', "encryption_key_name  = module.kms.key_id",
             "master_instance_name = data.google_sql_database_instance.primary[0].name",
             'member             = "serviceAccount:${var.project_id}.svc.id.goog['
             '${var.tenant}-${var.environment}/${each.value}]"']),
])
def test_the_azure_and_gcp_tenant_standby_state_runs_a_read_replica_with_its_own_key_and_identity(
        cloud: str, replica: list[str], tmp_path: Path):
    """azurerm and google cannot be installed here: the tenant root is rendered and checked for its content and
    `terraform fmt` (terraform validate runs on AWS only)."""
    import shutil
    import subprocess

    from planforge.render.engine import render_new
    from planforge.render.template import resolve_template

    a = decide(parse_plan(PLAN)).answers
    sizing = [s.model_copy(update={"instance_type": None, "db_instance_class": None}) for s in a.environment_sizing]
    regions = {"azure": ["westeurope", "northeurope"], "gcp": ["europe-west1", "europe-west4"]}[cloud]
    answers = a.model_validate({**a.model_dump(), "cloud": cloud, "region": regions[0], "regions": regions,
                                "kubernetes_distribution": {"azure": "aks", "gcp": "gke"}[cloud],
                                "state_backend": {"azure": "azurerm", "gcp": "gcs"}[cloud], "state_locking": "none",
                                "secrets_manager": "none", "environment_sizing": sizing})
    dest = tmp_path / "repo"
    render_new(answers, dest, resolve_template(None, None), init_git=False)
    root = dest / "terraform/tenants/acme"
    text = (root / "main.tf").read_text()
    assert all(line in text for line in replica), text
    assert "count  = local.standby ? 0 : 1" in text and "to   = module.database[0]" in text
    assert hcl_string((root / f"prod-{regions[1]}.tfvars").read_text(), "region") == regions[1]
    assert "value       = local.database_endpoint" in (root / "outputs.tf").read_text()
    terraform = shutil.which("terraform")
    if terraform:
        proc = subprocess.run([terraform, "fmt", "-check", "-diff", str(root)], capture_output=True, text=True,
                              timeout=120)
        assert proc.returncode == 0, proc.stdout + proc.stderr

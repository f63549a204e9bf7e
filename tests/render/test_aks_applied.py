"""What an AKS repository needs to work once applied.

A public ingress is reachable: the workload subnet's security group admits the ingress
controller's ports from the internet ahead of its deny rule (a public load balancer keeps the client's address), and
Azure's load balancer probes the controller's health endpoint instead of `/`, which ingress-nginx answers 404. The vpc
module's own tests (modules/azure/vpc/tests) check the rule's order under a mocked provider."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from testlib import PLANS, plan_group, rendered_plan

AKS = PLANS / "aks-argocd-keyvault.plan.md"
PROBE = "service.beta.kubernetes.io/azure-load-balancer-health-probe-request-path"


@plan_group(AKS)
def test_the_ingress_ports_are_admitted_and_probed_on_their_health_path(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    root = rendered_plan(AKS, tmp_path_factory)
    for env in ("dev", "staging", "prod"):
        main = (root / f"terraform/environments/{env}/main.tf").read_text()
        vpc = re.search(r'(?ms)^module "vpc" \{.*?^\}', main).group(0)
        assert "internet_inbound_ports = [80, 443]" in vpc
        app = yaml.safe_load((root / f"argocd/applications/{env}/ingress-nginx.yaml").read_text())
        service = app["spec"]["source"]["helm"]["valuesObject"]["controller"]["service"]
        assert service["annotations"][PROBE] == "/healthz"
    module = (root / "terraform/modules/vpc/main.tf").read_text()
    allow, deny = (re.search(rf'name\s+= "{name}"[^}}]*?priority\s+= (\d+)', module) for name in
                   ("allow-internet-ingress", "deny-internet-inbound"))
    assert int(allow.group(1)) < int(deny.group(1))
    assert 'destination_port_ranges    = [for port in security_rule.value : tostring(port)]' in module


@plan_group(AKS)
def test_the_cluster_has_an_admin_group_the_team_sets_outside_the_repository(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """Local accounts are off and Azure RBAC is on: without an admin group nobody reaches the Kubernetes API, so each
    root passes the group the team names (TF_VAR_cluster_admin_group_object_id, required) and the README says so."""
    root = rendered_plan(AKS, tmp_path_factory)
    for env in ("dev", "staging", "prod"):
        main = (root / f"terraform/environments/{env}/main.tf").read_text()
        aks = re.search(r'(?ms)^module "aks" \{.*?^\}', main).group(0)
        assert "admin_group_object_ids = [var.cluster_admin_group_object_id]" in aks
        variables = (root / f"terraform/environments/{env}/variables.tf").read_text()
        block = re.search(r'(?ms)^variable "cluster_admin_group_object_id" \{.*?^\}', variables).group(0)
        assert "var.cluster_admin_group_object_id != null" in block and "TF_VAR_cluster_admin_group_object_id" in block
    module = (root / "terraform/modules/aks/main.tf").read_text()
    assert "admin_group_object_ids = var.admin_group_object_ids" in module and "local_account_disabled  = true" in module
    assert "`TF_VAR_cluster_admin_group_object_id`" in (root / "terraform/README.md").read_text()


JUGGERHUB = PLANS.parent / "plans-real" / "jnroesch--juggerhub--015-hosting.plan.md"


@plan_group(JUGGERHUB)
def test_the_in_cluster_databases_secret_is_in_the_deploy_steps_secret_list(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """The README's Deploy steps send the user to "Secrets created outside this repository" before the first apply:
    the in-cluster database's credentials Secret is listed there, with its namespace and a command."""
    root = rendered_plan(JUGGERHUB, tmp_path_factory)
    readme = (root / "README.md").read_text()
    assert readme.index("## Deploy") < readme.index("## Secrets created outside this repository")
    section = readme.split("## Secrets created outside this repository", 1)[1].split("\n## ", 1)[0]
    secret = re.search(r"secretName: (\S+)|name: (\S+-database)", (root / "kubernetes/database/database.yaml").read_text())
    name = secret.group(1) or secret.group(2)
    assert f"`{name}` is created out of band in `database`" in section
    assert f"kubectl create secret generic {name} -n database --from-literal=username=" in section


@plan_group(JUGGERHUB)
def test_the_terraform_readme_claims_no_managed_database_the_roots_do_not_build(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """The database runs in the cluster: no root builds a managed one, so the Terraform README's decisions claim no
    Multi-AZ, backups, database logs or Entra-only database login, and ask for no database admin group."""
    root = rendered_plan(JUGGERHUB, tmp_path_factory)
    assert not list(root.glob("infra/modules/database"))
    readme = (root / "infra/README.md").read_text()
    for claim in ("Multi-AZ data stores", "Backups / point-in-time recovery", "Database secrets",
                  "database connection logs", "TF_VAR_database_admin_group_object_id"):
        assert claim not in readme, claim
    # no managed database, no flow logs on Azure, and the state storage is created outside Terraform: no access log
    assert "| Access logging | none generated (the network module keeps no flow logs on azure) |" in readme
    # no GitOps tool: the manifests are applied with kubectl's kustomize, and their label says so
    assert "app.kubernetes.io/managed-by: kustomize" in (root / "kubernetes/base/kustomization.yaml").read_text()


@plan_group(JUGGERHUB)
def test_an_in_cluster_database_gets_no_postgres_subnet_nor_dns_zone(tmp_path_factory: pytest.TempPathFactory) -> None:
    """PostgreSQL runs in the cluster: the network builds no subnet delegated to flexible servers and no private DNS
    zone for them (the vpc module's `database_network` is off), where a root with a managed database turns it on."""
    root = rendered_plan(JUGGERHUB, tmp_path_factory)
    vpc = re.search(r'(?ms)^module "vpc" \{.*?^\}', (root / "infra/live/main.tf").read_text()).group(0)
    assert "database_network" not in vpc
    variable = re.search(r'(?ms)^variable "database_network" \{.*?^\}',
                         (root / "infra/modules/vpc/variables.tf").read_text()).group(0)
    assert "default     = false" in variable


HR_PORTAL = PLANS / "azure-hr-portal.plan.md"


@plan_group(HR_PORTAL)
def test_a_managed_database_gets_its_delegated_subnet_and_dns_zone(tmp_path_factory: pytest.TempPathFactory) -> None:
    root = rendered_plan(HR_PORTAL, tmp_path_factory)
    main = (root / "terraform/environments/prod/main.tf").read_text()
    assert 'module "database"' in main and "module.vpc.database_subnet_id" in main
    vpc = re.search(r'(?ms)^module "vpc" \{.*?^\}', main).group(0)
    assert "database_network = true" in vpc


@plan_group(JUGGERHUB)
def test_the_cluster_root_says_how_to_reach_the_api_with_entra_id(tmp_path_factory: pytest.TempPathFactory,
                                                                   packed_tf_mirror: Path) -> None:
    """Local accounts are off: the root that builds the cluster outputs the command that writes a kubeconfig signing
    in through kubelogin, the README says how to use it and from where, and the root validates with it."""
    from planforge.validate.base import Settings, Severity
    from planforge.validate.runner import run_validation

    root = rendered_plan(JUGGERHUB, tmp_path_factory)
    output = re.search(r'(?ms)^output "kubeconfig_command" \{.*?^\}', (root / "infra/live/outputs.tf").read_text())
    assert output and "az aks get-credentials --resource-group ${azurerm_resource_group.this.name} --name " \
        "${module.aks.cluster_name}" in output.group(0) and "kubelogin convert-kubeconfig -l azurecli" in output.group(0)
    section = (root / "infra/README.md").read_text().split("## Reaching the cluster API", 1)[1].split("\n## ", 1)[0]
    assert 'eval "$(terraform output -raw kubeconfig_command)"' in section and "api_authorized_cidrs" in section
    settings = Settings(strict=True, terraform_plugin_mirrors=[packed_tf_mirror], jobs=2)
    checks = run_validation([root], settings, only=["terraform"])
    assert [c for c in checks if c.name == "validate" and c.status.name == "PASSED"], checks
    assert not [f for c in checks for f in c.findings if f.severity is Severity.ERROR]


@plan_group(JUGGERHUB)
def test_production_runs_two_ingress_controllers(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every route passes through the ingress controller: production runs two (the chart then adds its
    PodDisruptionBudget) though the plan states no availability target; dev keeps one."""
    root = rendered_plan(JUGGERHUB, tmp_path_factory)
    replicas = {env: yaml.safe_load((root / f"kubernetes/components/ingress-nginx/{env}/values.yaml").read_text())
                ["controller"]["replicaCount"] for env in ("dev", "prod")}
    assert replicas == {"dev": 1, "prod": 2}


@plan_group(JUGGERHUB)
def test_nodes_leaving_through_the_nat_gateway_are_admitted_to_their_api(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """The workload subnet leaves through its NAT gateway, whose address is none of the team's authorized ranges:
    the cluster's outbound type is that gateway and its public API admits its address (else the nodes cannot reach
    their own API server). The aks module's tests check both under a mocked provider."""
    root = rendered_plan(JUGGERHUB, tmp_path_factory)
    aks = re.search(r'(?ms)^module "aks" \{.*?^\}', (root / "infra/live/main.tf").read_text()).group(0)
    assert "outbound_nat_ip = module.vpc.nat_public_ip" in aks
    module = (root / "infra/modules/aks/main.tf").read_text()
    assert 'outbound_type = var.outbound_nat_ip == null ? "loadBalancer" : "userAssignedNATGateway"' in module
    assert 'concat(var.api_authorized_cidrs, var.outbound_nat_ip == null ? [] : ["${var.outbound_nat_ip}/32"])' in module


@plan_group(JUGGERHUB)
def test_the_pre_allocated_ingress_ip_outlives_a_rebuilt_cluster(tmp_path_factory: pytest.TempPathFactory) -> None:
    """`a pre-allocated static Azure public IP (one per environment)` the registrar's A records point at: it lives in
    the environment's resource group, not the node resource group AKS deletes with the cluster, and the ingress
    controller's Service names that group."""
    root = rendered_plan(JUGGERHUB, tmp_path_factory)
    module = (root / "infra/modules/aks/main.tf").read_text()
    ip = re.search(r'(?ms)^resource "azurerm_public_ip" "ingress" \{.*?^\}', module).group(0)
    assert "resource_group_name = var.resource_group_name" in ip and "node_resource_group" not in ip
    assert 'role_definition_name = "Network Contributor"' in re.search(
        r'(?ms)^resource "azurerm_role_assignment" "ingress_ip" \{.*?^\}', module).group(0)
    service = yaml.safe_load((root / "kubernetes/components/ingress-nginx/prod/values.yaml").read_text())
    annotations = service["controller"]["service"]["annotations"]
    assert annotations["service.beta.kubernetes.io/azure-load-balancer-resource-group"] == "rg-hosting-prod"
    assert 'name     = "rg-${local.name}"' in (root / "infra/live/main.tf").read_text()


@plan_group(HR_PORTAL)
def test_production_geo_backups_with_the_customer_managed_key_get_a_key_in_the_paired_region(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """Azure refuses geo-redundant backups (production) encrypted by a customer-managed key unless a key and an identity
    in the region's pair encrypt them: the root makes a vault and key there and hands them to the database module
    (whose own tests check the server's arguments and the refusal without them)."""
    root = rendered_plan(HR_PORTAL, tmp_path_factory)
    main = (root / "terraform/environments/prod/main.tf").read_text()
    assert 'swedencentral      = "swedensouth"' in main
    assert "geo_backup_key    = var.customer_managed_kms && var.multi_az" in main
    vault = re.search(r'(?ms)^module "geo_backup_keyvault" \{.*?^\}', main).group(0)
    assert "count  = local.geo_backup_key ? 1 : 0" in vault and "location            = local.geo_backup_region" in vault
    database = re.search(r'(?ms)^module "database" \{.*?^\}', main).group(0)
    assert "geo_backup_key_id       = local.geo_backup_key ? module.geo_backup_keyvault[0].key_id : null" in database
    assert "geo_backup_location     = local.geo_backup_region" in database


def test_the_node_pools_span_the_zones_the_plan_states(tmp_path_factory: pytest.TempPathFactory) -> None:
    """`2 availability zones` on AKS is the environment roots' az_count, the node pools' zones 1 and 2 (it was
    reported as taking none, and the pools spanned three)."""
    plan = tmp_path_factory.mktemp("zones") / "plan.md"
    plan.write_text(AKS.read_text().replace("## Technical Context",
                                            "## Technical Context\n\n**Network**: 2 availability zones"))
    root = rendered_plan(plan, tmp_path_factory)
    for env in ("dev", "staging", "prod"):
        variables = (root / f"terraform/environments/{env}/variables.tf").read_text()
        zone_count = re.search(r'(?ms)^variable "az_count" \{.*?^\}', variables).group(0)
        assert "default     = 2" in zone_count and "var.az_count <= 3" in zone_count
        aks = re.search(r'(?ms)^module "aks" \{.*?^\}', (root / f"terraform/environments/{env}/main.tf").read_text())
        assert "zones               = [for n in range(1, var.az_count + 1) : tostring(n)]" in aks.group(0)
    module = (root / "terraform/modules/aks/main.tf").read_text()
    assert module.count("= var.zones") == 3 and '["1", "2", "3"]' not in module

"""Multi-tenant repositories on Azure (AKS) and GCP (GKE) isolate each tenant's database (issue 11, break 2): the
database gets a network range of its own (an Azure delegated subnet, a GCP private-services range), the tenant's
NetworkPolicy opens the database port to that CIDR only, the cluster enforces NetworkPolicies, and the repository
passes its own `planforge validate --strict`; the old any-destination egress, injected back, is caught."""
from __future__ import annotations

import ipaddress
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from testlib import PLANS

from planforge.cli import main
from planforge.decide import decide
from planforge.plan import parse_plan
from planforge.render.engine import render_new
from planforge.render.template import resolve_template

REPO_URL = "https://github.com/acme/infra.git"
TENANTS = ["acme", "globex", "initech"]
ENVIRONMENTS = ["staging", "prod"]
CLOUDS = {"azure": "azurerm", "gcp": "google"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("tenantnet")
    roots = {}
    for cloud in CLOUDS:
        answers = decide(parse_plan(PLANS / f"multi-tenant-{cloud}.plan.md")).answers
        assert answers.cloud == cloud and answers.tenants == TENANTS
        roots[cloud] = base / cloud
        render_new(answers.model_copy(update={"repo_url": REPO_URL}), roots[cloud], resolve_template(None, None),
                   init_git=False)
    return roots


def database_cidr(root: Path, tenant: str, env: str) -> str:
    text = (root / f"terraform/tenants/{tenant}/{env}.tfvars").read_text()
    return re.search(r'^database_cidr = "([^"]+)"$', text, re.M).group(1)


def block(text: str, header: str) -> str:
    """The body of the top-level block `header` of a Terraform file."""
    return re.search(rf"^{re.escape(header)} \{{\n(.*?)^\}}$", text, re.M | re.S).group(1)


def database_egress(root: Path, tenant: str, env: str) -> list[dict]:
    documents = yaml.safe_load_all((root / f"kubernetes/tenants/{tenant}/network-policies.yaml").read_text())
    policy = next(d for d in documents if d and d["metadata"]["name"] == "allow-database-egress"
                  and d["metadata"]["namespace"] == f"{tenant}-{env}")
    return policy["spec"]["egress"]


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_repository_passes_its_own_strict_validation(generated: dict[str, Path], cloud: str,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(generated[cloud]), "--strict"]) == 0
    out = capsys.readouterr().out
    # the provider cannot be installed here: `terraform validate` skips with the reason, the static checks run
    assert f"terraform/tenants/acme: provider registry.terraform.io/hashicorp/{CLOUDS[cloud]} not available" in out
    assert "0 errors, 0 warnings" in out


@pytest.mark.parametrize("cloud", CLOUDS)
def test_each_tenant_database_has_a_range_of_its_own_that_its_egress_names(generated: dict[str, Path],
                                                                           cloud: str) -> None:
    root = generated[cloud]
    for env in ENVIRONMENTS:
        cidrs = [ipaddress.ip_network(database_cidr(root, tenant, env)) for tenant in TENANTS]
        assert not any(a.overlaps(b) for i, a in enumerate(cidrs) for b in cidrs[i + 1:]), cidrs
        assert all(c.subnet_of(ipaddress.ip_network("10.0.0.0/16")) for c in cidrs)
        # GCP: Cloud SQL's smallest allocated range is a /24
        assert {c.prefixlen for c in cidrs} == {24 if cloud == "gcp" else 26}
        for tenant, cidr in zip(TENANTS, cidrs):
            assert database_egress(root, tenant, env) == [
                {"ports": [{"port": 5432, "protocol": "TCP"}], "to": [{"ipBlock": {"cidr": str(cidr)}}]}]


def test_azure_puts_each_tenant_server_in_a_delegated_subnet_of_that_cidr(generated: dict[str, Path]) -> None:
    root = generated["azure"]
    main_tf = (root / "terraform/tenants/acme/main.tf").read_text()
    subnet = block(main_tf, 'resource "azurerm_subnet" "database"')
    assert "address_prefixes     = [var.database_cidr]" in subnet
    assert 'virtual_network_name = "vnet-${local.shared}"' in subnet
    assert '"Microsoft.DBforPostgreSQL/flexibleServers"' in subnet
    rules = block(main_tf, 'resource "azurerm_network_security_group" "database"')
    assert re.search(r'access += "Allow"\n.*destination_port_range += "5432"\n'
                     r' +source_address_prefixes += data.azurerm_subnet.cluster.address_prefixes', rules, re.S)
    assert "resource \"azurerm_subnet_network_security_group_association\" \"database\"" in main_tf
    database = block(main_tf, 'module "database"')
    assert "subnet_id             = azurerm_subnet.database.id" in database
    # the shared private DNS zone, linked to the shared network, resolves the server
    assert "private_dns_zone_id   = data.azurerm_private_dns_zone.postgres.id" in database
    # the tenants' NetworkPolicies are enforced: an engine is always set, Azure's unless the plan names another
    assert "network_policy      = var.network_policy" in (root / "terraform/modules/aks/main.tf").read_text()
    assert 'default     = "azure"' in re.search(r'(?s)variable "network_policy" \{.*?\n\}',
                                              (root / "terraform/modules/aks/variables.tf").read_text()).group(0)


def test_gcp_reserves_each_tenant_range_for_its_cloud_sql_instance(generated: dict[str, Path]) -> None:
    root = generated["gcp"]
    for env in ENVIRONMENTS:
        text = (root / f"terraform/shared/networking/{env}.tfvars").read_text()
        ranges = dict(re.findall(r'^  "([a-z0-9-]+)" += "([^"]+)"$', text, re.M))
        assert ranges == {tenant: database_cidr(root, tenant, env) for tenant in TENANTS}
    vpc = (root / "terraform/modules/vpc/main.tf").read_text()
    assert "for range in google_compute_global_address.tenant_database : range.name" in vpc
    assert "allocated_ip_range                            = var.allocated_ip_range" in (
        root / "terraform/modules/database/main.tf").read_text()
    tenant = (root / "terraform/tenants/acme/main.tf").read_text()
    assert 'name = "${local.shared}-${var.tenant}-database"' in tenant
    assert '"${self.address}/${self.prefix_length}" == var.database_cidr' in tenant
    assert "allocated_ip_range    = data.google_compute_global_address.database.name" in tenant
    assert 'name                   = local.name' in (root / "terraform/shared/networking/main.tf").read_text()
    assert 'datapath_provider        = "ADVANCED_DATAPATH"' in (root / "terraform/modules/gke/main.tf").read_text()


@pytest.mark.parametrize("cloud", CLOUDS)
def test_tenants_cannot_change_their_network_policies(generated: dict[str, Path], cloud: str) -> None:
    project = yaml.safe_load((generated[cloud] / "argocd/projects/acme.yaml").read_text())
    assert {"group": "networking.k8s.io", "kind": "NetworkPolicy"} in project["spec"]["namespaceResourceBlacklist"]


@pytest.mark.parametrize("cloud", CLOUDS)
def test_an_any_destination_database_egress_injected_back_is_caught(generated: dict[str, Path], cloud: str,
                                                                    tmp_path: Path) -> None:
    root = tmp_path / cloud
    shutil.copytree(generated[cloud], root)
    target = root / "kubernetes/tenants/acme/network-policies.yaml"
    cidr = database_cidr(root, "acme", "prod")
    text = target.read_text()
    broken = text.replace(f"      to:\n        - ipBlock:\n            cidr: {cidr}\n", "", 1)
    assert broken != text
    target.write_text(broken)
    report = tmp_path / "report.json"
    assert main(["validate", str(root), "--only", "wiring", "--format", "json", "-o", str(report)]) == 1
    found = [f for c in json.loads(report.read_text())["checks"] for f in c["findings"]]
    assert {f["rule"] for f in found} == {"wiring/tenant-database-isolation"}
    assert {f["file"] for f in found} == {"kubernetes/tenants/acme/network-policies.yaml"}


@pytest.mark.parametrize(("cloud", "distribution", "region", "backend"),
                         [("azure", "aks", "westeurope", "azurerm"), ("gcp", "gke", "europe-west1", "gcs")])
def test_a_standby_region_gives_each_tenant_database_a_range_of_that_regions_network(
        tmp_path: Path, cloud: str, distribution: str, region: str, backend: str) -> None:
    answers = decide(parse_plan(PLANS / "multi-tenant-multiregion.plan.md")).answers
    update = {"cloud": cloud, "kubernetes_distribution": distribution, "region": region, "state_backend": backend,
              "state_locking": "none", "secrets_manager": "vault", "repo_url": REPO_URL}
    render_new(answers.model_copy(update=update), tmp_path, resolve_template(None, None), init_git=False)
    [standby] = [p.name.removeprefix("prod-").removesuffix(".tfvars")
                 for p in (tmp_path / "terraform/tenants/acme").glob("prod-*.tfvars")]
    index = answers.regions.index(standby)
    assert index > 0
    for tenant in answers.tenants:
        cidr = database_cidr(tmp_path, tenant, f"prod-{standby}")
        assert ipaddress.ip_network(cidr).subnet_of(ipaddress.ip_network(f"10.{index}.0.0/16")), cidr
        if cloud == "gcp":
            text = (tmp_path / f"terraform/shared/networking/prod-{standby}.tfvars").read_text()
            assert re.search(rf'^  "{tenant}" += "{re.escape(cidr)}"$', text, re.M), text

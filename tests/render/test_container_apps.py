"""An Azure plan naming Container Apps and no Kubernetes gets its applications as container apps: one
VNet-integrated environment per environment root, the images in the environment's own registry, the database in the
same network signed into with each app's identity; every root passes `terraform validate` against azurerm 4.81.0 (the
packed mirror beside the repository) and the modules' own tests pass under a mocked provider."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from cloud_roots import (assert_module_tests_pass, assert_roots_validate_and_catch, hcl_block,
                         service_entry)
from testlib import PLANS, REPO, plan_group, rendered_copy, rendered_plan, require_tool

APPS = PLANS / "azure-container-apps.plan.md"
ENVS = ("staging", "production")



@plan_group(APPS)
def test_each_environment_runs_the_apps_in_its_network_with_its_registry(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    root = rendered_plan(APPS, tmp_path_factory)
    assert not (root / "terraform/modules/compute").exists()  # no VMs: the apps run on Container Apps
    for env in ENVS:
        main = (root / "terraform/environments" / env / "main.tf").read_text()
        vpc = hcl_block(main, "module", "vpc")
        # the environment's own subnet; a public app's traffic reaches the environment's own public IP, so the
        # subnets keep denying the internet
        assert 'apps_subnet = "container-apps"' in vpc and "internet_inbound_ports" not in vpc
        services = hcl_block(main, "module", "services")
        assert "subnet_id           = module.vpc.apps_subnet_id" in services
        # the plan's 90 days of logs reach the environment's Log Analytics workspace
        assert "log_retention_days  = var.log_retention_days" in services
        assert "default     = 90" in hcl_block((root / "terraform/environments" / env / "variables.tf").read_text(),
                                               "variable", "log_retention_days")
        assert "id     = module.registry.registry_id" in services
        api, web, export = (service_entry(main, n) for n in ("claims-api", "claims-web", "claims-export"))
        assert 'image         = "${module.registry.login_server}/claims-api:${var.image_tags["claims-api"]}"' in api
        assert "port          = 8080" in api and 'health_path   = "/healthz"' in api and "public        = false" in api
        assert "cpu           = 0.5" in web and "memory_mib    = 1024" in web and "domain" in web
        assert "port    " not in export and "min_instances = max(var.min_size, 1)" in export  # a worker never at zero
        # the plan says the web front end has no database access: it gets neither the address nor a user
        assert 'DATABASE_USER = "claims-api"' in api and 'DATABASE_USER = "claims-export"' in export
        assert "DATABASE" not in web
        assert "subnet_id             = module.vpc.database_subnet_id" in hcl_block(main, "module", "database")
    sizes = {env: re.findall(r"(?m)^(min|max)_size = (\d+)$",
                             (root / "terraform/environments" / env / "terraform.tfvars").read_text())
             for env in ENVS}
    # staging scales to zero as the plan says; production keeps two replicas for its 99.9% uptime
    assert sizes == {"staging": [("min", "0"), ("max", "2")], "production": [("min", "2"), ("max", "10")]}
    readme = (root / "terraform/README.md").read_text()
    assert "| Applications | Azure Container Apps: `claims-api` (port 8080)" in readme
    assert "pgaadauth_create_principal_with_oid('claims-api'" in readme
    assert "pgaadauth_create_principal_with_oid('claims-web'" not in readme
    assert "az containerapp hostname bind" in readme and "az acr login" in readme
    assert 'GRANT USAGE, CREATE ON SCHEMA public TO "claims-export";' in readme
    assert "`claims-export` (no inbound port)" in readme
    for env in ENVS:  # Container Apps' resource provider is registered; no VM, so no SSH key is asked for
        assert 'resource_providers_to_register = ["Microsoft.App"]' in (
            root / "terraform/environments" / env / "providers.tf").read_text()
        assert "admin_ssh_public_key" not in (root / "terraform/environments" / env / "variables.tf").read_text()
    bootstrap = root / "terraform/bootstrap"
    assert "data_plane_available = false" in (bootstrap / "providers.tf").read_text()
    assert 'role_definition_name = "Storage Blob Data Contributor"' in (bootstrap / "main.tf").read_text()


@plan_group(APPS)
def test_every_root_validates_and_an_unknown_attribute_is_caught(
        tmp_path_factory: pytest.TempPathFactory, packed_tf_mirror: Path, tmp_path: Path) -> None:
    require_tool("terraform")
    root = rendered_copy(APPS, tmp_path_factory, tmp_path / "repo")
    assert_roots_validate_and_catch(root, packed_tf_mirror, "  subnet_id           = module.vpc.apps_subnet_id\n",
                                    "ingress_enabled")


@plan_group(APPS)
def test_the_modules_own_tests_pass_offline(tmp_path_factory: pytest.TempPathFactory, packed_tf_mirror: Path,
                                            tmp_path: Path) -> None:
    """The generated modules' tests, and the VM module's of the library, pass against the real provider's schema
    (its own checks: a vault's tenant is a UUID, an SSH key parses)."""
    require_tool("terraform")
    modules = rendered_plan(APPS, tmp_path_factory) / "terraform/modules"
    assert_module_tests_pass(modules, ("services", "registry", "vpc", "database", "keyvault"), packed_tf_mirror,
                             "hashicorp", tmp_path)
    library = tmp_path / "library"
    library.mkdir()
    assert_module_tests_pass(REPO / "modules/azure", ("compute",), packed_tf_mirror, "hashicorp", library)

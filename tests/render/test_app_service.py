"""An Azure plan naming App Service and no Kubernetes gets its web apps on one App Service plan per environment, of
the SKU the plan states for that environment, integrated into the environment's network (the database's private
address, an internal API admitting the apps subnet only), the images in the environment's own registry; every root
passes `terraform validate` against azurerm 4.81.0 (the packed mirror beside the repository), an attribute the
provider does not have is caught, and the modules' own tests pass under a mocked provider."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from cloud_roots import assert_module_tests_pass, assert_roots_validate_and_catch, hcl_block, service_entry
from testlib import PLANS, plan_group, rendered_copy, rendered_plan, require_tool

APPS = PLANS / "azure-app-service.plan.md"
ENVS = ("dev", "prod")


@plan_group(APPS)
def test_each_environment_runs_the_web_apps_on_its_plan_in_its_network(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    root = rendered_plan(APPS, tmp_path_factory)
    assert not (root / "terraform/modules/compute").exists()  # no VMs
    assert (root / "terraform/modules/services/main.tf").read_text().count('resource "azurerm_linux_web_app"') == 1
    for env in ENVS:
        main = (root / "terraform/environments" / env / "main.tf").read_text()
        assert 'apps_subnet = "app-service"' in hcl_block(main, "module", "vpc")
        services = hcl_block(main, "module", "services")
        assert "subnet_id           = module.vpc.apps_subnet_id" in services
        assert "sku_name            = var.app_service_sku" in services
        assert "log_retention_days  = var.log_retention_days" in services
        web, api = service_entry(main, "portal-web"), service_entry(main, "portal-api")
        assert 'image       = "${module.registry.login_server}/portal-api:${var.image_tags["portal-api"]}"' in api
        assert "port        = 5000" in api and 'health_path = "/api/health"' in api and "public      = false" in api
        assert "domain" in web and "domain" not in api  # only a public app takes a domain
        # App Service sizes the plan: the plan's per-app vCPU and memory are reported, not applied
        assert "cpu" not in web and "memory" not in web and "min_instances" not in web
        assert 'DATABASE_USER = "portal-web"' in web and 'DATABASE_USER = "portal-api"' in api
        # a worker cannot run on App Service: it is not generated (and the plan check reports it)
        assert "portal-mailer" not in main
        providers = (root / "terraform/environments" / env / "providers.tf").read_text()
        assert "Microsoft.App" not in providers  # azurerm registers Microsoft.Web itself
        assert "admin_ssh_public_key" not in (root / "terraform/environments" / env / "variables.tf").read_text()
    tfvars = {env: (root / "terraform/environments" / env / "terraform.tfvars").read_text() for env in ENVS}
    sizes = {env: (re.search(r'(?m)^app_service_sku = "(\w+)"$', text).group(1),
                   re.findall(r"(?m)^(?:min|max)_size = (\d+)$", text)) for env, text in tfvars.items()}
    # dev keeps the plan's B2 (Basic: one instance, no autoscale); prod the stated P1v3 with 2 to 4 instances
    assert sizes == {"dev": ("B2", ["1", "1"]), "prod": ("P1v3", ["2", "4"])}
    readme = (root / "terraform/README.md").read_text()
    assert "| Applications | Azure App Service web apps: `portal-web` (port 8080), `portal-api` (port 5000); " \
           "dev: `B2` plan, 1-1 instances, prod: `P1v3` plan, 2-4 instances |" in readme
    assert "portal-api admits the apps subnet only" in readme and "`PORTAL_API_URL`" in readme
    assert "pgaadauth_create_principal_with_oid('portal-api'" in readme
    assert "az containerapp" not in readme and "az acr login" in readme


@plan_group(APPS)
def test_every_root_validates_and_an_unknown_attribute_is_caught(
        tmp_path_factory: pytest.TempPathFactory, packed_tf_mirror: Path, tmp_path: Path) -> None:
    require_tool("terraform")
    root = rendered_copy(APPS, tmp_path_factory, tmp_path / "repo")
    assert_roots_validate_and_catch(root, packed_tf_mirror, "  sku_name            = var.app_service_sku\n",
                                    "slot_count", env="dev")


@plan_group(APPS)
def test_the_modules_own_tests_pass_offline(tmp_path_factory: pytest.TempPathFactory, packed_tf_mirror: Path,
                                            tmp_path: Path) -> None:
    require_tool("terraform")
    modules = rendered_plan(APPS, tmp_path_factory) / "terraform/modules"
    assert_module_tests_pass(modules, ("services", "vpc"), packed_tf_mirror, "hashicorp", tmp_path)

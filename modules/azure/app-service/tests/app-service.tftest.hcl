# Needs the azurerm provider: `terraform init -backend=false && terraform test` (mocked provider).

mock_provider "azurerm" {
  mock_resource "azurerm_user_assigned_identity" {
    defaults = {
      id           = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-test/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id"
      principal_id = "00000000-0000-0000-0000-000000000001"
      client_id    = "00000000-0000-0000-0000-000000000002"
    }
  }
  mock_resource "azurerm_service_plan" {
    defaults = {
      id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-test/providers/Microsoft.Web/serverFarms/asp"
    }
  }
  mock_resource "azurerm_app_service_custom_hostname_binding" {
    defaults = {
      id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-test/providers/Microsoft.Web/sites/app/hostNameBindings/portal.example.com"
    }
  }
  mock_resource "azurerm_app_service_managed_certificate" {
    defaults = {
      id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-test/providers/Microsoft.Web/certificates/portal"
    }
  }
}

variables {
  name                = "shop-prod"
  location            = "westeurope"
  resource_group_name = "rg-shop-prod"
  subnet_id           = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-shop-prod/providers/Microsoft.Network/virtualNetworks/v/subnets/apps"
  sku_name            = "P1v3"
  min_instances       = 2
  max_instances       = 4
  zone_redundant      = true
  registry = {
    id     = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-shop-prod/providers/Microsoft.ContainerRegistry/registries/crshopprod"
    server = "crshopprod.azurecr.io"
  }
  key_vault_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-shop-prod/providers/Microsoft.KeyVault/vaults/kv-shop-prod"
  services = {
    web = { image = "crshopprod.azurecr.io/web:1.0.0", port = 3000, domain = "portal.example.com" }
    api = {
      image   = "crshopprod.azurecr.io/team/api:1.0.0", port = 8080, health_path = "/healthz", public = false
      secrets = { API_TOKEN = "https://kv-shop-prod.vault.azure.net/secrets/api-token" }
    }
  }
}

run "a_public_app_takes_the_internet_and_an_internal_one_its_subnet_only" {
  command = plan

  assert {
    condition     = azurerm_linux_web_app.service["web"].site_config[0].ip_restriction_default_action == "Allow" && length(azurerm_linux_web_app.service["web"].site_config[0].ip_restriction) == 0
    error_message = "A public app admits the internet."
  }

  assert {
    condition     = azurerm_linux_web_app.service["api"].site_config[0].ip_restriction_default_action == "Deny" && azurerm_linux_web_app.service["api"].site_config[0].ip_restriction[0].virtual_network_subnet_id == var.subnet_id
    error_message = "An internal app admits the web apps' subnet only."
  }

  assert {
    condition     = alltrue([for app in values(azurerm_linux_web_app.service) : app.https_only && app.site_config[0].minimum_tls_version == "1.2" && app.site_config[0].ftps_state == "Disabled" && app.site_config[0].scm_ip_restriction_default_action == "Deny" && !app.ftp_publish_basic_authentication_enabled && !app.webdeploy_publish_basic_authentication_enabled])
    error_message = "HTTPS only, TLS 1.2, no FTP, no basic publishing credentials and no reachable deployment site."
  }

  assert {
    condition     = alltrue([for app in values(azurerm_linux_web_app.service) : app.virtual_network_subnet_id == var.subnet_id && app.site_config[0].vnet_route_all_enabled])
    error_message = "Every app's outbound traffic leaves through the environment's network."
  }
}

run "images_come_from_the_registry_with_each_apps_own_identity" {
  command = plan

  assert {
    condition     = azurerm_linux_web_app.service["api"].site_config[0].application_stack[0].docker_registry_url == "https://crshopprod.azurecr.io" && azurerm_linux_web_app.service["api"].site_config[0].application_stack[0].docker_image_name == "team/api:1.0.0"
    error_message = "The image is split into its registry and its name."
  }

  assert {
    condition     = alltrue([for app in values(azurerm_linux_web_app.service) : app.site_config[0].container_registry_use_managed_identity])
    error_message = "Each app pulls with its identity."
  }

  assert {
    condition     = length(azurerm_role_assignment.pull) == 2 && alltrue([for a in values(azurerm_role_assignment.pull) : a.role_definition_name == "AcrPull"])
    error_message = "Each identity may pull from the registry."
  }

  assert {
    condition     = azurerm_linux_web_app.service["api"].app_settings["API_TOKEN"] == "@Microsoft.KeyVault(SecretUri=https://kv-shop-prod.vault.azure.net/secrets/api-token)" && azurerm_linux_web_app.service["api"].app_settings["WEBSITES_PORT"] == "8080"
    error_message = "A secret is a Key Vault reference and the app's port is WEBSITES_PORT."
  }

  assert {
    condition     = azurerm_linux_web_app.service["web"].app_settings["API_URL"] == "https://app-shop-prod-api.azurewebsites.net"
    error_message = "Every app is told where the others are."
  }

  assert {
    condition     = length(azurerm_role_assignment.secret) == 1 && azurerm_role_assignment.secret["api/API_TOKEN"].scope == "${var.key_vault_id}/secrets/api-token"
    error_message = "The api's identity reads exactly its own secret."
  }
}

run "production_spreads_over_zones_and_autoscales" {
  command = plan

  assert {
    condition     = azurerm_service_plan.this.zone_balancing_enabled && azurerm_service_plan.this.worker_count == 2
    error_message = "A Premium plan with two instances spreads over the zones."
  }

  assert {
    condition     = azurerm_monitor_autoscale_setting.this[0].profile[0].capacity[0].minimum == 2 && azurerm_monitor_autoscale_setting.this[0].profile[0].capacity[0].maximum == 4
    error_message = "The plan autoscales between the stated instances."
  }

  assert {
    condition     = length(azurerm_app_service_managed_certificate.service) == 1 && azurerm_app_service_certificate_binding.service["web"].ssl_state == "SniEnabled"
    error_message = "A domain gets a managed certificate bound with SNI."
  }
}

run "a_basic_plan_neither_autoscales_nor_spreads" {
  command = plan

  variables {
    sku_name = "B2"
  }

  assert {
    condition     = length(azurerm_monitor_autoscale_setting.this) == 0 && !azurerm_service_plan.this.zone_balancing_enabled
    error_message = "Basic plans do not autoscale or balance zones."
  }
}

run "a_public_image_comes_from_docker_hub" {
  command = plan

  variables {
    registry = null
    services = { web = { image = "nginx:1.27", port = 80 } }
  }

  assert {
    condition     = azurerm_linux_web_app.service["web"].site_config[0].application_stack[0].docker_registry_url == "https://index.docker.io" && !azurerm_linux_web_app.service["web"].site_config[0].container_registry_use_managed_identity
    error_message = "An image without a registry host comes from Docker Hub, pulled anonymously."
  }
}

run "an_apex_domain_is_refused" {
  command = plan

  variables {
    services = { web = { image = "crshopprod.azurecr.io/web:1.0.0", port = 3000, domain = "example.com" } }
  }

  expect_failures = [var.services]
}

run "a_free_plan_and_a_worker_are_refused" {
  command = plan

  variables {
    sku_name = "F1"
    services = { worker = { image = "crshopprod.azurecr.io/worker:1.0.0", port = 0 } }
  }

  expect_failures = [var.sku_name, var.services]
}

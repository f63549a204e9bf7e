# Needs the azurerm provider: `terraform init -backend=false && terraform test` (mocked provider).

mock_provider "azurerm" {
  mock_resource "azurerm_user_assigned_identity" {
    defaults = {
      id           = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-test/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id"
      principal_id = "00000000-0000-0000-0000-000000000001"
    }
  }
}

variables {
  name                = "shop-prod"
  location            = "westeurope"
  resource_group_name = "rg-shop-prod"
  subnet_id           = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-shop-prod/providers/Microsoft.Network/virtualNetworks/v/subnets/apps"
  registry = {
    id     = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-shop-prod/providers/Microsoft.ContainerRegistry/registries/crshopprod"
    server = "crshopprod.azurecr.io"
  }
  key_vault_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-shop-prod/providers/Microsoft.KeyVault/vaults/kv-shop-prod"
  services = {
    web = { image = "crshopprod.azurecr.io/web:1.0.0", port = 3000, memory_mib = 1536, min_instances = 0, max_instances = 10 }
    api = {
      image   = "crshopprod.azurecr.io/api:1.0.0", port = 8080, health_path = "/healthz", public = false
      secrets = { API_TOKEN = "https://kv-shop-prod.vault.azure.net/secrets/api-token" }
    }
    worker = { image = "crshopprod.azurecr.io/worker:1.0.0" }
  }
  jobs = {
    export = { image = "crshopprod.azurecr.io/export:1.0.0", schedule = "0 3 * * *", timeout_minutes = 45 }
  }
}

run "a_public_service_makes_the_environment_public_and_the_others_stay_inside" {
  command = plan

  assert {
    condition     = azurerm_container_app_environment.this.internal_load_balancer_enabled == false
    error_message = "A public service needs the environment's public ingress."
  }

  assert {
    condition     = azurerm_container_app.service["web"].ingress[0].external_enabled && !azurerm_container_app.service["api"].ingress[0].external_enabled
    error_message = "Only the public service takes traffic from outside the environment."
  }

  assert {
    condition     = length(azurerm_container_app.service["worker"].ingress) == 0
    error_message = "A worker has no ingress."
  }

  assert {
    condition     = alltrue([for app in values(azurerm_container_app.service) : alltrue([for i in app.ingress : i.allow_insecure_connections == false])])
    error_message = "Plain HTTP must be redirected, not served."
  }
}

run "without_a_public_service_the_environment_is_internal" {
  command = plan

  variables {
    services = { api = { image = "crshopprod.azurecr.io/api:1.0.0", port = 8080, public = false } }
    jobs     = {}
  }

  assert {
    condition     = azurerm_container_app_environment.this.internal_load_balancer_enabled == true
    error_message = "With no public service the environment's ingress must be internal."
  }
}

run "sizes_round_up_to_the_consumption_profile" {
  command = plan

  assert {
    condition     = azurerm_container_app.service["web"].template[0].container[0].cpu == 0.75 && azurerm_container_app.service["web"].template[0].container[0].memory == "1.5Gi"
    error_message = "1536 MiB takes 0.75 vCPU and 1.5Gi."
  }

  assert {
    condition     = azurerm_container_app.service["web"].template[0].min_replicas == 0 && azurerm_container_app.service["web"].template[0].max_replicas == 10
    error_message = "The replica range must be the stated one (0 scales to zero)."
  }

  assert {
    condition     = azurerm_container_app_job.this["export"].replica_timeout_in_seconds == 2700 && azurerm_container_app_job.this["export"].schedule_trigger_config[0].cron_expression == "0 3 * * *"
    error_message = "The job runs on its schedule with its timeout."
  }
}

run "each_identity_pulls_and_reads_only_its_own_secrets" {
  command = plan

  assert {
    condition     = length(azurerm_role_assignment.pull) == 4 && alltrue([for a in values(azurerm_role_assignment.pull) : a.role_definition_name == "AcrPull"])
    error_message = "Every service and job pulls from the registry with its own identity."
  }

  assert {
    condition     = keys(azurerm_role_assignment.secret) == ["service/api/API_TOKEN"] && azurerm_role_assignment.secret["service/api/API_TOKEN"].scope == "${var.key_vault_id}/secrets/api-token"
    error_message = "The API's identity reads exactly its own secret, scoped to that secret."
  }

  assert {
    condition     = [for s in azurerm_container_app.service["api"].secret : s.name] == ["api-token"]
    error_message = "The secret reaches the app under a name Container Apps accepts."
  }
}

run "a_worker_cannot_scale_to_zero" {
  command = plan

  variables {
    services = { worker = { image = "crshopprod.azurecr.io/worker:1.0.0", min_instances = 0 } }
  }

  expect_failures = [var.services]
}

run "a_domain_needs_a_public_service" {
  command = plan

  variables {
    services = { api = { image = "crshopprod.azurecr.io/api:1.0.0", port = 8080, public = false, domain = "api.example.com" } }
  }

  expect_failures = [var.services]
}

run "a_secret_needs_the_key_vault" {
  command = plan

  variables {
    key_vault_id = null
  }

  expect_failures = [azurerm_role_assignment.secret]
}

# Needs the azurerm provider: `terraform init -backend=false && terraform test` (mocked provider).

mock_provider "azurerm" {}

variables {
  name                = "claims-hosting-production"
  location            = "westeurope"
  resource_group_name = "rg-claims"
}

run "entra_id_pulls_only" {
  command = plan

  assert {
    condition     = azurerm_container_registry.this.admin_enabled == false && azurerm_container_registry.this.anonymous_pull_enabled == false
    error_message = "No admin user and no anonymous pull: every pull authenticates."
  }

  assert {
    condition     = azurerm_container_registry.this.name == "crclaimshostingproduction"
    error_message = "The registry name is letters and digits only."
  }
}

run "zone_redundancy_is_premium_only" {
  command = plan

  variables {
    zone_redundant = true
  }

  assert {
    condition     = azurerm_container_registry.this.zone_redundancy_enabled == false
    error_message = "Standard registries cannot be zone-redundant."
  }
}

# Needs the azurerm provider: `terraform init -backend=false && terraform test` (mocked provider).

mock_provider "azurerm" {
  mock_data "azurerm_client_config" {
    defaults = {
      tenant_id = "00000000-0000-0000-0000-000000000000" # the provider refuses a vault whose tenant is no UUID
      object_id = "00000000-0000-0000-0000-000000000001"
    }
  }
}

variables {
  vault_name          = "kv-test-prod"
  location            = "westeurope"
  resource_group_name = "rg-test"
}

run "purge_protected_vault_with_rotating_key" {
  command = plan

  assert {
    condition     = azurerm_key_vault.this.purge_protection_enabled == true
    error_message = "Purge protection must be on."
  }

  assert {
    condition     = azurerm_key_vault_key.this.rotation_policy[0].automatic[0].time_before_expiry == "P30D"
    error_message = "The key must rotate automatically."
  }

  assert {
    condition = (azurerm_role_assignment.deployer.role_definition_name == "Key Vault Crypto Officer"
    && azurerm_role_assignment.deployer.principal_id == "00000000-0000-0000-0000-000000000001")
    error_message = "The principal applying the root must hold Key Vault Crypto Officer to create the key."
  }
}

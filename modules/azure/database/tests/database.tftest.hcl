# Needs the azurerm provider: `terraform init -backend=false && terraform test` (mocked provider).

mock_provider "azurerm" {}

variables {
  name                 = "test"
  location             = "westeurope"
  resource_group_name  = "rg-test"
  tenant_id            = "00000000-0000-0000-0000-000000000000"
  admin_object_id      = "00000000-0000-0000-0000-000000000001"
  admin_principal_name = "db-admins"
  instance_class       = "GP_Standard_D2ds_v5"
  subnet_id            = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s"
  private_dns_zone_id  = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/privateDnsZones/z"
}

run "production_zone_redundant_without_passwords" {
  command = plan

  variables {
    multi_az = true
  }

  assert {
    condition     = azurerm_postgresql_flexible_server.this.high_availability[0].mode == "ZoneRedundant"
    error_message = "Production must be zone-redundant."
  }

  assert {
    condition     = azurerm_postgresql_flexible_server.this.authentication[0].password_auth_enabled == false
    error_message = "Password authentication must be off."
  }

  assert {
    condition     = azurerm_postgresql_flexible_server.this.geo_redundant_backup_enabled
    error_message = "Production's backups are geo-redundant unless the plan keeps them in the region."
  }
}

run "production_backups_kept_in_the_region" {
  command = plan

  variables {
    multi_az             = true
    geo_redundant_backup = false
    key_vault_id         = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"
    key_id               = "https://kv.vault.azure.net/keys/cmk"
  }

  assert {
    condition     = !azurerm_postgresql_flexible_server.this.geo_redundant_backup_enabled && length(azurerm_user_assigned_identity.geo_backup) == 0
    error_message = "Backups the plan keeps in the region must not be copied to the paired region, nor need a key there."
  }
}

run "development_single_zone" {
  command = plan

  assert {
    condition     = length(azurerm_postgresql_flexible_server.this.high_availability) == 0
    error_message = "Non-production must not pay for a standby."
  }
}

run "production_customer_managed_key_encrypts_the_geo_backups_in_the_paired_region" {
  command = plan

  variables {
    multi_az                = true
    key_vault_id            = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"
    key_id                  = "https://kv.vault.azure.net/keys/cmk"
    geo_backup_location     = "northeurope"
    geo_backup_key_vault_id = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kvg"
    geo_backup_key_id       = "https://kvg.vault.azure.net/keys/cmk"
  }

  assert {
    condition     = azurerm_postgresql_flexible_server.this.customer_managed_key[0].geo_backup_key_vault_key_id == "https://kvg.vault.azure.net/keys/cmk"
    error_message = "Azure refuses geo-redundant backups with a customer-managed key unless a key in the paired region encrypts them."
  }

  assert {
    condition     = azurerm_user_assigned_identity.geo_backup[0].location == "northeurope"
    error_message = "The geo-backup identity must be in the paired region."
  }
}

run "production_customer_managed_key_without_a_geo_backup_key_is_refused" {
  command = plan

  variables {
    multi_az     = true
    key_vault_id = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"
    key_id       = "https://kv.vault.azure.net/keys/cmk"
  }

  expect_failures = [azurerm_user_assigned_identity.geo_backup]
}

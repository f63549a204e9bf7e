
# External Secrets' workload identity (appended to aks.tftest.hcl, whose mocked provider it uses).

run "external_secrets_federated_with_its_service_account" {
  command = plan

  variables {
    external_secrets = true
    key_vault_id     = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"
  }

  assert {
    condition     = azurerm_federated_identity_credential.external_secrets[0].subject == "system:serviceaccount:external-secrets:external-secrets"
    error_message = "The identity must trust the External Secrets controller's ServiceAccount only."
  }

  assert {
    condition     = azurerm_role_assignment.external_secrets[0].role_definition_name == "Key Vault Secrets User"
    error_message = "External Secrets may only read the Key Vault's secrets."
  }
}

run "external_secrets_reads_a_vault_of_its_own" {
  command = plan

  variables {
    external_secrets              = true
    key_vault_id                  = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"
    external_secrets_key_vault_id = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kvs"
  }

  assert {
    condition     = azurerm_role_assignment.external_secrets[0].scope == "/subscriptions/x/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kvs"
    error_message = "External Secrets must read the secrets vault, not the encryption key's vault."
  }
}

output "key_vault_id" {
  description = "ID of the Key Vault."
  value       = azurerm_key_vault.this.id
}

output "key_id" {
  description = "Versionless ID of the encryption key (pass it to customer-managed key inputs)."
  value       = azurerm_key_vault_key.this.versionless_id
}

output "key_version_id" {
  description = "Versioned ID of the encryption key (AKS KMS etcd encryption needs a version)."
  value       = azurerm_key_vault_key.this.id
}

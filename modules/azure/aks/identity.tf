
# Cloud identity of External Secrets (appended to the module's main.tf): a user-assigned identity
# federated with the controller's ServiceAccount external-secrets/external-secrets through the
# cluster's OIDC issuer (workload identity), allowed to read the secrets of external_secrets_key_vault_id, else key_vault_id (without
# either, of the Key Vaults in the cluster's resource group). No client secret. Its client and tenant IDs (outputs
# external_secrets_client_id, external_secrets_tenant_id) reach External Secrets through the Secret
# external-secrets/external-secrets-azure-identity (the ClusterSecretStore's authSecretRef).

variable "external_secrets" {
  type        = bool
  description = "Create External Secrets' workload identity, a reader of key_vault_id's secrets (else the resource group's vaults)."
  default     = false
}

variable "external_secrets_key_vault_id" {
  type        = string
  description = "The Key Vault holding the secrets External Secrets reads, when it is not key_vault_id (a vault of its own); null: key_vault_id."
  default     = null
}

data "azurerm_client_config" "current" {}

resource "azurerm_user_assigned_identity" "external_secrets" {
  count = var.external_secrets ? 1 : 0

  name                = "id-${var.name}-external-secrets"
  location            = var.location
  resource_group_name = var.resource_group_name

  tags = var.tags
}

resource "azurerm_federated_identity_credential" "external_secrets" {
  count = var.external_secrets ? 1 : 0

  name                = "external-secrets"
  resource_group_name = var.resource_group_name
  parent_id           = azurerm_user_assigned_identity.external_secrets[0].id
  issuer              = azurerm_kubernetes_cluster.this.oidc_issuer_url
  subject             = "system:serviceaccount:external-secrets:external-secrets"
  audience            = ["api://AzureADTokenExchange"]
}

resource "azurerm_role_assignment" "external_secrets" {
  count = var.external_secrets ? 1 : 0

  scope                = coalesce(var.external_secrets_key_vault_id, var.key_vault_id, "/subscriptions/${data.azurerm_client_config.current.subscription_id}/resourceGroups/${var.resource_group_name}")
  role_definition_name = "Key Vault Secrets User"
  principal_id         = azurerm_user_assigned_identity.external_secrets[0].principal_id
}

output "external_secrets_client_id" {
  description = "Client ID of External Secrets' workload identity (null without external_secrets)."
  value       = var.external_secrets ? azurerm_user_assigned_identity.external_secrets[0].client_id : null
}

output "external_secrets_tenant_id" {
  description = "Entra ID tenant of External Secrets' workload identity (null without external_secrets)."
  value       = var.external_secrets ? data.azurerm_client_config.current.tenant_id : null
}

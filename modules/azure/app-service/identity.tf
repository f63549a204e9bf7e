# One identity per web app: it pulls the image, resolves exactly its own Key Vault references, and is what the
# application runs as (service_identities: grant it what the application needs).

resource "azurerm_user_assigned_identity" "service" {
  for_each = var.services

  name                = "id-${var.name}-${each.key}"
  location            = var.location
  resource_group_name = var.resource_group_name

  tags = var.tags
}

locals {
  # (service, secret) pairs: each secret is readable by the identity of the app naming it
  secret_reads = { for pair in flatten([for name, s in var.services : [
    for variable, id in s.secrets : { key = "${name}/${variable}", service = name, secret = regex("/secrets/([A-Za-z0-9-]+)", id)[0] }
  ]]) : pair.key => pair }
}

resource "azurerm_role_assignment" "pull" {
  for_each = var.registry == null ? {} : var.services

  scope                = var.registry.id
  role_definition_name = "AcrPull"
  principal_id         = azurerm_user_assigned_identity.service[each.key].principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_role_assignment" "secret" {
  for_each = local.secret_reads

  scope                = "${var.key_vault_id}/secrets/${each.value.secret}"
  role_definition_name = "Key Vault Secrets User"
  principal_id         = azurerm_user_assigned_identity.service[each.value.service].principal_id
  principal_type       = "ServicePrincipal"

  lifecycle {
    precondition {
      condition     = var.key_vault_id != null
      error_message = "Secrets are given: set key_vault_id to the Key Vault holding them."
    }
  }
}

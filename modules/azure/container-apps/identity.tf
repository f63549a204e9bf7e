# One identity per service and job: it pulls the image, reads exactly its own secrets, and is what the application
# runs as (service_identities / job_identities: grant it what the application needs).

resource "azurerm_user_assigned_identity" "service" {
  for_each = var.services

  name                = "id-${var.name}-${each.key}"
  location            = var.location
  resource_group_name = var.resource_group_name

  tags = var.tags
}

resource "azurerm_user_assigned_identity" "job" {
  for_each = var.jobs

  name                = "id-${var.name}-job-${each.key}"
  location            = var.location
  resource_group_name = var.resource_group_name

  tags = var.tags
}

locals {
  identities = merge(
    { for name, id in azurerm_user_assigned_identity.service : "service/${name}" => id.principal_id },
    { for name, id in azurerm_user_assigned_identity.job : "job/${name}" => id.principal_id },
  )
  # (identity, secret) pairs: each secret is readable by the identities of the apps and jobs naming it
  secret_reads = merge([for kind, items in { service = var.services, job = var.jobs } : {
    for pair in flatten([for name, item in items : [for variable, id in item.secrets : { key = "${kind}/${name}/${variable}", identity = "${kind}/${name}", secret = regex("/secrets/([A-Za-z0-9-]+)", id)[0] }]]) :
    pair.key => pair
  }]...)
}

resource "azurerm_role_assignment" "pull" {
  for_each = var.registry == null ? {} : { for key in concat([for name in keys(var.services) : "service/${name}"], [for name in keys(var.jobs) : "job/${name}"]) : key => key }

  scope                = var.registry.id
  role_definition_name = "AcrPull"
  principal_id         = local.identities[each.key]
  principal_type       = "ServicePrincipal"
}

resource "azurerm_role_assignment" "secret" {
  for_each = local.secret_reads

  scope                = "${var.key_vault_id}/secrets/${each.value.secret}"
  role_definition_name = "Key Vault Secrets User"
  principal_id         = local.identities[each.value.identity]
  principal_type       = "ServicePrincipal"

  lifecycle {
    precondition {
      condition     = var.key_vault_id != null
      error_message = "Secrets are given: set key_vault_id to the Key Vault holding them."
    }
  }
}

# Data layer (Azure): PostgreSQL flexible server in a delegated subnet, no public access,
# Microsoft Entra ID authentication only (no password exists), TLS enforced,
# zone-redundant high availability when multi_az, backups sized to the plan's RPO and
# the customer-managed key when given. Geo-redundant backups are stored in the pair of the server's region: with a
# customer-managed key, Azure refuses them unless a key and an identity in that region encrypt them too.

locals {
  geo_backup_key = var.key_id != null && var.multi_az && var.geo_redundant_backup
}

resource "azurerm_user_assigned_identity" "this" {
  count = var.key_id == null ? 0 : 1

  name                = "id-${var.name}-postgres"
  location            = var.location
  resource_group_name = var.resource_group_name

  tags = var.tags
}

resource "azurerm_role_assignment" "key" {
  count = var.key_id == null ? 0 : 1

  scope                = var.key_vault_id
  role_definition_name = "Key Vault Crypto Service Encryption User"
  principal_id         = azurerm_user_assigned_identity.this[0].principal_id
}

resource "azurerm_user_assigned_identity" "geo_backup" {
  count = local.geo_backup_key ? 1 : 0

  name                = "id-${var.name}-postgres-geo"
  location            = var.geo_backup_location
  resource_group_name = var.resource_group_name

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.geo_backup_key_id != null && var.geo_backup_location != null && var.geo_backup_key_vault_id != null
      error_message = "Geo-redundant backups with a customer-managed key need a key in the region paired with location: set geo_backup_location, geo_backup_key_vault_id and geo_backup_key_id."
    }
  }
}

resource "azurerm_role_assignment" "geo_backup_key" {
  count = local.geo_backup_key ? 1 : 0

  scope                = var.geo_backup_key_vault_id
  role_definition_name = "Key Vault Crypto Service Encryption User"
  principal_id         = azurerm_user_assigned_identity.geo_backup[0].principal_id
}

resource "azurerm_postgresql_flexible_server" "this" {
  name                          = "psql-${var.name}"
  location                      = var.location
  resource_group_name           = var.resource_group_name
  version                       = split(".", var.engine_version)[0]
  sku_name                      = var.instance_class
  storage_mb                    = var.storage_mb
  auto_grow_enabled             = true
  delegated_subnet_id           = var.subnet_id
  private_dns_zone_id           = var.private_dns_zone_id
  public_network_access_enabled = false
  backup_retention_days         = var.backup_retention_days
  geo_redundant_backup_enabled  = var.multi_az && var.geo_redundant_backup
  zone                          = "1"

  authentication {
    active_directory_auth_enabled = true
    password_auth_enabled         = false
    tenant_id                     = var.tenant_id
  }

  dynamic "maintenance_window" {
    for_each = var.maintenance_window == null ? [] : [var.maintenance_window]

    content {
      day_of_week  = maintenance_window.value.day_of_week
      start_hour   = maintenance_window.value.start_hour
      start_minute = maintenance_window.value.start_minute
    }
  }

  dynamic "high_availability" {
    for_each = var.multi_az ? [1] : []

    content {
      mode                      = "ZoneRedundant"
      standby_availability_zone = "2"
    }
  }

  dynamic "identity" {
    for_each = var.key_id == null ? [] : [1]

    content {
      type         = "UserAssigned"
      identity_ids = concat(azurerm_user_assigned_identity.this[*].id, azurerm_user_assigned_identity.geo_backup[*].id)
    }
  }

  dynamic "customer_managed_key" {
    for_each = var.key_id == null ? [] : [1]

    content {
      key_vault_key_id                     = var.key_id
      primary_user_assigned_identity_id    = azurerm_user_assigned_identity.this[0].id
      geo_backup_key_vault_key_id          = local.geo_backup_key ? var.geo_backup_key_id : null
      geo_backup_user_assigned_identity_id = local.geo_backup_key ? azurerm_user_assigned_identity.geo_backup[0].id : null
    }
  }

  tags = var.tags

  depends_on = [azurerm_role_assignment.key, azurerm_role_assignment.geo_backup_key]

  lifecycle {
    # A failover swaps the primary and standby zones: Terraform keeps what Azure did instead of failing back
    # (a change of zone it cannot make in place).
    ignore_changes = [zone, high_availability[0].standby_availability_zone]

    precondition {
      condition     = var.rpo_minutes == 0 || var.backup_retention_days >= 7
      error_message = "An RPO is stated: point-in-time restore needs backup_retention_days >= 7."
    }
  }
}

resource "azurerm_postgresql_flexible_server_active_directory_administrator" "this" {
  server_name         = azurerm_postgresql_flexible_server.this.name
  resource_group_name = var.resource_group_name
  tenant_id           = var.tenant_id
  object_id           = var.admin_object_id
  principal_name      = var.admin_principal_name
  principal_type      = "Group"
}

resource "azurerm_postgresql_flexible_server_configuration" "settings" {
  for_each = merge(
    { require_secure_transport = "on" },
    var.access_logging ? { log_connections = "on", log_disconnections = "on" } : {},
    length(var.extensions) > 0 ? { "azure.extensions" = join(",", [for e in var.extensions : upper(e)]) } : {},
  )

  name      = each.key
  server_id = azurerm_postgresql_flexible_server.this.id
  value     = each.value
}

resource "azurerm_postgresql_flexible_server_database" "app" {
  name      = var.database_name
  server_id = azurerm_postgresql_flexible_server.this.id
}

# Serverless compute (Azure): the plan's applications as Container Apps in one VNet-integrated environment, and its
# scheduled jobs as Container Apps jobs. The environment's ingress is public when a service is; a service that is not
# is reached by the environment's other apps only.

locals {
  # The Consumption profile's sizes: 0.25-4 vCPUs in steps of 0.25, each with twice as many GiB of memory. A stated
  # size takes the smallest one holding both its CPU and its memory.
  sized = { for kind, items in { service = var.services, job = var.jobs } : kind => {
    for name, item in items : name => merge(item, {
      cpu = max(ceil(item.cpu * 4) / 4, ceil(item.memory_mib / 512) / 4)
    })
  } }
  public = anytrue([for s in values(var.services) : s.port != null && s.public])
  # a Container Apps secret's name: lowercase letters, digits and hyphens (DATABASE_PASSWORD: database-password)
  secret_names = { for variable in distinct(flatten([for items in [var.services, var.jobs] : [for item in values(items) : keys(item.secrets)]])) :
  variable => lower(replace(variable, "_", "-")) }
}

resource "azurerm_log_analytics_workspace" "this" {
  name                = "log-${var.name}"
  location            = var.location
  resource_group_name = var.resource_group_name
  sku                 = "PerGB2018"
  retention_in_days   = var.log_retention_days

  tags = var.tags
}

resource "azurerm_container_app_environment" "this" {
  name                               = "cae-${var.name}"
  location                           = var.location
  resource_group_name                = var.resource_group_name
  log_analytics_workspace_id         = azurerm_log_analytics_workspace.this.id
  infrastructure_subnet_id           = var.subnet_id
  infrastructure_resource_group_name = "${var.resource_group_name}-apps-infrastructure"
  internal_load_balancer_enabled     = !local.public
  zone_redundancy_enabled            = var.zone_redundant

  workload_profile {
    name                  = "Consumption"
    workload_profile_type = "Consumption"
  }

  tags = var.tags
}

resource "azurerm_container_app" "service" {
  for_each = local.sized.service

  name                         = each.key
  container_app_environment_id = azurerm_container_app_environment.this.id
  resource_group_name          = var.resource_group_name
  revision_mode                = "Single"
  workload_profile_name        = "Consumption"

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.service[each.key].id]
  }

  dynamic "registry" {
    for_each = var.registry == null ? [] : [var.registry.server]
    content {
      server   = registry.value
      identity = azurerm_user_assigned_identity.service[each.key].id
    }
  }

  dynamic "secret" {
    for_each = each.value.secrets
    content {
      name                = local.secret_names[secret.key]
      key_vault_secret_id = secret.value
      identity            = azurerm_user_assigned_identity.service[each.key].id
    }
  }

  dynamic "ingress" {
    for_each = each.value.port == null ? [] : [each.value.port]
    content {
      external_enabled           = each.value.public
      target_port                = ingress.value
      transport                  = "auto"
      allow_insecure_connections = false

      traffic_weight {
        latest_revision = true
        percentage      = 100
      }
    }
  }

  template {
    min_replicas = each.value.min_instances
    max_replicas = each.value.max_instances

    container {
      name   = each.key
      image  = each.value.image
      cpu    = each.value.cpu
      memory = "${each.value.cpu * 2}Gi"

      dynamic "env" {
        for_each = merge(each.value.env, { AZURE_CLIENT_ID = azurerm_user_assigned_identity.service[each.key].client_id })
        content {
          name  = env.key
          value = env.value
        }
      }

      dynamic "env" {
        for_each = each.value.secrets
        content {
          name        = env.key
          secret_name = local.secret_names[env.key]
        }
      }

      dynamic "readiness_probe" {
        for_each = each.value.port == null ? [] : [each.value.port]
        content {
          transport = "HTTP"
          port      = readiness_probe.value
          path      = each.value.health_path
        }
      }

      dynamic "liveness_probe" {
        for_each = each.value.port == null ? [] : [each.value.port]
        content {
          transport        = "HTTP"
          port             = liveness_probe.value
          path             = each.value.health_path
          initial_delay    = 10
          interval_seconds = 10
        }
      }
    }
  }

  tags = var.tags

  # an app whose identity may not pull its image or read its secrets yet fails its first revision
  depends_on = [azurerm_role_assignment.pull, azurerm_role_assignment.secret]
}

# A service's host name: added with no certificate bound; `az containerapp hostname bind` then creates the free managed
# certificate and binds it (README), which Terraform leaves in place.
resource "azurerm_container_app_custom_domain" "service" {
  for_each = { for name, s in var.services : name => s.domain if s.domain != null }

  name             = each.value
  container_app_id = azurerm_container_app.service[each.key].id

  lifecycle {
    ignore_changes = [certificate_binding_type, container_app_environment_certificate_id]
  }
}

resource "azurerm_container_app_job" "this" {
  for_each = local.sized.job

  name                         = each.key
  location                     = var.location
  resource_group_name          = var.resource_group_name
  container_app_environment_id = azurerm_container_app_environment.this.id
  workload_profile_name        = "Consumption"
  replica_timeout_in_seconds   = each.value.timeout_minutes * 60
  replica_retry_limit          = 1

  schedule_trigger_config {
    cron_expression          = each.value.schedule
    parallelism              = 1
    replica_completion_count = 1
  }

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.job[each.key].id]
  }

  dynamic "registry" {
    for_each = var.registry == null ? [] : [var.registry.server]
    content {
      server   = registry.value
      identity = azurerm_user_assigned_identity.job[each.key].id
    }
  }

  dynamic "secret" {
    for_each = each.value.secrets
    content {
      name                = local.secret_names[secret.key]
      key_vault_secret_id = secret.value
      identity            = azurerm_user_assigned_identity.job[each.key].id
    }
  }

  template {
    container {
      name    = each.key
      image   = each.value.image
      command = length(each.value.command) > 0 ? each.value.command : null
      cpu     = each.value.cpu
      memory  = "${each.value.cpu * 2}Gi"

      dynamic "env" {
        for_each = merge(each.value.env, { AZURE_CLIENT_ID = azurerm_user_assigned_identity.job[each.key].client_id })
        content {
          name  = env.key
          value = env.value
        }
      }

      dynamic "env" {
        for_each = each.value.secrets
        content {
          name        = env.key
          secret_name = local.secret_names[env.key]
        }
      }
    }
  }

  tags = var.tags

  depends_on = [azurerm_role_assignment.pull, azurerm_role_assignment.secret]
}

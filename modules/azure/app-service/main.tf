# Azure App Service: the plan's applications as Linux web apps (containers) on one App Service plan. Their outbound
# traffic leaves through the environment's virtual network (the database's private address, the other apps), a
# public app is served on the internet over HTTPS only, and an app that is not admits the web apps' subnet only.

locals {
  # Basic plans do not autoscale; Premium v2-v4 plans spread over the zones with two or more instances.
  autoscaled    = var.max_instances > var.min_instances && !startswith(var.sku_name, "B")
  zone_balanced = var.zone_redundant && can(regex("^P[0-9]m?v[2-4]$", var.sku_name)) && var.min_instances >= 2
  # An image's registry (its first path segment when that is a host name, else Docker Hub) and the rest.
  images = { for name, s in var.services : name => (
    can(regex("^[^/]*[.:][^/]*/", s.image))
    ? { registry = "https://${split("/", s.image)[0]}", name = join("/", slice(split("/", s.image), 1, length(split("/", s.image)))) }
    : { registry = "https://index.docker.io", name = s.image }
  ) }
  # Where each app finds the others: <NAME>_URL (portal-api: PORTAL_API_URL), its azurewebsites.net address, which an
  # internal app answers from the apps subnet.
  peer_urls = { for name in keys(var.services) : "${upper(replace(name, "-", "_"))}_URL" => "https://app-${var.name}-${name}.azurewebsites.net" }
}

resource "azurerm_log_analytics_workspace" "this" {
  name                = "log-${var.name}"
  location            = var.location
  resource_group_name = var.resource_group_name
  sku                 = "PerGB2018"
  retention_in_days   = var.log_retention_days

  tags = var.tags
}

resource "azurerm_service_plan" "this" {
  name                   = "asp-${var.name}"
  location               = var.location
  resource_group_name    = var.resource_group_name
  os_type                = "Linux"
  sku_name               = var.sku_name
  worker_count           = var.min_instances
  zone_balancing_enabled = local.zone_balanced

  tags = var.tags

  # autoscale moves the instance count between min_instances and max_instances
  lifecycle {
    ignore_changes = [worker_count]
  }
}

resource "azurerm_linux_web_app" "service" {
  for_each = var.services

  name                = "app-${var.name}-${each.key}"
  location            = var.location
  resource_group_name = var.resource_group_name
  service_plan_id     = azurerm_service_plan.this.id

  https_only                                     = true
  client_affinity_enabled                        = false
  ftp_publish_basic_authentication_enabled       = false
  webdeploy_publish_basic_authentication_enabled = false
  virtual_network_subnet_id                      = var.subnet_id
  key_vault_reference_identity_id                = azurerm_user_assigned_identity.service[each.key].id

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.service[each.key].id]
  }

  app_settings = merge(
    local.peer_urls,
    each.value.env,
    { for variable, id in each.value.secrets : variable => "@Microsoft.KeyVault(SecretUri=${id})" },
    {
      WEBSITES_PORT                       = tostring(each.value.port)
      WEBSITES_ENABLE_APP_SERVICE_STORAGE = "false"
      AZURE_CLIENT_ID                     = azurerm_user_assigned_identity.service[each.key].client_id
    },
  )

  site_config {
    always_on                                     = true
    ftps_state                                    = "Disabled"
    http2_enabled                                 = true
    minimum_tls_version                           = "1.2"
    scm_minimum_tls_version                       = "1.2"
    vnet_route_all_enabled                        = true
    health_check_path                             = each.value.health_path
    health_check_eviction_time_in_min             = 2
    container_registry_use_managed_identity       = var.registry != null
    container_registry_managed_identity_client_id = var.registry != null ? azurerm_user_assigned_identity.service[each.key].client_id : null
    ip_restriction_default_action                 = each.value.public ? "Allow" : "Deny"
    scm_ip_restriction_default_action             = "Deny"

    # an app that is not public answers the web apps' own subnet only (its Microsoft.Web service endpoint)
    dynamic "ip_restriction" {
      for_each = each.value.public ? [] : [var.subnet_id]
      content {
        name                      = "web-apps"
        priority                  = 100
        action                    = "Allow"
        virtual_network_subnet_id = ip_restriction.value
      }
    }

    application_stack {
      docker_image_name   = local.images[each.key].name
      docker_registry_url = local.images[each.key].registry
    }
  }

  tags = var.tags

  # an app whose identity may not pull its image or read its secrets yet fails its first start
  depends_on = [azurerm_role_assignment.pull, azurerm_role_assignment.secret]
}

resource "azurerm_monitor_diagnostic_setting" "service" {
  for_each = var.services

  name                       = "logs"
  target_resource_id         = azurerm_linux_web_app.service[each.key].id
  log_analytics_workspace_id = azurerm_log_analytics_workspace.this.id

  dynamic "enabled_log" {
    for_each = ["AppServiceHTTPLogs", "AppServiceConsoleLogs", "AppServicePlatformLogs"]
    content {
      category = enabled_log.value
    }
  }

  enabled_metric {
    category = "AllMetrics"
  }
}

# Scale out on the plan's CPU: one instance more above 70% over 10 minutes, one fewer below 30%.
resource "azurerm_monitor_autoscale_setting" "this" {
  count = local.autoscaled ? 1 : 0

  name                = "autoscale-${var.name}"
  location            = var.location
  resource_group_name = var.resource_group_name
  target_resource_id  = azurerm_service_plan.this.id

  profile {
    name = "cpu"

    capacity {
      default = var.min_instances
      minimum = var.min_instances
      maximum = var.max_instances
    }

    dynamic "rule" {
      for_each = { Increase = { operator = "GreaterThan", threshold = 70, cooldown = "PT5M" }, Decrease = { operator = "LessThan", threshold = 30, cooldown = "PT10M" } }
      content {
        metric_trigger {
          metric_name        = "CpuPercentage"
          metric_resource_id = azurerm_service_plan.this.id
          metric_namespace   = "microsoft.web/serverfarms"
          operator           = rule.value.operator
          statistic          = "Average"
          threshold          = rule.value.threshold
          time_aggregation   = "Average"
          time_grain         = "PT1M"
          time_window        = "PT10M"
        }

        scale_action {
          direction = rule.key
          type      = "ChangeCount"
          value     = "1"
          cooldown  = rule.value.cooldown
        }
      }
    }
  }

  tags = var.tags
}

# A public app's domain, once its DNS records exist (README): the host name, App Service's free managed certificate
# for it, and the SNI binding between them.
resource "azurerm_app_service_custom_hostname_binding" "service" {
  for_each = { for name, s in var.services : name => s.domain if s.domain != null }

  hostname            = each.value
  app_service_name    = azurerm_linux_web_app.service[each.key].name
  resource_group_name = var.resource_group_name

  # the certificate binding below sets these
  lifecycle {
    ignore_changes = [ssl_state, thumbprint]
  }
}

resource "azurerm_app_service_managed_certificate" "service" {
  for_each = azurerm_app_service_custom_hostname_binding.service

  custom_hostname_binding_id = each.value.id

  tags = var.tags
}

resource "azurerm_app_service_certificate_binding" "service" {
  for_each = azurerm_app_service_custom_hostname_binding.service

  hostname_binding_id = each.value.id
  certificate_id      = azurerm_app_service_managed_certificate.service[each.key].id
  ssl_state           = "SniEnabled"
}

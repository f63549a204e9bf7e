# Container registry (Azure): one Azure Container Registry per environment for the applications' images. Pulls
# authenticate with Microsoft Entra ID (each app's identity is granted AcrPull): no admin user, no anonymous pull.

resource "azurerm_container_registry" "this" {
  name                    = "cr${substr(replace(var.name, "-", ""), 0, 48)}"
  location                = var.location
  resource_group_name     = var.resource_group_name
  sku                     = var.sku
  admin_enabled           = false
  anonymous_pull_enabled  = false
  zone_redundancy_enabled = var.sku == "Premium" && var.zone_redundant

  tags = var.tags
}

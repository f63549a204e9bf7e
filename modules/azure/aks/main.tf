# Kubernetes layer (Azure): a private AKS cluster with Entra ID RBAC (local accounts off),
# workload identity, Azure network policies, zone-spread autoscaling nodes and, with
# key_id, etcd secrets encryption with the customer-managed key.

resource "azurerm_user_assigned_identity" "cluster" {
  name                = "id-${var.name}-aks"
  location            = var.location
  resource_group_name = var.resource_group_name

  tags = var.tags
}

resource "azurerm_role_assignment" "kms" {
  count = var.key_id == null ? 0 : 1

  scope                = var.key_vault_id
  role_definition_name = "Key Vault Crypto User"
  principal_id         = azurerm_user_assigned_identity.cluster.principal_id
}

resource "azurerm_kubernetes_cluster" "this" {
  name                    = "aks-${var.name}"
  location                = var.location
  resource_group_name     = var.resource_group_name
  dns_prefix              = var.name
  kubernetes_version      = var.kubernetes_version
  sku_tier                = var.sku_tier
  private_cluster_enabled = true
  local_account_disabled  = true
  azure_policy_enabled    = true
  oidc_issuer_enabled     = true

  workload_identity_enabled = true

  default_node_pool {
    name                    = "system"
    vm_size                 = var.node_instance_type
    vnet_subnet_id          = var.subnet_id
    zones                   = ["1", "2", "3"]
    auto_scaling_enabled    = true
    min_count               = var.node_min_size
    max_count               = var.node_max_size
    host_encryption_enabled = true

    upgrade_settings {
      max_surge = "33%"
    }
  }

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.cluster.id]
  }

  azure_active_directory_role_based_access_control {
    azure_rbac_enabled = true
    tenant_id          = var.tenant_id
  }

  network_profile {
    network_plugin = "azure"
    network_policy = "azure"
  }

  dynamic "key_management_service" {
    for_each = var.key_id == null ? [] : [1]

    content {
      key_vault_key_id         = var.key_id
      key_vault_network_access = "Public"
    }
  }

  tags = var.tags

  depends_on = [azurerm_role_assignment.kms]
}

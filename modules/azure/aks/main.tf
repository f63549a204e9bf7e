# Kubernetes layer (Azure): an AKS cluster with Entra ID RBAC (local accounts off), a private
# API server (or a public one limited to authorized IP ranges), workload identity, enforced
# network policies (Azure, Calico or Cilium; optionally on an overlay), image pulls from the
# registries it is granted (AcrPull), optional Azure Monitor container insights, zone-spread autoscaling nodes (optionally a fixed system pool for
# critical add-ons plus the autoscaling user pool), an optional static public IP for the
# ingress controller and, with key_id, etcd secrets encryption with the customer-managed key.

locals {
  # The node split: a fixed system pool beside the user pool, unless the environment is one node
  # (user_node_pool false), whose one pool runs the add-ons and the workloads.
  split = var.system_node_pool && var.user_node_pool
}

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

# The cluster's identity places the nodes in the platform's subnet (and its NAT gateway): a subnet outside the node
# resource group needs Network Contributor there, else the cluster's creation fails on subnets/join/action.
resource "azurerm_role_assignment" "subnet" {
  scope                = var.subnet_id
  role_definition_name = "Network Contributor"
  principal_id         = azurerm_user_assigned_identity.cluster.principal_id
}

resource "azurerm_kubernetes_cluster" "this" {
  name                    = "aks-${var.name}"
  location                = var.location
  resource_group_name     = var.resource_group_name
  dns_prefix              = var.name
  kubernetes_version      = var.kubernetes_version
  private_cluster_enabled = !var.api_public
  local_account_disabled  = true
  azure_policy_enabled    = true
  oidc_issuer_enabled     = true

  # Patch releases of the pinned minor version and node image updates arrive without a plan change.
  automatic_upgrade_channel = "patch"
  node_os_upgrade_channel   = "NodeImage"

  workload_identity_enabled = true

  # A version past its standard support runs on long-term support, which needs the Premium tier.
  sku_tier     = var.extended_support ? "Premium" : var.sku_tier
  support_plan = var.extended_support ? "AKSLongTermSupport" : "KubernetesOfficial"

  # With the split (system_node_pool and user_node_pool) the default pool is the fixed system pool
  # (critical add-ons only); else it is the one autoscaling pool of the plan's figures.
  default_node_pool {
    name                         = "system"
    vm_size                      = local.split ? var.system_node_vm_size : var.node_instance_type
    vnet_subnet_id               = var.subnet_id
    zones                        = var.zones
    only_critical_addons_enabled = local.split
    auto_scaling_enabled         = !local.split
    node_count                   = local.split ? var.system_node_count : null
    min_count                    = local.split ? null : var.node_min_size
    max_count                    = local.split ? null : var.node_max_size
    host_encryption_enabled      = var.host_encryption
    # the pool's scale set carries the plan's tags too: the cluster's tags stop at the cluster
    tags = var.tags

    upgrade_settings {
      max_surge = "33%"
    }
  }

  # Azure Monitor container insights: the Azure Monitor agent sends to the workspace with the cluster's identity (no key)
  dynamic "oms_agent" {
    for_each = var.container_insights ? [1] : []
    content {
      log_analytics_workspace_id      = azurerm_log_analytics_workspace.insights[0].id
      msi_auth_for_monitoring_enabled = true
    }
  }

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.cluster.id]
  }

  azure_active_directory_role_based_access_control {
    azure_rbac_enabled     = true
    tenant_id              = var.tenant_id
    admin_group_object_ids = var.admin_group_object_ids
  }

  network_profile {
    network_plugin = "azure"
    # overlay: pods take addresses from pod_cidr, not from the subnet (the subnet holds only the nodes)
    network_plugin_mode = var.network_policy == "cilium" || var.pod_overlay ? "overlay" : null
    pod_cidr            = var.network_policy == "cilium" || var.pod_overlay ? var.pod_cidr : null
    network_data_plane  = var.network_policy == "cilium" ? "cilium" : "azure"
    network_policy      = var.network_policy
    # Kubernetes Services take their addresses outside every virtual network of the platform (10.x.0.0/16):
    # AKS's default service range, 10.0.0.0/16, would overlap the primary network and fail cluster creation.
    service_cidr   = var.service_cidr
    dns_service_ip = cidrhost(var.service_cidr, 10)
    # the subnet's NAT gateway carries the nodes' outbound traffic, not the cluster's load balancer
    outbound_type = var.outbound_nat_ip == null ? "loadBalancer" : "userAssignedNATGateway"
  }

  dynamic "api_server_access_profile" {
    for_each = var.api_public ? [1] : []

    content {
      # the nodes reach the API from the NAT gateway's address: admitted with the ranges the team names
      authorized_ip_ranges = concat(var.api_authorized_cidrs, var.outbound_nat_ip == null ? [] : ["${var.outbound_nat_ip}/32"])
    }
  }

  dynamic "key_management_service" {
    for_each = var.key_id == null ? [] : [1]

    content {
      key_vault_key_id         = var.key_id
      key_vault_network_access = "Public"
    }
  }

  tags = var.tags

  depends_on = [azurerm_role_assignment.kms, azurerm_role_assignment.subnet]

  lifecycle {
    precondition {
      condition     = !var.api_public || (length(var.api_authorized_cidrs) > 0 && !contains(var.api_authorized_cidrs, "0.0.0.0/0"))
      error_message = "A public API server must be restricted to explicit CIDR ranges (never 0.0.0.0/0)."
    }

    precondition {
      condition     = var.node_min_size <= var.node_max_size
      error_message = "node_min_size must not exceed node_max_size."
    }
  }
}

# The user pool of the plan's node figures, beside the fixed system pool.
resource "azurerm_kubernetes_cluster_node_pool" "user" {
  count = local.split ? 1 : 0

  name                    = "user"
  kubernetes_cluster_id   = azurerm_kubernetes_cluster.this.id
  mode                    = "User"
  vm_size                 = var.node_instance_type
  vnet_subnet_id          = var.subnet_id
  zones                   = var.zones
  auto_scaling_enabled    = true
  min_count               = var.node_min_size
  max_count               = var.node_max_size
  host_encryption_enabled = var.host_encryption

  upgrade_settings {
    max_surge = "33%"
  }

  tags = var.tags
}

# The ingress controller's static address: in the cluster's own resource group, not the node resource group AKS
# deletes with the cluster, so the address (and the DNS records pointing at it) outlives a rebuilt cluster.
# ingress-nginx names it with the service.beta.kubernetes.io/azure-pip-name and
# azure-load-balancer-resource-group annotations.
resource "azurerm_public_ip" "ingress" {
  count = var.static_ingress_ip ? 1 : 0

  name                = "pip-${var.name}-ingress"
  location            = var.location
  resource_group_name = var.resource_group_name
  allocation_method   = "Static"
  sku                 = "Standard"
  zones               = var.zones

  tags = var.tags
}

# Outside the node resource group, the cluster's identity attaches the address to its load balancer only with
# Network Contributor on the address's resource group.
resource "azurerm_role_assignment" "ingress_ip" {
  count = var.static_ingress_ip ? 1 : 0

  scope                = join("/", slice(split("/", azurerm_public_ip.ingress[0].id), 0, 5))
  role_definition_name = "Network Contributor"
  principal_id         = azurerm_user_assigned_identity.cluster.principal_id
}

# The RoleBindings' groups, as Azure RBAC understands them: each principal's role at the scope of each of its
# namespaces (Kubernetes RBAC would need the group's object ID, never its name).
locals {
  namespace_roles = { view = "Azure Kubernetes Service RBAC Reader", edit = "Azure Kubernetes Service RBAC Writer", admin = "Azure Kubernetes Service RBAC Admin" }
  namespace_assignments = merge([for name, access in var.namespace_access : {
    for namespace in access.namespaces : "${name}/${namespace}" => merge(access, { namespace = namespace })
  }]...)
}

resource "azurerm_role_assignment" "namespace" {
  for_each = local.namespace_assignments

  scope                = "${azurerm_kubernetes_cluster.this.id}/namespaces/${each.value.namespace}"
  role_definition_name = local.namespace_roles[each.value.role]
  principal_id         = each.value.principal_id
}

# The nodes pull the applications' images from the registries the platform names (kubelet identity, AcrPull): without
# it every pod from a private registry stays in ImagePullBackOff. Each registry is found by name in the subscription.
data "azurerm_resources" "registry" {
  for_each = toset(var.acr_pull_registries)

  type = "Microsoft.ContainerRegistry/registries"
  name = each.key

  lifecycle {
    postcondition {
      condition     = length(self.resources) == 1
      error_message = "No single container registry named ${each.key} in this subscription: create it first, or drop it from acr_pull_registries and grant the cluster's kubelet identity AcrPull on it yourself."
    }
  }
}

# AKS creates the kubelet identity with the cluster (the block is unknown until then; a mocked provider leaves it empty,
# hence the try).
resource "azurerm_role_assignment" "acr_pull" {
  for_each = data.azurerm_resources.registry

  scope                = one(each.value.resources).id
  role_definition_name = "AcrPull"
  principal_id         = try(azurerm_kubernetes_cluster.this.kubelet_identity[0].object_id, "")
}

# Azure Monitor container insights (container_insights): the cluster's container logs, events and inventory go to a
# Log Analytics workspace of its own; the data collection rule names the streams and the workspace, its association
# binds it to the cluster (without it the agent runs and nothing arrives).
resource "azurerm_log_analytics_workspace" "insights" {
  count = var.container_insights ? 1 : 0

  name                = "log-${var.name}-aks"
  location            = var.location
  resource_group_name = var.resource_group_name
  sku                 = "PerGB2018"
  retention_in_days   = var.container_insights_retention_days

  tags = var.tags
}

resource "azurerm_monitor_data_collection_rule" "insights" {
  count = var.container_insights ? 1 : 0

  name                = "MSCI-${var.location}-aks-${var.name}"
  location            = var.location
  resource_group_name = var.resource_group_name
  kind                = "Linux"

  destinations {
    log_analytics {
      name                  = "insights"
      workspace_resource_id = azurerm_log_analytics_workspace.insights[0].id
    }
  }

  data_flow {
    streams      = ["Microsoft-ContainerInsights-Group-Default"]
    destinations = ["insights"]
  }

  data_sources {
    extension {
      name           = "ContainerInsightsExtension"
      extension_name = "ContainerInsights"
      streams        = ["Microsoft-ContainerInsights-Group-Default"]
      extension_json = jsonencode({
        dataCollectionSettings = {
          interval               = "1m"
          namespaceFilteringMode = "Off"
          enableContainerLogV2   = true
        }
      })
    }
  }

  tags = var.tags
}

resource "azurerm_monitor_data_collection_rule_association" "insights" {
  count = var.container_insights ? 1 : 0

  name                    = "ContainerInsightsExtension"
  target_resource_id      = azurerm_kubernetes_cluster.this.id
  data_collection_rule_id = azurerm_monitor_data_collection_rule.insights[0].id
}

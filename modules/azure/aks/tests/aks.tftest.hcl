# Needs the azurerm provider: `terraform init -backend=false && terraform test` (mocked provider).

mock_provider "azurerm" {}

variables {
  name                = "test"
  location            = "westeurope"
  resource_group_name = "rg-test"
  tenant_id           = "00000000-0000-0000-0000-000000000000"
  kubernetes_version  = "1.29"

  admin_group_object_ids = ["11111111-1111-1111-1111-111111111111"]
  subnet_id              = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s"
  node_instance_type     = "Standard_D4s_v5"
}

run "private_cluster_without_local_accounts" {
  command = plan

  assert {
    condition     = azurerm_kubernetes_cluster.this.private_cluster_enabled == true && azurerm_kubernetes_cluster.this.local_account_disabled == true
    error_message = "The cluster must be private and use Entra ID only."
  }

  assert {
    condition     = contains(azurerm_kubernetes_cluster.this.azure_active_directory_role_based_access_control[0].admin_group_object_ids, "11111111-1111-1111-1111-111111111111")
    error_message = "Without local accounts, the admin group is the way into the Kubernetes API."
  }

  assert {
    condition     = azurerm_role_assignment.subnet.role_definition_name == "Network Contributor" && azurerm_role_assignment.subnet.scope == var.subnet_id
    error_message = "The cluster's identity must be able to join the platform's subnet."
  }

  assert {
    condition     = azurerm_kubernetes_cluster.this.kubernetes_version == "1.29"
    error_message = "Kubernetes version must follow the plan."
  }

  assert {
    condition     = azurerm_kubernetes_cluster.this.network_profile[0].network_plugin == "azure" && contains(["azure", "cilium"], azurerm_kubernetes_cluster.this.network_profile[0].network_policy)
    error_message = "NetworkPolicies must be enforced (Azure CNI with the azure or cilium network policy engine)."
  }

  assert {
    condition     = azurerm_kubernetes_cluster.this.network_profile[0].service_cidr == "172.20.0.0/16" && azurerm_kubernetes_cluster.this.network_profile[0].dns_service_ip == "172.20.0.10"
    error_message = "Services must take addresses outside the platform's 10.x virtual networks."
  }
}

run "a_cluster_without_an_admin_group_is_refused" {
  command = plan

  variables {
    admin_group_object_ids = []
  }

  expect_failures = [var.admin_group_object_ids]
}

run "nodes_leaving_through_a_nat_gateway_reach_their_public_api" {
  command = plan

  variables {
    api_public           = true
    api_authorized_cidrs = ["203.0.113.0/24"]
    outbound_nat_ip      = "198.51.100.7"
  }

  assert {
    condition     = azurerm_kubernetes_cluster.this.network_profile[0].outbound_type == "userAssignedNATGateway"
    error_message = "The nodes' outbound traffic leaves through the subnet's NAT gateway."
  }

  assert {
    condition     = toset(azurerm_kubernetes_cluster.this.api_server_access_profile[0].authorized_ip_ranges) == toset(["203.0.113.0/24", "198.51.100.7/32"])
    error_message = "The API server must admit the NAT gateway's address, or the nodes cannot reach it."
  }
}

run "without_a_nat_gateway_the_load_balancer_carries_outbound_traffic" {
  command = plan

  assert {
    condition     = azurerm_kubernetes_cluster.this.network_profile[0].outbound_type == "loadBalancer"
    error_message = "Without a NAT gateway the cluster's load balancer is the outbound path."
  }
}

run "the_static_ingress_ip_outlives_the_cluster" {
  command = plan

  variables {
    static_ingress_ip = true
  }

  assert {
    condition     = azurerm_public_ip.ingress[0].resource_group_name == "rg-test"
    error_message = "The ingress address must live in the cluster's resource group, not the node resource group AKS deletes with it."
  }

  assert {
    condition     = azurerm_role_assignment.ingress_ip[0].role_definition_name == "Network Contributor"
    error_message = "Outside the node resource group, the cluster's identity needs Network Contributor to attach the address."
  }
}

run "namespace_access_assigns_the_rolebindings_roles_at_each_namespace" {
  command = plan

  variables {
    namespace_access = {
      developers = {
        principal_id = "22222222-2222-2222-2222-222222222222"
        role         = "view"
        namespaces   = ["orders-api", "web"]
      }
      operators = {
        principal_id = "33333333-3333-3333-3333-333333333333"
        role         = "edit"
        namespaces   = ["orders-api"]
      }
    }
  }

  assert {
    condition     = toset(keys(azurerm_role_assignment.namespace)) == toset(["developers/orders-api", "developers/web", "operators/orders-api"])
    error_message = "Each principal must get one assignment per namespace it is given."
  }

  assert {
    condition     = azurerm_role_assignment.namespace["developers/web"].role_definition_name == "Azure Kubernetes Service RBAC Reader" && azurerm_role_assignment.namespace["operators/orders-api"].role_definition_name == "Azure Kubernetes Service RBAC Writer"
    error_message = "view must be the AKS RBAC Reader role and edit the Writer role."
  }
}

run "namespace_access_by_group_name_is_refused" {
  command = plan

  variables {
    namespace_access = {
      developers = {
        principal_id = "shop-developers"
        role         = "view"
        namespaces   = ["orders-api"]
      }
    }
  }

  expect_failures = [var.namespace_access]
}

run "a_version_past_standard_support_runs_on_long_term_support" {
  command = plan

  variables {
    extended_support = true
  }

  assert {
    condition     = azurerm_kubernetes_cluster.this.sku_tier == "Premium" && azurerm_kubernetes_cluster.this.support_plan == "AKSLongTermSupport"
    error_message = "AKS creates a version past its standard support only on long-term support, which needs the Premium tier."
  }
}

run "a_supported_version_keeps_the_official_support_plan" {
  command = plan

  assert {
    condition     = azurerm_kubernetes_cluster.this.sku_tier == "Standard" && azurerm_kubernetes_cluster.this.support_plan == "KubernetesOfficial"
    error_message = "Without extended support the cluster stays on the Standard tier and the official support plan."
  }
}

run "every_node_pool_carries_the_tags" {
  command = plan

  variables {
    tags = { team = "commerce", cost-center = "cc-42" }
  }

  assert {
    condition     = azurerm_kubernetes_cluster.this.default_node_pool[0].tags["cost-center"] == "cc-42"
    error_message = "The default node pool's scale set must carry the plan's tags (cost reports read them there)."
  }
}

run "calico_on_an_azure_cni_overlay" {
  command = plan

  variables {
    network_policy = "calico"
    pod_overlay    = true
  }

  assert {
    condition     = azurerm_kubernetes_cluster.this.network_profile[0].network_plugin_mode == "overlay" && azurerm_kubernetes_cluster.this.network_profile[0].network_policy == "calico" && azurerm_kubernetes_cluster.this.network_profile[0].pod_cidr == "192.168.0.0/16"
    error_message = "Azure CNI overlay with Calico, as the plan states, with pods outside the platform's networks."
  }
}

run "cilium_runs_on_an_overlay" {
  command = plan

  variables {
    network_policy = "cilium"
  }

  assert {
    condition     = azurerm_kubernetes_cluster.this.network_profile[0].network_plugin_mode == "overlay" && azurerm_kubernetes_cluster.this.network_profile[0].network_data_plane == "cilium"
    error_message = "Azure CNI powered by Cilium needs the overlay (or pod subnets) and the cilium data plane."
  }
}

run "a_network_policy_engine_is_always_set" {
  command = plan

  variables {
    network_policy = "none"
  }

  expect_failures = [var.network_policy]
}

run "the_nodes_may_pull_from_the_named_registries" {
  command = plan

  variables {
    acr_pull_registries = ["acrparcels"]
  }

  override_data {
    target = data.azurerm_resources.registry["acrparcels"]
    values = {
      resources = [{ id = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acrparcels", name = "acrparcels" }]
    }
  }

  assert {
    condition     = azurerm_role_assignment.acr_pull["acrparcels"].role_definition_name == "AcrPull" && azurerm_role_assignment.acr_pull["acrparcels"].scope == "/subscriptions/x/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acrparcels"
    error_message = "The kubelet identity must be granted AcrPull on each registry the images come from."
  }
}

run "a_registry_the_subscription_does_not_hold_is_refused" {
  command = plan

  variables {
    acr_pull_registries = ["acrmissing"]
  }

  override_data {
    target = data.azurerm_resources.registry["acrmissing"]
    values = {
      resources = []
    }
  }

  expect_failures = [data.azurerm_resources.registry["acrmissing"]]
}

run "container_insights_sends_to_a_workspace_through_a_bound_rule" {
  command = plan

  variables {
    container_insights = true
  }

  assert {
    condition     = azurerm_kubernetes_cluster.this.oms_agent[0].msi_auth_for_monitoring_enabled == true
    error_message = "The Azure Monitor agent must authenticate with the cluster's identity, not a workspace key."
  }

  assert {
    condition     = azurerm_monitor_data_collection_rule.insights[0].data_sources[0].extension[0].extension_name == "ContainerInsights" && azurerm_monitor_data_collection_rule_association.insights[0].name == "ContainerInsightsExtension"
    error_message = "Without the container insights rule bound to the cluster, the agent runs and nothing arrives."
  }

  assert {
    condition     = azurerm_log_analytics_workspace.insights[0].retention_in_days == 30
    error_message = "The workspace keeps 30 days unless told otherwise."
  }
}

run "without_container_insights_no_agent_and_no_workspace" {
  command = plan

  assert {
    condition     = length(azurerm_kubernetes_cluster.this.oms_agent) == 0 && length(azurerm_log_analytics_workspace.insights) == 0
    error_message = "Container insights costs per GB ingested: only a plan asking for it gets it."
  }
}

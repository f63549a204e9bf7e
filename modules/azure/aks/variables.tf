variable "name" {
  type        = string
  description = "Cluster name suffix (e.g. <project>-<environment>)."
}

variable "location" {
  type        = string
  description = "Azure region."
}

variable "resource_group_name" {
  type        = string
  description = "Resource group holding the cluster."
}

variable "tenant_id" {
  type        = string
  description = "Microsoft Entra tenant for Kubernetes RBAC."
}

variable "admin_group_object_ids" {
  type        = list(string)
  description = "Object IDs of the Entra groups whose members administer the cluster: with local accounts off and Azure RBAC on, no one else (not even a subscription Owner) can use the Kubernetes API until roles are assigned."

  validation {
    condition     = length(var.admin_group_object_ids) > 0
    error_message = "Name at least one Entra group to administer the cluster: local accounts are off, so without one nobody can reach the Kubernetes API."
  }
}

variable "namespace_access" {
  type = map(object({
    principal_id = string
    role         = string
    namespaces   = list(string)
  }))
  description = "Entra groups or principals (object IDs) given access to namespaces, keyed by a name of yours: role view, edit or admin (the Azure Kubernetes Service RBAC Reader, Writer or Admin role at each namespace's scope). With Azure RBAC, a Kubernetes RoleBinding naming an Entra group by name grants nothing: these assignments are what the repository's RoleBindings mean."
  default     = {}

  validation {
    condition = alltrue([for a in values(var.namespace_access) :
    contains(["view", "edit", "admin"], a.role) && can(regex("^[0-9a-fA-F-]{36}$", a.principal_id)) && length(a.namespaces) > 0])
    error_message = "Each namespace_access entry needs an object ID, a role of view, edit or admin, and at least one namespace."
  }
}

variable "kubernetes_version" {
  type        = string
  description = "Kubernetes minor version from the plan."
}

variable "extended_support" {
  type        = bool
  description = "Whether kubernetes_version is past its standard support: the cluster runs on AKS long-term support (the AKSLongTermSupport plan, Premium tier)."
  default     = false
}

variable "sku_tier" {
  type        = string
  description = "Free or Standard (uptime SLA, production)."
  default     = "Standard"
}

variable "subnet_id" {
  type        = string
  description = "Subnet of the nodes."
}

variable "node_instance_type" {
  type        = string
  description = "VM size of the nodes (per-environment sizing)."
}

variable "node_min_size" {
  type        = number
  description = "Minimum node count."
  default     = 1
}

variable "node_max_size" {
  type        = number
  description = "Maximum node count."
  default     = 3
}

variable "zones" {
  type        = list(string)
  description = "Availability zones the node pools and the ingress address span: the plan's zone count, the region's first zones."
  default     = ["1", "2", "3"]

  validation {
    condition     = length(var.zones) >= 1 && alltrue([for z in var.zones : contains(["1", "2", "3"], z)])
    error_message = "zones must be one or more of the region's zones 1, 2 and 3."
  }
}

variable "host_encryption" {
  type        = bool
  description = "Encrypt the nodes' OS and temporary disks and their caches on the VM host (host_encryption_enabled). Precondition: the subscription feature Microsoft.Compute/EncryptionAtHost is registered (once per subscription: az feature register --namespace Microsoft.Compute --name EncryptionAtHost, then az provider register --namespace Microsoft.Compute); without it Azure refuses the node pools. false only where the subscription cannot have the feature."
  default     = true
}

variable "system_node_pool" {
  type        = bool
  description = "Split the nodes: a fixed system pool (critical add-ons only) plus an autoscaling user pool sized by node_instance_type, node_min_size and node_max_size."
  default     = false
}

variable "system_node_count" {
  type        = number
  description = "Nodes of the fixed system pool (with system_node_pool)."
  default     = 2
}

variable "user_node_pool" {
  type        = bool
  description = "With system_node_pool: add the autoscaling user pool; false leaves the system pool alone, running the workloads too (a single-node environment)."
  default     = true
}

variable "system_node_vm_size" {
  type        = string
  description = "VM size of the fixed system pool (with system_node_pool)."
  default     = "Standard_D2s_v5"
}

variable "service_cidr" {
  description = "Address range of the cluster's Kubernetes Services; must not overlap any virtual network it connects to (the platform's are 10.x.0.0/16)."
  type        = string
  default     = "172.20.0.0/16"

  validation {
    condition     = can(cidrhost(var.service_cidr, 10)) && !startswith(var.service_cidr, "10.")
    error_message = "service_cidr must be a CIDR outside 10.0.0.0/8, where the platform's virtual networks are (e.g. 172.20.0.0/16)."
  }
}

variable "network_policy" {
  type        = string
  description = "The engine enforcing NetworkPolicies: azure (Azure Network Policy Manager), calico, or cilium (Azure CNI powered by Cilium, which runs on an overlay)."
  default     = "azure"

  validation {
    condition     = contains(["azure", "calico", "cilium"], var.network_policy)
    error_message = "network_policy must be azure, calico or cilium: without an engine NetworkPolicies are not enforced."
  }
}

variable "pod_overlay" {
  type        = bool
  description = "Azure CNI overlay: pods take addresses from pod_cidr instead of the nodes' subnet (always on with the cilium network_policy)."
  default     = false
}

variable "pod_cidr" {
  type        = string
  description = "Address range of the pods on an overlay; must not overlap service_cidr or any virtual network the cluster reaches."
  default     = "192.168.0.0/16"

  validation {
    condition     = can(cidrhost(var.pod_cidr, 0)) && !startswith(var.pod_cidr, "10.")
    error_message = "pod_cidr must be a CIDR outside 10.0.0.0/8, where the platform's virtual networks are (e.g. 192.168.0.0/16)."
  }
}

variable "api_public" {
  type        = bool
  description = "Public API server limited to api_authorized_cidrs; false keeps it private (VNet only)."
  default     = false
}

variable "api_authorized_cidrs" {
  type        = list(string)
  description = "CIDR ranges allowed to reach a public API server (never 0.0.0.0/0)."
  default     = []
}

variable "outbound_nat_ip" {
  type        = string
  description = "The public IP of the NAT gateway the nodes' subnet leaves through: the cluster's outbound type is then userAssignedNATGateway (the nodes' traffic does leave through it), and a public API server admits it besides api_authorized_cidrs, so the nodes reach their own API. Null: the cluster's own load balancer carries the outbound traffic."
  default     = null
}

variable "static_ingress_ip" {
  type        = bool
  description = "Create a static Standard public IP for the ingress controller's load balancer."
  default     = false
}

variable "key_vault_id" {
  type        = string
  description = "Key Vault holding key_id (for the cluster identity's role assignment)."
  default     = null
}

variable "key_id" {
  type        = string
  description = "Customer-managed key ID (versioned) for etcd secrets encryption; null disables KMS encryption."
  default     = null
}

variable "acr_pull_registries" {
  type        = list(string)
  description = "Names of the Azure Container Registries (in this subscription) the nodes pull images from: the kubelet identity is granted AcrPull on each."
  default     = []
}

variable "container_insights" {
  type        = bool
  description = "Azure Monitor container insights: the cluster's logs, events and inventory in a Log Analytics workspace of its own."
  default     = false
}

variable "container_insights_retention_days" {
  type        = number
  description = "Days the container insights workspace keeps its data (30-730)."
  default     = 30

  validation {
    condition     = var.container_insights_retention_days >= 30 && var.container_insights_retention_days <= 730
    error_message = "container_insights_retention_days must be 30-730 (a PerGB2018 workspace's range)."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource (project, environment, tenant, managed-by)."
  default     = {}
}

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

variable "kubernetes_version" {
  type        = string
  description = "Kubernetes minor version from the plan."
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

variable "tags" {
  type        = map(string)
  description = "Tags for every resource (project, environment, tenant, managed-by)."
  default     = {}
}

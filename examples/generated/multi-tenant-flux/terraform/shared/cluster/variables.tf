variable "project" {
  type        = string
  description = "Project name (DNS-1123 label): resource name prefix and the project tag."
  default     = "tenant-isolation"
}

variable "environment" {
  type        = string
  description = "Environment of this state: one of staging, prod."

  validation {
    condition     = contains(["staging", "prod"], var.environment)
    error_message = "environment must be one of staging, prod."
  }
}

variable "tenant" {
  type        = string
  description = "Tenant tag on every resource (shared: used by all tenants)."
  default     = "shared"
}

variable "region" {
  type        = string
  description = "Region of every resource."
}

variable "customer_managed_kms" {
  type        = bool
  description = "Encrypt with the platform key created by shared/security."
  default     = true
}

variable "kubernetes_version" {
  type        = string
  description = "Kubernetes minor version from the plan."
  default     = "1.30"
}

variable "instance_type" {
  type        = string
  description = "Instance type of the shared node pool (per-environment sizing)."
}

variable "min_size" {
  type        = number
  description = "Minimum node count."
  default     = 1
}

variable "max_size" {
  type        = number
  description = "Maximum node count."
  default     = 3
}

variable "cluster_access" {
  type = map(object({
    principal_arn     = string
    kubernetes_groups = optional(list(string), [])
    cluster_admin     = optional(bool, false)
  }))
  description = "IAM roles or users given access to the cluster (EKS access entries), keyed by a name of yours: the Kubernetes groups each joins (the RoleBindings name tenant-isolation-acme-developers, tenant-isolation-acme-operators, tenant-isolation-globex-developers, tenant-isolation-globex-operators, tenant-isolation-initech-developers, tenant-isolation-initech-operators) or cluster_admin = true (a CI deploy role, a break-glass role). The identity that applies this root is an admin already."
  default     = {}
}


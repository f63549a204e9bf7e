variable "project" {
  type        = string
  description = "Project name (DNS-1123 label): resource name prefix and the project tag."
  default     = "storefront-eks"
}

variable "environment" {
  type        = string
  description = "Environment of this root: one of dev, staging, prod."

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be one of dev, staging, prod."
  }
}

variable "tenant" {
  type        = string
  description = "Tenant tag on every resource (shared: the whole organization)."
  default     = "shared"
}

variable "region" {
  type        = string
  description = "Region of every resource."
}

variable "vpc_cidr" {
  type        = string
  description = "Address space of the environment's network."
  default     = "10.0.0.0/16"
}

variable "az_count" {
  type        = number
  description = "Availability zones the network and data stores span."
  default     = 3
}

variable "nat_gateway_per_az" {
  type        = bool
  description = "One NAT gateway per zone (production) instead of one shared gateway."
  default     = false
}

variable "access_logging" {
  type        = bool
  description = "Flow logs and database connection logs (compliance and production)."
  default     = true
}

variable "customer_managed_kms" {
  type        = bool
  description = "Encrypt data at rest with a customer-managed key of this environment."
  default     = true
}

variable "instance_type" {
  type        = string
  description = "Instance type of the Kubernetes nodes (per-environment sizing)."
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

variable "kubernetes_version" {
  type        = string
  description = "Kubernetes minor version from the plan."
  default     = "1.29"
}

variable "cluster_access" {
  type = map(object({
    principal_arn     = string
    kubernetes_groups = optional(list(string), [])
    cluster_admin     = optional(bool, false)
  }))
  description = "IAM roles or users given access to the cluster (EKS access entries), keyed by a name of yours: the Kubernetes groups each joins (the RoleBindings name storefront-eks-orders-api-developers, storefront-eks-web-frontend-developers, storefront-eks-operators) or cluster_admin = true (a CI deploy role, a break-glass role). The identity that applies this root is an admin already."
  default     = {}
}


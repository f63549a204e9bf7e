variable "name" {
  type        = string
  description = "Cluster name and name prefix of its resources."
}

variable "kubernetes_version" {
  type        = string
  description = "Kubernetes minor version of the control plane (from the plan, e.g. 1.29)."

  validation {
    condition     = can(regex("^1\\.[0-9]+$", var.kubernetes_version))
    error_message = "kubernetes_version must be a minor version such as 1.29."
  }
}

variable "subnet_ids" {
  type        = list(string)
  description = "Private subnets for the control-plane ENIs and the nodes."
}

variable "node_instance_types" {
  type        = list(string)
  description = "Instance types of the default managed node group."
}

variable "node_min_size" {
  type        = number
  description = "Minimum (and initial desired) node count."
  default     = 1
}

variable "node_max_size" {
  type        = number
  description = "Maximum node count."
  default     = 3
}

variable "spot_nodes" {
  type        = bool
  description = "Run the autoscaling node group on Spot capacity (interruptible, cheaper; the system group stays on-demand)."
  default     = false
}

variable "system_node_pool" {
  type        = bool
  description = "Add a fixed system node group (tainted CriticalAddonsOnly) beside the autoscaling user group sized by node_instance_types, node_min_size and node_max_size."
  default     = false
}

variable "system_node_count" {
  type        = number
  description = "Nodes of the fixed system group (with system_node_pool)."
  default     = 2
}

variable "system_node_instance_types" {
  type        = list(string)
  description = "Instance types of the fixed system group (with system_node_pool)."
  default     = ["t3.medium"]
}

variable "ingress_ip_count" {
  type        = number
  description = "Elastic IPs to create for the ingress controller's Network Load Balancer: one per public subnet, 0 for none."
  default     = 0
}

variable "endpoint_public_access" {
  type        = bool
  description = "Expose the API endpoint publicly (restricted to public_access_cidrs); private access is always on."
  default     = false
}

variable "public_access_cidrs" {
  type        = list(string)
  description = "CIDR ranges allowed to reach a public API endpoint."
  default     = []
}

variable "enabled_log_types" {
  type        = list(string)
  description = "Control-plane log types sent to CloudWatch (all five by default)."
  default     = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the control-plane log group, in days."
  default     = 365
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed KMS key ARN for Secrets envelope encryption; null creates a dedicated key."
  default     = null
}

variable "log_kms_key_arn" {
  type        = string
  description = "KMS key ARN encrypting the control-plane log group (its policy must allow CloudWatch Logs); null uses the default encryption."
  default     = null
}

variable "metadata_hop_limit" {
  type        = number
  description = "IMDSv2 hop limit of the nodes: 1 keeps pods away from the instance metadata (workloads use EKS Pod Identity or IRSA); 2 lets pods reach it."
  default     = 1

  validation {
    condition     = contains([1, 2], var.metadata_hop_limit)
    error_message = "metadata_hop_limit must be 1 (nodes only) or 2 (pods may reach IMDS)."
  }
}

variable "node_disk_size_gb" {
  type        = number
  description = "Size of each node's encrypted gp3 root volume, in GiB."
  default     = 50

  validation {
    condition     = var.node_disk_size_gb >= 20
    error_message = "node_disk_size_gb must be at least 20 GiB (the EKS AMI's size)."
  }
}

variable "pod_security_groups" {
  type        = bool
  description = "Security groups for pods: the VPC CNI gives pods a branch network interface (ENABLE_POD_ENI) and a SecurityGroupPolicy assigns their security groups, so a data store can admit one tenant's pods and not the others'. Needs trunking-capable (Nitro, not t-family) node instance types."
  default     = false
}

variable "access_entries" {
  type = map(object({
    principal_arn     = string
    kubernetes_groups = optional(list(string), [])
    cluster_admin     = optional(bool, false)
  }))
  description = "IAM roles or users given access to the cluster (EKS access entries), keyed by a name of yours: the Kubernetes groups each joins (the groups the repository's RoleBindings name) and whether it is a cluster admin (AmazonEKSClusterAdminPolicy, for a CI deploy role or a break-glass role). The identity that creates the cluster is an admin already."
  default     = {}

  validation {
    condition = alltrue([for e in values(var.access_entries) :
      can(regex("^arn:[a-z-]+:iam::[0-9]{12}:(role|user)/", e.principal_arn)) &&
    alltrue([for g in e.kubernetes_groups : !startswith(g, "system:")])])
    error_message = "Each access entry needs an IAM role or user ARN, and no Kubernetes group starting with system: (EKS refuses them)."
  }
}

variable "tags" {
  type        = map(string)
  description = "Extra tags for every resource (provider default_tags carry project, environment and tenant)."
  default     = {}
}

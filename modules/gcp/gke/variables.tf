variable "name" {
  type        = string
  description = "Cluster name (e.g. <project>-<environment>)."
}

variable "project_id" {
  type        = string
  description = "GCP project (for the Workload Identity pool)."
}

variable "region" {
  type        = string
  description = "Region of the regional cluster."
}

variable "kubernetes_version" {
  type        = string
  description = "Minimum Kubernetes master version from the plan."
}

variable "extended_support" {
  type        = bool
  description = "Whether kubernetes_version is past its standard support: the cluster is enrolled in the Extended release channel, which alone offers it (billed as extended support)."
  default     = false
}

variable "vpc_id" {
  type        = string
  description = "VPC network of the cluster."
}

variable "subnet_id" {
  type        = string
  description = "Subnet with the pods and services secondary ranges."
}

variable "master_ipv4_cidr_block" {
  type        = string
  description = "/28 range of the control plane's private endpoint."
  default     = "172.16.0.0/28"
}

variable "api_public" {
  type        = bool
  description = "Public control-plane endpoint limited to api_authorized_cidrs; false keeps it private (VPC only)."
  default     = false
}

variable "dns_endpoint" {
  type        = bool
  description = "The DNS-based control-plane endpoint, open to callers Google IAM authorizes (container.clusters.connect): the way in to a private control plane from outside the VPC. False: the private endpoint only (VPC, VPN, Interconnect)."
  default     = false
}

variable "rbac_security_group" {
  type        = string
  description = "Google Groups for RBAC: the gke-security-groups@<domain> group whose member groups RoleBindings may name by address; null: Group subjects resolve to nothing."
  default     = null

  validation {
    condition     = var.rbac_security_group == null || can(regex("^gke-security-groups@", var.rbac_security_group))
    error_message = "GKE takes only a group named gke-security-groups@<your domain> for Google Groups for RBAC."
  }
}

variable "api_authorized_cidrs" {
  type        = list(string)
  description = "CIDRs allowed to reach the control plane (master authorized networks; never 0.0.0.0/0)."
  default     = []

  validation {
    condition     = !contains(var.api_authorized_cidrs, "0.0.0.0/0")
    error_message = "The control plane must not be open to 0.0.0.0/0."
  }
}

variable "spot_nodes" {
  type        = bool
  description = "Run the autoscaling node pool on Spot VMs (preemptible, cheaper; the system pool stays on standard VMs)."
  default     = false
}

variable "system_node_pool" {
  type        = bool
  description = "Add a fixed system pool (tainted CriticalAddonsOnly) beside the autoscaling user pool sized by node_instance_type, node_min_size and node_max_size."
  default     = false
}

variable "system_node_count" {
  type        = number
  description = "Nodes per zone of the fixed system pool (with system_node_pool)."
  default     = 1
}

variable "system_node_machine_type" {
  type        = string
  description = "Machine type of the fixed system pool (with system_node_pool)."
  default     = "e2-standard-2"
}

variable "static_ingress_ip" {
  type        = bool
  description = "Reserve a static external regional address for the ingress controller's load balancer."
  default     = false
}

variable "node_instance_type" {
  type        = string
  description = "Machine type of the nodes (per-environment sizing)."
}

variable "node_min_size" {
  type        = number
  description = "Minimum nodes of the pool, all zones together."
  default     = 1
}

variable "node_max_size" {
  type        = number
  description = "Maximum nodes of the pool, all zones together."
  default     = 3
}

variable "kms_key_id" {
  type        = string
  description = "Customer-managed key for secrets and boot disks; null uses Google-managed keys."
  default     = null
}

variable "deletion_protection" {
  type        = bool
  description = "Protect the cluster from deletion (production)."
  default     = true
}

variable "labels" {
  type        = map(string)
  description = "Labels of the nodes."
  default     = {}
}

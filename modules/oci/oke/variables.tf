variable "name" {
  type        = string
  description = "Name of the cluster (e.g. <project>-<environment>); its node pool is <name>-default."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,61}[a-z0-9]$", var.name))
    error_message = "name must start with a lowercase letter, hold lowercase letters, digits and dashes, end with a letter or digit and have at most 63 characters."
  }
}

variable "compartment_id" {
  type        = string
  description = "OCID of the compartment holding the cluster and its nodes."

  validation {
    condition     = can(regex("^ocid1\\.(compartment|tenancy)\\.", var.compartment_id))
    error_message = "compartment_id must be a compartment (or tenancy) OCID, ocid1.compartment.oc1..<id>."
  }
}

variable "kubernetes_version" {
  type        = string
  description = "Kubernetes minor version from the plan (e.g. 1.31); the cluster and its nodes run the newest v1.31.x OKE offers."

  validation {
    condition     = can(regex("^1\\.[0-9]+$", var.kubernetes_version))
    error_message = "kubernetes_version must be a minor version such as 1.31 (the module picks the newest patch release)."
  }
}

variable "vcn_id" {
  type        = string
  description = "OCID of the VCN (the vcn module's vcn_id)."

  validation {
    condition     = can(regex("^ocid1\\.vcn\\.", var.vcn_id))
    error_message = "vcn_id must be a VCN OCID, ocid1.vcn.<realm>.<region>.<id>."
  }
}

variable "api_subnet_id" {
  type        = string
  description = "OCID of the Kubernetes API endpoint's subnet (the vcn module's api_subnet_id); public only when api_public."

  validation {
    condition     = can(regex("^ocid1\\.subnet\\.", var.api_subnet_id))
    error_message = "api_subnet_id must be a subnet OCID, ocid1.subnet.<realm>.<region>.<id>."
  }
}

variable "nodes_subnet_id" {
  type        = string
  description = "OCID of the worker nodes' private regional subnet (the vcn module's nodes_subnet_id)."

  validation {
    condition     = can(regex("^ocid1\\.subnet\\.", var.nodes_subnet_id))
    error_message = "nodes_subnet_id must be a subnet OCID, ocid1.subnet.<realm>.<region>.<id>."
  }
}

variable "pods_subnet_id" {
  type        = string
  description = "OCID of the pods' private subnet for VCN-native pod networking (the vcn module's pods_subnet_id)."

  validation {
    condition     = can(regex("^ocid1\\.subnet\\.", var.pods_subnet_id))
    error_message = "pods_subnet_id must be a subnet OCID, ocid1.subnet.<realm>.<region>.<id>."
  }
}

variable "lb_subnet_id" {
  type        = string
  description = "OCID of the public subnet of the Kubernetes service load balancers (the vcn module's lb_subnet_id)."

  validation {
    condition     = can(regex("^ocid1\\.subnet\\.", var.lb_subnet_id))
    error_message = "lb_subnet_id must be a subnet OCID, ocid1.subnet.<realm>.<region>.<id>."
  }
}

variable "api_nsg_id" {
  type        = string
  description = "OCID of the API endpoint's network security group (the vcn module's api_nsg_id); the module adds the api_allowed_cidrs rules to it."

  validation {
    condition     = can(regex("^ocid1\\.networksecuritygroup\\.", var.api_nsg_id))
    error_message = "api_nsg_id must be a network security group OCID, ocid1.networksecuritygroup.<realm>.<region>.<id>."
  }
}

variable "nodes_nsg_id" {
  type        = string
  description = "OCID of the worker nodes' network security group (the vcn module's nodes_nsg_id)."

  validation {
    condition     = can(regex("^ocid1\\.networksecuritygroup\\.", var.nodes_nsg_id))
    error_message = "nodes_nsg_id must be a network security group OCID, ocid1.networksecuritygroup.<realm>.<region>.<id>."
  }
}

variable "pods_nsg_id" {
  type        = string
  description = "OCID of the pods' network security group (the vcn module's pods_nsg_id)."

  validation {
    condition     = can(regex("^ocid1\\.networksecuritygroup\\.", var.pods_nsg_id))
    error_message = "pods_nsg_id must be a network security group OCID, ocid1.networksecuritygroup.<realm>.<region>.<id>."
  }
}

variable "api_public" {
  type        = bool
  description = "Give the Kubernetes API endpoint a public address (the vcn module's api_public must be true too); it then admits api_allowed_cidrs only. Private by default."
  default     = false
}

variable "api_allowed_cidrs" {
  type        = list(string)
  description = "Networks admitted to the Kubernetes API endpoint on 6443 (operators, CI, a VPN); required with api_public, where they are the only sources from the internet. Never 0.0.0.0/0."
  default     = []

  validation {
    condition     = alltrue([for cidr in var.api_allowed_cidrs : can(cidrhost(cidr, 0)) && !endswith(cidr, "/0")])
    error_message = "api_allowed_cidrs must hold IPv4 networks such as 203.0.113.0/24, never 0.0.0.0/0 (the whole internet)."
  }
}

variable "node_shape" {
  type        = string
  description = "Compute shape of the nodes (e.g. VM.Standard.E5.Flex; Ampere A1/A2 shapes run aarch64 images)."
  default     = "VM.Standard.E5.Flex"

  validation {
    condition     = can(regex("^(VM|BM)\\.[A-Za-z0-9]+(\\.[A-Za-z0-9]+)+$", var.node_shape))
    error_message = "node_shape must be a compute shape name such as VM.Standard.E5.Flex."
  }
}

variable "node_ocpus" {
  type        = number
  description = "OCPUs of each node (flexible shapes only)."
  default     = 2

  validation {
    condition     = var.node_ocpus >= 1 && floor(var.node_ocpus) == var.node_ocpus
    error_message = "node_ocpus must be a whole number of at least 1."
  }
}

variable "node_memory_gbs" {
  type        = number
  description = "Memory of each node in GB (flexible shapes only)."
  default     = 16

  validation {
    condition     = var.node_memory_gbs >= 1 && floor(var.node_memory_gbs) == var.node_memory_gbs
    error_message = "node_memory_gbs must be a whole number of GB, at least 1."
  }
}

variable "node_count" {
  type        = number
  description = "Number of nodes of the pool, spread over the region's availability domains."
  default     = 3

  validation {
    condition     = var.node_count >= 1 && floor(var.node_count) == var.node_count
    error_message = "node_count must be a whole number of at least 1."
  }
}

variable "node_image_id" {
  type        = string
  description = "OCID of the nodes' image; null takes the newest Oracle Linux OKE image of the resolved version for the shape's architecture (no GPU build)."
  default     = null

  validation {
    condition     = var.node_image_id == null ? true : can(regex("^ocid1\\.image\\.", var.node_image_id))
    error_message = "node_image_id must be an image OCID, ocid1.image.<realm>.<region>.<id> (or null for the newest OKE image)."
  }
}

variable "kms_key_id" {
  type        = string
  description = "OCID of a Vault key encrypting the Kubernetes secrets and the nodes' boot volumes; null leaves Oracle-managed keys."
  default     = null

  validation {
    condition     = var.kms_key_id == null ? true : can(regex("^ocid1\\.key\\.", var.kms_key_id))
    error_message = "kms_key_id must be a Vault key OCID, ocid1.key.<realm>.<region>.<id> (or null)."
  }
}

variable "freeform_tags" {
  type        = map(string)
  description = "Free-form tags of the cluster, its node pool, nodes, load balancers and volumes."
  default     = {}
}

variable "name" {
  type        = string
  description = "Name of the cluster (e.g. <project>-<environment>); its node pool is <name>-default."

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", var.name))
    error_message = "name must be a DNS label: lowercase letters, digits and dashes, at most 63 characters, starting and ending with a letter or digit."
  }
}

variable "region" {
  type        = string
  description = "DigitalOcean region slug (e.g. fra1), the VPC's region."

  validation {
    condition     = can(regex("^[a-z]{3}[0-9]$", var.region))
    error_message = "region must be a DigitalOcean region slug such as fra1, ams3 or nyc3."
  }
}

variable "kubernetes_version" {
  type        = string
  description = "Kubernetes minor version from the plan (e.g. 1.31); the cluster runs its newest DOKS patch release."

  validation {
    condition     = can(regex("^1\\.[0-9]+$", var.kubernetes_version))
    error_message = "kubernetes_version must be a minor version such as 1.31 (the module picks the newest patch release)."
  }
}

variable "vpc_id" {
  type        = string
  description = "ID of the VPC the nodes join (the vpc module's vpc_id); fixed for the cluster's life."

  validation {
    condition     = length(var.vpc_id) > 0
    error_message = "vpc_id must name the environment's VPC: without it the cluster would join the region's default VPC."
  }
}

variable "node_size" {
  type        = string
  description = "Droplet size slug of the nodes (e.g. s-2vcpu-4gb); changing it replaces the node pool."
  default     = "s-2vcpu-4gb"

  validation {
    condition     = can(regex("^[a-z0-9]+(-[a-z0-9]+)*$", var.node_size))
    error_message = "node_size must be a Droplet size slug such as s-2vcpu-4gb."
  }
}

variable "node_min_size" {
  type        = number
  description = "Minimum node count (the fixed count when equal to node_max_size)."
  default     = 2

  validation {
    condition     = var.node_min_size >= 1 && floor(var.node_min_size) == var.node_min_size
    error_message = "node_min_size must be a whole number of at least 1 (a DOKS node pool cannot scale to zero)."
  }
}

variable "node_max_size" {
  type        = number
  description = "Maximum node count; above node_min_size the pool autoscales between the two (must not be below node_min_size)."
  default     = 3

  validation {
    condition     = var.node_max_size >= 1 && floor(var.node_max_size) == var.node_max_size
    error_message = "node_max_size must be a whole number of at least 1."
  }
}

variable "ha" {
  type        = bool
  description = "Highly available control plane (production); once on, DigitalOcean cannot turn it off."
  default     = false
}

variable "auto_upgrade" {
  type        = bool
  description = "Let DigitalOcean apply new patch releases in the maintenance window; false leaves upgrades to the plan (the next apply takes the newest patch release)."
  default     = false
}

variable "maintenance_day" {
  type        = string
  description = "Day of the maintenance window: monday to sunday, or any."
  default     = "sunday"

  validation {
    condition     = contains(["any", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"], var.maintenance_day)
    error_message = "maintenance_day must be monday, tuesday, wednesday, thursday, friday, saturday, sunday or any."
  }
}

variable "maintenance_start_time" {
  type        = string
  description = "Start of the maintenance window in UTC, HH:MM (24-hour clock)."
  default     = "04:00"

  validation {
    condition     = can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]$", var.maintenance_start_time))
    error_message = "maintenance_start_time must be a UTC time of day written HH:MM, e.g. 04:00."
  }
}

variable "registry_integration" {
  type        = bool
  description = "Let the cluster pull images from the account's DigitalOcean Container Registry (the registry must exist before the cluster)."
  default     = true
}

variable "api_allowed_cidrs" {
  type        = list(string)
  description = "IPv4 CIDR ranges admitted to the Kubernetes API by the control plane firewall; empty leaves the API open to every address (certificate and token authentication still apply)."
  default     = []

  validation {
    condition     = alltrue([for cidr in var.api_allowed_cidrs : can(cidrnetmask(cidr)) && cidr != "0.0.0.0/0"])
    error_message = "api_allowed_cidrs holds IPv4 CIDR ranges such as 203.0.113.0/24 (not 0.0.0.0/0: leave the list empty for an open API)."
  }
}

variable "tags" {
  type        = list(string)
  description = "DigitalOcean tags of the cluster and its nodes (project, environment, tenant)."
  default     = []

  validation {
    condition     = alltrue([for tag in var.tags : can(regex("^[a-zA-Z0-9:_-]{1,255}$", tag))])
    error_message = "Each tag may hold letters, digits, colons, dashes and underscores only, at most 255 characters."
  }
}

variable "name" {
  type        = string
  description = "Name suffix for every resource (e.g. <project>-<environment>)."
}

variable "location" {
  type        = string
  description = "Azure region."
}

variable "resource_group_name" {
  type        = string
  description = "Resource group holding the network."
}

variable "cidr_block" {
  type        = string
  description = "Address space of the virtual network."
  default     = "10.0.0.0/16"
}

variable "zone_redundant" {
  type        = bool
  description = "Zone-redundant NAT public IP (production)."
  default     = false
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource (project, environment, tenant, managed-by)."
  default     = {}
}

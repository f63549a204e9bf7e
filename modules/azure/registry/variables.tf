variable "name" {
  type        = string
  description = "Name suffix: <project>-<environment>; the registry is cr<name without hyphens> (globally unique, 5-50 letters and digits)."

  validation {
    condition     = length(replace(var.name, "-", "")) >= 3 && can(regex("^[a-z0-9-]+$", var.name))
    error_message = "name must be lowercase letters, digits and hyphens, with at least 3 letters or digits."
  }
}

variable "location" {
  type        = string
  description = "Azure region of the registry."
}

variable "resource_group_name" {
  type        = string
  description = "Resource group holding the registry."
}

variable "sku" {
  type        = string
  description = "Registry tier: Basic, Standard or Premium (Premium: zone redundancy, private endpoints, geo-replication)."
  default     = "Standard"

  validation {
    condition     = contains(["Basic", "Standard", "Premium"], var.sku)
    error_message = "sku must be Basic, Standard or Premium."
  }
}

variable "zone_redundant" {
  type        = bool
  description = "Zone-redundant registry (Premium only; ignored by the other tiers)."
  default     = false
}

variable "tags" {
  type        = map(string)
  description = "Tags for the registry (project, environment, tenant, managed-by)."
  default     = {}
}

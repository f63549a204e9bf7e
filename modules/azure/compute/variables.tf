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
  description = "Resource group holding the scale set."
}

variable "subnet_id" {
  type        = string
  description = "Private subnet of the instances."
}

variable "instance_type" {
  type        = string
  description = "VM size (per-environment sizing), e.g. Standard_D4s_v5."
}

variable "min_size" {
  type        = number
  description = "Minimum (and initial) instance count."
  default     = 1
}

variable "max_size" {
  type        = number
  description = "Maximum instance count."
  default     = 3
}

variable "zones" {
  type        = list(string)
  description = "Availability zones the instances span: the plan's zone count, the region's first zones."
  default     = ["1", "2", "3"]

  validation {
    condition     = length(var.zones) >= 1 && alltrue([for z in var.zones : contains(["1", "2", "3"], z)])
    error_message = "zones must be one or more of the region's zones 1, 2 and 3."
  }
}

variable "admin_ssh_public_key" {
  type        = string
  description = "Public SSH key of the break-glass admin user (a public key, not a secret)."
}

variable "key_vault_id" {
  type        = string
  description = "Key Vault holding key_id (for the disk encryption set's role assignment)."
  default     = null
}

variable "key_id" {
  type        = string
  description = "Customer-managed key ID for the disks; null uses platform-managed keys."
  default     = null
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource (project, environment, tenant, managed-by)."
  default     = {}
}

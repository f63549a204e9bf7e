variable "vault_name" {
  type        = string
  description = "Globally unique Key Vault name (3-24 letters, digits and dashes)."

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$", var.vault_name))
    error_message = "vault_name must be 3-24 letters, digits and dashes, starting with a letter."
  }
}

variable "key_name" {
  type        = string
  description = "Name of the encryption key."
  default     = "data-at-rest"
}

variable "location" {
  type        = string
  description = "Azure region."
}

variable "resource_group_name" {
  type        = string
  description = "Resource group holding the vault."
}

variable "public_network_access_enabled" {
  type        = bool
  description = "Reach the vault's data plane from public networks (Terraform runners outside the VNet need it)."
  default     = true
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource (project, environment, tenant, managed-by)."
  default     = {}
}

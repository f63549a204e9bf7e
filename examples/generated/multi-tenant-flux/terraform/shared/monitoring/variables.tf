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

variable "log_retention_days" {
  type        = number
  description = "Retention of the platform log group, in days."
  default     = 365
}

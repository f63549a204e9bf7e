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

variable "access_logging" {
  type        = bool
  description = "API audit trail (compliance and production)."
  default     = true
}

variable "account_analyzer" {
  type        = bool
  description = "Create this account's IAM Access Analyzer in this region. AWS allows one account analyzer per account and region: true in the states of one environment per account (prod's tfvars set it), false in the others; an environment in an AWS account of its own sets it too."
  default     = false
}

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

variable "access_logging" {
  type        = bool
  description = "VPC flow logs (compliance and production)."
  default     = true
}

variable "vpc_cidr" {
  type        = string
  description = "Address space of the shared network."
  default     = "10.0.0.0/16"
}

variable "az_count" {
  type        = number
  description = "Availability zones the network spans."
  default     = 3
}

variable "nat_gateway_per_az" {
  type        = bool
  description = "One NAT gateway per zone (production) instead of one shared gateway."
  default     = false
}

variable "project" {
  type        = string
  description = "Project name (DNS-1123 label): resource name prefix and the project tag."
  default     = "tenant-isolation"
}

variable "tenant" {
  type        = string
  description = "Tenant of this root (set by <environment>.tfvars): name prefix and the tenant tag."

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.tenant))
    error_message = "tenant must be a DNS-1123 label."
  }
}

variable "environment" {
  type        = string
  description = "Environment of this state: one of staging, prod."

  validation {
    condition     = contains(["staging", "prod"], var.environment)
    error_message = "environment must be one of staging, prod."
  }
}

variable "region" {
  type        = string
  description = "Region of every resource."
}

variable "service_accounts" {
  type        = list(string)
  description = "Service accounts of the tenant's applications in its namespace: each gets the tenant's workload identity (EKS Pod Identity)."
  default     = ["analytics-api"]
}

variable "database_cidr" {
  type        = string
  description = "The tenant's own slice of the shared network for its database subnets (two halves, two zones); the tenant's NetworkPolicy allows the database port to this CIDR only."

  validation {
    condition     = can(cidrsubnet(var.database_cidr, 1, 1))
    error_message = "database_cidr must be an IPv4 CIDR that splits in two (e.g. 10.0.192.0/26)."
  }
}

variable "access_logging" {
  type        = bool
  description = "Database connection logs (compliance and production)."
  default     = true
}

variable "db_engine" {
  type        = string
  description = "Database engine from the plan."
  default     = "postgres"
}

variable "db_engine_version" {
  type        = string
  description = "Database engine version from the plan."
  default     = "16"
}

variable "db_instance_class" {
  type        = string
  description = "Database instance class / tier (per-environment sizing)."
}

variable "db_storage_gb" {
  type        = number
  description = "Database storage in GiB (the plan's size when it states one)."
  default     = 20
}

variable "multi_az" {
  type        = bool
  description = "Zone-redundant standby for the tenant database (production only)."
  default     = false
}

variable "backup_retention_days" {
  type        = number
  description = "Automated backup / point-in-time recovery window in days."
  default     = 7
}

variable "rpo_minutes" {
  type        = number
  description = "Recovery point objective from the plan in minutes (0 = not stated)."
  default     = 15
}

variable "deletion_protection" {
  type        = bool
  description = "Protect the tenant database from deletion (production)."
  default     = true
}

variable "project" {
  type        = string
  description = "Project name (DNS-1123 label): resource name prefix and the project tag."
  default     = "core-data-platform"
}

variable "environment" {
  type        = string
  description = "Environment of this root: one of dev, staging, prod."

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be one of dev, staging, prod."
  }
}

variable "tenant" {
  type        = string
  description = "Tenant tag on every resource (shared: the whole organization)."
  default     = "shared"
}

variable "region" {
  type        = string
  description = "Region of every resource (data residency: eu)."

  validation {
    condition     = startswith(var.region, "eu-")
    error_message = "Data residency (eu): the region must start with eu-."
  }
}

variable "vpc_cidr" {
  type        = string
  description = "Address space of the environment's network."
  default     = "10.0.0.0/16"
}

variable "az_count" {
  type        = number
  description = "Availability zones the network and data stores span."
  default     = 3
}

variable "nat_gateway_per_az" {
  type        = bool
  description = "One NAT gateway per zone (production) instead of one shared gateway."
  default     = false
}

variable "access_logging" {
  type        = bool
  description = "Flow logs and database connection logs (compliance and production)."
  default     = true
}

variable "customer_managed_kms" {
  type        = bool
  description = "Encrypt data at rest with a customer-managed key of this environment."
  default     = true
}

variable "instance_type" {
  type        = string
  description = "Instance type of the compute group (per-environment sizing)."
}

variable "min_size" {
  type        = number
  description = "Minimum instance count."
  default     = 1
}

variable "max_size" {
  type        = number
  description = "Maximum instance count."
  default     = 3
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
  description = "Zone-redundant standby for the database (production only)."
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
  default     = 60
}

variable "deletion_protection" {
  type        = bool
  description = "Protect the database from deletion (production)."
  default     = true
}

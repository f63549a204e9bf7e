variable "name" {
  type        = string
  description = "Instance name (e.g. <project>-<environment>)."
}

variable "region" {
  type        = string
  description = "GCP region of the instance."
}

variable "engine" {
  type        = string
  description = "postgres or mysql."
  default     = "postgres"

  validation {
    condition     = contains(["postgres", "mysql"], var.engine)
    error_message = "engine must be postgres or mysql."
  }
}

variable "engine_version" {
  type        = string
  description = "Engine version from the plan, e.g. 16 or 8.0."
  default     = "16"
}

variable "instance_class" {
  type        = string
  description = "Cloud SQL tier (per-environment sizing), e.g. db-custom-4-16384."
}

variable "disk_size_gb" {
  type        = number
  description = "Initial disk size in GB (the plan's database storage when it states one); grows automatically."
  default     = 10

  validation {
    condition     = var.disk_size_gb >= 10
    error_message = "disk_size_gb must be at least 10."
  }
}

variable "database_name" {
  type        = string
  description = "Name of the application database."
  default     = "app"
}

variable "multi_az" {
  type        = bool
  description = "REGIONAL (zone-redundant) availability (production only)."
  default     = false
}

variable "backup_retention_days" {
  type        = number
  description = "Retained daily backups; also enables point-in-time recovery (PostgreSQL) or binary logs (MySQL) when > 0."
  default     = 7
}

variable "rpo_minutes" {
  type        = number
  description = "Recovery point objective from the plan in minutes (0 = not stated)."
  default     = 0
}

variable "deletion_protection" {
  type        = bool
  description = "Protect the instance from deletion (production)."
  default     = true
}

variable "access_logging" {
  type        = bool
  description = "Log connections and disconnections."
  default     = false
}

variable "kms_key_id" {
  type        = string
  description = "Customer-managed key; null uses Google-managed keys."
  default     = null
}

variable "vpc_id" {
  type        = string
  description = "VPC with private services access (the instance gets a private IP only)."
}

variable "allocated_ip_range" {
  type        = string
  description = "Name of the private-services range the private IP comes from (a tenant's own range); null: any range of the network's connection."
  default     = null
}

variable "labels" {
  type        = map(string)
  description = "User labels of the instance."
  default     = {}
}

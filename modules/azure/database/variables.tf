variable "name" {
  type        = string
  description = "Name suffix of the server (e.g. <project>-<environment>)."
}

variable "location" {
  type        = string
  description = "Azure region."
}

variable "resource_group_name" {
  type        = string
  description = "Resource group holding the server."
}

variable "tenant_id" {
  type        = string
  description = "Microsoft Entra tenant used for database authentication."
}

variable "admin_object_id" {
  type        = string
  description = "Object ID of the Entra group administering the server (no password login exists)."
}

variable "admin_principal_name" {
  type        = string
  description = "Display name of that Entra group."
}

variable "engine_version" {
  type        = string
  description = "PostgreSQL version from the plan; the server takes its major version (16 from 16.4)."
  default     = "16"
}

variable "instance_class" {
  type        = string
  description = "Flexible server SKU (per-environment sizing), e.g. GP_Standard_D2ds_v5."
}

variable "storage_mb" {
  type        = number
  description = "Storage in MiB, one of the flexible server sizes (32768 to 33553408); the plan's database storage rounded up when it states one."
  default     = 32768

  validation {
    condition     = contains([32768, 65536, 131072, 262144, 524288, 1048576, 2097152, 4193280, 4194304, 8388608, 16777216, 33553408], var.storage_mb)
    error_message = "storage_mb must be a flexible server storage size: 32768, 65536, 131072, 262144, 524288, 1048576, 2097152, 4193280, 4194304, 8388608, 16777216 or 33553408."
  }
}

variable "database_name" {
  type        = string
  description = "Name of the application database."
  default     = "app"
}

variable "multi_az" {
  type        = bool
  description = "Zone-redundant standby and geo-redundant backups (production only)."
  default     = false
}

variable "geo_redundant_backup" {
  type        = bool
  description = "With multi_az, copy the backups to the pair of location (geo-redundant); false keeps them in location (data residency)."
  default     = true
}

variable "backup_retention_days" {
  type        = number
  description = "Point-in-time restore window in days (7-35 on Azure)."
  default     = 7

  validation {
    condition     = var.backup_retention_days >= 7 && var.backup_retention_days <= 35
    error_message = "backup_retention_days must be between 7 and 35."
  }
}

variable "rpo_minutes" {
  type        = number
  description = "Recovery point objective from the plan in minutes (0 = not stated)."
  default     = 0
}

variable "access_logging" {
  type        = bool
  description = "Log connections and disconnections."
  default     = false
}

variable "key_vault_id" {
  type        = string
  description = "Key Vault holding key_id (for the identity's role assignment)."
  default     = null
}

variable "key_id" {
  type        = string
  description = "Customer-managed key ID; null uses Microsoft-managed keys."
  default     = null
}

variable "geo_backup_location" {
  type        = string
  description = "Region paired with location, where geo-redundant backups are stored (needed with key_id in production)."
  default     = null
}

variable "geo_backup_key_vault_id" {
  type        = string
  description = "Key Vault in geo_backup_location holding geo_backup_key_id (for the geo-backup identity's role assignment)."
  default     = null
}

variable "geo_backup_key_id" {
  type        = string
  description = "Customer-managed key in geo_backup_location that encrypts the geo-redundant backups (needed with key_id in production)."
  default     = null
}

variable "subnet_id" {
  type        = string
  description = "Subnet delegated to Microsoft.DBforPostgreSQL/flexibleServers."
}

variable "private_dns_zone_id" {
  type        = string
  description = "Private DNS zone the server registers in."
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource (project, environment, tenant, managed-by)."
  default     = {}
}

variable "maintenance_window" {
  type = object({
    day_of_week  = number # 0 = Sunday
    start_hour   = number
    start_minute = number
  })
  description = "Weekly UTC maintenance window of the server (null = the one Azure picks)."
  default     = null
}

variable "extensions" {
  type        = list(string)
  description = "Extensions the server allow-lists (azure.extensions); the application creates them with CREATE EXTENSION."
  default     = []

  validation {
    condition     = alltrue([for e in var.extensions : can(regex("^[a-z][a-z0-9_-]{0,62}$", e))])
    error_message = "extensions are PostgreSQL extension names like pgcrypto or uuid-ossp."
  }
}

variable "name" {
  type        = string
  description = "Name of the db system (e.g. <project>-<environment>); its secret is <name>-admin-password, its network security group <name>-database."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,61}[a-z0-9]$", var.name))
    error_message = "name must start with a lowercase letter, hold lowercase letters, digits and dashes, end with a letter or digit and have at most 63 characters."
  }
}

variable "compartment_id" {
  type        = string
  description = "OCID of the compartment holding the db system, its secret and its network security group."

  validation {
    condition     = can(regex("^ocid1\\.(compartment|tenancy)\\.", var.compartment_id))
    error_message = "compartment_id must be a compartment (or tenancy) OCID, ocid1.compartment.oc1..<id>."
  }
}

variable "engine_version" {
  type        = string
  description = "PostgreSQL major version (e.g. 16); changing it replaces the db system."

  validation {
    condition     = can(regex("^[0-9]{2}$", var.engine_version))
    error_message = "engine_version must be a PostgreSQL major version such as 16."
  }
}

variable "shape" {
  type        = string
  description = "Shape of each database instance: a flexible shape (sized by instance_ocpus and instance_memory_gbs) or a fixed one such as PostgreSQL.VM.Standard.E4.Flex.2.32GB."
  default     = "PostgreSQL.VM.Standard.E5.Flex"

  validation {
    condition     = can(regex("^PostgreSQL\\.[A-Za-z0-9.]+$", var.shape))
    error_message = "shape must be an OCI Database with PostgreSQL shape such as PostgreSQL.VM.Standard.E5.Flex."
  }
}

variable "instance_ocpus" {
  type        = number
  description = "OCPUs of each instance (flexible shapes)."
  default     = 2

  validation {
    condition     = var.instance_ocpus >= 1 && floor(var.instance_ocpus) == var.instance_ocpus
    error_message = "instance_ocpus must be a whole number of at least 1."
  }
}

variable "instance_memory_gbs" {
  type        = number
  description = "Memory of each instance in GB (flexible shapes)."
  default     = 32

  validation {
    condition     = var.instance_memory_gbs >= 1 && floor(var.instance_memory_gbs) == var.instance_memory_gbs
    error_message = "instance_memory_gbs must be a whole number of GB, at least 1."
  }
}

variable "instance_count" {
  type        = number
  description = "Instances of the db system: 1 (the primary), or 2 to 4 for standbys that serve reads and take over on failure."
  default     = 1

  validation {
    condition     = contains([1, 2, 3, 4], var.instance_count)
    error_message = "instance_count must be 1, 2, 3 or 4."
  }
}

variable "storage_high_availability" {
  type        = bool
  description = "Regionally durable storage, replicated across availability domains (true), or AD-local storage in the region's first availability domain (false)."
  default     = true
}

variable "backup_retention_days" {
  type        = number
  description = "Days a daily backup is kept."
  default     = 7

  validation {
    condition     = var.backup_retention_days >= 1 && var.backup_retention_days <= 35 && floor(var.backup_retention_days) == var.backup_retention_days
    error_message = "backup_retention_days must be a whole number of days from 1 to 35."
  }
}

variable "subnet_id" {
  type        = string
  description = "OCID of the database's private subnet (the vcn module's database_subnet_id)."

  validation {
    condition     = can(regex("^ocid1\\.subnet\\.", var.subnet_id))
    error_message = "subnet_id must be a subnet OCID, ocid1.subnet.<realm>.<region>.<id>."
  }
}

variable "allowed_cidrs" {
  type        = list(string)
  description = "Private networks admitted on 5432: the nodes' and pods' ranges (the vcn module's nodes_cidr and pods_cidr)."

  validation {
    condition = length(var.allowed_cidrs) > 0 && alltrue([for cidr in var.allowed_cidrs : can(cidrhost(cidr, 0)) && try(
      tonumber(split(".", cidr)[0]) == 10 && tonumber(split("/", cidr)[1]) >= 8 ||
      tonumber(split(".", cidr)[0]) == 172 && tonumber(split(".", cidr)[1]) >= 16 && tonumber(split(".", cidr)[1]) <= 31 && tonumber(split("/", cidr)[1]) >= 12 ||
      tonumber(split(".", cidr)[0]) == 192 && tonumber(split(".", cidr)[1]) == 168 && tonumber(split("/", cidr)[1]) >= 16,
    false)])
    error_message = "allowed_cidrs must list at least one private (RFC 1918) network, such as the nodes' and pods' ranges; public networks and 0.0.0.0/0 are refused."
  }
}

variable "vault_id" {
  type        = string
  description = "OCID of the OCI Vault holding the generated admin password."

  validation {
    condition     = can(regex("^ocid1\\.vault\\.", var.vault_id))
    error_message = "vault_id must be a Vault OCID, ocid1.vault.<realm>.<region>.<id>."
  }
}

variable "key_id" {
  type        = string
  description = "OCID of the vault's symmetric key encrypting the admin password secret."

  validation {
    condition     = can(regex("^ocid1\\.key\\.", var.key_id))
    error_message = "key_id must be a Vault key OCID, ocid1.key.<realm>.<region>.<id>."
  }
}

variable "admin_username" {
  type        = string
  description = "Name of the db system's admin user (not postgres, which the service reserves, nor a pg_ name)."
  default     = "app_admin"

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,62}$", var.admin_username)) && var.admin_username != "postgres" && !startswith(var.admin_username, "pg_")
    error_message = "admin_username must be 1 to 63 lowercase letters, digits and underscores, not starting with a digit, and neither postgres nor a pg_ name (reserved by PostgreSQL)."
  }
}

variable "freeform_tags" {
  type        = map(string)
  description = "Free-form tags of the db system, its secret and its network security group."
  default     = {}
}

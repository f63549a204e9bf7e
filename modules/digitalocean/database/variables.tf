variable "name" {
  type        = string
  description = "Name of the database cluster (e.g. <project>-<environment>)."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,61}[a-z0-9]$", var.name))
    error_message = "name must be 3 to 63 lowercase letters, digits and dashes, starting with a letter and ending with a letter or digit."
  }
}

variable "region" {
  type        = string
  description = "DigitalOcean region slug (e.g. fra1), the VPC's region."

  validation {
    condition     = can(regex("^[a-z]{3}[0-9]$", var.region))
    error_message = "region must be a DigitalOcean region slug such as fra1, ams3 or nyc3."
  }
}

variable "engine" {
  type        = string
  description = "Database engine slug: pg (PostgreSQL), mysql, mongodb, valkey, kafka or opensearch."
  default     = "pg"

  validation {
    condition     = contains(["pg", "mysql", "mongodb", "valkey", "kafka", "opensearch"], var.engine)
    error_message = "engine must be pg, mysql, mongodb, valkey, kafka or opensearch (DigitalOcean creates no new Redis clusters: use valkey)."
  }
}

variable "engine_version" {
  type        = string
  description = "Major version of the engine (e.g. 16 for PostgreSQL 16, 8 for MySQL 8); raising it upgrades the cluster in place."

  validation {
    condition     = can(regex("^[0-9]+(\\.[0-9]+)?$", var.engine_version))
    error_message = "engine_version must be a version number such as 16 or 3.7."
  }
}

variable "size" {
  type        = string
  description = "Size slug of each database node (e.g. db-s-1vcpu-2gb)."
  default     = "db-s-1vcpu-2gb"

  validation {
    condition     = can(regex("^[a-z0-9]+(-[a-z0-9]+)*$", var.size))
    error_message = "size must be a database size slug such as db-s-1vcpu-2gb."
  }
}

variable "node_count" {
  type        = number
  description = "Nodes of the cluster: 1, or 2 and 3 for one and two standby nodes that take over on failure (production)."
  default     = 1

  validation {
    condition     = contains([1, 2, 3], var.node_count)
    error_message = "node_count must be 1, 2 or 3."
  }
}

variable "storage_size_mib" {
  type        = number
  description = "Disk of the cluster in MiB, within the range the size allows (PostgreSQL and MySQL); null keeps the size's included storage."
  default     = null

  validation {
    condition     = var.storage_size_mib == null ? true : var.storage_size_mib > 0 && floor(var.storage_size_mib) == var.storage_size_mib
    error_message = "storage_size_mib must be a whole number of MiB (or null for the size's included storage)."
  }
}

variable "vpc_id" {
  type        = string
  description = "ID of the VPC the cluster joins (the vpc module's vpc_id): its private_host resolves there."

  validation {
    condition     = length(var.vpc_id) > 0
    error_message = "vpc_id must name the environment's VPC: without it the database would join the region's default VPC."
  }
}

variable "kubernetes_cluster_id" {
  type        = string
  description = "ID of the Kubernetes cluster (the doks module's cluster_id): the only source the database firewall admits."

  validation {
    condition     = length(var.kubernetes_cluster_id) > 0
    error_message = "kubernetes_cluster_id must name the cluster the database serves: it is the firewall's only trusted source."
  }
}

variable "database_name" {
  type        = string
  description = "Name of the application's database (pg, mysql, mongodb; the other engines have no logical databases)."

  validation {
    condition     = can(regex("^[a-zA-Z_][a-zA-Z0-9_-]{0,62}$", var.database_name))
    error_message = "database_name must start with a letter or underscore and hold letters, digits, underscores and dashes only, at most 63 characters."
  }
}

variable "user_name" {
  type        = string
  description = "Name of the application's user (a normal role; Valkey has the default user only)."
  default     = "app"

  validation {
    condition     = can(regex("^[a-zA-Z_][a-zA-Z0-9_-]{0,62}$", var.user_name)) && !contains(["doadmin", "default", "postgres", "root", "admin"], var.user_name)
    error_message = "user_name must start with a letter or underscore, hold letters, digits, underscores and dashes only (at most 63 characters) and not name an administrator (doadmin, postgres, root, admin, default)."
  }
}

variable "maintenance_day" {
  type        = string
  description = "Day of the weekly maintenance window (monday to sunday)."
  default     = "sunday"

  validation {
    condition     = contains(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"], var.maintenance_day)
    error_message = "maintenance_day must be a day of the week in lowercase, e.g. sunday."
  }
}

variable "maintenance_hour" {
  type        = string
  description = "Start of the maintenance window in UTC, HH:MM (24-hour clock)."
  default     = "03:00"

  validation {
    condition     = can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]$", var.maintenance_hour))
    error_message = "maintenance_hour must be a UTC time of day written HH:MM, e.g. 03:00."
  }
}

variable "tags" {
  type        = list(string)
  description = "DigitalOcean tags of the database cluster (project, environment, tenant)."
  default     = []

  validation {
    condition     = alltrue([for tag in var.tags : can(regex("^[a-zA-Z0-9:_-]{1,255}$", tag))])
    error_message = "Each tag may hold letters, digits, colons, dashes and underscores only, at most 255 characters."
  }
}

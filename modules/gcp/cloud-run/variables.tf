variable "name" {
  type        = string
  description = "Prefix of every service and service account name (e.g. <project>-<environment>)."
}

variable "project_id" {
  type        = string
  description = "GCP project the services run in."
}

variable "region" {
  type        = string
  description = "Region of the services."
}

variable "subnet_id" {
  type        = string
  description = "Subnet the services send all their traffic through (Direct VPC egress): the database's private address, the environment's internal services and, through Cloud NAT, the internet. Its Private Google Access must be on."
}

variable "services" {
  type = map(object({
    image         = string
    port          = optional(number)
    health_path   = optional(string, "/")
    cpu           = optional(number, 1)
    memory_mib    = optional(number, 512)
    min_instances = optional(number, 0)
    max_instances = optional(number, 3)
    public        = optional(bool, true)
    env           = optional(map(string), {})
    secrets       = optional(map(string), {})
    database      = optional(bool, false)
    schedule      = optional(string)
  }))
  description = "One entry per application, keyed by its name: image, container port (null: a worker nothing sends requests to; it still answers Cloud Run's startup check on $PORT), health check path, vCPUs and MiB (rounded up to a size Cloud Run has: 1, 2, 4, 6 or 8 vCPUs, with at most 4 GiB each and at least 512 MiB), instance range (0 scales to zero between requests), public (served on the internet) or reached only from the environment's network, environment variables, secrets (variable name -> Secret Manager secret ID, projects/<project>/secrets/<name>), whether it signs in to the database, and a schedule (five-field cron, UTC): then it is a Cloud Run job Cloud Scheduler runs, one task each time, with no port and no instance range."

  validation {
    condition     = alltrue([for key in keys(var.services) : can(regex("^[a-z]([-a-z0-9]{0,27}[a-z0-9])?$", key))])
    error_message = "Every service name must be 1-29 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen."
  }

  validation {
    condition = alltrue([for s in values(var.services) : s.image != "" && startswith(s.health_path, "/") && s.min_instances >= 0 && s.max_instances >= max(s.min_instances, 1) && (
    s.port == null ? s.min_instances >= 1 || s.schedule != null : s.port >= 1 && s.port <= 65535 && floor(s.port) == s.port)])
    error_message = "Every service needs an image, a health_path starting with /, max_instances at least min_instances and 1, and a port between 1 and 65535, or none (a worker: at least one instance, as no request wakes it from zero)."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : s.schedule == null || (s.port == null && length(regexall("\\S+", coalesce(s.schedule, "-"))) == 5)])
    error_message = "A scheduled service (a job) takes no port, and its schedule is a five-field cron expression (minute hour day-of-month month day-of-week, UTC)."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : s.cpu > 0 && s.cpu <= 8 && s.memory_mib > 0 && s.memory_mib <= 32768])
    error_message = "A service's cpu must be at most 8 vCPUs and its memory_mib at most 32768 (Cloud Run's largest instance)."
  }

  validation {
    condition = alltrue(flatten([for s in values(var.services) : [
      for variable, id in s.secrets : can(regex("^[A-Za-z_][A-Za-z0-9_]*$", variable)) && can(regex("^projects/[^/]+/secrets/[A-Za-z0-9_-]+$", id))
    ]]))
    error_message = "secrets map environment variable names (letters, digits, _) to Secret Manager secret IDs (projects/<project>/secrets/<name>)."
  }
}

variable "database" {
  type = object({
    instance = string
    engine   = optional(string, "postgres")
    env      = map(string)
  })
  description = "The Cloud SQL instance (its name and engine: postgres or mysql) the services with database = true sign in to with IAM database authentication, and the variables that tell them where it is (host, port, name). Null: no service uses a database."
  default     = null
}

variable "deletion_protection" {
  type        = bool
  description = "Refuse to destroy the services (production)."
  default     = true
}

variable "labels" {
  type        = map(string)
  description = "Labels of every service."
  default     = {}
}

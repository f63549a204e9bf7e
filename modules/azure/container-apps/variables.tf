variable "name" {
  type        = string
  description = "Name suffix of every resource: <project>-<environment> (lowercase letters, digits and hyphens, at most 48 characters)."

  validation {
    condition     = can(regex("^[a-z]([-a-z0-9]{0,46}[a-z0-9])?$", var.name))
    error_message = "name must be 1-48 lowercase letters, digits and hyphens, start with a letter and not end with a hyphen."
  }
}

variable "location" {
  type        = string
  description = "Azure region of the environment, its apps and jobs."
}

variable "resource_group_name" {
  type        = string
  description = "Resource group holding the environment, its apps, jobs and identities."
}

variable "subnet_id" {
  type        = string
  description = "Subnet of the environment's infrastructure, delegated to Microsoft.App/environments (the vpc module's apps_subnet_id; at least a /27)."
}

variable "services" {
  type = map(object({
    image         = string
    port          = optional(number)
    health_path   = optional(string, "/")
    cpu           = optional(number, 0.5)
    memory_mib    = optional(number, 1024)
    min_instances = optional(number, 1)
    max_instances = optional(number, 3)
    public        = optional(bool, true)
    env           = optional(map(string), {})
    secrets       = optional(map(string), {})
    domain        = optional(string)
  }))
  description = "One entry per application, keyed by its name (the container app's name): image, container port (null: a worker nothing connects to, without ingress), health check path, vCPUs and MiB (rounded up to the next size the Consumption profile has: 0.25-4 vCPUs in steps of 0.25 with twice as many GiB), replica range (0 scales to zero between requests), public (ingress from outside the environment) or reached only by the environment's other apps, environment variables, secrets (variable name -> Key Vault secret ID) and an optional host name."

  validation {
    condition     = alltrue([for key in keys(var.services) : can(regex("^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$", key)) && !strcontains(key, "--")])
    error_message = "Every service name must be a container app name: 2-32 lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen and without --."
  }

  validation {
    condition = alltrue([for s in values(var.services) : s.image != "" && startswith(s.health_path, "/") && (
    s.port == null ? s.domain == null && s.min_instances >= 1 : s.port >= 1 && s.port <= 65535 && floor(s.port) == s.port)])
    error_message = "Every service needs an image and a health_path starting with /, and a port between 1 and 65535, or none (a worker: it takes no domain and at least one replica, as nothing wakes it from zero)."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : s.cpu >= 0.25 && s.cpu <= 4 && s.memory_mib > 0 && s.memory_mib <= 8192])
    error_message = "Consumption profile sizes: cpu between 0.25 and 4 vCPUs and memory_mib at most 8192."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : s.min_instances >= 0 && s.max_instances >= 1 && s.max_instances <= 1000 && s.min_instances <= s.max_instances && floor(s.min_instances) == s.min_instances && floor(s.max_instances) == s.max_instances])
    error_message = "Every service needs whole numbers 0 <= min_instances <= max_instances and 1 <= max_instances <= 1000."
  }

  validation {
    condition = alltrue(flatten([for s in values(var.services) : [
      for variable, id in s.secrets : can(regex("^[A-Za-z_][A-Za-z0-9_]*$", variable)) && can(regex("^https://[a-z0-9-]+\\.vault\\.azure\\.net/secrets/[A-Za-z0-9-]+/?$", id))
    ]]))
    error_message = "secrets map environment variable names (letters, digits, _) to versionless Key Vault secret IDs (https://<vault>.vault.azure.net/secrets/<name>)."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : s.domain == null || (s.public && can(regex("^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", s.domain)))])
    error_message = "A service's domain must be a lowercase host name such as app.example.com, on a public service (a managed certificate needs the app reachable from the internet)."
  }
}

variable "jobs" {
  type = map(object({
    image           = string
    schedule        = string
    command         = optional(list(string), [])
    cpu             = optional(number, 0.5)
    memory_mib      = optional(number, 1024)
    timeout_minutes = optional(number, 30)
    env             = optional(map(string), {})
    secrets         = optional(map(string), {})
  }))
  description = "Scheduled jobs keyed by name (a container app name, not a service's): image, cron schedule in UTC (five fields), command, vCPUs, MiB, the longest a run may take, environment variables and secrets, as for services."
  default     = {}

  validation {
    condition     = alltrue([for key, job in var.jobs : can(regex("^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$", key)) && job.image != "" && length(regexall("\\S+", job.schedule)) == 5])
    error_message = "Every job name must be a container app name (2-32 lowercase letters, digits and hyphens), and every job needs an image and a five-field cron schedule (minute hour day-of-month month day-of-week, UTC)."
  }

  validation {
    condition     = alltrue([for job in values(var.jobs) : job.cpu >= 0.25 && job.cpu <= 4 && job.memory_mib > 0 && job.memory_mib <= 8192 && job.timeout_minutes >= 1])
    error_message = "Consumption profile sizes: a job's cpu between 0.25 and 4 vCPUs, memory_mib at most 8192, and timeout_minutes at least 1."
  }

  validation {
    condition = alltrue(flatten([for job in values(var.jobs) : [
      for variable, id in job.secrets : can(regex("^[A-Za-z_][A-Za-z0-9_]*$", variable)) && can(regex("^https://[a-z0-9-]+\\.vault\\.azure\\.net/secrets/[A-Za-z0-9-]+/?$", id))
    ]]))
    error_message = "A job's secrets map environment variable names (letters, digits, _) to versionless Key Vault secret IDs."
  }
}

variable "registry" {
  type = object({
    id     = string
    server = string
  })
  description = "The Azure Container Registry the images come from (the registry module's registry_id and login_server): every app and job pulls with its own identity (AcrPull). Null: the images are public."
  default     = null
}

variable "key_vault_id" {
  type        = string
  description = "Key Vault holding the secrets the services and jobs name (RBAC authorization): each identity may read exactly its own secrets. Needed when any secret is given."
  default     = null
}

variable "zone_redundant" {
  type        = bool
  description = "Spread the environment over the region's availability zones (production)."
  default     = false
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the apps' and jobs' logs in the environment's Log Analytics workspace, in days (30-730)."
  default     = 30

  validation {
    condition     = var.log_retention_days >= 30 && var.log_retention_days <= 730 && floor(var.log_retention_days) == var.log_retention_days
    error_message = "log_retention_days must be a whole number of days between 30 and 730."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource (project, environment, tenant, managed-by)."
  default     = {}
}

variable "name" {
  type        = string
  description = "Prefix of every resource and the cluster's name: <project>-<environment> (lowercase letters, digits and hyphens, at most 48 characters; a load balancer's name is shortened to 32)."

  validation {
    condition     = can(regex("^[a-z]([-a-z0-9]{0,46}[a-z0-9])?$", var.name)) && !startswith(var.name, "internal-")
    error_message = "name must be 1-48 lowercase letters, digits and hyphens, start with a letter, not end with a hyphen and not start with internal- (a load balancer's name may not)."
  }
}

variable "services" {
  type = map(object({
    image          = string
    port           = optional(number)
    health_path    = optional(string, "/")
    cpu            = optional(number, 1)
    memory_mib     = optional(number, 512)
    min_instances  = optional(number, 1)
    max_instances  = optional(number, 3)
    public         = optional(bool, true)
    env            = optional(map(string), {})
    secrets        = optional(map(string), {})
    domain         = optional(string)
    writable_paths = optional(list(string), ["/tmp"])
  }))
  description = "One entry per application, keyed by its name (a DNS label): image, container port (null: a worker nothing connects to, with no load balancer), health check path, vCPUs and MiB (memory is rounded up to the next size Fargate allows for the vCPUs), task count range, public or internal load balancer, environment variables, secrets (variable name -> Secrets Manager secret ARN), an optional host name, and the directories the container writes to (its root filesystem is read-only; each one is a volume on the task's ephemeral storage)."

  validation {
    condition     = alltrue([for key in keys(var.services) : can(regex("^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$", key))])
    error_message = "Every service name must be a DNS label: 1-63 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen."
  }

  validation {
    condition = alltrue([for s in values(var.services) : s.image != "" && startswith(s.health_path, "/") && (
    s.port == null ? s.domain == null : s.port >= 1 && s.port <= 65535 && floor(s.port) == s.port)])
    error_message = "Every service needs an image and a health_path starting with /, and a port between 1 and 65535 or none (a worker, which takes no domain)."
  }

  validation {
    condition = alltrue([for s in values(var.services) :
      contains([0.25, 0.5, 1, 2, 4, 8, 16], s.cpu) && s.memory_mib > 0
      && s.memory_mib <= lookup({ "256" = 2048, "512" = 4096, "1024" = 8192, "2048" = 16384, "4096" = 30720, "8192" = 61440, "16384" = 122880 }, tostring(s.cpu * 1024), 0)
    ])
    error_message = "Fargate sizes: cpu must be 0.25, 0.5, 1, 2, 4, 8 or 16 vCPUs and memory_mib at most that size's maximum (0.25: 2048, 0.5: 4096, 1: 8192, 2: 16384, 4: 30720, 8: 61440, 16: 122880 MiB)."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : s.min_instances >= 0 && s.max_instances >= 1 && s.min_instances <= s.max_instances && floor(s.min_instances) == s.min_instances && floor(s.max_instances) == s.max_instances])
    error_message = "Every service needs whole numbers 0 <= min_instances <= max_instances and max_instances >= 1."
  }

  validation {
    condition = alltrue(flatten([for s in values(var.services) : [
      for variable, arn in s.secrets : can(regex("^[A-Za-z_][A-Za-z0-9_]*$", variable)) && can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+", arn))
    ]]))
    error_message = "secrets map environment variable names (letters, digits, _) to Secrets Manager secret ARNs (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>)."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : s.domain == null || can(regex("^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", s.domain))])
    error_message = "A service's domain must be a lowercase host name such as api.example.com."
  }

  validation {
    condition     = length(distinct([for s in values(var.services) : s.domain if s.domain != null])) == length([for s in values(var.services) : s.domain if s.domain != null])
    error_message = "Two services cannot share a domain: the load balancer routes by host name."
  }
}

variable "jobs" {
  type = map(object({
    image          = string
    schedule       = string
    command        = optional(list(string), [])
    cpu            = optional(number, 1)
    memory_mib     = optional(number, 512)
    env            = optional(map(string), {})
    secrets        = optional(map(string), {})
    writable_paths = optional(list(string), ["/tmp"])
  }))
  description = "Scheduled jobs keyed by name (a DNS label, not a service's name): image, cron schedule in UTC (five fields, or an EventBridge Scheduler cron(...)/rate(...) expression), command, vCPUs, MiB, environment variables, secrets and writable directories, as for services."
  default     = {}

  validation {
    condition     = alltrue([for key, job in var.jobs : can(regex("^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$", key)) && job.image != ""])
    error_message = "Every job name must be a DNS label (1-63 lowercase letters, digits and hyphens) and every job needs an image."
  }

  validation {
    condition     = alltrue([for job in values(var.jobs) : can(regex("^(cron|rate|at)\\(.+\\)$", trimspace(job.schedule))) || length(regexall("\\S+", job.schedule)) == 5])
    error_message = "A job's schedule must be a five-field cron expression (minute hour day-of-month month day-of-week, UTC) or an EventBridge Scheduler expression such as cron(0 3 * * ? *) or rate(1 hour)."
  }

  validation {
    condition = alltrue([for job in values(var.jobs) :
      can(regex("^(cron|rate|at)\\(", trimspace(job.schedule))) || length(regexall("\\S+", job.schedule)) != 5 || try(contains(["*", "?"], regexall("\\S+", job.schedule)[2]) || contains(["*", "?"], regexall("\\S+", job.schedule)[4]), false)
    ])
    error_message = "EventBridge Scheduler cannot restrict both the day of the month and the day of the week: set one of them to *."
  }

  validation {
    condition = alltrue([for job in values(var.jobs) :
      contains([0.25, 0.5, 1, 2, 4, 8, 16], job.cpu) && job.memory_mib > 0
      && job.memory_mib <= lookup({ "256" = 2048, "512" = 4096, "1024" = 8192, "2048" = 16384, "4096" = 30720, "8192" = 61440, "16384" = 122880 }, tostring(job.cpu * 1024), 0)
    ])
    error_message = "Fargate sizes: a job's cpu must be 0.25, 0.5, 1, 2, 4, 8 or 16 vCPUs and memory_mib at most that size's maximum (0.25: 2048, 0.5: 4096, 1: 8192, 2: 16384, 4: 30720, 8: 61440, 16: 122880 MiB)."
  }

  validation {
    condition = alltrue(flatten([for job in values(var.jobs) : [
      for variable, arn in job.secrets : can(regex("^[A-Za-z_][A-Za-z0-9_]*$", variable)) && can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+", arn))
    ]]))
    error_message = "A job's secrets map environment variable names (letters, digits, _) to Secrets Manager secret ARNs."
  }
}

variable "default_service" {
  type        = string
  default     = null
  description = "The service its load balancer's main listener forwards to when no host rule matches (the front end); null: that load balancer's first service without a domain, by name."

  validation {
    condition     = var.default_service == null || try(var.services[var.default_service].port != null, false)
    error_message = "default_service must name a service of var.services that has a port."
  }
}

variable "tags" {
  type        = map(string)
  description = "Extra tags for every resource that takes them (provider default_tags carry project, environment and tenant)."
  default     = {}
}

variable "vpc_id" {
  type        = string
  description = "VPC of the tasks and load balancers (the vpc module's vpc_id)."
}

variable "private_subnet_ids" {
  type        = list(string)
  description = "Private subnets the tasks and the internal load balancer use (the vpc module's private_subnet_ids; at least two AZs for a load balancer)."

  validation {
    condition     = length(var.private_subnet_ids) > 0
    error_message = "Give at least one private subnet."
  }
}

variable "public_subnet_ids" {
  type        = list(string)
  description = "Public subnets of the internet-facing load balancer (the vpc module's public_subnet_ids); needed when a service is public."
  default     = []
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed KMS key ARN encrypting the log groups (its policy must allow CloudWatch Logs) and, when the secrets use it, decrypted by the tasks to read their secrets; null uses AWS-managed encryption."
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:...)."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the tasks' log groups, in days (a value CloudWatch Logs accepts)."
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of CloudWatch Logs' retention periods: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "certificate_arn" {
  type        = string
  description = "ACM certificate (covering every service domain) for HTTPS listeners with an HTTP-to-HTTPS redirect; null serves plain HTTP, and services with a domain are refused."
  default     = null

  validation {
    condition     = var.certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)."
  }
}

variable "deletion_protection" {
  type        = bool
  description = "Deletion protection of the load balancers (keeps their DNS names, which records point at)."
  default     = true
}

variable "access_logs_bucket" {
  type        = string
  description = "S3 bucket receiving the load balancers' access logs under <name>/ (its policy must admit Elastic Load Balancing log delivery); null disables them."
  default     = null
}

variable "name" {
  type        = string
  description = "Name suffix of every resource: <project>-<environment> (lowercase letters, digits and hyphens, at most 36 characters: a web app is app-<name>-<service>, at most 60, and its host name <that>.azurewebsites.net is unique across Azure)."

  validation {
    condition     = can(regex("^[a-z]([-a-z0-9]{0,34}[a-z0-9])?$", var.name))
    error_message = "name must be 1-36 lowercase letters, digits and hyphens, start with a letter and not end with a hyphen."
  }
}

variable "location" {
  type        = string
  description = "Azure region of the App Service plan and its web apps."
}

variable "resource_group_name" {
  type        = string
  description = "Resource group holding the plan, the web apps and their identities."
}

variable "subnet_id" {
  type        = string
  description = "Subnet the web apps' outbound traffic leaves through (virtual network integration): delegated to Microsoft.Web/serverFarms with the Microsoft.Web service endpoint (the vpc module's apps_subnet_id). An internal app admits this subnet only."
}

variable "sku_name" {
  type        = string
  description = "SKU of the App Service plan (B1-B3, S1-S3, P0v3-P5mv3, ...): every web app runs on each of its instances. Basic plans do not autoscale."

  validation {
    condition     = can(regex("^(B[1-3]|S[1-3]|P[0-5]m?v[2-4]|I[1-6]m?v2)$", var.sku_name))
    error_message = "sku_name must be a Basic, Standard, Premium v2-v4 or Isolated v2 SKU (B1, S1, P1v3, ...): Free and Shared plans have no virtual network integration."
  }
}

variable "min_instances" {
  type        = number
  description = "Instances the plan always runs (zone-balanced across the region's zones with zone_redundant and two or more on a Premium plan)."
  default     = 1

  validation {
    condition     = var.min_instances >= 1 && var.min_instances <= 30 && floor(var.min_instances) == var.min_instances
    error_message = "min_instances must be a whole number between 1 and 30."
  }
}

variable "max_instances" {
  type        = number
  description = "Instances the plan scales out to on CPU (autoscale: Standard and Premium plans; a Basic plan stays at min_instances)."
  default     = 3

  validation {
    condition     = var.max_instances >= var.min_instances && var.max_instances <= 30 && floor(var.max_instances) == var.max_instances
    error_message = "max_instances must be a whole number between min_instances and 30."
  }
}

variable "services" {
  type = map(object({
    image       = string
    port        = number
    health_path = optional(string, "/")
    public      = optional(bool, true)
    env         = optional(map(string), {})
    secrets     = optional(map(string), {})
    domain      = optional(string)
  }))
  description = "One web app per application, keyed by its name: image (registry host/path:tag; no host: Docker Hub), the port its container listens on, the health check path, public (reached from the internet) or reached only from the web apps' subnet, app settings (besides <NAME>_URL of every app, which the module sets), secrets (app setting -> Key Vault secret ID, resolved as a Key Vault reference) and an optional host name."

  validation {
    condition     = alltrue([for key in keys(var.services) : can(regex("^[a-z]([-a-z0-9]{0,17}[a-z0-9])?$", key))])
    error_message = "Every service name must be 1-19 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : s.image != "" && startswith(s.health_path, "/") && s.port >= 1 && s.port <= 65535 && floor(s.port) == s.port])
    error_message = "Every service needs an image, a health_path starting with / and the port its container answers HTTP on (App Service runs web apps: a worker without one fails its start-up ping)."
  }

  validation {
    condition = alltrue(flatten([for s in values(var.services) : [
      for variable, id in s.secrets : can(regex("^[A-Za-z_][A-Za-z0-9_]*$", variable)) && can(regex("^https://[a-z0-9-]+\\.vault\\.azure\\.net/secrets/[A-Za-z0-9-]+/?$", id))
    ]]))
    error_message = "secrets map app setting names (letters, digits, _) to versionless Key Vault secret IDs (https://<vault>.vault.azure.net/secrets/<name>)."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : s.domain == null || (s.public && can(regex("^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\\.){2,}[a-z]{2,63}$", s.domain)))])
    error_message = "A service's domain must be a lowercase subdomain such as app.example.com (its CNAME points at the app; an apex domain takes no CNAME), on a public service (its managed certificate is validated over the internet)."
  }
}

variable "registry" {
  type = object({
    id     = string
    server = string
  })
  description = "The Azure Container Registry the images come from (the registry module's registry_id and login_server): every web app pulls with its own identity (AcrPull). Null: the images are public."
  default     = null
}

variable "key_vault_id" {
  type        = string
  description = "Key Vault holding the secrets the services name (RBAC authorization): each identity may read exactly its own secrets. Needed when any secret is given."
  default     = null
}

variable "zone_redundant" {
  type        = bool
  description = "Spread the plan's instances over the region's availability zones (production): applied on Premium v2-v4 plans with two or more instances."
  default     = false
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the web apps' HTTP, console and platform logs in their Log Analytics workspace, in days (30-730)."
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

variable "name" {
  type        = string
  description = "Name suffix for every resource (e.g. <project>-<environment>)."
}

variable "location" {
  type        = string
  description = "Azure region."
}

variable "resource_group_name" {
  type        = string
  description = "Resource group holding the network."
}

variable "cidr_block" {
  type        = string
  description = "Address space of the virtual network."
  default     = "10.0.0.0/16"
}

variable "zone_redundant" {
  type        = bool
  description = "Zone-redundant NAT public IP (production)."
  default     = false
}

variable "internet_inbound_ports" {
  type        = list(number)
  description = "TCP ports the workload subnet admits from the internet (e.g. [80, 443] for a public ingress controller's load balancer); every other inbound internet connection is denied."
  default     = []

  validation {
    condition     = alltrue([for port in var.internet_inbound_ports : port >= 1 && port <= 65535 && floor(port) == port])
    error_message = "internet_inbound_ports holds TCP port numbers (1-65535)."
  }
}

variable "database_network" {
  type        = bool
  description = "Add a subnet delegated to PostgreSQL flexible servers (behind the workload subnet's security group) and the private DNS zone they resolve in, linked to the network: only where a managed database is built."
  default     = false
}

variable "apps_subnet" {
  type        = string
  description = "Add a subnet for serverless compute, the second /20 of a /16, delegated to what runs in it: container-apps (Container Apps environments) or app-service (App Service virtual network integration, with the Microsoft.Web service endpoint that internal web apps admit). Null: none."
  default     = null

  validation {
    condition     = var.apps_subnet == null || contains(["container-apps", "app-service"], coalesce(var.apps_subnet, "none"))
    error_message = "apps_subnet must be container-apps, app-service or null."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource (project, environment, tenant, managed-by)."
  default     = {}
}

variable "name" {
  type        = string
  description = "Name prefix for every resource (e.g. <project>-<environment>)."
}

variable "region" {
  type        = string
  description = "GCP region of the subnet, router and NAT."
}

variable "cidr_block" {
  type        = string
  description = "Address space split into the subnet and its secondary ranges."
  default     = "10.0.0.0/16"
}

variable "enable_flow_logs" {
  type        = bool
  description = "VPC flow logs on the private subnet."
  default     = true
}

variable "tenant_database_ranges" {
  type        = map(string)
  description = "Multi-tenant: each tenant's private-services range for its database (tenant => CIDR, a /24 at least)."
  default     = {}

  validation {
    condition     = alltrue([for cidr in values(var.tenant_database_ranges) : can(cidrhost(cidr, 0)) && try(tonumber(split("/", cidr)[1]) <= 24, false)])
    error_message = "tenant_database_ranges values must be IPv4 CIDRs of /24 or larger (Cloud SQL's smallest allocated range)."
  }
}

variable "name" {
  type        = string
  description = "Name prefix for every resource (e.g. <project>-<environment>)."
}

variable "cidr_block" {
  type        = string
  description = "IPv4 CIDR block of the VPC; split into 16 equal subnets (public 0-7, private 8-15)."
  default     = "10.0.0.0/16"

  validation {
    condition     = can(cidrnetmask(var.cidr_block))
    error_message = "cidr_block must be a valid IPv4 CIDR block such as 10.0.0.0/16."
  }
}

variable "az_count" {
  type        = number
  description = "Number of Availability Zones to spread subnets over (1-6)."
  default     = 3

  validation {
    condition     = var.az_count >= 1 && var.az_count <= 6 && floor(var.az_count) == var.az_count
    error_message = "az_count must be a whole number between 1 and 6."
  }
}

variable "nat_gateway_per_az" {
  type        = bool
  description = "One NAT gateway per AZ (production: no cross-AZ dependency); false shares a single NAT gateway."
  default     = false
}

variable "enable_flow_logs" {
  type        = bool
  description = "Send VPC flow logs (all traffic) to a CloudWatch log group."
  default     = true
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the flow log group, in days."
  default     = 365
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed KMS key ARN that encrypts the flow log group; null uses CloudWatch's default encryption."
  default     = null
}

variable "tags" {
  type        = map(string)
  description = "Extra tags for every resource (provider default_tags carry project, environment and tenant)."
  default     = {}
}

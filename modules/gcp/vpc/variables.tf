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

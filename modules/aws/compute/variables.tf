variable "name" {
  type        = string
  description = "Name prefix for every resource (e.g. <project>-<environment>)."
}

variable "vpc_id" {
  type        = string
  description = "VPC the instances run in."
}

variable "subnet_ids" {
  type        = list(string)
  description = "Private subnets the Auto Scaling group spreads instances over (one per AZ)."

  validation {
    condition     = length(var.subnet_ids) > 0
    error_message = "Give at least one subnet."
  }
}

variable "instance_type" {
  type        = string
  description = "EC2 instance type (from the plan's per-environment sizing)."
}

variable "min_size" {
  type        = number
  description = "Minimum (and initial desired) number of instances."
  default     = 1

  validation {
    condition     = var.min_size >= 0
    error_message = "min_size must not be negative."
  }
}

variable "max_size" {
  type        = number
  description = "Maximum number of instances."
  default     = 3
}

variable "root_volume_size" {
  type        = number
  description = "Root EBS volume size in GiB."
  default     = 30
}

variable "ami_ssm_parameter" {
  type        = string
  description = "Public SSM parameter that resolves to the AMI ID (default: the latest Amazon Linux 2023 of the instance type's architecture, arm64 for AWS Graviton types)."
  default     = null
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed KMS key ARN for the EBS volumes; null uses the account's default EBS key."
  default     = null
}

variable "database" {
  type = object({
    security_group_id = string
    port              = number
    secret_arn        = string
  })
  description = "The application's database: its security group and port, opened as egress from the instances, and the Secrets Manager secret of its credentials, which the instances may read; null without a database."
  default     = null
}

variable "cpu_target_percent" {
  type        = number
  description = "Average CPU utilisation the group's target tracking keeps, scaling between min_size and max_size."
  default     = 60

  validation {
    condition     = var.cpu_target_percent > 0 && var.cpu_target_percent < 100
    error_message = "cpu_target_percent must be between 0 and 100."
  }
}

variable "tags" {
  type        = map(string)
  description = "Extra tags for every resource (provider default_tags carry project, environment and tenant)."
  default     = {}
}

variable "alias" {
  type        = string
  description = "Alias of the key without the alias/ prefix (e.g. <project>-<environment>)."

  validation {
    condition     = can(regex("^[A-Za-z0-9/_-]+$", var.alias)) && !startswith(var.alias, "aws/")
    error_message = "alias may contain letters, digits, '/', '_' and '-' and must not start with aws/."
  }
}

variable "description" {
  type        = string
  description = "What the key encrypts."
}

variable "deletion_window_in_days" {
  type        = number
  description = "Waiting period before a scheduled key deletion completes (7-30 days)."
  default     = 30

  validation {
    condition     = var.deletion_window_in_days >= 7 && var.deletion_window_in_days <= 30
    error_message = "deletion_window_in_days must be between 7 and 30."
  }
}

variable "tags" {
  type        = map(string)
  description = "Extra tags (provider default_tags carry project, environment and tenant)."
  default     = {}
}

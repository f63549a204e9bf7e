variable "project" {
  type        = string
  description = "Project name (DNS-1123 label), used in names and tags."
}

variable "region" {
  type        = string
  description = "Region of the state backend."
}

variable "access_logging" {
  type        = bool
  description = "Log every access to the state store (required by SOC2, PCI-DSS, HIPAA, GDPR)."
  default     = true
}

variable "state_bucket_name" {
  type        = string
  description = "Globally unique name of the S3 state bucket (every backend.tf of this repository uses it)."
}

variable "lock_table_name" {
  type        = string
  description = "DynamoDB lock table name; null when the backends lock with S3 lock files (use_lockfile)."
  default     = null
}

variable "noncurrent_version_retention_days" {
  type        = number
  description = "Days old state versions are kept for recovery."
  default     = 90
}

variable "access_log_retention_days" {
  type        = number
  description = "Days S3 server access logs of the state bucket are kept."
  default     = 365
}

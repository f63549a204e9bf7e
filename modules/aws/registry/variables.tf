variable "name" {
  type        = string
  description = "Prefix of every repository: <name>/<repository> (e.g. <project> or <project>-<environment>)."

  validation {
    condition     = can(regex("^[a-z0-9]+([._-][a-z0-9]+)*$", var.name))
    error_message = "name must be lowercase letters and digits, optionally separated by single '.', '_' or '-'."
  }
}

variable "repositories" {
  type        = list(string)
  description = "Names of the repositories to create, one per image (e.g. the applications' names)."

  validation {
    condition     = alltrue([for repository in var.repositories : can(regex("^[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*$", repository))])
    error_message = "Repository names are lowercase letters and digits separated by single '.', '_', '-' or '/' (ECR's rule)."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed KMS key ARN encrypting the images; null uses ECR's AES-256 encryption."
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:...)."
  }
}

variable "keep_images" {
  type        = number
  description = "Images each repository keeps: older ones expire, newest first kept."
  default     = 30

  validation {
    condition     = var.keep_images >= 1 && floor(var.keep_images) == var.keep_images
    error_message = "keep_images must be a whole number of at least 1."
  }
}

variable "untagged_expiry_days" {
  type        = number
  description = "Days after which an untagged image (a layer left behind by a push) expires."
  default     = 14

  validation {
    condition     = var.untagged_expiry_days >= 1 && floor(var.untagged_expiry_days) == var.untagged_expiry_days
    error_message = "untagged_expiry_days must be a whole number of at least 1."
  }
}

variable "tags" {
  type        = map(string)
  description = "Extra tags for every resource (provider default_tags carry project, environment and tenant)."
  default     = {}
}

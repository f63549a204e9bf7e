variable "name" {
  type        = string
  description = "Repository ID (e.g. <project>-<environment>): 1-63 lowercase letters, digits and hyphens."

  validation {
    condition     = can(regex("^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$", var.name))
    error_message = "name must be 1-63 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "region" {
  type        = string
  description = "Region of the repository (the services' region: pulls stay in it)."
}

variable "labels" {
  type        = map(string)
  description = "Labels of the repository."
  default     = {}
}

variable "name" {
  type        = string
  description = "Name prefix for every resource (e.g. <project>-<environment>)."
}

variable "region" {
  type        = string
  description = "GCP region of the instance group."
}

variable "subnet_id" {
  type        = string
  description = "Private subnet of the instances."
}

variable "instance_type" {
  type        = string
  description = "Machine type (per-environment sizing), e.g. n2-standard-4."
}

variable "min_size" {
  type        = number
  description = "Minimum instance count."
  default     = 1
}

variable "max_size" {
  type        = number
  description = "Maximum instance count."
  default     = 3
}

variable "source_image" {
  type        = string
  description = "Boot image (family or self link)."
  default     = "debian-cloud/debian-12"
}

variable "root_volume_size" {
  type        = number
  description = "Boot disk size in GB."
  default     = 30
}

variable "kms_key_id" {
  type        = string
  description = "Customer-managed key for the boot disks; null uses Google-managed keys."
  default     = null
}

variable "labels" {
  type        = map(string)
  description = "Labels of the instances (provider default_labels cover the other resources)."
  default     = {}
}

variable "name" {
  type        = string
  description = "Key ring name (e.g. <project>-<environment>)."
}

variable "region" {
  type        = string
  description = "Location of the key ring (same region as the data it protects)."
}

variable "encrypter_members" {
  type        = list(string)
  description = "Service agents allowed to encrypt and decrypt with the key (Cloud SQL, GKE, Compute Engine)."
  default     = []
}

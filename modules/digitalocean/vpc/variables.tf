variable "name" {
  type        = string
  description = "Name of the VPC (e.g. <project>-<environment>), unique in the account."

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", var.name))
    error_message = "name must be a DNS label: lowercase letters, digits and dashes, at most 63 characters, starting and ending with a letter or digit."
  }
}

variable "region" {
  type        = string
  description = "DigitalOcean region slug (e.g. fra1, nyc3)."

  validation {
    condition     = can(regex("^[a-z]{3}[0-9]$", var.region))
    error_message = "region must be a DigitalOcean region slug such as fra1, ams3 or nyc3."
  }
}

variable "cidr_block" {
  type        = string
  description = "Address range of the VPC: a private (RFC 1918) network of /16 to /24, written as its network address; fixed for the VPC's life (DigitalOcean cannot resize a VPC)."
  default     = "10.10.0.0/16"

  validation {
    condition = can(cidrhost(var.cidr_block, 0)) && try(
      cidrhost(var.cidr_block, 0) == split("/", var.cidr_block)[0] &&
      tonumber(split("/", var.cidr_block)[1]) >= 16 &&
      tonumber(split("/", var.cidr_block)[1]) <= 24 &&
      (
        tonumber(split(".", var.cidr_block)[0]) == 10 ||
        (tonumber(split(".", var.cidr_block)[0]) == 172 && tonumber(split(".", var.cidr_block)[1]) >= 16 && tonumber(split(".", var.cidr_block)[1]) <= 31) ||
        (tonumber(split(".", var.cidr_block)[0]) == 192 && tonumber(split(".", var.cidr_block)[1]) == 168)
      ),
    false)
    error_message = "cidr_block must be a private IPv4 network (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16) of size /16 to /24 written as its network address, e.g. 10.10.0.0/16."
  }
}

variable "description" {
  type        = string
  description = "Free-form description of the VPC (at most 255 characters)."
  default     = ""

  validation {
    condition     = length(var.description) <= 255
    error_message = "description holds at most 255 characters."
  }
}

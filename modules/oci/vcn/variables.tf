variable "name" {
  type        = string
  description = "Name of the network (e.g. <project>-<environment>): the VCN's display name, the prefix of its gateways, subnets and security groups, and (without dashes, 15 characters at most) its DNS label."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,61}[a-z0-9]$", var.name))
    error_message = "name must start with a lowercase letter, hold lowercase letters, digits and dashes, end with a letter or digit and have at most 63 characters."
  }
}

variable "compartment_id" {
  type        = string
  description = "OCID of the compartment holding the network."

  validation {
    condition     = can(regex("^ocid1\\.(compartment|tenancy)\\.", var.compartment_id))
    error_message = "compartment_id must be a compartment (or tenancy) OCID, ocid1.compartment.oc1..<id>."
  }
}

variable "cidr_block" {
  type        = string
  description = "Address range of the VCN: a private (RFC 1918) network of /16 to /20 written as its network address. Nodes take its first quarter, pods its second half, the load balancers, the database and the API endpoint smaller ranges between."
  default     = "10.0.0.0/16"

  validation {
    condition = can(cidrhost(var.cidr_block, 0)) && try(
      cidrhost(var.cidr_block, 0) == split("/", var.cidr_block)[0] &&
      tonumber(split("/", var.cidr_block)[1]) >= 16 &&
      tonumber(split("/", var.cidr_block)[1]) <= 20 &&
      (
        tonumber(split(".", var.cidr_block)[0]) == 10 ||
        (tonumber(split(".", var.cidr_block)[0]) == 172 && tonumber(split(".", var.cidr_block)[1]) >= 16 && tonumber(split(".", var.cidr_block)[1]) <= 31) ||
        (tonumber(split(".", var.cidr_block)[0]) == 192 && tonumber(split(".", var.cidr_block)[1]) == 168)
      ),
    false)
    error_message = "cidr_block must be a private IPv4 network (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16) of size /16 to /20 written as its network address, e.g. 10.0.0.0/16."
  }
}

variable "api_public" {
  type        = bool
  description = "Make the Kubernetes API endpoint's subnet public (routed through the internet gateway) so the oke module can give the endpoint a public address; pass the same value to the oke module. Private by default."
  default     = false
}

variable "bastion" {
  type        = bool
  description = "Add a private subnet for an OCI Bastion (a /28 beside the API endpoint's) whose sessions may reach the Kubernetes API endpoint on 6443: operators' way to a private endpoint."
  default     = false
}

variable "pod_node_ports" {
  type        = list(number)
  description = "TCP ports of the nodes the pods may reach: 10250, the kubelets (metrics-server and Prometheus read them); add 9100 for a node-exporter on the host network (kube-prometheus-stack)."
  default     = [10250]

  validation {
    condition     = alltrue([for port in var.pod_node_ports : port >= 1 && port <= 65535 && floor(port) == port])
    error_message = "pod_node_ports must be TCP ports (1-65535)."
  }
}

variable "pod_internet_ports" {
  type        = list(number)
  description = "TCP ports the pods may reach on the internet through the NAT gateway: 443; add 80 for cert-manager's HTTP-01 self-check, which fetches the challenge from the load balancer's public address before Let's Encrypt does."
  default     = [443]

  validation {
    condition     = alltrue([for port in var.pod_internet_ports : port >= 1 && port <= 65535 && floor(port) == port])
    error_message = "pod_internet_ports must be TCP ports (1-65535)."
  }
}

variable "freeform_tags" {
  type        = map(string)
  description = "Free-form tags of every resource of the network (project, environment, tenant)."
  default     = {}
}

# Network layer (Oracle Cloud): a VCN laid out as Oracle documents it for OKE with VCN-native pod
# networking. Five regional subnets: the Kubernetes API endpoint, the worker nodes, the pods (one VCN
# address per pod), the public load balancers and the database; with `bastion`, a sixth for an OCI
# Bastion whose sessions reach the private API endpoint. Private subnets reach the internet
# through the NAT gateway and Oracle's services through the service gateway; the load balancer subnet
# (and the API subnet when api_public) routes through the internet gateway.
#
# Security: every subnet carries a security list of the module's own (never the VCN's default list,
# which admits SSH from anywhere). The private subnets' list is empty: their traffic is governed by the
# network security groups below, which the oke and database modules attach to the API endpoint, the
# nodes, the pods and the database. The load balancer subnet's list admits 80 and 443 from the internet
# and lets the load balancers reach the nodes' NodePorts and kube-proxy's health check.

locals {
  prefix = try(min(max(tonumber(split("/", var.cidr_block)[1]), 16), 20), 16)

  # The layout of a /16 (each range scales with a smaller VCN): nodes a quarter, pods a half,
  # load balancers and database a sixteenth each, the API endpoint a /28.
  cidrs = {
    nodes    = cidrsubnet(var.cidr_block, 2, 0)
    lb       = cidrsubnet(var.cidr_block, 4, 4)
    database = cidrsubnet(var.cidr_block, 4, 5)
    api      = cidrsubnet(var.cidr_block, 28 - local.prefix, 6 * pow(2, 24 - local.prefix))
    bastion  = cidrsubnet(var.cidr_block, 28 - local.prefix, 6 * pow(2, 24 - local.prefix) + 1)
    pods     = cidrsubnet(var.cidr_block, 1, 1)
  }

  # subnet => public (the bastion's, beside the API endpoint's, only with var.bastion)
  public_subnets = merge({
    api      = var.api_public
    nodes    = false
    pods     = false
    lb       = true
    database = false
  }, var.bastion ? { bastion = false } : {})

  services = one(data.oci_core_services.all.services)
}

# "All <region> Services in Oracle Services Network": the service gateway's target and the route and
# security rules' SERVICE_CIDR_BLOCK.
data "oci_core_services" "all" {
  filter {
    name   = "name"
    values = ["All .* Services In Oracle Services Network"]
    regex  = true
  }

  lifecycle {
    postcondition {
      condition     = length(self.services) == 1
      error_message = "The region must offer exactly one \"All <region> Services in Oracle Services Network\" service for the service gateway."
    }
  }
}

resource "oci_core_vcn" "this" {
  compartment_id = var.compartment_id
  display_name   = var.name
  cidr_blocks    = [var.cidr_block]
  dns_label      = substr(replace(var.name, "-", ""), 0, 15)
  freeform_tags  = var.freeform_tags
}

resource "oci_core_internet_gateway" "this" {
  compartment_id = var.compartment_id
  vcn_id         = oci_core_vcn.this.id
  display_name   = "${var.name}-igw"
  enabled        = true
  freeform_tags  = var.freeform_tags
}

resource "oci_core_nat_gateway" "this" {
  compartment_id = var.compartment_id
  vcn_id         = oci_core_vcn.this.id
  display_name   = "${var.name}-nat"
  freeform_tags  = var.freeform_tags
}

resource "oci_core_service_gateway" "this" {
  compartment_id = var.compartment_id
  vcn_id         = oci_core_vcn.this.id
  display_name   = "${var.name}-sgw"
  freeform_tags  = var.freeform_tags

  services {
    service_id = local.services.id
  }
}

resource "oci_core_route_table" "public" {
  compartment_id = var.compartment_id
  vcn_id         = oci_core_vcn.this.id
  display_name   = "${var.name}-public"
  freeform_tags  = var.freeform_tags

  route_rules {
    description       = "Internet through the internet gateway"
    destination       = "0.0.0.0/0"
    destination_type  = "CIDR_BLOCK"
    network_entity_id = oci_core_internet_gateway.this.id
  }
}

resource "oci_core_route_table" "private" {
  compartment_id = var.compartment_id
  vcn_id         = oci_core_vcn.this.id
  display_name   = "${var.name}-private"
  freeform_tags  = var.freeform_tags

  route_rules {
    description       = "Internet (outbound only) through the NAT gateway"
    destination       = "0.0.0.0/0"
    destination_type  = "CIDR_BLOCK"
    network_entity_id = oci_core_nat_gateway.this.id
  }

  route_rules {
    description       = "Oracle services (OKE, registry, object storage) through the service gateway"
    destination       = local.services.cidr_block
    destination_type  = "SERVICE_CIDR_BLOCK"
    network_entity_id = oci_core_service_gateway.this.id
  }
}

# The private subnets' security list: no rule, the network security groups decide.
resource "oci_core_security_list" "private" {
  compartment_id = var.compartment_id
  vcn_id         = oci_core_vcn.this.id
  display_name   = "${var.name}-private"
  freeform_tags  = var.freeform_tags
}

# The bastion subnet's security list: an OCI Bastion's sessions reach the Kubernetes API endpoint on 6443, nothing
# else (the API endpoint's group admits the subnet).
resource "oci_core_security_list" "bastion" {
  count = var.bastion ? 1 : 0

  compartment_id = var.compartment_id
  vcn_id         = oci_core_vcn.this.id
  display_name   = "${var.name}-bastion"
  freeform_tags  = var.freeform_tags

  egress_security_rules {
    description      = "Bastion sessions to the Kubernetes API endpoint"
    protocol         = "6"
    destination      = local.cidrs.api
    destination_type = "CIDR_BLOCK"
    stateless        = false

    tcp_options {
      min = 6443
      max = 6443
    }
  }
}

# The load balancer subnet's security list: HTTP and HTTPS from the internet, and to the nodes only the
# NodePort range and kube-proxy's health check port.
resource "oci_core_security_list" "lb" {
  compartment_id = var.compartment_id
  vcn_id         = oci_core_vcn.this.id
  display_name   = "${var.name}-lb"
  freeform_tags  = var.freeform_tags

  dynamic "ingress_security_rules" {
    for_each = [80, 443]

    content {
      description = "TCP ${ingress_security_rules.value} from the internet to the load balancers"
      protocol    = "6"
      source      = "0.0.0.0/0"
      source_type = "CIDR_BLOCK"
      stateless   = false

      tcp_options {
        min = ingress_security_rules.value
        max = ingress_security_rules.value
      }
    }
  }

  dynamic "egress_security_rules" {
    for_each = { node_ports = [30000, 32767], health_check = [10256, 10256] }

    content {
      description      = "Load balancers to the nodes (${egress_security_rules.key})"
      protocol         = "6"
      destination      = local.cidrs.nodes
      destination_type = "CIDR_BLOCK"
      stateless        = false

      tcp_options {
        min = egress_security_rules.value[0]
        max = egress_security_rules.value[1]
      }
    }
  }
}

resource "oci_core_subnet" "this" {
  for_each = local.public_subnets

  compartment_id             = var.compartment_id
  vcn_id                     = oci_core_vcn.this.id
  display_name               = "${var.name}-${each.key}"
  cidr_block                 = local.cidrs[each.key]
  dns_label                  = each.key
  route_table_id             = each.value ? oci_core_route_table.public.id : oci_core_route_table.private.id
  security_list_ids          = [each.key == "lb" ? oci_core_security_list.lb.id : each.key == "bastion" ? oci_core_security_list.bastion[0].id : oci_core_security_list.private.id]
  prohibit_public_ip_on_vnic = !each.value
  prohibit_internet_ingress  = !each.value
  freeform_tags              = var.freeform_tags
}

resource "oci_core_network_security_group" "this" {
  for_each = toset(["api", "nodes", "pods"])

  compartment_id = var.compartment_id
  vcn_id         = oci_core_vcn.this.id
  display_name   = "${var.name}-${each.key}"
  freeform_tags  = var.freeform_tags
}

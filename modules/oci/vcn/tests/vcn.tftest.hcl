# Needs the oci provider: `terraform init -backend=false && terraform test` (mocked provider).

mock_provider "oci" {
  mock_resource "oci_core_vcn" {
    defaults = {
      id = "ocid1.vcn.oc1.eu-frankfurt-1.shop"
    }
  }

  mock_resource "oci_core_internet_gateway" {
    defaults = {
      id = "ocid1.internetgateway.oc1.eu-frankfurt-1.shop"
    }
  }

  mock_resource "oci_core_nat_gateway" {
    defaults = {
      id = "ocid1.natgateway.oc1.eu-frankfurt-1.shop"
    }
  }

  mock_resource "oci_core_service_gateway" {
    defaults = {
      id = "ocid1.servicegateway.oc1.eu-frankfurt-1.shop"
    }
  }
}

# The region's services: the module indexes the one "All ... Services" entry.
override_data {
  target = data.oci_core_services.all
  values = {
    services = [{
      id          = "ocid1.service.oc1.eu-frankfurt-1.all"
      name        = "All FRA Services In Oracle Services Network"
      cidr_block  = "all-fra-services-in-oracle-services-network"
      description = "All FRA Services In Oracle Services Network"
    }]
  }
}

variables {
  name           = "shop-prod"
  compartment_id = "ocid1.compartment.oc1..shop"
  freeform_tags  = { project = "shop", environment = "prod" }
}

run "the_subnets_lie_in_the_vcn_with_the_documented_routes" {
  command = apply

  assert {
    condition     = oci_core_vcn.this.cidr_blocks == tolist(["10.0.0.0/16"]) && oci_core_vcn.this.dns_label == "shopprod"
    error_message = "The VCN must take the default 10.0.0.0/16 and a DNS label derived from the name."
  }

  assert {
    condition     = alltrue([for subnet in oci_core_subnet.this : subnet.vcn_id == "ocid1.vcn.oc1.eu-frankfurt-1.shop"])
    error_message = "Every subnet must lie in the module's VCN."
  }

  assert {
    condition = (
      oci_core_subnet.this["api"].cidr_block == "10.0.96.0/28" &&
      oci_core_subnet.this["nodes"].cidr_block == "10.0.0.0/18" &&
      oci_core_subnet.this["pods"].cidr_block == "10.0.128.0/17" &&
      oci_core_subnet.this["lb"].cidr_block == "10.0.64.0/20" &&
      oci_core_subnet.this["database"].cidr_block == "10.0.80.0/20"
    )
    error_message = "The subnets must follow the documented layout of the VCN's range."
  }

  assert {
    condition     = output.nodes_cidr == "10.0.0.0/18" && output.pods_cidr == "10.0.128.0/17"
    error_message = "nodes_cidr and pods_cidr must give the nodes' and pods' ranges."
  }

  assert {
    condition = alltrue([for key in ["api", "nodes", "pods", "database"] :
      oci_core_subnet.this[key].route_table_id == oci_core_route_table.private.id &&
      oci_core_subnet.this[key].prohibit_public_ip_on_vnic &&
    oci_core_subnet.this[key].prohibit_internet_ingress])
    error_message = "The API (by default), nodes, pods and database subnets must be private and route through the private route table."
  }

  assert {
    condition     = oci_core_subnet.this["lb"].route_table_id == oci_core_route_table.public.id && !oci_core_subnet.this["lb"].prohibit_public_ip_on_vnic
    error_message = "The load balancer subnet must be public and route through the public route table."
  }

  assert {
    condition = (
      length(oci_core_route_table.public.route_rules) == 1 &&
      alltrue([for rule in oci_core_route_table.public.route_rules :
      rule.destination == "0.0.0.0/0" && rule.network_entity_id == "ocid1.internetgateway.oc1.eu-frankfurt-1.shop"])
    )
    error_message = "The public route table must send the internet to the internet gateway, and nothing else."
  }

  assert {
    condition = (
      length(oci_core_route_table.private.route_rules) == 2 &&
      contains([for rule in oci_core_route_table.private.route_rules : "${rule.destination}>${rule.network_entity_id}"], "0.0.0.0/0>ocid1.natgateway.oc1.eu-frankfurt-1.shop") &&
      contains([for rule in oci_core_route_table.private.route_rules : "${rule.destination_type}:${rule.destination}>${rule.network_entity_id}"], "SERVICE_CIDR_BLOCK:all-fra-services-in-oracle-services-network>ocid1.servicegateway.oc1.eu-frankfurt-1.shop")
    )
    error_message = "The private route table must send the internet to the NAT gateway and Oracle's services to the service gateway, and nothing else."
  }

  assert {
    condition     = [for service in oci_core_service_gateway.this.services : service.service_id] == ["ocid1.service.oc1.eu-frankfurt-1.all"]
    error_message = "The service gateway must serve all of the region's Oracle services."
  }

  assert {
    condition     = oci_core_subnet.this["lb"].freeform_tags == tomap({ project = "shop", environment = "prod" })
    error_message = "The subnets must carry the freeform tags."
  }
}

run "nothing_but_80_and_443_enters_from_the_internet" {
  command = apply

  assert {
    condition = alltrue([for key, subnet in oci_core_subnet.this :
    subnet.security_list_ids == toset([key == "lb" ? oci_core_security_list.lb.id : oci_core_security_list.private.id])])
    error_message = "Every subnet must carry the module's own security list (never the VCN's default one, which admits SSH from anywhere)."
  }

  assert {
    condition     = length(oci_core_security_list.private.ingress_security_rules) == 0 && length(oci_core_security_list.private.egress_security_rules) == 0
    error_message = "The private subnets' security list must hold no rule: the network security groups decide."
  }

  assert {
    condition = (
      sort([for rule in oci_core_security_list.lb.ingress_security_rules : "${rule.protocol}/${rule.tcp_options[0].min}-${rule.tcp_options[0].max}/${rule.source}"]) ==
      sort(["6/443-443/0.0.0.0/0", "6/80-80/0.0.0.0/0"])
    )
    error_message = "The load balancer subnet must admit exactly TCP 80 and 443 from the internet."
  }

  assert {
    condition = (
      sort([for rule in oci_core_security_list.lb.egress_security_rules : "${rule.protocol}/${rule.tcp_options[0].min}-${rule.tcp_options[0].max}/${rule.destination}"]) ==
      sort(["6/30000-32767/10.0.0.0/18", "6/10256-10256/10.0.0.0/18"])
    )
    error_message = "The load balancers must reach only the nodes' NodePorts and kube-proxy's health check."
  }

  assert {
    condition = alltrue([for rule in oci_core_network_security_group_security_rule.this :
      rule.direction == "EGRESS" ? true : rule.source_type == "CIDR_BLOCK" &&
    contains(["10.0.0.0/16", "10.0.0.0/18", "10.0.128.0/17", "10.0.96.0/28", "10.0.64.0/20"], rule.source)])
    error_message = "Every network security group must admit sources of the VCN only (its subnets' ranges)."
  }
}

run "oke_traffic_is_opened_between_api_nodes_pods_and_load_balancers" {
  command = plan

  assert {
    condition = (
      oci_core_network_security_group_security_rule.this["api_in_nodes_6443"].tcp_options[0].destination_port_range[0].min == 6443 &&
      oci_core_network_security_group_security_rule.this["api_in_nodes_6443"].source == "10.0.0.0/18" &&
      oci_core_network_security_group_security_rule.this["api_in_nodes_12250"].tcp_options[0].destination_port_range[0].min == 12250 &&
      oci_core_network_security_group_security_rule.this["api_in_pods_6443"].source == "10.0.128.0/17" &&
      oci_core_network_security_group_security_rule.this["api_in_pods_12250"].source == "10.0.128.0/17"
    )
    error_message = "The API endpoint must admit 6443 and 12250 from the nodes and the pods."
  }

  assert {
    condition = (
      oci_core_network_security_group_security_rule.this["nodes_in_lb_node_ports"].source == "10.0.64.0/20" &&
      oci_core_network_security_group_security_rule.this["nodes_in_lb_node_ports"].tcp_options[0].destination_port_range[0].min == 30000 &&
      oci_core_network_security_group_security_rule.this["nodes_in_lb_node_ports"].tcp_options[0].destination_port_range[0].max == 32767 &&
      oci_core_network_security_group_security_rule.this["nodes_in_lb_health"].tcp_options[0].destination_port_range[0].min == 10256
    )
    error_message = "The nodes must admit the NodePort range and kube-proxy's health check from the load balancer subnet."
  }

  assert {
    condition = (
      oci_core_network_security_group_security_rule.this["nodes_in_nodes_all"].protocol == "all" &&
      oci_core_network_security_group_security_rule.this["nodes_in_nodes_all"].source == "10.0.0.0/18" &&
      oci_core_network_security_group_security_rule.this["pods_in_pods_all"].source == "10.0.128.0/17" &&
      oci_core_network_security_group_security_rule.this["pods_in_nodes_all"].source == "10.0.0.0/18" &&
      oci_core_network_security_group_security_rule.this["nodes_in_api_10250"].source == "10.0.96.0/28"
    )
    error_message = "Node to node, pod to pod, nodes to pods and the API endpoint to the kubelets must be open."
  }

  assert {
    condition = alltrue([for key in ["api_out_services_443", "nodes_out_services", "pods_out_services"] :
      oci_core_network_security_group_security_rule.this[key].destination_type == "SERVICE_CIDR_BLOCK" &&
    oci_core_network_security_group_security_rule.this[key].destination == "all-fra-services-in-oracle-services-network"])
    error_message = "The API endpoint, the nodes and the pods must reach Oracle's services through the service gateway's CIDR label."
  }

  assert {
    condition     = alltrue([for rule in oci_core_network_security_group_security_rule.this : !rule.stateless])
    error_message = "Every security rule must be stateful."
  }
}

run "the_pods_reach_the_kubelets_and_the_ports_the_root_names" {
  command = plan

  variables {
    pod_node_ports     = [10250, 9100]
    pod_internet_ports = [80, 443]
  }

  assert {
    condition = alltrue([for port in ["10250", "9100"] :
      oci_core_network_security_group_security_rule.this["pods_out_nodes_${port}"].destination == "10.0.0.0/18" &&
      oci_core_network_security_group_security_rule.this["nodes_in_pods_${port}"].source == "10.0.128.0/17" &&
    oci_core_network_security_group_security_rule.this["nodes_in_pods_${port}"].tcp_options[0].destination_port_range[0].min == tonumber(port)])
    error_message = "The pods must reach the kubelets (metrics-server, Prometheus) and node-exporter on the nodes, and the nodes admit them."
  }

  assert {
    condition = alltrue([for port in ["80", "443"] :
      oci_core_network_security_group_security_rule.this["pods_out_internet_${port}"].destination == "0.0.0.0/0" &&
    oci_core_network_security_group_security_rule.this["pods_out_internet_${port}"].tcp_options[0].destination_port_range[0].max == tonumber(port)])
    error_message = "The pods must reach the internet on the ports the root names (80: cert-manager's HTTP-01 self-check)."
  }
}

run "by_default_the_pods_reach_the_kubelets_and_https_only" {
  command = plan

  assert {
    condition = (
      sort([for key, rule in oci_core_network_security_group_security_rule.this : key if startswith(key, "pods_out_nodes_") || startswith(key, "pods_out_internet_")]) ==
      sort(["pods_out_nodes_10250", "pods_out_internet_443"])
    )
    error_message = "By default the pods must reach the nodes' kubelets and the internet over HTTPS, nothing more."
  }
}

run "a_bastion_subnet_reaches_the_private_api_endpoint_only" {
  command = apply

  variables {
    bastion = true
  }

  assert {
    condition = (
      oci_core_subnet.this["bastion"].cidr_block == "10.0.96.16/28" &&
      oci_core_subnet.this["bastion"].prohibit_public_ip_on_vnic &&
      oci_core_subnet.this["bastion"].route_table_id == oci_core_route_table.private.id &&
      output.bastion_subnet_id == oci_core_subnet.this["bastion"].id
    )
    error_message = "The bastion's subnet must be a private /28 beside the API endpoint's."
  }

  assert {
    condition = (
      oci_core_subnet.this["bastion"].security_list_ids == toset([oci_core_security_list.bastion[0].id]) &&
      length(oci_core_security_list.bastion[0].ingress_security_rules) == 0 &&
      [for rule in oci_core_security_list.bastion[0].egress_security_rules : "${rule.destination}:${rule.tcp_options[0].min}-${rule.tcp_options[0].max}"] == ["10.0.96.0/28:6443-6443"]
    )
    error_message = "The bastion's subnet may reach the API endpoint on 6443 and nothing else."
  }

  assert {
    condition = (
      oci_core_network_security_group_security_rule.this["api_in_bastion_6443"].source == "10.0.96.16/28" &&
      oci_core_network_security_group_security_rule.this["api_in_bastion_6443"].tcp_options[0].destination_port_range[0].min == 6443
    )
    error_message = "The API endpoint's group must admit the bastion's subnet on 6443."
  }
}

run "without_a_bastion_there_is_no_bastion_subnet" {
  command = plan

  assert {
    condition     = length(oci_core_security_list.bastion) == 0 && !contains(keys(oci_core_subnet.this), "bastion") && output.bastion_subnet_id == null
    error_message = "Without bastion the module must create no bastion subnet."
  }
}

run "a_public_api_subnet_routes_through_the_internet_gateway" {
  command = apply

  variables {
    api_public = true
  }

  assert {
    condition     = oci_core_subnet.this["api"].route_table_id == oci_core_route_table.public.id && !oci_core_subnet.this["api"].prohibit_public_ip_on_vnic
    error_message = "With api_public the API subnet must be public and route through the internet gateway."
  }

  assert {
    condition     = oci_core_subnet.this["nodes"].route_table_id == oci_core_route_table.private.id
    error_message = "api_public must leave the nodes private."
  }
}

run "a_smaller_vcn_scales_the_layout" {
  command = plan

  variables {
    cidr_block = "172.20.16.0/20"
  }

  assert {
    condition = (
      oci_core_subnet.this["nodes"].cidr_block == "172.20.16.0/22" &&
      oci_core_subnet.this["lb"].cidr_block == "172.20.20.0/24" &&
      oci_core_subnet.this["database"].cidr_block == "172.20.21.0/24" &&
      oci_core_subnet.this["api"].cidr_block == "172.20.22.0/28" &&
      oci_core_subnet.this["pods"].cidr_block == "172.20.24.0/21"
    )
    error_message = "A /20 VCN must hold the same layout, scaled."
  }
}

run "a_public_range_is_refused" {
  command = plan

  variables {
    cidr_block = "8.8.0.0/16"
  }

  expect_failures = [var.cidr_block]
}

run "a_range_beside_rfc1918_is_refused" {
  command = plan

  variables {
    cidr_block = "172.32.0.0/16"
  }

  expect_failures = [var.cidr_block]
}

run "a_range_smaller_than_a_20_is_refused" {
  command = plan

  variables {
    cidr_block = "10.0.0.0/24"
  }

  expect_failures = [var.cidr_block]
}

run "a_range_with_host_bits_is_refused" {
  command = plan

  variables {
    cidr_block = "10.0.1.0/16"
  }

  expect_failures = [var.cidr_block]
}

run "a_name_that_is_no_dns_label_is_refused" {
  command = plan

  variables {
    name = "Shop_Prod"
  }

  expect_failures = [var.name]
}

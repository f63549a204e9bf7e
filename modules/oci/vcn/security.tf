
# The security rules Oracle documents for OKE with VCN-native pod networking, as network security group
# rules between the API endpoint, the nodes and the pods (all stateful). Peers are the subnets' ranges
# (the load balancers, created by Kubernetes, carry none of these groups), the Oracle services network
# or, for outbound HTTPS through the NAT gateway, the internet. Beyond Oracle's list, the pods reach the
# kubelets (metrics-server and Prometheus read them) and the node ports and internet ports the root
# names (pod_node_ports, pod_internet_ports). Nothing enters these groups from outside the VCN: path MTU
# discovery (ICMP 3/4) is admitted from the VCN only. The API endpoint's admission of
# operators (6443 from api_allowed_cidrs) is the oke module's.

locals {
  tcp     = "6"
  icmp    = "1"
  all     = "all"
  anyhost = "0.0.0.0/0"

  # key => the group, the direction, the protocol, the peer (a range or "services"), the TCP ports.
  nsg_rules = {
    api_in_nodes_6443      = { nsg = "api", direction = "INGRESS", protocol = local.tcp, peer = local.cidrs.nodes, ports = [6443, 6443], description = "Nodes to the Kubernetes API endpoint" }
    api_in_nodes_12250     = { nsg = "api", direction = "INGRESS", protocol = local.tcp, peer = local.cidrs.nodes, ports = [12250, 12250], description = "Nodes to the control plane" }
    api_in_pods_6443       = { nsg = "api", direction = "INGRESS", protocol = local.tcp, peer = local.cidrs.pods, ports = [6443, 6443], description = "Pods to the Kubernetes API endpoint" }
    api_in_pods_12250      = { nsg = "api", direction = "INGRESS", protocol = local.tcp, peer = local.cidrs.pods, ports = [12250, 12250], description = "Pods to the control plane" }
    api_in_nodes_icmp      = { nsg = "api", direction = "INGRESS", protocol = local.icmp, peer = local.cidrs.nodes, ports = null, description = "Path discovery from the nodes" }
    api_out_services_443   = { nsg = "api", direction = "EGRESS", protocol = local.tcp, peer = "services", ports = [443, 443], description = "API endpoint to OKE in the Oracle services network" }
    api_out_services_icmp  = { nsg = "api", direction = "EGRESS", protocol = local.icmp, peer = "services", ports = null, description = "Path discovery to the Oracle services network" }
    api_out_nodes_10250    = { nsg = "api", direction = "EGRESS", protocol = local.tcp, peer = local.cidrs.nodes, ports = [10250, 10250], description = "API endpoint to the kubelets" }
    api_out_nodes_icmp     = { nsg = "api", direction = "EGRESS", protocol = local.icmp, peer = local.cidrs.nodes, ports = null, description = "Path discovery to the nodes" }
    api_out_pods_all       = { nsg = "api", direction = "EGRESS", protocol = local.all, peer = local.cidrs.pods, ports = null, description = "API endpoint to the pods (admission webhooks)" }
    nodes_in_api_10250     = { nsg = "nodes", direction = "INGRESS", protocol = local.tcp, peer = local.cidrs.api, ports = [10250, 10250], description = "API endpoint to the kubelets" }
    nodes_in_nodes_all     = { nsg = "nodes", direction = "INGRESS", protocol = local.all, peer = local.cidrs.nodes, ports = null, description = "Node to node" }
    nodes_in_lb_node_ports = { nsg = "nodes", direction = "INGRESS", protocol = local.tcp, peer = local.cidrs.lb, ports = [30000, 32767], description = "Load balancers to the NodePorts" }
    nodes_in_lb_health     = { nsg = "nodes", direction = "INGRESS", protocol = local.tcp, peer = local.cidrs.lb, ports = [10256, 10256], description = "Load balancers to kube-proxy's health check" }
    nodes_in_vcn_icmp      = { nsg = "nodes", direction = "INGRESS", protocol = local.icmp, peer = var.cidr_block, ports = null, description = "Path discovery within the VCN" }
    nodes_out_nodes_all    = { nsg = "nodes", direction = "EGRESS", protocol = local.all, peer = local.cidrs.nodes, ports = null, description = "Node to node" }
    nodes_out_pods_all     = { nsg = "nodes", direction = "EGRESS", protocol = local.all, peer = local.cidrs.pods, ports = null, description = "Nodes to the pods" }
    nodes_out_api_6443     = { nsg = "nodes", direction = "EGRESS", protocol = local.tcp, peer = local.cidrs.api, ports = [6443, 6443], description = "Nodes to the Kubernetes API endpoint" }
    nodes_out_api_12250    = { nsg = "nodes", direction = "EGRESS", protocol = local.tcp, peer = local.cidrs.api, ports = [12250, 12250], description = "Nodes to the control plane" }
    nodes_out_services     = { nsg = "nodes", direction = "EGRESS", protocol = local.tcp, peer = "services", ports = null, description = "Nodes to OKE, the registry and object storage in the Oracle services network" }
    nodes_out_icmp         = { nsg = "nodes", direction = "EGRESS", protocol = local.icmp, peer = local.anyhost, ports = null, description = "Path discovery" }
    nodes_out_https        = { nsg = "nodes", direction = "EGRESS", protocol = local.tcp, peer = local.anyhost, ports = [443, 443], description = "Nodes to internet registries over HTTPS (through the NAT gateway)" }
    nodes_out_database     = { nsg = "nodes", direction = "EGRESS", protocol = local.tcp, peer = local.cidrs.database, ports = [5432, 5432], description = "Nodes to the database" }
    pods_in_nodes_all      = { nsg = "pods", direction = "INGRESS", protocol = local.all, peer = local.cidrs.nodes, ports = null, description = "Nodes to the pods" }
    pods_in_api_all        = { nsg = "pods", direction = "INGRESS", protocol = local.all, peer = local.cidrs.api, ports = null, description = "API endpoint to the pods (admission webhooks)" }
    pods_in_pods_all       = { nsg = "pods", direction = "INGRESS", protocol = local.all, peer = local.cidrs.pods, ports = null, description = "Pod to pod" }
    pods_out_pods_all      = { nsg = "pods", direction = "EGRESS", protocol = local.all, peer = local.cidrs.pods, ports = null, description = "Pod to pod" }
    pods_out_api_6443      = { nsg = "pods", direction = "EGRESS", protocol = local.tcp, peer = local.cidrs.api, ports = [6443, 6443], description = "Pods to the Kubernetes API endpoint" }
    pods_out_api_12250     = { nsg = "pods", direction = "EGRESS", protocol = local.tcp, peer = local.cidrs.api, ports = [12250, 12250], description = "Pods to the control plane" }
    pods_out_services      = { nsg = "pods", direction = "EGRESS", protocol = local.tcp, peer = "services", ports = null, description = "Pods to the Oracle services network" }
    pods_out_services_icmp = { nsg = "pods", direction = "EGRESS", protocol = local.icmp, peer = "services", ports = null, description = "Path discovery to the Oracle services network" }
    pods_out_database      = { nsg = "pods", direction = "EGRESS", protocol = local.tcp, peer = local.cidrs.database, ports = [5432, 5432], description = "Pods to the database" }
  }

  # The ports the pods reach on the nodes (the kubelets, a node-exporter on the host network) and on the internet.
  port_names = { 80 = "HTTP", 443 = "HTTPS", 9100 = "node-exporter", 10250 = "the kubelets" }
  pod_port_rules = merge(
    var.bastion ? { api_in_bastion_6443 = { nsg = "api", direction = "INGRESS", protocol = local.tcp, peer = local.cidrs.bastion, ports = [6443, 6443], description = "Bastion sessions to the Kubernetes API endpoint" } } : {},
    { for port in var.pod_node_ports : "pods_out_nodes_${port}" => { nsg = "pods", direction = "EGRESS", protocol = local.tcp, peer = local.cidrs.nodes, ports = [port, port], description = "Pods to ${lookup(local.port_names, port, "TCP ${port}")} on the nodes" } },
    { for port in var.pod_node_ports : "nodes_in_pods_${port}" => { nsg = "nodes", direction = "INGRESS", protocol = local.tcp, peer = local.cidrs.pods, ports = [port, port], description = "Pods to ${lookup(local.port_names, port, "TCP ${port}")} on the nodes" } },
    { for port in var.pod_internet_ports : "pods_out_internet_${port}" => { nsg = "pods", direction = "EGRESS", protocol = local.tcp, peer = local.anyhost, ports = [port, port], description = "Pods to the internet over ${lookup(local.port_names, port, "TCP ${port}")} (through the NAT gateway)" } },
  )
}

# Earlier releases named the pods' HTTPS rule pods_out_https.
moved {
  from = oci_core_network_security_group_security_rule.this["pods_out_https"]
  to   = oci_core_network_security_group_security_rule.this["pods_out_internet_443"]
}

resource "oci_core_network_security_group_security_rule" "this" {
  for_each = merge(local.nsg_rules, local.pod_port_rules)

  network_security_group_id = oci_core_network_security_group.this[each.value.nsg].id
  description               = each.value.description
  direction                 = each.value.direction
  protocol                  = each.value.protocol
  stateless                 = false

  source           = each.value.direction == "INGRESS" ? (each.value.peer == "services" ? local.services.cidr_block : each.value.peer) : null
  source_type      = each.value.direction == "INGRESS" ? (each.value.peer == "services" ? "SERVICE_CIDR_BLOCK" : "CIDR_BLOCK") : null
  destination      = each.value.direction == "EGRESS" ? (each.value.peer == "services" ? local.services.cidr_block : each.value.peer) : null
  destination_type = each.value.direction == "EGRESS" ? (each.value.peer == "services" ? "SERVICE_CIDR_BLOCK" : "CIDR_BLOCK") : null

  dynamic "tcp_options" {
    for_each = each.value.ports == null ? [] : [each.value.ports]

    content {
      destination_port_range {
        min = tcp_options.value[0]
        max = tcp_options.value[1]
      }
    }
  }

  # Path MTU discovery: destination unreachable, fragmentation needed.
  dynamic "icmp_options" {
    for_each = each.value.protocol == local.icmp ? [3] : []

    content {
      type = icmp_options.value
      code = 4
    }
  }
}

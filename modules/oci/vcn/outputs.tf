output "vcn_id" {
  description = "OCID of the VCN (the oke module's vcn_id)."
  value       = oci_core_vcn.this.id
}

output "api_subnet_id" {
  description = "OCID of the Kubernetes API endpoint's subnet (public when api_public)."
  value       = oci_core_subnet.this["api"].id
}

output "nodes_subnet_id" {
  description = "OCID of the worker nodes' private subnet."
  value       = oci_core_subnet.this["nodes"].id
}

output "pods_subnet_id" {
  description = "OCID of the pods' private subnet (VCN-native pod networking)."
  value       = oci_core_subnet.this["pods"].id
}

output "lb_subnet_id" {
  description = "OCID of the public subnet of the Kubernetes load balancers."
  value       = oci_core_subnet.this["lb"].id
}

output "database_subnet_id" {
  description = "OCID of the database's private subnet."
  value       = oci_core_subnet.this["database"].id
}

output "nodes_cidr" {
  description = "Address range of the nodes' subnet (one of the database's allowed_cidrs)."
  value       = local.cidrs.nodes
}

output "pods_cidr" {
  description = "Address range of the pods' subnet (one of the database's allowed_cidrs)."
  value       = local.cidrs.pods
}

output "api_nsg_id" {
  description = "OCID of the network security group of the Kubernetes API endpoint (the oke module's api_nsg_id)."
  value       = oci_core_network_security_group.this["api"].id
}

output "nodes_nsg_id" {
  description = "OCID of the network security group of the worker nodes (the oke module's nodes_nsg_id)."
  value       = oci_core_network_security_group.this["nodes"].id
}

output "pods_nsg_id" {
  description = "OCID of the network security group of the pods (the oke module's pods_nsg_id)."
  value       = oci_core_network_security_group.this["pods"].id
}

output "bastion_subnet_id" {
  description = "OCID of the bastion's private subnet (the oci_bastion_bastion's target_subnet_id; null without bastion)."
  value       = var.bastion ? oci_core_subnet.this["bastion"].id : null
}

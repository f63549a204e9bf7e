output "vpc_id" {
  description = "ID of the virtual network."
  value       = azurerm_virtual_network.this.id
}

output "private_subnet_ids" {
  description = "Subnets for workloads (compute, AKS nodes), once their security group and NAT gateway are attached (a cluster whose outbound type is the NAT gateway needs it at creation)."
  value       = [azurerm_subnet.private.id]

  depends_on = [azurerm_subnet_network_security_group_association.private, azurerm_subnet_nat_gateway_association.private]
}

output "nat_public_ip" {
  description = "The public IP the workload subnet's outbound traffic leaves from (its NAT gateway's)."
  value       = azurerm_public_ip.nat.ip_address
}

output "database_subnet_id" {
  description = "Subnet delegated to PostgreSQL flexible servers (null without database_network)."
  value       = one(azurerm_subnet.database[*].id)
}

output "postgres_private_dns_zone_id" {
  description = "Private DNS zone of PostgreSQL flexible servers, once it is linked to the virtual network (a server needs the link at creation; null without database_network)."
  value       = one(azurerm_private_dns_zone.postgres[*].id)

  depends_on = [azurerm_private_dns_zone_virtual_network_link.postgres]
}

output "apps_subnet_id" {
  description = "Subnet delegated to the serverless compute apps_subnet names (null without it), once its security group and NAT gateway are attached."
  value       = one(azurerm_subnet.apps[*].id)

  depends_on = [azurerm_subnet_network_security_group_association.apps, azurerm_subnet_nat_gateway_association.apps]
}

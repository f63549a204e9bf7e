output "vpc_id" {
  description = "ID of the virtual network."
  value       = azurerm_virtual_network.this.id
}

output "private_subnet_ids" {
  description = "Subnets for workloads (compute, AKS nodes)."
  value       = [azurerm_subnet.private.id]
}

output "database_subnet_id" {
  description = "Subnet delegated to PostgreSQL flexible servers."
  value       = azurerm_subnet.database.id
}

output "postgres_private_dns_zone_id" {
  description = "Private DNS zone of PostgreSQL flexible servers."
  value       = azurerm_private_dns_zone.postgres.id
}

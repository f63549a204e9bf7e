output "server_id" {
  description = "ID of the flexible server (management locks, diagnostic settings)."
  value       = azurerm_postgresql_flexible_server.this.id
}

output "endpoint" {
  description = "Private FQDN of the server."
  value       = azurerm_postgresql_flexible_server.this.fqdn
}

output "password_secret" {
  description = "No password exists: clients authenticate with Microsoft Entra ID tokens."
  value       = null
}

output "multi_az" {
  description = "Whether a zone-redundant standby exists."
  value       = length(azurerm_postgresql_flexible_server.this.high_availability) > 0
}

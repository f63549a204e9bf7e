output "registry_id" {
  description = "ID of the registry (the scope of AcrPull and AcrPush role assignments)."
  value       = azurerm_container_registry.this.id
}

output "login_server" {
  description = "Host name images are pushed to and pulled from (<login_server>/<application>:<tag>)."
  value       = azurerm_container_registry.this.login_server
}

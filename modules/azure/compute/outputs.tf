output "scale_set_id" {
  description = "ID of the VM scale set."
  value       = azurerm_linux_virtual_machine_scale_set.this.id
}

output "principal_id" {
  description = "Managed identity of the instances (grant it access to data stores)."
  value       = azurerm_linux_virtual_machine_scale_set.this.identity[0].principal_id
}

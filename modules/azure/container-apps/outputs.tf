output "service_urls" {
  description = "Application name -> the URL it is served at (its domain once bound, else the environment's host name for it; a service that is not public answers inside the environment only)."
  value = { for name, s in var.services : name => (s.domain != null ? "https://${s.domain}" : "https://${azurerm_container_app.service[name].ingress[0].fqdn}")
  if s.port != null }
}

locals {
  identities_out = { for kind, ids in { service = azurerm_user_assigned_identity.service, job = azurerm_user_assigned_identity.job } :
    kind => { for name, id in ids : name => { id = id.id, name = id.name, client_id = id.client_id, principal_id = id.principal_id } }
  }
}

output "service_identities" {
  description = "Application name -> the identity it runs as (id, name, client_id for AZURE_CLIENT_ID, principal_id for role assignments)."
  value       = local.identities_out.service
}

output "job_identities" {
  description = "Job name -> the identity it runs as (id, name, client_id, principal_id)."
  value       = local.identities_out.job
}

output "custom_domain_verification_id" {
  description = "The value of the TXT record asuid.<domain> every service domain needs before it is added."
  value       = azurerm_container_app_environment.this.custom_domain_verification_id
}

output "environment_id" {
  description = "ID of the Container Apps environment."
  value       = azurerm_container_app_environment.this.id
}

output "environment_name" {
  description = "Name of the Container Apps environment (az containerapp hostname bind --environment)."
  value       = azurerm_container_app_environment.this.name
}

output "default_domain" {
  description = "The environment's own DNS suffix (<app>.<default_domain>; internal apps: <app>.internal.<default_domain>)."
  value       = azurerm_container_app_environment.this.default_domain
}

output "static_ip_address" {
  description = "The address of the environment's ingress (public when a service is public, else in the subnet): the A record of a domain."
  value       = azurerm_container_app_environment.this.static_ip_address
}

output "log_analytics_workspace_id" {
  description = "The Log Analytics workspace holding the apps' and jobs' logs."
  value       = azurerm_log_analytics_workspace.this.id
}

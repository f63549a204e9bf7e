output "service_urls" {
  description = "Application name -> the URL it is served at (its domain once bound, else its azurewebsites.net host name; an app that is not public answers the web apps' subnet only)."
  value       = { for name, s in var.services : name => s.domain != null ? "https://${s.domain}" : "https://${azurerm_linux_web_app.service[name].default_hostname}" }
}

output "service_identities" {
  description = "Application name -> the identity it runs as (id, name, client_id for AZURE_CLIENT_ID, principal_id for role assignments)."
  value = { for name, id in azurerm_user_assigned_identity.service : name => {
    id = id.id, name = id.name, client_id = id.client_id, principal_id = id.principal_id
  } }
}

output "custom_domain_verification_id" {
  description = "The value of the TXT record asuid.<domain> every domain needs before it is set (one value for the subscription's web apps)."
  value       = try(values(azurerm_linux_web_app.service)[0].custom_domain_verification_id, null)
  sensitive   = true
}

output "service_plan_id" {
  description = "ID of the App Service plan the web apps run on."
  value       = azurerm_service_plan.this.id
}

output "web_app_names" {
  description = "Application name -> its web app's name (az webapp commands)."
  value       = { for name, app in azurerm_linux_web_app.service : name => app.name }
}

output "log_analytics_workspace_id" {
  description = "The Log Analytics workspace holding the web apps' HTTP, console and platform logs."
  value       = azurerm_log_analytics_workspace.this.id
}

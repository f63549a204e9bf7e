output "cluster_name" {
  description = "Name of the AKS cluster."
  value       = azurerm_kubernetes_cluster.this.name
}

output "oidc_issuer_url" {
  description = "OIDC issuer for workload identity federation."
  value       = azurerm_kubernetes_cluster.this.oidc_issuer_url
}

output "ingress_ip" {
  description = "Static public IP of the ingress controller (null without static_ingress_ip)."
  value       = var.static_ingress_ip ? azurerm_public_ip.ingress[0].ip_address : null
}

output "ingress_ip_name" {
  description = "Name of the ingress public IP (the azure-pip-name annotation of the ingress controller's Service)."
  value       = var.static_ingress_ip ? azurerm_public_ip.ingress[0].name : null
}

output "insights_workspace_id" {
  description = "The Log Analytics workspace of container insights (null without container_insights)."
  value       = one(azurerm_log_analytics_workspace.insights[*].id)
}

output "cluster_name" {
  description = "Name of the GKE cluster."
  value       = google_container_cluster.this.name
}

output "endpoint" {
  description = "Control plane endpoint."
  value       = google_container_cluster.this.endpoint
}

output "dns_endpoint" {
  description = "The DNS-based control-plane endpoint (null without dns_endpoint): `gcloud container clusters get-credentials --dns-endpoint` writes it to the kubeconfig."
  value       = var.dns_endpoint ? google_container_cluster.this.control_plane_endpoints_config[0].dns_endpoint_config[0].endpoint : null
}

output "ingress_ip" {
  description = "Static address of the ingress controller's load balancer (null without static_ingress_ip)."
  value       = var.static_ingress_ip ? google_compute_address.ingress[0].address : null
}

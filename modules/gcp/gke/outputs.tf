output "cluster_name" {
  description = "Name of the GKE cluster."
  value       = google_container_cluster.this.name
}

output "endpoint" {
  description = "Control plane endpoint."
  value       = google_container_cluster.this.endpoint
}

output "ingress_ip" {
  description = "Static address of the ingress controller's load balancer (null without static_ingress_ip)."
  value       = var.static_ingress_ip ? google_compute_address.ingress[0].address : null
}

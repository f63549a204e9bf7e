output "vpc_id" {
  description = "ID of the VPC network."
  value       = google_compute_network.this.id
}

output "private_subnet_ids" {
  description = "Private subnet (one regional subnet)."
  value       = [google_compute_subnetwork.private.id]
}

output "private_services_connection" {
  description = "Private services access peering (Cloud SQL depends on it)."
  value       = google_service_networking_connection.private_services.id
}

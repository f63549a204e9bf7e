output "instance_group" {
  description = "Managed instance group."
  value       = google_compute_region_instance_group_manager.this.instance_group
}

output "service_account_email" {
  description = "Service account of the instances (grant it access to data stores)."
  value       = google_service_account.this.email
}

output "endpoint" {
  description = "Private IP address of the instance."
  value       = google_sql_database_instance.this.private_ip_address
}

output "instance_name" {
  description = "Name of the instance (its IAM database users are created on it)."
  value       = google_sql_database_instance.this.name
}

output "connection_name" {
  description = "Connection name for the Cloud SQL connectors."
  value       = google_sql_database_instance.this.connection_name
}

output "password_secret" {
  description = "No password exists: clients use IAM database authentication."
  value       = null
}

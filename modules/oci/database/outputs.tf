output "db_system_id" {
  description = "OCID of the PostgreSQL db system."
  value       = oci_psql_db_system.this.id
}

output "private_endpoint" {
  description = "Private IP address of the primary's endpoint in the database subnet."
  value       = oci_psql_db_system.this.network_details[0].primary_db_endpoint_private_ip
}

output "port" {
  description = "Port of the database (PostgreSQL's 5432)."
  value       = 5432
}

output "admin_username" {
  description = "Name of the admin user."
  value       = var.admin_username
}

output "password_secret_id" {
  description = "OCID of the Vault secret holding the admin password (read it with `oci secrets secret-bundle get`); never the password itself."
  value       = oci_vault_secret.admin_password.id
}

output "nsg_id" {
  description = "OCID of the database's network security group (admitting 5432 from allowed_cidrs only)."
  value       = oci_core_network_security_group.this.id
}

output "endpoint" {
  description = "Connection endpoint (host:port)."
  value       = aws_db_instance.this.endpoint
}

output "address" {
  description = "Host name of the database (the endpoint without its port)."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "Database port."
  value       = local.port
}

output "security_group_id" {
  description = "Security group of the database."
  value       = aws_security_group.this.id
}

output "master_user_secret_arn" {
  description = "Secrets Manager secret holding the generated master password (read it, never copy it into code)."
  value       = try(aws_db_instance.this.master_user_secret[0].secret_arn, null)
}

output "multi_az" {
  description = "Whether the instance has a Multi-AZ standby."
  value       = aws_db_instance.this.multi_az
}

output "resource_id" {
  description = "RDS resource ID: the rds-db:connect resource of IAM database authentication."
  value       = aws_db_instance.this.resource_id
}

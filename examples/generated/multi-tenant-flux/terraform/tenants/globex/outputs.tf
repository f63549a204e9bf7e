output "kms_key_arn" {
  description = "The tenant's own KMS key."
  value       = module.kms.key_arn
}

output "database_endpoint" {
  description = "Endpoint of the tenant database."
  value       = module.database.endpoint
}

output "database_secret" {
  description = "Secrets Manager secret of the generated master password (a reference, never the value)."
  value       = module.database.master_user_secret_arn
}

output "pod_security_group_id" {
  description = "Security group of the tenant's pods (also in the SSM parameter the cluster's SecurityGroupPolicies read)."
  value       = aws_security_group.pods.id
}

output "workload_role_arn" {
  description = "IAM role the tenant's applications get through EKS Pod Identity."
  value       = aws_iam_role.workload.arn
}

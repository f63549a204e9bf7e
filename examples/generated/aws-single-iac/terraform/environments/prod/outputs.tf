output "vpc_id" {
  description = "ID of the network."
  value       = module.vpc.vpc_id
}

output "private_subnet_ids" {
  description = "Private subnets of the environment."
  value       = module.vpc.private_subnet_ids
}

output "kms_key_arn" {
  description = "Customer-managed key encrypting this environment's data (null when AWS-managed keys are used)."
  value       = local.kms_key_arn
}

output "compute_security_group_id" {
  description = "Security group of the compute instances."
  value       = module.compute.security_group_id
}

output "database_endpoint" {
  description = "Database endpoint."
  value       = module.database.endpoint
}

output "database_secret" {
  description = "Where the generated database password lives (a secret reference, never the value)."
  value       = module.database.master_user_secret_arn
}

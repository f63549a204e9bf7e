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

output "cluster_name" {
  description = "Kubernetes cluster name."
  value       = module.eks.cluster_name
}

output "external_secrets_role_arn" {
  description = "Cloud identity of External Secrets (its ServiceAccount external-secrets/external-secrets)."
  value       = module.eks.external_secrets_role_arn
}

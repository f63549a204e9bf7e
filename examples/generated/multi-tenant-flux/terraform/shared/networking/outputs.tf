output "vpc_id" {
  description = "ID of the shared VPC (tenants find it by its tags)."
  value       = module.vpc.vpc_id
}

output "private_subnet_ids" {
  description = "Private subnets of the shared VPC."
  value       = module.vpc.private_subnet_ids
}

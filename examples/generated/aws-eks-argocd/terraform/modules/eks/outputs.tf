output "cluster_name" {
  description = "Name of the EKS cluster."
  value       = aws_eks_cluster.this.name
}

output "cluster_endpoint" {
  description = "API server endpoint."
  value       = aws_eks_cluster.this.endpoint
}

output "cluster_certificate_authority_data" {
  description = "Base64 CA certificate of the API server (a client's caData)."
  value       = aws_eks_cluster.this.certificate_authority[0].data
}

output "cluster_security_group_id" {
  description = "Security group EKS created for the cluster (allow it as a source on data stores)."
  value       = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
}

output "secrets_kms_key_arn" {
  description = "KMS key that envelope-encrypts Kubernetes Secrets."
  value       = local.kms_key_arn
}

output "node_role_arn" {
  description = "IAM role of the default node group."
  value       = aws_iam_role.node.arn
}

output "ingress_eip_allocation_ids" {
  description = "Allocation IDs of the ingress Elastic IPs (the aws-load-balancer-eip-allocations annotation), empty without them."
  value       = aws_eip.ingress[*].allocation_id
}

output "ingress_ips" {
  description = "Static public IPs of the ingress controller's Network Load Balancer, empty without them."
  value       = aws_eip.ingress[*].public_ip
}

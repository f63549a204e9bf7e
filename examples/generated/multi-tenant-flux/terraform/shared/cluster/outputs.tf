output "cluster_name" {
  description = "Name of the shared cluster."
  value       = module.eks.cluster_name
}

output "cluster_security_group_id" {
  description = "Cluster security group of the nodes: each tenant's pod security group admits it (kubelet, ingress) and is admitted by it."
  value       = module.eks.cluster_security_group_id
}

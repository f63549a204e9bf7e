output "cluster_id" {
  description = "OCID of the cluster (oci ce cluster create-kubeconfig --cluster-id <cluster_id>)."
  value       = oci_containerengine_cluster.this.id
}

output "cluster_name" {
  description = "Name of the cluster."
  value       = oci_containerengine_cluster.this.name
}

output "endpoint" {
  description = "Address (host:port) of the Kubernetes API: the private endpoint, or the public one with api_public."
  value       = try(oci_containerengine_cluster.this.endpoints[0][var.api_public ? "public_endpoint" : "private_endpoint"], null)
}

output "kubernetes_version" {
  description = "Kubernetes release the cluster runs (the newest patch of the minor version, e.g. v1.31.10)."
  value       = oci_containerengine_cluster.this.kubernetes_version
}

output "node_pool_id" {
  description = "OCID of the cluster's node pool."
  value       = oci_containerengine_node_pool.this.id
}

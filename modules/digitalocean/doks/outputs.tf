output "cluster_id" {
  description = "ID (UUID) of the cluster: the database firewall's k8s source."
  value       = digitalocean_kubernetes_cluster.this.id
}

output "cluster_urn" {
  description = "Uniform resource name of the cluster (do:kubernetes:<uuid>), for project assignments."
  value       = digitalocean_kubernetes_cluster.this.urn
}

output "cluster_name" {
  description = "Name of the cluster (doctl kubernetes cluster kubeconfig save <cluster_name>)."
  value       = digitalocean_kubernetes_cluster.this.name
}

output "endpoint" {
  description = "URL of the Kubernetes API server."
  value       = digitalocean_kubernetes_cluster.this.endpoint
}

output "kubernetes_version" {
  description = "DOKS release slug the cluster runs (e.g. 1.31.6-do.0)."
  value       = digitalocean_kubernetes_cluster.this.version
}

output "node_pool_id" {
  description = "ID of the cluster's default node pool."
  value       = digitalocean_kubernetes_cluster.this.node_pool[0].id
}

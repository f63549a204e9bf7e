output "vpc_id" {
  description = "ID (UUID) of the VPC: the cluster's vpc_uuid and the database's private_network_uuid."
  value       = digitalocean_vpc.this.id
}

output "vpc_urn" {
  description = "Uniform resource name of the VPC (do:vpc:<uuid>), for project assignments."
  value       = digitalocean_vpc.this.urn
}

output "cidr_block" {
  description = "Address range of the VPC."
  value       = digitalocean_vpc.this.ip_range
}

# Network layer (DigitalOcean): one VPC in the region, the private network of the cluster's nodes,
# its load balancers and the managed database. DigitalOcean VPCs have no subnets nor route tables:
# members reach each other privately, the internet through their own public interfaces.

resource "digitalocean_vpc" "this" {
  name        = var.name
  region      = var.region
  ip_range    = var.cidr_block
  description = var.description
}

# Network layer (GCP): a custom-mode VPC with one private subnet (Private Google Access,
# secondary ranges for GKE pods and services, flow logs), Cloud NAT for egress and private
# services access for Cloud SQL.

resource "google_compute_network" "this" {
  name                    = var.name
  auto_create_subnetworks = false
  routing_mode            = "REGIONAL"
}

resource "google_compute_subnetwork" "private" {
  name                     = "${var.name}-private"
  network                  = google_compute_network.this.id
  region                   = var.region
  ip_cidr_range            = cidrsubnet(var.cidr_block, 4, 0)
  private_ip_google_access = true

  secondary_ip_range {
    range_name    = "pods"
    ip_cidr_range = cidrsubnet(var.cidr_block, 2, 2)
  }

  secondary_ip_range {
    range_name    = "services"
    ip_cidr_range = cidrsubnet(var.cidr_block, 4, 1)
  }

  dynamic "log_config" {
    for_each = var.enable_flow_logs ? [1] : []

    content {
      aggregation_interval = "INTERVAL_5_SEC"
      flow_sampling        = 0.5
      metadata             = "INCLUDE_ALL_METADATA"
    }
  }
}

resource "google_compute_router" "this" {
  name    = "${var.name}-router"
  network = google_compute_network.this.id
  region  = var.region
}

resource "google_compute_router_nat" "this" {
  name                               = "${var.name}-nat"
  router                             = google_compute_router.this.name
  region                             = var.region
  nat_ip_allocate_option             = "AUTO_ONLY"
  source_subnetwork_ip_ranges_to_nat = "ALL_SUBNETWORKS_ALL_IP_RANGES"

  log_config {
    enable = true
    filter = "ERRORS_ONLY"
  }
}

# A tenant's own range (multi-tenant): its Cloud SQL instance takes its private IP there, and the tenant's
# NetworkPolicy allows the database port to that range only.
resource "google_compute_global_address" "tenant_database" {
  for_each = var.tenant_database_ranges

  name          = "${var.name}-${each.key}-database"
  purpose       = "VPC_PEERING"
  address_type  = "INTERNAL"
  address       = split("/", each.value)[0]
  prefix_length = tonumber(split("/", each.value)[1])
  network       = google_compute_network.this.id
}

resource "google_compute_global_address" "private_services" {
  name          = "${var.name}-private-services"
  purpose       = "VPC_PEERING"
  address_type  = "INTERNAL"
  prefix_length = 20
  network       = google_compute_network.this.id

  # allocated after the tenants' fixed ranges, so that it never takes one of them
  depends_on = [google_compute_global_address.tenant_database]
}

resource "google_service_networking_connection" "private_services" {
  network = google_compute_network.this.id
  service = "servicenetworking.googleapis.com"
  # Cloud SQL releases the peering only some time after its instance is deleted: removing the connection at destroy
  # fails while it holds it, so the peering is left to go with the network
  deletion_policy = "ABANDON"
  reserved_peering_ranges = concat(
    [google_compute_global_address.private_services.name],
    [for range in google_compute_global_address.tenant_database : range.name],
  )
}

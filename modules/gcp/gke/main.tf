# Kubernetes layer (GCP): a regional GKE cluster with private nodes and a private control-plane
# endpoint (or a public one limited to master authorized networks; optionally the IAM-authorized
# DNS-based endpoint beside the private one), Dataplane V2 network policies, Workload Identity,
# Shielded nodes, application-layer secrets encryption with the customer-managed key when given,
# one autoscaling node pool (optionally beside a fixed system pool tainted CriticalAddonsOnly)
# and an optional static address for the ingress controller.

resource "google_service_account" "nodes" {
  account_id   = substr("${var.name}-nodes", 0, 30)
  display_name = "GKE nodes of ${var.name}"
}

# What a node's own service account needs (logs, metrics, node metadata): a custom one starts with no role, and the
# nodes' logs and metrics are then lost.
resource "google_project_iam_member" "nodes" {
  project = var.project_id
  role    = "roles/container.defaultNodeServiceAccount"
  member  = "serviceAccount:${google_service_account.nodes.email}"
}

# The control plane of a private cluster reaches the nodes on 443 and 10250 only (GKE's own firewall rule): an
# admission webhook served on another port, as ingress-nginx's on 8443, times out, and the API server refuses every
# Ingress (cert-manager's HTTP-01 solvers' too).
resource "google_compute_firewall" "control_plane_webhooks" {
  name                    = "${var.name}-control-plane-webhooks"
  network                 = var.vpc_id
  direction               = "INGRESS"
  source_ranges           = [var.master_ipv4_cidr_block]
  target_service_accounts = [google_service_account.nodes.email]

  allow {
    protocol = "tcp"
    ports    = ["8443"]
  }
}

resource "google_container_cluster" "this" {
  name                     = var.name
  location                 = var.region
  network                  = var.vpc_id
  subnetwork               = var.subnet_id
  min_master_version       = var.kubernetes_version
  remove_default_node_pool = true
  initial_node_count       = 1
  datapath_provider        = "ADVANCED_DATAPATH"
  enable_shielded_nodes    = true
  deletion_protection      = var.deletion_protection

  # Clients authenticate with Google identities (Workload Identity, IAM), never a client certificate.
  master_auth {
    client_certificate_config {
      issue_client_certificate = false
    }
  }

  # The Regular channel offers the versions in standard support; one past it is only created (and kept) in the
  # Extended channel, until its extended support ends.
  release_channel {
    channel = var.extended_support ? "EXTENDED" : "REGULAR"
  }

  ip_allocation_policy {
    cluster_secondary_range_name  = "pods"
    services_secondary_range_name = "services"
  }

  # Dataplane V2 enforces NetworkPolicy itself; the Calico add-on stays off.
  network_policy {
    enabled = false
  }

  private_cluster_config {
    enable_private_nodes    = true
    enable_private_endpoint = !var.api_public
    master_ipv4_cidr_block  = var.master_ipv4_cidr_block
  }

  # With dns_endpoint, kubectl, `flux bootstrap` and CI reach a private control plane from outside the VPC through its
  # DNS-based endpoint, which admits only callers Google IAM authorizes (container.clusters.connect); the IP endpoint
  # stays private.
  dynamic "control_plane_endpoints_config" {
    for_each = var.dns_endpoint ? [1] : []

    content {
      dns_endpoint_config {
        allow_external_traffic = true
      }
    }
  }

  master_authorized_networks_config {
    dynamic "cidr_blocks" {
      for_each = var.api_authorized_cidrs

      content {
        cidr_block = cidr_blocks.value
      }
    }
  }

  # Google Groups for RBAC: a RoleBinding's Group subject is a Google Group's address, resolved through this group.
  dynamic "authenticator_groups_config" {
    for_each = var.rbac_security_group == null ? [] : [1]

    content {
      security_group = var.rbac_security_group
    }
  }

  workload_identity_config {
    workload_pool = "${var.project_id}.svc.id.goog"
  }

  dynamic "database_encryption" {
    for_each = var.kms_key_id == null ? [] : [1]

    content {
      state    = "ENCRYPTED"
      key_name = var.kms_key_id
    }
  }
}

# The node pool of the plan's figures: "user" beside the system pool, else "default".
resource "google_container_node_pool" "default" {
  name     = var.system_node_pool ? "user" : "default"
  cluster  = google_container_cluster.this.id
  location = var.region

  # Node counts are totals across the region's zones (the plan states nodes per environment).
  autoscaling {
    total_min_node_count = var.node_min_size
    total_max_node_count = var.node_max_size
  }

  management {
    auto_repair  = true
    auto_upgrade = true
  }

  node_config {
    machine_type      = var.node_instance_type
    spot              = var.spot_nodes
    service_account   = google_service_account.nodes.email
    oauth_scopes      = ["https://www.googleapis.com/auth/cloud-platform"]
    boot_disk_kms_key = var.kms_key_id
    labels            = var.labels

    workload_metadata_config {
      mode = "GKE_METADATA"
    }

    shielded_instance_config {
      enable_secure_boot          = true
      enable_integrity_monitoring = true
    }
  }
}

# A small fixed pool for critical add-ons (system_node_count nodes per zone).
resource "google_container_node_pool" "system" {
  count = var.system_node_pool ? 1 : 0

  name       = "system"
  cluster    = google_container_cluster.this.id
  location   = var.region
  node_count = var.system_node_count

  management {
    auto_repair  = true
    auto_upgrade = true
  }

  node_config {
    machine_type      = var.system_node_machine_type
    service_account   = google_service_account.nodes.email
    oauth_scopes      = ["https://www.googleapis.com/auth/cloud-platform"]
    boot_disk_kms_key = var.kms_key_id
    labels            = merge(var.labels, { "node-role" = "system" })

    taint {
      key    = "CriticalAddonsOnly"
      value  = "true"
      effect = "NO_SCHEDULE"
    }

    workload_metadata_config {
      mode = "GKE_METADATA"
    }

    shielded_instance_config {
      enable_secure_boot          = true
      enable_integrity_monitoring = true
    }
  }
}

# Static regional address of the ingress controller's load balancer (its Service's loadBalancerIP).
resource "google_compute_address" "ingress" {
  count = var.static_ingress_ip ? 1 : 0

  name         = "${var.name}-ingress"
  region       = var.region
  address_type = "EXTERNAL"
  network_tier = "PREMIUM"
}

# Kubernetes layer (DigitalOcean): a DOKS cluster in the environment's VPC on the newest patch release
# of the plan's minor version, with one node pool (autoscaling between node_min_size and node_max_size,
# or fixed when they are equal), surge upgrades, an optional highly available control plane and, with
# api_allowed_cidrs, a control plane firewall admitting only those networks.

# The newest DOKS release of the minor version (e.g. 1.31.6-do.0 for 1.31): the plan pins the minor, a
# new patch release reaches the cluster with the next apply (or in the maintenance window with auto_upgrade).
data "digitalocean_kubernetes_versions" "this" {
  version_prefix = "${var.kubernetes_version}."

  lifecycle {
    postcondition {
      condition     = self.latest_version != null && self.latest_version != ""
      error_message = "DigitalOcean offers no Kubernetes ${var.kubernetes_version} release: pick a minor version from `doctl kubernetes options versions`."
    }
  }
}

locals {
  # A pool autoscales between distinct bounds; equal bounds keep a fixed node count.
  autoscale = var.node_min_size < var.node_max_size
}

resource "digitalocean_kubernetes_cluster" "this" {
  name     = var.name
  region   = var.region
  version  = data.digitalocean_kubernetes_versions.this.latest_version
  vpc_uuid = var.vpc_id
  ha       = var.ha

  # Patch releases arrive through the plan (the version above), or in the maintenance window when
  # auto_upgrade is on; surge upgrades replace nodes with fresh ones before draining the old ones.
  auto_upgrade  = var.auto_upgrade
  surge_upgrade = true

  registry_integration = var.registry_integration

  maintenance_policy {
    day        = var.maintenance_day
    start_time = var.maintenance_start_time
  }

  dynamic "control_plane_firewall" {
    for_each = length(var.api_allowed_cidrs) > 0 ? [var.api_allowed_cidrs] : []

    content {
      enabled           = true
      allowed_addresses = control_plane_firewall.value
    }
  }

  node_pool {
    name       = "${var.name}-default"
    size       = var.node_size
    auto_scale = local.autoscale
    min_nodes  = local.autoscale ? var.node_min_size : null
    max_nodes  = local.autoscale ? var.node_max_size : null
    node_count = local.autoscale ? null : var.node_min_size
    tags       = var.tags
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.node_min_size <= var.node_max_size
      error_message = "node_min_size (${var.node_min_size}) must not exceed node_max_size (${var.node_max_size})."
    }
  }
}

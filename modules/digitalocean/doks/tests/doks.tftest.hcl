# Needs the digitalocean provider: `terraform init -backend=false && terraform test` (mocked provider).

mock_provider "digitalocean" {}

# The releases DigitalOcean offers for the minor version, newest first.
override_data {
  target = data.digitalocean_kubernetes_versions.this
  values = {
    latest_version = "1.31.6-do.0"
    valid_versions = ["1.31.6-do.0", "1.31.1-do.5"]
  }
}

variables {
  name               = "shop-prod"
  region             = "fra1"
  kubernetes_version = "1.31"
  vpc_id             = "9f3c2a4e-1b2d-4c5e-8f6a-7b8c9d0e1f2a"
}

run "the_cluster_runs_the_newest_patch_release_in_the_vpc" {
  command = plan

  assert {
    condition     = data.digitalocean_kubernetes_versions.this.version_prefix == "1.31."
    error_message = "The releases must be looked up under the plan's minor version (prefix 1.31.)."
  }

  assert {
    condition     = digitalocean_kubernetes_cluster.this.version == "1.31.6-do.0" && output.kubernetes_version == "1.31.6-do.0"
    error_message = "The cluster must run the newest patch release of the minor version."
  }

  assert {
    condition     = digitalocean_kubernetes_cluster.this.vpc_uuid == "9f3c2a4e-1b2d-4c5e-8f6a-7b8c9d0e1f2a"
    error_message = "The cluster must join the environment's VPC."
  }

  assert {
    condition     = digitalocean_kubernetes_cluster.this.region == "fra1" && output.cluster_name == "shop-prod"
    error_message = "The cluster must be named after the environment and lie in the VPC's region."
  }
}

run "secure_and_pinned_defaults" {
  command = plan

  assert {
    condition     = digitalocean_kubernetes_cluster.this.auto_upgrade == false
    error_message = "The plan pins the version: DigitalOcean must not upgrade the cluster by itself."
  }

  assert {
    condition     = digitalocean_kubernetes_cluster.this.surge_upgrade == true
    error_message = "Upgrades must surge new nodes before draining the old ones."
  }

  assert {
    condition     = digitalocean_kubernetes_cluster.this.registry_integration == true
    error_message = "The cluster must pull from the account's container registry by default."
  }

  assert {
    condition     = digitalocean_kubernetes_cluster.this.ha == false
    error_message = "Without ha the control plane must not be highly available (it cannot be turned off later)."
  }

  assert {
    condition     = digitalocean_kubernetes_cluster.this.maintenance_policy[0].day == "sunday" && digitalocean_kubernetes_cluster.this.maintenance_policy[0].start_time == "04:00"
    error_message = "The maintenance window must default to Sunday 04:00 UTC."
  }

  assert {
    condition     = length(digitalocean_kubernetes_cluster.this.control_plane_firewall) == 0
    error_message = "Without api_allowed_cidrs no control plane firewall is configured."
  }
}

run "distinct_bounds_give_an_autoscaling_pool" {
  command = plan

  assert {
    condition = (
      digitalocean_kubernetes_cluster.this.node_pool[0].auto_scale == true &&
      digitalocean_kubernetes_cluster.this.node_pool[0].min_nodes == 2 &&
      digitalocean_kubernetes_cluster.this.node_pool[0].max_nodes == 3 &&
      digitalocean_kubernetes_cluster.this.node_pool[0].node_count == null
    )
    error_message = "With node_min_size < node_max_size the pool must autoscale between them (no fixed count)."
  }

  assert {
    condition     = digitalocean_kubernetes_cluster.this.node_pool[0].size == "s-2vcpu-4gb"
    error_message = "The nodes must default to s-2vcpu-4gb."
  }
}

run "equal_bounds_give_a_fixed_pool" {
  command = plan

  variables {
    node_min_size = 3
    node_max_size = 3
    node_size     = "s-4vcpu-8gb"
  }

  assert {
    condition = (
      digitalocean_kubernetes_cluster.this.node_pool[0].auto_scale == false &&
      digitalocean_kubernetes_cluster.this.node_pool[0].node_count == 3 &&
      digitalocean_kubernetes_cluster.this.node_pool[0].min_nodes == null &&
      digitalocean_kubernetes_cluster.this.node_pool[0].max_nodes == null
    )
    error_message = "With node_min_size == node_max_size the pool must keep that fixed node count."
  }

  assert {
    condition     = digitalocean_kubernetes_cluster.this.node_pool[0].size == "s-4vcpu-8gb"
    error_message = "The nodes must follow node_size."
  }
}

run "production_settings_follow_the_inputs" {
  command = plan

  variables {
    ha                     = true
    auto_upgrade           = true
    registry_integration   = false
    maintenance_day        = "saturday"
    maintenance_start_time = "02:30"
    api_allowed_cidrs      = ["203.0.113.0/24", "198.51.100.7/32"]
    tags                   = ["shop", "env:prod"]
  }

  assert {
    condition     = digitalocean_kubernetes_cluster.this.ha == true
    error_message = "ha must give a highly available control plane."
  }

  assert {
    condition     = digitalocean_kubernetes_cluster.this.auto_upgrade == true && digitalocean_kubernetes_cluster.this.registry_integration == false
    error_message = "auto_upgrade and registry_integration must follow the inputs."
  }

  assert {
    condition     = digitalocean_kubernetes_cluster.this.maintenance_policy[0].day == "saturday" && digitalocean_kubernetes_cluster.this.maintenance_policy[0].start_time == "02:30"
    error_message = "The maintenance window must follow the inputs."
  }

  assert {
    condition = (
      digitalocean_kubernetes_cluster.this.control_plane_firewall[0].enabled == true &&
      digitalocean_kubernetes_cluster.this.control_plane_firewall[0].allowed_addresses == tolist(["203.0.113.0/24", "198.51.100.7/32"])
    )
    error_message = "With api_allowed_cidrs the control plane firewall must be on and admit exactly those ranges."
  }

  assert {
    condition     = digitalocean_kubernetes_cluster.this.tags == toset(["shop", "env:prod"]) && digitalocean_kubernetes_cluster.this.node_pool[0].tags == toset(["shop", "env:prod"])
    error_message = "The cluster and its nodes must carry the tags."
  }
}

run "a_patch_version_is_refused" {
  command = plan

  variables {
    kubernetes_version = "1.31.2"
  }

  expect_failures = [var.kubernetes_version]
}

run "a_minor_version_without_a_release_is_refused" {
  command = plan

  override_data {
    target = data.digitalocean_kubernetes_versions.this
    values = {
      latest_version = ""
      valid_versions = []
    }
  }

  expect_failures = [data.digitalocean_kubernetes_versions.this]
}

run "min_above_max_is_refused" {
  command = plan

  variables {
    node_min_size = 4
    node_max_size = 3
  }

  expect_failures = [digitalocean_kubernetes_cluster.this]
}

run "a_pool_of_zero_nodes_is_refused" {
  command = plan

  variables {
    node_min_size = 0
  }

  expect_failures = [var.node_min_size]
}

run "an_open_firewall_rule_is_refused" {
  command = plan

  variables {
    api_allowed_cidrs = ["0.0.0.0/0"]
  }

  expect_failures = [var.api_allowed_cidrs]
}

run "a_tag_outside_the_charset_is_refused" {
  command = plan

  variables {
    tags = ["env=prod"]
  }

  expect_failures = [var.tags]
}

# Needs the google provider: `terraform init -backend=false && terraform test` (mocked provider).

mock_provider "google" {}

variables {
  name               = "test"
  project_id         = "demo"
  region             = "europe-west1"
  kubernetes_version = "1.29"
  vpc_id             = "projects/p/global/networks/n"
  subnet_id          = "projects/p/regions/europe-west1/subnetworks/s"
  node_instance_type = "n2-standard-4"
  kms_key_id         = "projects/p/locations/europe-west1/keyRings/r/cryptoKeys/k"
}

run "private_nodes_and_encrypted_secrets" {
  command = plan

  assert {
    condition     = google_container_cluster.this.private_cluster_config[0].enable_private_nodes == true
    error_message = "Nodes must be private."
  }

  assert {
    condition     = google_container_cluster.this.database_encryption[0].state == "ENCRYPTED"
    error_message = "Secrets must be encrypted with the customer-managed key."
  }

  assert {
    condition     = google_container_cluster.this.datapath_provider == "ADVANCED_DATAPATH"
    error_message = "NetworkPolicies must be enforced (GKE Dataplane V2)."
  }
}

run "spot_nodes_run_the_autoscaling_pool_on_spot_vms" {
  command = plan

  variables {
    spot_nodes = true
  }

  assert {
    condition     = google_container_node_pool.default.node_config[0].spot == true
    error_message = "spot_nodes must run the autoscaling pool on Spot VMs."
  }
}

run "a_version_past_standard_support_is_in_the_extended_channel" {
  command = plan

  variables {
    extended_support = true
  }

  assert {
    condition     = google_container_cluster.this.release_channel[0].channel == "EXTENDED"
    error_message = "GKE offers a version past its standard support only in the Extended release channel."
  }
}

run "a_supported_version_is_in_the_regular_channel" {
  command = plan

  assert {
    condition     = google_container_cluster.this.release_channel[0].channel == "REGULAR"
    error_message = "Without extended support the cluster follows the Regular release channel."
  }
}

run "a_private_control_plane_opens_its_dns_endpoint_to_iam" {
  command = plan

  variables {
    dns_endpoint = true
  }

  assert {
    condition     = google_container_cluster.this.control_plane_endpoints_config[0].dns_endpoint_config[0].allow_external_traffic
    error_message = "dns_endpoint lets IAM-authorized callers reach the private control plane from outside the VPC."
  }

  assert {
    condition     = google_container_cluster.this.private_cluster_config[0].enable_private_endpoint
    error_message = "The IP endpoint stays private beside the DNS-based endpoint."
  }
}

run "google_groups_for_rbac_name_the_security_group" {
  command = plan

  variables {
    rbac_security_group = "gke-security-groups@acme.example.com"
  }

  assert {
    condition     = google_container_cluster.this.authenticator_groups_config[0].security_group == "gke-security-groups@acme.example.com"
    error_message = "RoleBindings resolve Google Groups through the cluster's gke-security-groups group."
  }
}

run "the_nodes_have_their_role_and_the_control_plane_reaches_the_webhooks" {
  command = plan

  assert {
    condition     = google_project_iam_member.nodes.role == "roles/container.defaultNodeServiceAccount"
    error_message = "The nodes' own service account needs the default node role (logs, metrics)."
  }

  assert {
    condition     = google_compute_firewall.control_plane_webhooks.source_ranges == toset(["172.16.0.0/28"]) && one(google_compute_firewall.control_plane_webhooks.allow).ports == tolist(["8443"])
    error_message = "The private control plane reaches ingress-nginx's admission webhook on the nodes (8443)."
  }
}

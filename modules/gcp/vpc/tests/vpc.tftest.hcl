# Needs the google provider: `terraform init -backend=false && terraform test` (mocked provider).

mock_provider "google" {}

variables {
  name   = "test"
  region = "europe-west1"
}

run "private_google_access_and_flow_logs" {
  command = plan

  assert {
    condition     = google_compute_subnetwork.private.private_ip_google_access == true
    error_message = "Private Google Access must be on."
  }

  assert {
    condition     = length(google_compute_subnetwork.private.log_config) == 1
    error_message = "Flow logs must be on by default."
  }
}

run "tenant_database_ranges_join_the_connection" {
  command = plan

  variables {
    tenant_database_ranges = { acme = "10.0.192.0/24" }
  }

  assert {
    condition     = google_compute_global_address.tenant_database["acme"].address == "10.0.192.0" && google_compute_global_address.tenant_database["acme"].prefix_length == 24
    error_message = "A tenant's range must be reserved at its CIDR."
  }

  assert {
    condition     = contains(google_service_networking_connection.private_services.reserved_peering_ranges, "test-acme-database")
    error_message = "A tenant's range must join the private services connection."
  }
}

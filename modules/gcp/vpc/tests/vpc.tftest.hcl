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

# Needs the google provider: `terraform init -backend=false && terraform test` (mocked provider).

mock_provider "google" {}

variables {
  name          = "test"
  region        = "europe-west1"
  subnet_id     = "projects/p/regions/europe-west1/subnetworks/s"
  instance_type = "n2-standard-4"
}

run "shielded_vms_without_external_ips" {
  command = plan

  assert {
    condition     = google_compute_instance_template.this.shielded_instance_config[0].enable_secure_boot == true
    error_message = "Secure boot must be on."
  }

  assert {
    condition     = length(google_compute_instance_template.this.network_interface[0].access_config) == 0
    error_message = "Instances must not have external IPs."
  }
}

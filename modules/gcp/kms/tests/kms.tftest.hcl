# Needs the google provider: `terraform init -backend=false && terraform test` (mocked provider).

mock_provider "google" {}

variables {
  name   = "test"
  region = "europe-west1"
}

run "key_rotates_every_90_days" {
  command = plan

  assert {
    condition     = google_kms_crypto_key.this.rotation_period == "7776000s"
    error_message = "The key must rotate every 90 days."
  }
}

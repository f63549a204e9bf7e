# Needs the google provider: `terraform init -backend=false && terraform test` (mocked provider).

mock_provider "google" {}

variables {
  name   = "hivec-prod"
  region = "us-central1"
}

run "tags_are_immutable" {
  command = plan

  assert {
    condition     = google_artifact_registry_repository.this.docker_config[0].immutable_tags == true && google_artifact_registry_repository.this.format == "DOCKER"
    error_message = "A Docker repository whose tags are never moved."
  }
}

run "a_repository_id_is_checked" {
  command = plan

  variables {
    name = "Hivec_Prod"
  }

  expect_failures = [var.name]
}

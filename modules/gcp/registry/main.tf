# Image registry (GCP): the environment's Artifact Registry Docker repository. A tag once pushed is never moved
# (a release is a new tag), and Cloud Run pulls from it with its own service agent (same project: no grant needed).

resource "google_artifact_registry_repository" "this" {
  repository_id = var.name
  location      = var.region
  format        = "DOCKER"
  description   = "Application images of ${var.name}."
  labels        = var.labels

  docker_config {
    immutable_tags = true
  }
}

output "repository_id" {
  description = "ID of the repository."
  value       = google_artifact_registry_repository.this.id
}

output "url" {
  description = "The repository's address: images are pushed as <url>/<application>:<tag>."
  value       = "${google_artifact_registry_repository.this.location}-docker.pkg.dev/${google_artifact_registry_repository.this.project}/${google_artifact_registry_repository.this.repository_id}"
}

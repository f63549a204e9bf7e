
# Cloud identity of External Secrets (appended to the module's main.tf): a Google service account
# the controller's ServiceAccount external-secrets/external-secrets impersonates through Workload
# Identity (roles/iam.workloadIdentityUser), allowed to read the project's Secret Manager secrets.
# No key. Its e-mail (output external_secrets_gsa_email) goes on that ServiceAccount
# (iam.gke.io/gcp-service-account, the External Secrets Application's values).

variable "external_secrets" {
  type        = bool
  description = "Create External Secrets' Google service account, a Secret Manager reader of project_id."
  default     = false
}

resource "google_service_account" "external_secrets" {
  count = var.external_secrets ? 1 : 0

  project      = var.project_id
  account_id   = trimsuffix("eso-${substr(var.name, 0, 26)}", "-")
  display_name = "External Secrets of ${var.name}"
}

resource "google_service_account_iam_member" "external_secrets" {
  count = var.external_secrets ? 1 : 0

  service_account_id = google_service_account.external_secrets[0].name
  role               = "roles/iam.workloadIdentityUser"
  member             = "serviceAccount:${var.project_id}.svc.id.goog[external-secrets/external-secrets]"
}

resource "google_project_iam_member" "external_secrets" {
  count = var.external_secrets ? 1 : 0

  project = var.project_id
  role    = "roles/secretmanager.secretAccessor"
  member  = "serviceAccount:${google_service_account.external_secrets[0].email}"
}

output "external_secrets_gsa_email" {
  description = "E-mail of External Secrets' Google service account (null without external_secrets)."
  value       = var.external_secrets ? google_service_account.external_secrets[0].email : null
}

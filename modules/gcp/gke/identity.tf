
# Cloud identity of External Secrets (appended to the module's main.tf): the controller's ServiceAccount
# external-secrets/external-secrets is itself granted roles/secretmanager.secretAccessor on project_id, as a
# principal of the cluster's workload identity pool (Workload Identity Federation for GKE, direct resource access).
# No Google service account, no key, no annotation on the ServiceAccount: nothing to copy from Terraform to Git.

variable "external_secrets" {
  type        = bool
  description = "Grant External Secrets' ServiceAccount (external-secrets/external-secrets) read access to project_id's Secret Manager secrets."
  default     = false
}

data "google_project" "this" {
  count = var.external_secrets ? 1 : 0

  project_id = var.project_id
}

resource "google_project_iam_member" "external_secrets" {
  count = var.external_secrets ? 1 : 0

  project = var.project_id
  role    = "roles/secretmanager.secretAccessor"
  member  = "principal://iam.googleapis.com/projects/${data.google_project.this[0].number}/locations/global/workloadIdentityPools/${var.project_id}.svc.id.goog/subject/ns/external-secrets/sa/external-secrets"
}

output "external_secrets_principal" {
  description = "IAM principal of External Secrets' ServiceAccount, granted Secret Manager access (null without external_secrets)."
  value       = var.external_secrets ? google_project_iam_member.external_secrets[0].member : null
}

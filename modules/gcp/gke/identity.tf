
# Cloud identity of External Secrets (appended to the module's main.tf): the controller's ServiceAccount
# external-secrets/external-secrets is itself granted roles/secretmanager.secretAccessor on project_id, as a
# principal of the cluster's workload identity pool (Workload Identity Federation for GKE, direct resource access),
# on the secrets whose IDs start with one of external_secrets_name_prefixes only (an IAM condition).
# No Google service account, no key, no annotation on the ServiceAccount: nothing to copy from Terraform to Git.

variable "external_secrets" {
  type        = bool
  description = "Grant External Secrets' ServiceAccount (external-secrets/external-secrets) read access to project_id's Secret Manager secrets."
  default     = false
}

variable "external_secrets_name_prefixes" {
  type        = list(string)
  description = "Secret Manager secret ID prefixes External Secrets may read (e.g. shop-prod-: one environment's secrets); empty grants every secret of project_id."
  default     = []
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

  dynamic "condition" {
    for_each = length(var.external_secrets_name_prefixes) > 0 ? [var.external_secrets_name_prefixes] : []
    content {
      title       = "external-secrets-scope"
      description = "Only the secrets whose IDs start with the given prefixes."
      expression  = join(" || ", [for prefix in condition.value : "resource.name.startsWith(\"projects/${data.google_project.this[0].number}/secrets/${prefix}\")"])
    }
  }
}

output "external_secrets_principal" {
  description = "IAM principal of External Secrets' ServiceAccount, granted Secret Manager access (null without external_secrets)."
  value       = var.external_secrets ? google_project_iam_member.external_secrets[0].member : null
}

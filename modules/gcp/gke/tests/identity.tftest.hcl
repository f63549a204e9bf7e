
# External Secrets' Workload Identity (appended to gke.tftest.hcl, whose mocked provider it uses).

run "external_secrets_impersonates_its_service_account" {
  command = plan

  variables {
    external_secrets = true
  }

  assert {
    condition     = google_service_account_iam_member.external_secrets[0].member == "serviceAccount:demo.svc.id.goog[external-secrets/external-secrets]"
    error_message = "Only the External Secrets controller's ServiceAccount may impersonate it."
  }

  assert {
    condition     = google_project_iam_member.external_secrets[0].role == "roles/secretmanager.secretAccessor"
    error_message = "External Secrets may only read Secret Manager secrets."
  }
}

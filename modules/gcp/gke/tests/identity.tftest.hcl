
# External Secrets' Workload Identity (appended to gke.tftest.hcl, whose mocked provider it uses).

run "external_secrets_reads_its_environments_secrets" {
  command = plan

  variables {
    external_secrets               = true
    external_secrets_name_prefixes = ["shop-prod-"]
  }

  assert {
    condition     = endswith(google_project_iam_member.external_secrets[0].member, "/subject/ns/external-secrets/sa/external-secrets")
    error_message = "Only the External Secrets controller's ServiceAccount is granted."
  }

  assert {
    condition     = google_project_iam_member.external_secrets[0].role == "roles/secretmanager.secretAccessor"
    error_message = "External Secrets may only read Secret Manager secrets."
  }

  assert {
    condition     = strcontains(google_project_iam_member.external_secrets[0].condition[0].expression, "/secrets/shop-prod-\")")
    error_message = "The grant is limited to the environment's secret IDs."
  }
}

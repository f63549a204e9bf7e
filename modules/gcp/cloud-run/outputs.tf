output "service_urls" {
  description = "Application name -> the URL it is served at (a service that is not public answers from the environment's network only)."
  value       = { for name, s in local.sized : name => google_cloud_run_v2_service.this[name].uri if !s.worker && s.schedule == null }
}

output "service_identities" {
  description = "Application name -> the email of the service account it runs as (grant it what the application needs)."
  value       = { for name, account in google_service_account.this : name => account.email }
}

output "database_users" {
  description = "Application name -> its IAM database user (DATABASE_USER), which the README's GRANTs name."
  value       = local.database_users
}

output "job_names" {
  description = "Scheduled application name -> its Cloud Run job (gcloud run jobs execute runs it now)."
  value       = { for name, job in google_cloud_run_v2_job.this : name => job.name }
}

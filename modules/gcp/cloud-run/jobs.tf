# Scheduled applications (a `schedule`): each a Cloud Run job, run by a Cloud Scheduler job on its cron schedule (UTC)
# as a service account that may run exactly these jobs. A run is one task, retried once, stopped after 30 minutes;
# its traffic leaves through the environment's subnet as the services' does.

locals {
  jobs = { for name, s in local.sized : name => s if s.schedule != null }
}

resource "google_cloud_run_v2_job" "this" {
  for_each = local.jobs

  name                = "${var.name}-${each.key}"
  project             = var.project_id
  location            = var.region
  deletion_protection = var.deletion_protection
  labels              = var.labels

  template {
    task_count = 1

    template {
      service_account       = google_service_account.this[each.key].email
      execution_environment = "EXECUTION_ENVIRONMENT_GEN2"
      max_retries           = 1
      timeout               = "1800s"

      vpc_access {
        egress = "ALL_TRAFFIC"

        network_interfaces {
          subnetwork = var.subnet_id
        }
      }

      containers {
        name  = each.key
        image = each.value.image

        resources {
          limits = {
            cpu    = tostring(each.value.cpu)
            memory = "${each.value.memory_mib}Mi"
          }
        }

        dynamic "env" {
          for_each = local.environment[each.key]
          content {
            name  = env.key
            value = env.value
          }
        }

        dynamic "env" {
          for_each = each.value.secrets
          content {
            name = env.key
            value_source {
              secret_key_ref {
                secret  = env.value
                version = "latest"
              }
            }
          }
        }
      }
    }
  }

  lifecycle {
    precondition {
      condition     = length("${var.name}-${each.key}") <= 63
      error_message = "A Cloud Run job's name, <name>-<job>, is at most 63 characters: shorten the job's or the project's name."
    }
  }

  # a run whose identity may not read its secrets or sign in to the database yet fails
  depends_on = [google_secret_manager_secret_iam_member.this, google_project_iam_member.database]
}

resource "google_service_account" "scheduler" {
  count = length(local.jobs) > 0 ? 1 : 0

  project      = var.project_id
  account_id   = "scheduler-${substr(sha1(var.name), 0, 8)}"
  display_name = "${var.name} Cloud Scheduler (runs the Cloud Run jobs)"
}

resource "google_cloud_run_v2_job_iam_member" "scheduler" {
  for_each = local.jobs

  project  = var.project_id
  location = var.region
  name     = google_cloud_run_v2_job.this[each.key].name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.scheduler[0].email}"
}

resource "google_cloud_scheduler_job" "this" {
  for_each = local.jobs

  name             = "${var.name}-${each.key}"
  project          = var.project_id
  region           = var.region
  schedule         = each.value.schedule
  time_zone        = "Etc/UTC"
  attempt_deadline = "60s"

  # a start that fails is retried (the job's own failures are its max_retries)
  retry_config {
    retry_count          = 3
    min_backoff_duration = "60s"
  }

  http_target {
    http_method = "POST"
    uri         = "https://run.googleapis.com/v2/projects/${var.project_id}/locations/${var.region}/jobs/${google_cloud_run_v2_job.this[each.key].name}:run"

    oauth_token {
      service_account_email = google_service_account.scheduler[0].email
      scope                 = "https://www.googleapis.com/auth/cloud-platform"
    }
  }

  depends_on = [google_cloud_run_v2_job_iam_member.scheduler]
}

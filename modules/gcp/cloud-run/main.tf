# Serverless compute (GCP): the plan's applications as Cloud Run services (its scheduled ones as Cloud Run jobs). Every
# service sends all its traffic through the environment's subnet (Direct VPC egress): it reaches the database's
# private address and the environment's internal services that way, and the internet through Cloud NAT. A public
# service is served on the internet; one that is not takes requests from the environment's network only.

locals {
  # Cloud Run's sizes: 1, 2, 4, 6 or 8 vCPUs, each with at most 4 GiB of memory per vCPU and at least 512 MiB in all. A
  # stated size takes the smallest one holding both its CPU and its memory.
  sized = { for name, s in var.services : name => merge(s, {
    cpu        = [for size in [1, 2, 4, 6, 8] : size if size >= max(s.cpu, s.memory_mib / 4096)][0]
    memory_mib = max(ceil(s.memory_mib), 512)
    port       = coalesce(s.port, 8080)
    worker     = s.port == null
  }) }
  # each application's environment variables: its own, and where it uses the database, where that is and its user
  environment = { for name, s in var.services : name => merge(s.env, s.database ? var.database.env : {}, s.database ? {
    DATABASE_USER = local.database_users[name]
  } : {}) }
}

resource "google_cloud_run_v2_service" "this" {
  for_each = { for name, s in local.sized : name => s if s.schedule == null }

  name                = "${var.name}-${each.key}"
  project             = var.project_id
  location            = var.region
  deletion_protection = var.deletion_protection
  labels              = var.labels
  # who reaches a service is the ingress: the internet for a public one, the environment's network for the others
  ingress              = each.value.public && !each.value.worker ? "INGRESS_TRAFFIC_ALL" : "INGRESS_TRAFFIC_INTERNAL_ONLY"
  invoker_iam_disabled = !each.value.worker

  template {
    service_account       = google_service_account.this[each.key].email
    execution_environment = "EXECUTION_ENVIRONMENT_GEN2"

    scaling {
      min_instance_count = each.value.min_instances
      max_instance_count = each.value.max_instances
    }

    vpc_access {
      egress = "ALL_TRAFFIC"

      network_interfaces {
        subnetwork = var.subnet_id
      }
    }

    containers {
      name  = each.key
      image = each.value.image

      ports {
        container_port = each.value.port
      }

      resources {
        limits = {
          cpu    = tostring(each.value.cpu)
          memory = "${each.value.memory_mib}Mi"
        }
        # a worker has no requests to be given CPU for: it keeps its CPU between them
        cpu_idle          = !each.value.worker
        startup_cpu_boost = true
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

      dynamic "startup_probe" {
        for_each = each.value.worker ? [] : [each.value.health_path]
        content {
          period_seconds    = 5
          failure_threshold = 24

          http_get {
            path = startup_probe.value
            port = each.value.port
          }
        }
      }

      dynamic "liveness_probe" {
        for_each = each.value.worker ? [] : [each.value.health_path]
        content {
          period_seconds = 10

          http_get {
            path = liveness_probe.value
            port = each.value.port
          }
        }
      }
    }
  }

  traffic {
    type    = "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST"
    percent = 100
  }

  lifecycle {
    precondition {
      condition     = length("${var.name}-${each.key}") <= 49
      error_message = "A Cloud Run service's name, <name>-<service>, is at most 49 characters: shorten the service's or the project's name."
    }
  }

  # a revision whose identity may not read its secrets or sign in to the database yet fails to start
  depends_on = [google_secret_manager_secret_iam_member.this, google_project_iam_member.database]
}

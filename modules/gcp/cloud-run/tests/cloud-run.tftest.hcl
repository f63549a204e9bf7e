# Needs the google provider: `terraform init -backend=false && terraform test` (mocked provider).

mock_provider "google" {}

variables {
  name       = "hivec-prod"
  project_id = "hivec-prod-123"
  region     = "us-central1"
  subnet_id  = "projects/hivec-prod-123/regions/us-central1/subnetworks/hivec-prod-private"
  services = {
    backend = {
      image      = "us-central1-docker.pkg.dev/hivec-prod-123/hivec-prod/backend:1.0.0"
      port       = 8080
      public     = false
      memory_mib = 6144
      database   = true
      secrets    = { OPENAI_API_KEY = "projects/hivec-prod-123/secrets/openai-api-key" }
    }
    frontend = {
      image = "us-central1-docker.pkg.dev/hivec-prod-123/hivec-prod/frontend:1.0.0"
      port  = 3000
    }
  }
  database = {
    instance = "hivec-prod"
    env      = { DATABASE_HOST = "10.10.0.3", DATABASE_NAME = "app" }
  }
}

run "public_and_internal_ingress" {
  command = plan

  assert {
    condition     = google_cloud_run_v2_service.this["frontend"].ingress == "INGRESS_TRAFFIC_ALL" && google_cloud_run_v2_service.this["backend"].ingress == "INGRESS_TRAFFIC_INTERNAL_ONLY"
    error_message = "Only a public service is served on the internet."
  }

  assert {
    condition     = google_cloud_run_v2_service.this["backend"].template[0].vpc_access[0].egress == "ALL_TRAFFIC"
    error_message = "Every service's traffic leaves through the subnet."
  }
}

run "memory_sets_the_cpu" {
  command = plan

  assert {
    condition     = google_cloud_run_v2_service.this["backend"].template[0].containers[0].resources[0].limits.cpu == "2" && google_cloud_run_v2_service.this["frontend"].template[0].containers[0].resources[0].limits.memory == "512Mi"
    error_message = "6 GiB needs 2 vCPUs; memory is at least 512 MiB."
  }
}

run "only_database_clients_get_a_database_user_and_only_their_secrets" {
  command = plan

  assert {
    condition     = keys(google_sql_user.this) == ["backend"] && google_sql_user.this["backend"].type == "CLOUD_IAM_SERVICE_ACCOUNT"
    error_message = "The backend alone signs in to the database, as an IAM user."
  }

  assert {
    condition     = keys(google_secret_manager_secret_iam_member.this) == ["backend/OPENAI_API_KEY"]
    error_message = "A service reads exactly the secrets it names."
  }
}

run "a_worker_needs_an_instance" {
  command = plan

  variables {
    services = {
      exporter = {
        image         = "us-central1-docker.pkg.dev/hivec-prod-123/hivec-prod/exporter:1.0.0"
        min_instances = 0
      }
    }
  }

  expect_failures = [var.services]
}

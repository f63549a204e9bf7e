# Needs the google provider: `terraform init -backend=false && terraform test` (mocked provider).

mock_provider "google" {}

variables {
  name           = "test"
  region         = "europe-west1"
  instance_class = "db-custom-4-16384"
  vpc_id         = "projects/p/global/networks/n"
}

run "production_regional_with_pitr" {
  command = plan

  variables {
    multi_az    = true
    rpo_minutes = 60
  }

  assert {
    condition     = google_sql_database_instance.this.settings[0].availability_type == "REGIONAL"
    error_message = "Production must be REGIONAL."
  }

  assert {
    condition     = google_sql_database_instance.this.settings[0].backup_configuration[0].point_in_time_recovery_enabled == true
    error_message = "Point-in-time recovery must be on."
  }

  assert {
    condition     = google_sql_database_instance.this.settings[0].ip_configuration[0].ipv4_enabled == false
    error_message = "No public IP."
  }
}

run "development_zonal" {
  command = plan

  assert {
    condition     = google_sql_database_instance.this.settings[0].availability_type == "ZONAL"
    error_message = "Non-production must be ZONAL."
  }
}

run "mysql_binary_logs_and_stated_disk" {
  command = plan

  variables {
    engine         = "mysql"
    engine_version = "8.0"
    disk_size_gb   = 100
    rpo_minutes    = 5
  }

  assert {
    condition     = google_sql_database_instance.this.database_version == "MYSQL_8_0"
    error_message = "The stated MySQL version is pinned."
  }

  assert {
    condition     = google_sql_database_instance.this.settings[0].backup_configuration[0].binary_log_enabled == true
    error_message = "MySQL point-in-time recovery needs binary logs."
  }

  assert {
    condition     = google_sql_database_instance.this.settings[0].disk_size == 100
    error_message = "The stated disk size is used."
  }
}

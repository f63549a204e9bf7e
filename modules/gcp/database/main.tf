# Data layer (GCP): Cloud SQL with a private IP only, TLS required, IAM database
# authentication (no password is generated or stored), REGIONAL availability when
# multi_az, point-in-time recovery sized to the plan's RPO (PostgreSQL: point-in-time
# recovery, MySQL: binary logs) and the customer-managed key.

locals {
  is_postgres = var.engine == "postgres"
  # POSTGRES_<major> (e.g. 16 from 16.4), MYSQL_<major>_<minor> (e.g. 8_0).
  database_version = local.is_postgres ? "POSTGRES_${split(".", var.engine_version)[0]}" : "MYSQL_${join("_", slice(split(".", "${var.engine_version}.0"), 0, 2))}"
}

resource "google_sql_database_instance" "this" {
  name                = var.name
  region              = var.region
  database_version    = local.database_version
  encryption_key_name = var.kms_key_id
  deletion_protection = var.deletion_protection

  settings {
    tier                        = var.instance_class
    edition                     = "ENTERPRISE"
    availability_type           = var.multi_az ? "REGIONAL" : "ZONAL"
    disk_size                   = var.disk_size_gb
    disk_autoresize             = true
    deletion_protection_enabled = var.deletion_protection
    user_labels                 = var.labels

    ip_configuration {
      ipv4_enabled                                  = false
      private_network                               = var.vpc_id
      allocated_ip_range                            = var.allocated_ip_range
      ssl_mode                                      = "ENCRYPTED_ONLY"
      enable_private_path_for_google_cloud_services = true
    }

    backup_configuration {
      enabled                        = var.backup_retention_days > 0
      point_in_time_recovery_enabled = local.is_postgres && var.backup_retention_days > 0
      binary_log_enabled             = !local.is_postgres && var.backup_retention_days > 0
      transaction_log_retention_days = min(max(var.backup_retention_days, 1), 7)
      start_time                     = "02:00"

      backup_retention_settings {
        retained_backups = max(var.backup_retention_days, 1)
      }
    }

    # IAM database authentication (the flag is spelled differently per engine)
    database_flags {
      name  = local.is_postgres ? "cloudsql.iam_authentication" : "cloudsql_iam_authentication"
      value = "on"
    }

    dynamic "database_flags" {
      for_each = var.access_logging ? ["log_connections", "log_disconnections"] : []

      content {
        name  = database_flags.value
        value = "on"
      }
    }
  }

  lifecycle {
    precondition {
      condition     = var.rpo_minutes == 0 || var.backup_retention_days >= 1
      error_message = "An RPO is stated: point-in-time recovery needs backup_retention_days >= 1."
    }
  }
}

resource "google_sql_database" "app" {
  name     = var.database_name
  instance = google_sql_database_instance.this.name
}

# Needs the digitalocean provider: `terraform init -backend=false && terraform test` (mocked provider).

mock_provider "digitalocean" {
  # What DigitalOcean reports once the cluster exists (the admin's credentials, which the app never gets).
  mock_resource "digitalocean_database_cluster" {
    defaults = {
      private_host = "private-shop-prod-do-user-1.f.db.ondigitalocean.com"
      port         = 25060
      user         = "doadmin"
      password     = "admin-secret"
      database     = "defaultdb"
    }
  }

  mock_resource "digitalocean_database_user" {
    defaults = {
      password = "app-secret"
    }
  }
}

variables {
  name                  = "shop-prod"
  region                = "fra1"
  engine_version        = "16"
  vpc_id                = "9f3c2a4e-1b2d-4c5e-8f6a-7b8c9d0e1f2a"
  kubernetes_cluster_id = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
  database_name         = "shop"
}

run "only_the_kubernetes_cluster_is_admitted" {
  command = plan

  assert {
    condition     = length(digitalocean_database_firewall.this.rule) == 1
    error_message = "The database firewall must hold exactly one rule."
  }

  assert {
    condition = alltrue([for rule in digitalocean_database_firewall.this.rule :
    rule.type == "k8s" && rule.value == "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"])
    error_message = "The firewall's one rule must admit the Kubernetes cluster (type k8s, its ID) and nothing else."
  }
}

run "the_cluster_lies_in_the_vpc_with_the_default_sizing" {
  command = plan

  assert {
    condition     = digitalocean_database_cluster.this.private_network_uuid == "9f3c2a4e-1b2d-4c5e-8f6a-7b8c9d0e1f2a"
    error_message = "The database must join the environment's VPC."
  }

  assert {
    condition = (
      digitalocean_database_cluster.this.engine == "pg" &&
      digitalocean_database_cluster.this.version == "16" &&
      digitalocean_database_cluster.this.size == "db-s-1vcpu-2gb" &&
      digitalocean_database_cluster.this.node_count == 1
    )
    error_message = "By default the database must be one db-s-1vcpu-2gb PostgreSQL node of the given version."
  }

  assert {
    condition     = digitalocean_database_cluster.this.maintenance_window[0].day == "sunday" && digitalocean_database_cluster.this.maintenance_window[0].hour == "03:00"
    error_message = "The maintenance window must default to Sunday 03:00 UTC."
  }

  assert {
    condition     = digitalocean_database_db.app[0].name == "shop" && digitalocean_database_user.app[0].name == "app"
    error_message = "The application's database and user must be created."
  }
}

run "production_sizing_follows_the_inputs" {
  command = plan

  variables {
    size             = "db-s-2vcpu-4gb"
    node_count       = 3
    storage_size_mib = 61440
    maintenance_day  = "saturday"
    maintenance_hour = "02:00"
    tags             = ["shop", "env:prod"]
  }

  assert {
    condition     = digitalocean_database_cluster.this.size == "db-s-2vcpu-4gb" && digitalocean_database_cluster.this.node_count == 3
    error_message = "size and node_count (two standby nodes) must follow the inputs."
  }

  assert {
    condition     = digitalocean_database_cluster.this.storage_size_mib == "61440"
    error_message = "storage_size_mib must follow the input."
  }

  assert {
    condition     = digitalocean_database_cluster.this.maintenance_window[0].day == "saturday" && digitalocean_database_cluster.this.maintenance_window[0].hour == "02:00"
    error_message = "The maintenance window must follow the inputs."
  }

  assert {
    condition     = digitalocean_database_cluster.this.tags == toset(["shop", "env:prod"])
    error_message = "The database cluster must carry the tags."
  }
}

# The connection details are computed by DigitalOcean: this run applies against the mocked provider
# (nothing is created) so that the mocked host, port and passwords are known.
run "the_private_uri_names_the_app_user_and_database" {
  command = apply

  assert {
    condition     = output.private_uri == "postgresql://app:app-secret@private-shop-prod-do-user-1.f.db.ondigitalocean.com:25060/shop?sslmode=require"
    error_message = "private_uri must connect the app user to the app database over the private host with TLS."
  }

  assert {
    condition     = output.user_name == "app" && output.password == "app-secret" && output.database_name == "shop"
    error_message = "The outputs must give the app user's credentials and database, not the admin's."
  }

  assert {
    condition     = output.private_host == "private-shop-prod-do-user-1.f.db.ondigitalocean.com" && output.port == 25060
    error_message = "The private host and port must be the cluster's."
  }
}

run "a_mysql_uri_names_the_app_user_and_database" {
  command = apply

  variables {
    engine         = "mysql"
    engine_version = "8"
  }

  assert {
    condition     = output.private_uri == "mysql://app:app-secret@private-shop-prod-do-user-1.f.db.ondigitalocean.com:25060/shop?ssl-mode=REQUIRED"
    error_message = "A MySQL private_uri must connect the app user to the app database with TLS required."
  }
}

run "valkey_has_neither_databases_nor_users" {
  command = apply

  variables {
    engine         = "valkey"
    engine_version = "8"
  }

  assert {
    condition     = length(digitalocean_database_db.app) == 0 && length(digitalocean_database_user.app) == 0
    error_message = "Valkey has no logical databases nor users to create."
  }

  assert {
    condition     = output.database_name == null && output.private_uri == "rediss://doadmin:admin-secret@private-shop-prod-do-user-1.f.db.ondigitalocean.com:25060"
    error_message = "A Valkey private_uri must use TLS (rediss) with the cluster's one user."
  }
}

run "oracle_is_refused" {
  command = plan

  variables {
    engine = "oracle"
  }

  expect_failures = [var.engine]
}

run "four_nodes_are_refused" {
  command = plan

  variables {
    node_count = 4
  }

  expect_failures = [var.node_count]
}

run "kafka_needs_three_nodes" {
  command = plan

  variables {
    engine         = "kafka"
    engine_version = "3.7"
  }

  expect_failures = [digitalocean_database_cluster.this]
}

run "the_admin_user_is_refused_as_the_app_user" {
  command = plan

  variables {
    user_name = "doadmin"
  }

  expect_failures = [var.user_name]
}

# Data layer (DigitalOcean): a managed database cluster in the environment's VPC whose firewall admits
# the Kubernetes cluster alone (one rule of type k8s: its nodes and pods; no address, Droplet nor App),
# with the application's database and user. DigitalOcean generates the user's password; the
# application connects over the private network with TLS (private_uri).

locals {
  # Engines with logical databases, and engines with users besides the default one (Valkey has neither).
  has_databases = contains(["pg", "mysql", "mongodb"], var.engine)
  has_users     = var.engine != "valkey"

  user_name     = local.has_users ? digitalocean_database_user.app[0].name : digitalocean_database_cluster.this.user
  user_password = local.has_users ? digitalocean_database_user.app[0].password : digitalocean_database_cluster.this.password
  database      = local.has_databases ? digitalocean_database_db.app[0].name : null

  credentials = "${urlencode(local.user_name)}:${urlencode(local.user_password)}"
  address     = "${digitalocean_database_cluster.this.private_host}:${digitalocean_database_cluster.this.port}"
  path        = local.has_databases ? "/${local.database}" : ""
  # The application's connection over the private network, TLS required, per engine. MongoDB's users
  # authenticate against the admin database; Kafka's clients take the bootstrap address and the SASL
  # credentials apart; Valkey has the default user only.
  private_uri = {
    pg         = "postgresql://${local.credentials}@${local.address}${local.path}?sslmode=require"
    mysql      = "mysql://${local.credentials}@${local.address}${local.path}?ssl-mode=REQUIRED"
    mongodb    = "mongodb+srv://${local.credentials}@${digitalocean_database_cluster.this.private_host}${local.path}?tls=true&authSource=admin"
    valkey     = "rediss://${local.credentials}@${local.address}"
    kafka      = local.address
    opensearch = "https://${local.credentials}@${local.address}"
  }[var.engine]
}

resource "digitalocean_database_cluster" "this" {
  name                 = var.name
  engine               = var.engine
  version              = var.engine_version
  size                 = var.size
  region               = var.region
  node_count           = var.node_count
  storage_size_mib     = var.storage_size_mib == null ? null : tostring(var.storage_size_mib)
  private_network_uuid = var.vpc_id

  maintenance_window {
    day  = var.maintenance_day
    hour = var.maintenance_hour
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.engine != "kafka" || var.node_count == 3
      error_message = "A Kafka cluster needs node_count = 3 on DigitalOcean."
    }
  }
}

# Trusted sources: the Kubernetes cluster only. Without a rule a DigitalOcean database admits every address.
resource "digitalocean_database_firewall" "this" {
  cluster_id = digitalocean_database_cluster.this.id

  rule {
    type  = "k8s"
    value = var.kubernetes_cluster_id
  }
}

resource "digitalocean_database_db" "app" {
  count = local.has_databases ? 1 : 0

  cluster_id = digitalocean_database_cluster.this.id
  name       = var.database_name
}

resource "digitalocean_database_user" "app" {
  count = local.has_users ? 1 : 0

  cluster_id = digitalocean_database_cluster.this.id
  name       = var.user_name
}

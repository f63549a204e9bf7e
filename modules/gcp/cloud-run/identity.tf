# One service account per service: it is what the application runs as, reads exactly its own secrets and, when it
# uses the database, signs in to it as an IAM database user (no password exists).

resource "google_service_account" "this" {
  for_each = var.services

  project = var.project_id
  # 6-30 characters: the service's name, shortened, and a hash that keeps environments of one project apart
  account_id   = "${trimsuffix(substr(each.key, 0, 21), "-")}-${substr(sha1("${var.name}/${each.key}"), 0, 8)}"
  display_name = "${var.name} ${each.key} (Cloud Run)"
}

locals {
  # (service, secret) pairs: each secret is readable by the services naming it
  secret_reads = merge([for name, s in var.services : {
    for variable, id in s.secrets : "${name}/${variable}" => { service = name, secret = id }
  }]...)
  database_clients = { for name, s in var.services : name => s if s.database }
  # a database client may connect to the project's Cloud SQL instances and sign in as its IAM user
  database_roles = merge([for name in keys(local.database_clients) : {
    for role in ["roles/cloudsql.client", "roles/cloudsql.instanceUser"] : "${name}/${role}" => { service = name, role = role }
  }]...)
}

resource "google_secret_manager_secret_iam_member" "this" {
  for_each = local.secret_reads

  project   = var.project_id
  secret_id = each.value.secret
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.this[each.value.service].email}"
}

resource "google_project_iam_member" "database" {
  for_each = local.database_roles

  project = var.project_id
  role    = each.value.role
  member  = "serviceAccount:${google_service_account.this[each.value.service].email}"
}

# The service account as a database user (PostgreSQL: its email without .gserviceaccount.com; MySQL: its email, signed
# in to as the part before @): it holds no privileges on the application's database until they are granted (README).
resource "google_sql_user" "this" {
  for_each = local.database_clients

  project  = var.project_id
  instance = var.database.instance
  name     = var.database.engine == "postgres" ? trimsuffix(google_service_account.this[each.key].email, ".gserviceaccount.com") : google_service_account.this[each.key].email
  type     = "CLOUD_IAM_SERVICE_ACCOUNT"

  lifecycle {
    precondition {
      condition     = var.database != null
      error_message = "A service uses the database: set database to the Cloud SQL instance."
    }
  }
}

locals {
  # the name a client signs in as: the user's name on PostgreSQL, the part before @ on MySQL
  database_users = { for name, user in google_sql_user.this : name => var.database.engine == "postgres" ? user.name : split("@", user.name)[0] }
}

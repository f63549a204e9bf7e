# Needs the oci provider: `terraform init -backend=false && terraform test` (mocked provider).

mock_provider "oci" {
  mock_resource "oci_vault_secret" {
    defaults = {
      id                     = "ocid1.vaultsecret.oc1.eu-frankfurt-1.admin"
      current_version_number = "1"
    }
  }

  mock_resource "oci_core_network_security_group" {
    defaults = {
      id = "ocid1.networksecuritygroup.oc1.eu-frankfurt-1.database"
    }
  }

  # What the service reports once the db system exists.
  mock_resource "oci_psql_db_system" {
    defaults = {
      id = "ocid1.postgresqldbsystem.oc1.eu-frankfurt-1.shop"
    }
  }
}

override_data {
  target = data.oci_core_subnet.this
  values = {
    vcn_id = "ocid1.vcn.oc1.eu-frankfurt-1.shop"
  }
}

override_data {
  target = data.oci_identity_availability_domains.this
  values = {
    availability_domains = [
      { id = "ad1", name = "Uocm:EU-FRANKFURT-1-AD-1", compartment_id = "ocid1.tenancy.oc1..shop" },
      { id = "ad2", name = "Uocm:EU-FRANKFURT-1-AD-2", compartment_id = "ocid1.tenancy.oc1..shop" },
    ]
  }
}

variables {
  name           = "shop-prod"
  compartment_id = "ocid1.compartment.oc1..shop"
  engine_version = "16"
  subnet_id      = "ocid1.subnet.oc1.eu-frankfurt-1.database"
  allowed_cidrs  = ["10.0.0.0/18", "10.0.128.0/17"]
  vault_id       = "ocid1.vault.oc1.eu-frankfurt-1.shop"
  key_id         = "ocid1.key.oc1.eu-frankfurt-1.shop"
}

run "the_default_db_system_is_one_small_regionally_durable_instance" {
  command = plan

  assert {
    condition = (
      oci_psql_db_system.this.db_version == "16" &&
      oci_psql_db_system.this.shape == "PostgreSQL.VM.Standard.E5.Flex" &&
      oci_psql_db_system.this.instance_ocpu_count == 2 &&
      oci_psql_db_system.this.instance_memory_size_in_gbs == 32 &&
      oci_psql_db_system.this.instance_count == 1
    )
    error_message = "By default the db system must be one PostgreSQL 16 instance of 2 OCPUs and 32 GB on PostgreSQL.VM.Standard.E5.Flex."
  }

  assert {
    condition     = oci_psql_db_system.this.storage_details[0].is_regionally_durable && oci_psql_db_system.this.storage_details[0].availability_domain == null
    error_message = "By default the storage must be regionally durable (no availability domain)."
  }

  assert {
    condition     = oci_psql_db_system.this.management_policy[0].backup_policy[0].kind == "DAILY" && oci_psql_db_system.this.management_policy[0].backup_policy[0].retention_days == 7
    error_message = "Backups must be daily, kept 7 days by default."
  }
}

run "engine_version_instances_and_storage_follow_the_inputs" {
  command = plan

  variables {
    engine_version            = "15"
    instance_count            = 3
    instance_ocpus            = 4
    instance_memory_gbs       = 64
    storage_high_availability = false
    admin_username            = "shop_admin"
    freeform_tags             = { project = "shop" }
  }

  assert {
    condition = (
      oci_psql_db_system.this.db_version == "15" &&
      oci_psql_db_system.this.instance_count == 3 &&
      oci_psql_db_system.this.instance_ocpu_count == 4 &&
      oci_psql_db_system.this.instance_memory_size_in_gbs == 64
    )
    error_message = "engine_version, instance_count, instance_ocpus and instance_memory_gbs must follow the inputs."
  }

  assert {
    condition     = !oci_psql_db_system.this.storage_details[0].is_regionally_durable && oci_psql_db_system.this.storage_details[0].availability_domain == "Uocm:EU-FRANKFURT-1-AD-1"
    error_message = "AD-local storage must lie in the region's first availability domain."
  }

  assert {
    condition     = oci_psql_db_system.this.credentials[0].username == "shop_admin"
    error_message = "The admin user must follow admin_username."
  }

  assert {
    condition     = oci_psql_db_system.this.freeform_tags == tomap({ project = "shop" }) && oci_vault_secret.admin_password.freeform_tags == tomap({ project = "shop" })
    error_message = "The db system and its secret must carry the freeform tags."
  }
}

run "the_postgres_user_is_refused" {
  command = plan

  variables {
    admin_username = "postgres"
  }

  expect_failures = [var.admin_username]
}

run "five_instances_are_refused" {
  command = plan

  variables {
    instance_count = 5
  }

  expect_failures = [var.instance_count]
}

run "the_whole_internet_is_refused" {
  command = plan

  variables {
    allowed_cidrs = ["0.0.0.0/0"]
  }

  expect_failures = [var.allowed_cidrs]
}

run "a_public_network_is_refused" {
  command = plan

  variables {
    allowed_cidrs = ["10.0.0.0/18", "203.0.113.0/24"]
  }

  expect_failures = [var.allowed_cidrs]
}

run "no_allowed_network_is_refused" {
  command = plan

  variables {
    allowed_cidrs = []
  }

  expect_failures = [var.allowed_cidrs]
}

run "an_engine_version_that_is_no_major_is_refused" {
  command = plan

  variables {
    engine_version = "16.4"
  }

  expect_failures = [var.engine_version]
}

# Runs that apply against the mocked provider (nothing is created) so that the ids are known.
run "only_the_allowed_cidrs_reach_5432" {
  command = apply

  assert {
    condition     = oci_core_network_security_group.this.vcn_id == "ocid1.vcn.oc1.eu-frankfurt-1.shop"
    error_message = "The database's network security group must live in the database subnet's VCN."
  }

  assert {
    condition = (
      toset([for rule in oci_core_network_security_group_security_rule.clients : rule.source]) == toset(["10.0.0.0/18", "10.0.128.0/17"]) &&
      alltrue([for rule in oci_core_network_security_group_security_rule.clients :
        rule.network_security_group_id == "ocid1.networksecuritygroup.oc1.eu-frankfurt-1.database" &&
        rule.direction == "INGRESS" && rule.protocol == "6" && !rule.stateless &&
        rule.tcp_options[0].destination_port_range[0].min == 5432 && rule.tcp_options[0].destination_port_range[0].max == 5432
      ])
    )
    error_message = "The database's group must admit TCP 5432 from the allowed CIDRs, and nothing else."
  }

  assert {
    condition = (
      oci_psql_db_system.this.network_details[0].subnet_id == "ocid1.subnet.oc1.eu-frankfurt-1.database" &&
      oci_psql_db_system.this.network_details[0].nsg_ids == toset(["ocid1.networksecuritygroup.oc1.eu-frankfurt-1.database"])
    )
    error_message = "The db system must sit in the database subnet behind its network security group."
  }

  assert {
    condition     = output.port == 5432 && output.db_system_id == "ocid1.postgresqldbsystem.oc1.eu-frankfurt-1.shop"
    error_message = "The outputs must give the db system and PostgreSQL's port."
  }
}

run "the_admin_password_is_a_generated_vault_secret" {
  command = apply

  assert {
    condition = (
      oci_vault_secret.admin_password.enable_auto_generation &&
      oci_vault_secret.admin_password.secret_generation_context[0].generation_type == "PASSPHRASE" &&
      oci_vault_secret.admin_password.secret_generation_context[0].generation_template == "DBAAS_DEFAULT_PASSWORD" &&
      length(oci_vault_secret.admin_password.secret_content) == 0
    )
    error_message = "The admin password must be generated by OCI Vault, never given as secret content."
  }

  assert {
    condition = (
      oci_vault_secret.admin_password.vault_id == "ocid1.vault.oc1.eu-frankfurt-1.shop" &&
      oci_vault_secret.admin_password.key_id == "ocid1.key.oc1.eu-frankfurt-1.shop"
    )
    error_message = "The secret must live in the given vault, encrypted with the given key."
  }

  assert {
    condition = (
      oci_psql_db_system.this.credentials[0].username == "app_admin" &&
      oci_psql_db_system.this.credentials[0].password_details[0].password_type == "VAULT_SECRET" &&
      oci_psql_db_system.this.credentials[0].password_details[0].secret_id == "ocid1.vaultsecret.oc1.eu-frankfurt-1.admin" &&
      oci_psql_db_system.this.credentials[0].password_details[0].secret_version == "1"
    )
    error_message = "The db system must read the admin password from the Vault secret's current version."
  }

  assert {
    condition     = output.password_secret_id == "ocid1.vaultsecret.oc1.eu-frankfurt-1.admin" && output.admin_username == "app_admin"
    error_message = "password_secret_id must give the secret's OCID and admin_username the admin user."
  }
}

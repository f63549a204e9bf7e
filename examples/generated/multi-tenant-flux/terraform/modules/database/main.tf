# Data layer: one RDS instance in private subnets. Encrypted at rest (customer-managed
# key when given), TLS enforced, master password generated and kept in Secrets Manager
# by RDS (never in code, tfvars or state), automated backups sized to the plan's RPO.

locals {
  is_postgres    = var.engine == "postgres"
  port           = local.is_postgres ? 5432 : 3306
  major_version  = split(".", var.engine_version)[0]
  family         = local.is_postgres ? "postgres${local.major_version}" : "${var.engine}${join(".", slice(split(".", var.engine_version), 0, 2))}"
  log_exports    = local.is_postgres ? ["postgresql", "upgrade"] : ["error", "slowquery"]
  tls_parameter  = local.is_postgres ? "rds.force_ssl" : "require_secure_transport"
  log_parameters = local.is_postgres ? { log_connections = "1", log_disconnections = "1" } : {}
  replica        = var.replicate_source_db != null
}

resource "aws_db_subnet_group" "this" {
  name_prefix = "${var.name}-"
  description = "Private subnets of ${var.name}"
  subnet_ids  = var.subnet_ids

  tags = var.tags
}

resource "aws_security_group" "this" {
  name_prefix = "${var.name}-db-"
  description = "Database of ${var.name}: accepts its port from the listed sources only."
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-db" })

  lifecycle {
    create_before_destroy = true
  }
}

# count (not for_each): the source security group IDs are usually unknown until apply.
resource "aws_vpc_security_group_ingress_rule" "from_security_groups" {
  count = length(var.allowed_security_group_ids)

  security_group_id            = aws_security_group.this.id
  description                  = "Database port from an allowed security group"
  ip_protocol                  = "tcp"
  from_port                    = local.port
  to_port                      = local.port
  referenced_security_group_id = var.allowed_security_group_ids[count.index]
}

resource "aws_vpc_security_group_ingress_rule" "from_cidrs" {
  count = length(var.allowed_cidr_blocks)

  security_group_id = aws_security_group.this.id
  description       = "Database port from ${var.allowed_cidr_blocks[count.index]}"
  ip_protocol       = "tcp"
  from_port         = local.port
  to_port           = local.port
  cidr_ipv4         = var.allowed_cidr_blocks[count.index]
}

resource "aws_db_parameter_group" "this" {
  name_prefix = "${var.name}-"
  family      = local.family
  description = "TLS-only connections${var.access_logging ? " and connection logging" : ""} for ${var.name}"

  parameter {
    name         = local.tls_parameter
    value        = "1"
    apply_method = "pending-reboot"
  }

  dynamic "parameter" {
    for_each = var.access_logging ? local.log_parameters : {}

    content {
      name  = parameter.key
      value = parameter.value
    }
  }

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

# The exported logs' groups, created before the instance with this environment's retention and key: RDS would create
# them itself, kept forever and with CloudWatch Logs' own encryption.
resource "aws_cloudwatch_log_group" "exports" {
  for_each = toset(var.access_logging ? local.log_exports : [])

  name              = "/aws/rds/instance/${var.name}/${each.value}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn

  tags = var.tags
}

resource "aws_db_instance" "this" {
  identifier          = var.name
  replicate_source_db = var.replicate_source_db
  engine              = local.replica ? null : var.engine
  engine_version      = local.replica ? null : var.engine_version
  instance_class      = var.instance_class
  db_name             = local.replica ? null : var.database_name
  port                = local.port

  # a read replica takes the source's master user and password
  username                      = local.replica ? null : var.master_username
  manage_master_user_password   = local.replica ? null : true
  master_user_secret_kms_key_id = local.replica ? null : var.kms_key_arn

  allocated_storage     = var.allocated_storage
  max_allocated_storage = max(var.max_allocated_storage, ceil(var.allocated_storage * 1.25)) # RDS: >= 10 % above
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = var.kms_key_arn

  multi_az               = var.multi_az
  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.this.id]
  publicly_accessible    = false
  parameter_group_name   = aws_db_parameter_group.this.name

  iam_database_authentication_enabled = true
  enabled_cloudwatch_logs_exports     = var.access_logging ? local.log_exports : []
  monitoring_interval                 = var.monitoring_interval
  monitoring_role_arn                 = var.monitoring_interval > 0 ? aws_iam_role.monitoring[0].arn : null

  backup_retention_period    = var.backup_retention_days
  backup_window              = var.backup_window
  maintenance_window         = var.maintenance_window
  copy_tags_to_snapshot      = true
  delete_automated_backups   = false
  deletion_protection        = var.deletion_protection
  skip_final_snapshot        = !var.deletion_protection
  final_snapshot_identifier  = "${var.name}-final"
  auto_minor_version_upgrade = true
  apply_immediately          = false

  tags = var.tags

  # RDS writes to the log groups above, never to ones of its own; it refuses a monitoring role not yet allowed to publish
  depends_on = [aws_cloudwatch_log_group.exports, aws_iam_role_policy_attachment.monitoring]

  lifecycle {
    precondition {
      condition     = var.rpo_minutes == 0 || var.backup_retention_days >= 1
      error_message = "An RPO is stated: automated backups (point-in-time recovery) need backup_retention_days >= 1."
    }

    precondition {
      condition     = var.rpo_minutes == 0 || var.rpo_minutes >= 5
      error_message = "RDS point-in-time recovery gives an RPO of about 5 minutes; a tighter RPO needs a replica-based design."
    }
  }
}

# Enhanced Monitoring: OS metrics (CPU steal, memory, disk queue) that CloudWatch's instance
# metrics lack, published by RDS under this role.
data "aws_partition" "current" {}

resource "aws_iam_role" "monitoring" {
  count = var.monitoring_interval > 0 ? 1 : 0

  name_prefix = "rds-monitoring-"
  description = "RDS Enhanced Monitoring of ${var.name}"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "monitoring.rds.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "monitoring" {
  count = var.monitoring_interval > 0 ? 1 : 0

  role       = aws_iam_role.monitoring[0].name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

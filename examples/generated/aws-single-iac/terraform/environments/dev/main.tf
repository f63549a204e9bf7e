locals {
  name        = "${var.project}-${var.environment}"
  kms_key_arn = var.customer_managed_kms ? module.kms[0].key_arn : null
}

# Customer-managed key for this environment's data at rest (compliance or explicit requirement).
module "kms" {
  source = "../../modules/kms"
  count  = var.customer_managed_kms ? 1 : 0

  alias       = local.name
  description = "Data at rest of ${local.name}"
}

module "vpc" {
  source = "../../modules/vpc"

  name               = local.name
  cidr_block         = var.vpc_cidr
  az_count           = var.az_count
  nat_gateway_per_az = var.nat_gateway_per_az
  enable_flow_logs   = var.access_logging
  kms_key_arn        = local.kms_key_arn
}

module "compute" {
  source = "../../modules/compute"

  name          = local.name
  vpc_id        = module.vpc.vpc_id
  subnet_ids    = module.vpc.private_subnet_ids
  instance_type = var.instance_type
  min_size      = var.min_size
  max_size      = var.max_size
  kms_key_arn   = local.kms_key_arn
  database = {
    security_group_id = module.database.security_group_id
    port              = module.database.port
    secret_arn        = module.database.master_user_secret_arn
  }
}

module "database" {
  source = "../../modules/database"

  name                       = local.name
  engine                     = var.db_engine
  engine_version             = var.db_engine_version
  instance_class             = var.db_instance_class
  allocated_storage          = var.db_storage_gb
  multi_az                   = var.multi_az
  backup_retention_days      = var.backup_retention_days
  rpo_minutes                = var.rpo_minutes
  deletion_protection        = var.deletion_protection
  access_logging             = var.access_logging
  kms_key_arn                = local.kms_key_arn
  vpc_id                     = module.vpc.vpc_id
  subnet_ids                 = module.vpc.private_subnet_ids
  allowed_security_group_ids = [module.compute.security_group_id]
}

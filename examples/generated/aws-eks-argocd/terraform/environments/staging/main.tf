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

module "eks" {
  source = "../../modules/eks"

  name                = local.name
  kubernetes_version  = var.kubernetes_version
  subnet_ids          = module.vpc.private_subnet_ids
  node_instance_types = [var.instance_type]
  node_min_size       = var.min_size
  node_max_size       = var.max_size
  kms_key_arn         = local.kms_key_arn
  log_kms_key_arn     = local.kms_key_arn

  cluster_autoscaler     = true
  external_secrets_names = ["storefront-eks/${var.environment}/*"]
  access_entries         = var.cluster_access
}

# shared/networking: the VPC every tenant and the cluster run in.
# Apply order per environment: security, networking, cluster, monitoring, then each tenant.

locals {
  name         = "${var.project}-${var.environment}"
  platform_key = "alias/${local.name}-platform"
}

data "aws_kms_alias" "platform" {
  count = var.customer_managed_kms ? 1 : 0

  name = local.platform_key
}

module "vpc" {
  source = "../../modules/vpc"

  name               = local.name
  cidr_block         = var.vpc_cidr
  az_count           = var.az_count
  nat_gateway_per_az = var.nat_gateway_per_az
  enable_flow_logs   = var.access_logging
  kms_key_arn        = var.customer_managed_kms ? data.aws_kms_alias.platform[0].target_key_arn : null
  tags               = { stack = "shared-networking" }
}

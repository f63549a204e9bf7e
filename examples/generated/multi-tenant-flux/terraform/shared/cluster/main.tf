# shared/cluster: the Kubernetes cluster shared by all tenants.
# Apply order per environment: security, networking, cluster, monitoring, then each tenant.

locals {
  name         = "${var.project}-${var.environment}"
  platform_key = "alias/${local.name}-platform"
}

data "aws_kms_alias" "platform" {
  count = var.customer_managed_kms ? 1 : 0

  name = local.platform_key
}

data "aws_vpc" "shared" {
  tags = {
    project     = var.project
    environment = var.environment
    stack       = "shared-networking"
  }
}

data "aws_subnets" "private" {
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.shared.id]
  }

  tags = {
    tier = "private"
  }
}

module "eks" {
  source = "../../modules/eks"

  name                = local.name
  kubernetes_version  = var.kubernetes_version
  subnet_ids          = data.aws_subnets.private.ids
  node_instance_types = [var.instance_type]
  node_min_size       = var.min_size
  node_max_size       = var.max_size
  kms_key_arn         = var.customer_managed_kms ? data.aws_kms_alias.platform[0].target_key_arn : null
  log_kms_key_arn     = var.customer_managed_kms ? data.aws_kms_alias.platform[0].target_key_arn : null
  pod_security_groups = true # each tenant's pods get the tenant's own security group (terraform/tenants/<tenant>)
  # External Secrets reads each tenant's pod security group ID there (written by terraform/tenants/<tenant>)
  external_secrets_parameter_path = "/${var.project}/${var.environment}/pod-security-groups"

  cluster_autoscaler = true
  access_entries     = var.cluster_access
}

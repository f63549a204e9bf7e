# shared/monitoring: the alert topic and platform log group every tenant reports to.
# Apply order per environment: security, networking, cluster, monitoring, then each tenant.

locals {
  name         = "${var.project}-${var.environment}"
  platform_key = "alias/${local.name}-platform"
}

data "aws_kms_alias" "platform" {
  count = var.customer_managed_kms ? 1 : 0

  name = local.platform_key
}

# Alerts of the platform and of every tenant (tenants look this topic up by name).
resource "aws_sns_topic" "alerts" {
  name              = "${local.name}-alerts"
  kms_master_key_id = var.customer_managed_kms ? data.aws_kms_alias.platform[0].target_key_arn : "alias/aws/sns"
}

resource "aws_cloudwatch_log_group" "platform" {
  name              = "/${var.project}/${var.environment}/platform"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.customer_managed_kms ? data.aws_kms_alias.platform[0].target_key_arn : null
}

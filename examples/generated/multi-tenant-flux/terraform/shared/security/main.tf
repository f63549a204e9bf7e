# shared/security: the platform KMS key, IAM Access Analyzer and the CloudTrail audit trail.
# Apply order per environment: security, networking, cluster, monitoring, then each tenant.

locals {
  name         = "${var.project}-${var.environment}"
  platform_key = "alias/${local.name}-platform"
}

# Key for shared platform data (flow logs, cluster secrets and logs, alerts).
# Each tenant has its own key in terraform/tenants/<tenant>.
module "kms" {
  source = "../../modules/kms"

  alias       = "${local.name}-platform"
  description = "Shared platform data of ${local.name}"
}

# AWS allows one account analyzer per account and region: one environment's state creates it (account_analyzer).
resource "aws_accessanalyzer_analyzer" "this" {
  count = var.account_analyzer ? 1 : 0

  analyzer_name = local.name
  type          = "ACCOUNT"
}

# API audit trail (who did what), kept in a dedicated, private, versioned bucket.
resource "aws_s3_bucket" "trail" {
  count = var.access_logging ? 1 : 0

  bucket = "${local.name}-cloudtrail-${data.aws_caller_identity.current.account_id}"
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

resource "aws_s3_bucket_public_access_block" "trail" {
  count = var.access_logging ? 1 : 0

  bucket = aws_s3_bucket.trail[0].id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "trail" {
  count = var.access_logging ? 1 : 0

  bucket = aws_s3_bucket.trail[0].id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "trail" {
  count = var.access_logging ? 1 : 0

  bucket = aws_s3_bucket.trail[0].id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_policy" "trail" {
  count = var.access_logging ? 1 : 0

  bucket = aws_s3_bucket.trail[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "CloudTrailAclCheck"
        Effect    = "Allow"
        Principal = { Service = "cloudtrail.amazonaws.com" }
        Action    = "s3:GetBucketAcl"
        Resource  = aws_s3_bucket.trail[0].arn
      },
      {
        Sid       = "CloudTrailWrite"
        Effect    = "Allow"
        Principal = { Service = "cloudtrail.amazonaws.com" }
        Action    = "s3:PutObject"
        Resource  = "${aws_s3_bucket.trail[0].arn}/AWSLogs/${data.aws_caller_identity.current.account_id}/*"
        Condition = { StringEquals = { "s3:x-amz-acl" = "bucket-owner-full-control" } }
      },
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [aws_s3_bucket.trail[0].arn, "${aws_s3_bucket.trail[0].arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })

  depends_on = [aws_s3_bucket_public_access_block.trail]
}

resource "aws_cloudtrail" "this" {
  count = var.access_logging ? 1 : 0

  name                          = local.name
  s3_bucket_name                = aws_s3_bucket.trail[0].id
  include_global_service_events = true
  is_multi_region_trail         = true
  enable_log_file_validation    = true

  depends_on = [aws_s3_bucket_policy.trail]
}

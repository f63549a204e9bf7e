
# Cloud identity of External Secrets (appended to the module's main.tf): an IAM role that EKS Pod Identity (the
# eks-pod-identity-agent add-on) hands to the controller's ServiceAccount
# external-secrets/external-secrets. It may read only the secrets under
# external_secrets_prefix (and decrypt them with kms_key_arn) and the SSM parameters under
# external_secrets_parameter_path. No static keys.

variable "external_secrets_prefix" {
  type        = string
  description = "Secrets Manager name prefix External Secrets may read (e.g. the project name); null creates no identity for it."
  default     = null
}

variable "external_secrets_parameter_path" {
  type        = string
  description = "SSM Parameter Store path (e.g. /project/env/pod-security-groups) whose parameters External Secrets may read; null grants none."
  default     = null

  validation {
    condition     = var.external_secrets_parameter_path == null || can(regex("^/[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$", var.external_secrets_parameter_path))
    error_message = "external_secrets_parameter_path is an absolute SSM path without a trailing slash, e.g. /shop/prod/pod-security-groups."
  }
}

data "aws_caller_identity" "current" {}

locals {
  external_secrets = var.external_secrets_prefix != null || var.external_secrets_parameter_path != null
  external_secrets_statements = concat(var.external_secrets_prefix == null ? [] : [{
    Effect   = "Allow"
    Action   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    Resource = "arn:${local.partition}:secretsmanager:*:${data.aws_caller_identity.current.account_id}:secret:${var.external_secrets_prefix}/*"
    }], var.external_secrets_parameter_path == null ? [] : [{
    Effect   = "Allow"
    Action   = ["ssm:GetParameter", "ssm:GetParameters"]
    Resource = "arn:${local.partition}:ssm:*:${data.aws_caller_identity.current.account_id}:parameter${var.external_secrets_parameter_path}/*"
    }], var.kms_key_arn == null || var.external_secrets_prefix == null ? [] : [{
    Effect   = "Allow"
    Action   = ["kms:Decrypt"]
    Resource = var.kms_key_arn
  }])
}

resource "aws_iam_role" "external_secrets" {
  count = local.external_secrets ? 1 : 0

  name_prefix = "${var.name}-eso-"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "pods.eks.amazonaws.com" }
      Action    = ["sts:AssumeRole", "sts:TagSession"]
    }]
  })

  tags = var.tags
}

resource "aws_iam_role_policy" "external_secrets" {
  count = local.external_secrets ? 1 : 0

  name = "read-secrets"
  role = aws_iam_role.external_secrets[0].id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = local.external_secrets_statements
  })
}

resource "aws_eks_pod_identity_association" "external_secrets" {
  count = local.external_secrets ? 1 : 0

  cluster_name    = aws_eks_cluster.this.name
  namespace       = "external-secrets"
  service_account = "external-secrets"
  role_arn        = aws_iam_role.external_secrets[0].arn

  tags = var.tags
}

output "external_secrets_role_arn" {
  description = "IAM role External Secrets assumes through EKS Pod Identity (null without external_secrets_prefix and external_secrets_parameter_path)."
  value       = local.external_secrets ? aws_iam_role.external_secrets[0].arn : null
}

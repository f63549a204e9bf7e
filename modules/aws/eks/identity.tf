
# Cloud identity of External Secrets (appended to the module's main.tf): an IAM role that EKS Pod Identity (the
# eks-pod-identity-agent add-on) hands to the controller's ServiceAccount
# external-secrets/external-secrets. It may read only the secrets external_secrets_names names
# (and decrypt them with kms_key_arn) and the SSM parameters under external_secrets_parameter_path.
# No static keys.

variable "external_secrets_names" {
  type        = list(string)
  description = "Secrets Manager secrets External Secrets may read: a name ending in /* covers every secret under that path (e.g. shop/prod/*), any other exactly that secret; empty creates no identity for it."
  default     = []

  validation {
    condition     = alltrue([for name in var.external_secrets_names : can(regex("^[A-Za-z0-9/_+=.@-]+(/\\*)?$", name))])
    error_message = "external_secrets_names holds secret names (letters, digits and /_+=.@-), each optionally ending in /*."
  }
}

variable "external_secrets_parameter_path" {
  type        = string
  description = "SSM Parameter Store path (e.g. /project/env/pod-security-groups; a * segment matches any, e.g. every environment's) whose parameters External Secrets may read; null grants none."
  default     = null

  validation {
    condition     = var.external_secrets_parameter_path == null || can(regex("^/[A-Za-z0-9_.*-]+(/[A-Za-z0-9_.*-]+)*$", var.external_secrets_parameter_path))
    error_message = "external_secrets_parameter_path is an absolute SSM path without a trailing slash, e.g. /shop/prod/pod-security-groups or /shop/*/pod-security-groups."
  }
}

data "aws_caller_identity" "current" {}

locals {
  external_secrets = length(var.external_secrets_names) > 0 || var.external_secrets_parameter_path != null
  # A secret's ARN ends in its name, a dash and six random characters.
  external_secrets_arns = [for name in var.external_secrets_names :
    "arn:${local.partition}:secretsmanager:*:${data.aws_caller_identity.current.account_id}:secret:${endswith(name, "/*") ? name : "${name}-??????"}"
  ]
  external_secrets_statements = concat(length(var.external_secrets_names) == 0 ? [] : [{
    Effect   = "Allow"
    Action   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    Resource = local.external_secrets_arns
    }], var.external_secrets_parameter_path == null ? [] : [{
    Effect   = "Allow"
    Action   = ["ssm:GetParameter", "ssm:GetParameters"]
    Resource = "arn:${local.partition}:ssm:*:${data.aws_caller_identity.current.account_id}:parameter${var.external_secrets_parameter_path}/*"
    }], var.kms_key_arn == null || length(var.external_secrets_names) == 0 ? [] : [{
    Effect   = "Allow"
    Action   = ["kms:Decrypt"]
    Resource = var.kms_key_arn
  }])
}

resource "aws_iam_role" "external_secrets" {
  count = local.external_secrets ? 1 : 0

  name_prefix = substr("${var.name}-eso-", 0, 38)
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
  description = "IAM role External Secrets assumes through EKS Pod Identity (null without external_secrets_names and external_secrets_parameter_path)."
  value       = local.external_secrets ? aws_iam_role.external_secrets[0].arn : null
}

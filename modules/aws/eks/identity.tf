
# Cloud identity of External Secrets (appended to the module's main.tf): an IAM role that EKS Pod Identity (the
# eks-pod-identity-agent add-on) hands to the controller's ServiceAccount
# external-secrets/external-secrets. It may read only the secrets under
# external_secrets_prefix (and decrypt them with kms_key_arn). No static keys.

variable "external_secrets_prefix" {
  type        = string
  description = "Secrets Manager name prefix External Secrets may read (e.g. the project name); null creates no identity for it."
  default     = null
}

data "aws_caller_identity" "current" {}

locals {
  external_secrets = var.external_secrets_prefix != null
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
    Version = "2012-10-17"
    Statement = concat([{
      Effect   = "Allow"
      Action   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
      Resource = "arn:${local.partition}:secretsmanager:*:${data.aws_caller_identity.current.account_id}:secret:${var.external_secrets_prefix}/*"
      }], var.kms_key_arn == null ? [] : [{
      Effect   = "Allow"
      Action   = ["kms:Decrypt"]
      Resource = var.kms_key_arn
    }])
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
  description = "IAM role External Secrets assumes through EKS Pod Identity (null without external_secrets_prefix)."
  value       = local.external_secrets ? aws_iam_role.external_secrets[0].arn : null
}


# Cloud identities of the cluster's controllers (appended to the module's main.tf): IAM roles that EKS Pod Identity
# (the eks-pod-identity-agent add-on) hands to a controller's ServiceAccount. No static keys.
#
# External Secrets: its ServiceAccount external-secrets/external-secrets. It may read only the secrets external_secrets_names names
# (and decrypt them with kms_key_arn) and the SSM parameters under external_secrets_parameter_path.

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
  # Who may assume a controller's role: EKS Pod Identity, for the ServiceAccount its association names.
  pod_identity_trust = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "pods.eks.amazonaws.com" }
      Action    = ["sts:AssumeRole", "sts:TagSession"]
    }]
  })
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

  name_prefix        = substr("${var.name}-eso-", 0, 38)
  assume_role_policy = local.pod_identity_trust

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

# Cluster Autoscaler: its ServiceAccount kube-system/cluster-autoscaler. It reads the account's Auto Scaling groups and
# instance types, and resizes only this cluster's node groups: Auto Scaling groups named as EKS names a managed node
# group's (eks-<node group>-<id>) that carry the tag EKS puts on them for this cluster.

variable "cluster_autoscaler" {
  type        = bool
  description = "Whether Cluster Autoscaler runs in the cluster (kube-system/cluster-autoscaler): creates its Pod Identity role, which may resize this cluster's node groups between their minimum and maximum sizes."
  default     = false
}

data "aws_region" "current" {}

resource "aws_iam_role" "cluster_autoscaler" {
  count = var.cluster_autoscaler ? 1 : 0

  name_prefix        = substr("${var.name}-autoscaler-", 0, 38)
  assume_role_policy = local.pod_identity_trust

  tags = var.tags
}

resource "aws_iam_role_policy" "cluster_autoscaler" {
  count = var.cluster_autoscaler ? 1 : 0

  name = "scale-node-groups"
  role = aws_iam_role.cluster_autoscaler[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # Describe calls take no resource: they list what auto-discovery and scale-up simulation read.
        Effect = "Allow"
        Action = [
          "autoscaling:DescribeAutoScalingGroups",
          "autoscaling:DescribeAutoScalingInstances",
          "autoscaling:DescribeLaunchConfigurations",
          "autoscaling:DescribeScalingActivities",
          "autoscaling:DescribeTags",
          "ec2:DescribeImages",
          "ec2:DescribeInstanceTypes",
          "ec2:DescribeLaunchTemplateVersions",
          "ec2:GetInstanceTypesFromInstanceRequirements",
          "eks:DescribeNodegroup",
        ]
        Resource = "*"
      },
      {
        Effect   = "Allow"
        Action   = ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"]
        Resource = "arn:${local.partition}:autoscaling:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:autoScalingGroup:*:autoScalingGroupName/eks-*"
        Condition = {
          StringEquals = { "aws:ResourceTag/k8s.io/cluster-autoscaler/${var.name}" = "owned" }
        }
      },
    ]
  })
}

resource "aws_eks_pod_identity_association" "cluster_autoscaler" {
  count = var.cluster_autoscaler ? 1 : 0

  cluster_name    = aws_eks_cluster.this.name
  namespace       = "kube-system"
  service_account = "cluster-autoscaler"
  role_arn        = aws_iam_role.cluster_autoscaler[0].arn

  tags = var.tags
}

output "cluster_autoscaler_role_arn" {
  description = "IAM role Cluster Autoscaler assumes through EKS Pod Identity (null without cluster_autoscaler)."
  value       = var.cluster_autoscaler ? aws_iam_role.cluster_autoscaler[0].arn : null
}

# Amazon EBS CSI driver: the aws-ebs-csi-driver add-on, whose controller (kube-system/ebs-csi-controller-sa) creates,
# attaches and resizes the EBS volumes of PersistentVolumeClaims under the AWS managed AmazonEBSCSIDriverPolicy. EKS
# installs no storage driver and, on clusters created at Kubernetes 1.30 or later, no default StorageClass: without it
# every claim stays Pending. The StorageClasses (an encrypted gp3 default) are the cluster configuration's.

resource "aws_iam_role" "ebs_csi_driver" {
  name_prefix        = substr("${var.name}-ebs-csi-", 0, 38)
  assume_role_policy = local.pod_identity_trust

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "ebs_csi_driver" {
  role       = aws_iam_role.ebs_csi_driver.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"
}

# After the node groups (the add-on waits for its pods) and the Pod Identity agent that hands its controller the role.
resource "aws_eks_addon" "ebs_csi_driver" {
  cluster_name = aws_eks_cluster.this.name
  addon_name   = "aws-ebs-csi-driver"

  pod_identity_association {
    role_arn        = aws_iam_role.ebs_csi_driver.arn
    service_account = "ebs-csi-controller-sa"
  }

  tags = var.tags

  depends_on = [aws_eks_addon.this, aws_iam_role_policy_attachment.ebs_csi_driver]
}

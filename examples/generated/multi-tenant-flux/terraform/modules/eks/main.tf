# Kubernetes layer: an EKS cluster with a private API endpoint (optionally also a public one
# limited to explicit CIDRs), envelope encryption of Kubernetes Secrets with a customer-managed
# KMS key, control-plane audit logging, one autoscaling managed node group in the private
# subnets (optionally beside a small fixed system group tainted CriticalAddonsOnly) and
# optional Elastic IPs for the ingress controller's Network Load Balancer.

data "aws_partition" "current" {}

locals {
  partition   = data.aws_partition.current.partition
  create_key  = var.kms_key_arn == null
  kms_key_arn = local.create_key ? aws_kms_key.secrets[0].arn : var.kms_key_arn
}

resource "aws_kms_key" "secrets" {
  count = local.create_key ? 1 : 0

  description             = "Envelope encryption of Kubernetes Secrets in ${var.name}"
  enable_key_rotation     = true
  deletion_window_in_days = 30

  tags = var.tags
}

resource "aws_iam_role" "cluster" {
  name_prefix = substr("${var.name}-cluster-", 0, 38)
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "eks.amazonaws.com" }
      Action    = ["sts:AssumeRole", "sts:TagSession"]
    }]
  })

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "cluster" {
  role       = aws_iam_role.cluster.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AmazonEKSClusterPolicy"
}

# Security groups for pods: the VPC resource controller attaches branch network interfaces to the nodes.
resource "aws_iam_role_policy_attachment" "vpc_resource_controller" {
  count = var.pod_security_groups ? 1 : 0

  role       = aws_iam_role.cluster.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AmazonEKSVPCResourceController"
}

resource "aws_cloudwatch_log_group" "cluster" {
  name              = "/aws/eks/${var.name}/cluster"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn

  tags = var.tags
}

resource "aws_eks_cluster" "this" {
  name     = var.name
  version  = var.kubernetes_version
  role_arn = aws_iam_role.cluster.arn

  enabled_cluster_log_types = var.enabled_log_types

  vpc_config {
    subnet_ids              = var.subnet_ids
    endpoint_private_access = true
    endpoint_public_access  = var.endpoint_public_access
    public_access_cidrs     = var.endpoint_public_access ? var.public_access_cidrs : null
  }

  encryption_config {
    resources = ["secrets"]

    provider {
      key_arn = local.kms_key_arn
    }
  }

  access_config {
    authentication_mode                         = "API"
    bootstrap_cluster_creator_admin_permissions = true
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy_attachment.cluster, aws_iam_role_policy_attachment.vpc_resource_controller, aws_cloudwatch_log_group.cluster]

  lifecycle {
    precondition {
      condition     = !var.endpoint_public_access || (length(var.public_access_cidrs) > 0 && !contains(var.public_access_cidrs, "0.0.0.0/0"))
      error_message = "A public API endpoint must be restricted to explicit CIDR ranges (never 0.0.0.0/0)."
    }
  }
}

# Who else reaches the cluster: each principal with the Kubernetes groups the RoleBindings name, or as a cluster
# admin. Without these only the identity that created the cluster can use it.
resource "aws_eks_access_entry" "this" {
  for_each = var.access_entries

  cluster_name      = aws_eks_cluster.this.name
  principal_arn     = each.value.principal_arn
  kubernetes_groups = each.value.kubernetes_groups
  type              = "STANDARD"

  tags = var.tags
}

resource "aws_eks_access_policy_association" "cluster_admin" {
  for_each = { for name, entry in var.access_entries : name => entry if entry.cluster_admin }

  cluster_name  = aws_eks_cluster.this.name
  principal_arn = aws_eks_access_entry.this[each.key].principal_arn
  policy_arn    = "arn:${local.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"

  access_scope {
    type = "cluster"
  }
}

resource "aws_iam_role" "node" {
  name_prefix = substr("${var.name}-node-", 0, 38)
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "node" {
  for_each = toset([
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryReadOnly",
    "AmazonSSMManagedInstanceCore",
  ])

  role       = aws_iam_role.node.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/${each.value}"
}

# Every node of both groups starts from this template: IMDSv2 only, with a hop limit of 1 so that
# pods cannot reach the instance metadata service and borrow the node role (workloads get AWS
# credentials from EKS Pod Identity or IRSA instead), and an encrypted gp3 root volume (the given
# customer-managed key, else the account's default EBS key).
data "aws_default_tags" "current" {}

resource "aws_launch_template" "nodes" {
  name_prefix            = "${var.name}-nodes-"
  update_default_version = true

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = var.metadata_hop_limit
  }

  block_device_mappings {
    device_name = "/dev/xvda"

    ebs {
      volume_size           = var.node_disk_size_gb
      volume_type           = "gp3"
      encrypted             = true
      kms_key_id            = var.kms_key_arn
      delete_on_termination = true
    }
  }

  # The provider's default_tags reach the template but not what the node groups launch from it: instances and
  # volumes get them here, so cost and ownership tags cover the nodes too.
  tag_specifications {
    resource_type = "instance"
    tags          = merge(data.aws_default_tags.current.tags, var.tags, { Name = "${var.name}-node" })
  }

  tag_specifications {
    resource_type = "volume"
    tags          = merge(data.aws_default_tags.current.tags, var.tags)
  }

  tags = var.tags
}

locals {
  # AWS Graviton (arm64) instance types: a1, and families whose processor letter right after the generation is g
  # (m7g, c6gn, t4g); each node group boots the EKS-optimized Amazon Linux 2023 image of its types' architecture.
  graviton = "^(a1|[a-z]+[0-9]+g[a-z0-9]*(-flex)?)\\."
  node_ami_type = {
    for group, types in { default = var.node_instance_types, system = var.system_node_instance_types } :
    group => length(types) > 0 && alltrue([for t in types : can(regex(local.graviton, t))]) ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD"
  }
  # a node group whose instance types are of both architectures has no image EKS can boot on all of them
  node_mixed_architectures = {
    for group, types in { default = var.node_instance_types, system = var.system_node_instance_types } :
    group => length(distinct([for t in types : can(regex(local.graviton, t))])) > 1
  }
}

# The node group of the plan's figures: "user" beside the system group, else "default".
resource "aws_eks_node_group" "default" {
  cluster_name    = aws_eks_cluster.this.name
  node_group_name = var.system_node_pool ? "user" : "default"
  node_role_arn   = aws_iam_role.node.arn
  subnet_ids      = var.subnet_ids
  instance_types  = var.node_instance_types
  ami_type        = local.node_ami_type["default"]
  capacity_type   = var.spot_nodes ? "SPOT" : "ON_DEMAND"

  launch_template {
    id      = aws_launch_template.nodes.id
    version = aws_launch_template.nodes.latest_version
  }

  scaling_config {
    min_size     = var.node_min_size
    max_size     = var.node_max_size
    desired_size = var.node_min_size
  }

  update_config {
    max_unavailable = 1
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy_attachment.node]

  lifecycle {
    ignore_changes = [scaling_config[0].desired_size]

    precondition {
      condition     = var.node_min_size <= var.node_max_size
      error_message = "node_min_size must not exceed node_max_size."
    }

    precondition {
      condition     = !local.node_mixed_architectures["default"]
      error_message = "node_instance_types mixes AWS Graviton (arm64) and x86_64 types: one node group boots one image, so give it types of one architecture."
    }

    precondition {
      condition     = !var.pod_security_groups || alltrue([for t in var.node_instance_types : !startswith(t, "t")])
      error_message = "pod_security_groups needs trunking-capable node instance types (Nitro, not the t family, e.g. m5.large): state such an instance type in the plan's sizing."
    }
  }
}

# A small fixed group for critical add-ons (CoreDNS and the like tolerate CriticalAddonsOnly).
resource "aws_eks_node_group" "system" {
  count = var.system_node_pool ? 1 : 0

  cluster_name    = aws_eks_cluster.this.name
  node_group_name = "system"
  node_role_arn   = aws_iam_role.node.arn
  subnet_ids      = var.subnet_ids
  instance_types  = var.system_node_instance_types
  ami_type        = local.node_ami_type["system"]
  capacity_type   = "ON_DEMAND"

  launch_template {
    id      = aws_launch_template.nodes.id
    version = aws_launch_template.nodes.latest_version
  }

  scaling_config {
    min_size     = var.system_node_count
    max_size     = var.system_node_count
    desired_size = var.system_node_count
  }

  update_config {
    max_unavailable = 1
  }

  labels = {
    "node-role" = "system"
  }

  taint {
    key    = "CriticalAddonsOnly"
    value  = "true"
    effect = "NO_SCHEDULE"
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy_attachment.node]
}

# Static public addresses of the ingress controller: one Elastic IP per public subnet, given to
# its Network Load Balancer (service.beta.kubernetes.io/aws-load-balancer-eip-allocations,
# AWS Load Balancer Controller).
resource "aws_eip" "ingress" {
  count = var.ingress_ip_count

  domain = "vpc"

  tags = merge(var.tags, { Name = "${var.name}-ingress-${count.index}" })
}

# The VPC CNI enforces Kubernetes NetworkPolicies (its network policy agent): without
# enableNetworkPolicy every default-deny and tenant-isolation policy would be accepted and ignored.
# With pod_security_groups it also gives pods matched by a SecurityGroupPolicy their own security groups
# (ENABLE_POD_ENI); "standard" enforcing mode keeps kubelet probes and NetworkPolicies working for them.
resource "aws_eks_addon" "this" {
  for_each = toset(["vpc-cni", "coredns", "kube-proxy", "eks-pod-identity-agent"])

  cluster_name = aws_eks_cluster.this.name
  addon_name   = each.value
  configuration_values = each.value == "vpc-cni" ? jsonencode(merge(
    { enableNetworkPolicy = "true" },
    var.pod_security_groups ? { env = { ENABLE_POD_ENI = "true", POD_SECURITY_GROUP_ENFORCING_MODE = "standard" } } : {},
  )) : null
  # EKS installs vpc-cni, coredns and kube-proxy itself when it creates the cluster: the managed add-on takes
  # them over, and this configuration stays the add-on's on every update (changes made in the cluster are undone).
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "OVERWRITE"

  tags = var.tags

  depends_on = [aws_eks_node_group.default, aws_eks_node_group.system]
}

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

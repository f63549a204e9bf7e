# One tenant, one environment per state: its own KMS key and its own database, in the
# shared network. The tenant name comes from <environment>.tfvars, so every tenant root
# is the same code and adding a tenant adds a directory, not a code change.

locals {
  name = "${var.project}-${var.tenant}-${var.environment}"
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

data "aws_availability_zones" "available" {
  state = "available"
}

# The tenant's database lives in subnets of its own (database_cidr, split over two zones), so
# its pods' NetworkPolicy can allow the database port to that CIDR only, never to another
# tenant's database.
resource "aws_subnet" "database" {
  count = 2

  vpc_id            = data.aws_vpc.shared.id
  cidr_block        = cidrsubnet(var.database_cidr, 1, count.index)
  availability_zone = data.aws_availability_zones.available.names[count.index]

  tags = {
    Name = "${local.name}-database-${count.index}"
    tier = "database"
  }
}

data "aws_eks_cluster" "shared" {
  name = "${var.project}-${var.environment}"
}

locals {
  cluster_security_group_id = data.aws_eks_cluster.shared.vpc_config[0].cluster_security_group_id
}

# The tenant's pods, and only them, carry this group: a SecurityGroupPolicy in each of the tenant's namespaces
# (kubernetes/tenants/<tenant>/security-groups/) assigns it (security groups for pods, enabled on the shared
# cluster); its ID reaches the cluster through the SSM parameter below. The database admits this group only, so
# another tenant's pods on the same nodes cannot reach it.
resource "aws_security_group" "pods" {
  name_prefix = "${local.name}-pods-"
  description = "Pods of tenant ${var.tenant} (${var.environment}), assigned by a SecurityGroupPolicy."
  vpc_id      = data.aws_vpc.shared.id

  tags = { Name = "${local.name}-pods" }

  lifecycle {
    create_before_destroy = true
  }
}

# The nodes (kubelet probes, the ingress controller) and the tenant's other pods reach its pods; its pods reach
# the nodes (CoreDNS) and, inside the shared network only, whatever their NetworkPolicies allow.
resource "aws_vpc_security_group_ingress_rule" "pods_from_cluster" {
  security_group_id            = aws_security_group.pods.id
  description                  = "From the nodes of the cluster"
  ip_protocol                  = "-1"
  referenced_security_group_id = local.cluster_security_group_id
}

resource "aws_vpc_security_group_ingress_rule" "pods_from_pods" {
  security_group_id            = aws_security_group.pods.id
  description                  = "From the pods of the tenant itself"
  ip_protocol                  = "-1"
  referenced_security_group_id = aws_security_group.pods.id
}

resource "aws_vpc_security_group_ingress_rule" "cluster_from_pods" {
  security_group_id            = local.cluster_security_group_id
  description                  = "From the pods of tenant ${var.tenant}"
  ip_protocol                  = "-1"
  referenced_security_group_id = aws_security_group.pods.id
}

resource "aws_vpc_security_group_egress_rule" "pods" {
  security_group_id = aws_security_group.pods.id
  description       = "Inside the shared network (the NetworkPolicies of the tenant narrow it)"
  ip_protocol       = "-1"
  cidr_ipv4         = data.aws_vpc.shared.cidr_block
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

# The tenant's workload identity: EKS Pod Identity hands this role to the service accounts of the tenant's
# applications in its namespace on the shared cluster.
# It may use the tenant's own key and connect to the tenant's database with IAM authentication, nothing else.
resource "aws_iam_role" "workload" {
  name_prefix = substr("${local.name}-", 0, 38)
  description = "Workloads of tenant ${var.tenant} (${var.environment}, ${var.region})"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "pods.eks.amazonaws.com" }
      Action    = ["sts:AssumeRole", "sts:TagSession"]
    }]
  })
}

resource "aws_iam_role_policy" "workload" {
  name = "tenant-data"
  role = aws_iam_role.workload.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:DescribeKey"]
        Resource = module.kms.key_arn
      },
      {
        Effect   = "Allow"
        Action   = "rds-db:connect"
        Resource = "arn:${data.aws_partition.current.partition}:rds-db:${var.region}:${data.aws_caller_identity.current.account_id}:dbuser:${module.database.resource_id}/*"
      },
    ]
  })
}

resource "aws_eks_pod_identity_association" "workload" {
  for_each = toset(var.service_accounts)

  cluster_name    = data.aws_eks_cluster.shared.name
  namespace       = "${var.tenant}-${var.environment}"
  service_account = each.value
  role_arn        = aws_iam_role.workload.arn
}

# The group's ID where External Secrets reads it (the shared cluster's External Secrets identity may read the
# parameters under /<project>/<environment>/pod-security-groups): the GitOps layer fills it into the tenant's
# SecurityGroupPolicy, so applying this root is all it takes. An ID is not a secret (String).
resource "aws_ssm_parameter" "pod_security_group_id" {
  name        = "/${var.project}/${var.environment}/pod-security-groups/${var.tenant}"
  description = "Security group of the pods of tenant ${var.tenant} (${var.environment}), for its SecurityGroupPolicy."
  type        = "String"
  value       = aws_security_group.pods.id
}

data "aws_sns_topic" "alerts" {
  name = "${var.project}-${var.environment}-alerts"
}

# The tenant's own key: no other tenant's principals or data share it.
module "kms" {
  source = "../../modules/kms"

  alias       = local.name
  description = "Data at rest of tenant ${var.tenant} (${var.environment})"
}

# The database admits the tenant's pod security group only (never the cluster's shared group); the tenant's
# NetworkPolicy allows the database port to database_cidr only.
module "database" {
  source = "../../modules/database"

  name                       = local.name
  engine                     = var.db_engine
  engine_version             = var.db_engine_version
  instance_class             = var.db_instance_class
  allocated_storage          = var.db_storage_gb
  multi_az                   = var.multi_az
  backup_retention_days      = var.backup_retention_days
  rpo_minutes                = var.rpo_minutes
  deletion_protection        = var.deletion_protection
  access_logging             = var.access_logging
  kms_key_arn                = module.kms.key_arn
  vpc_id                     = data.aws_vpc.shared.id
  subnet_ids                 = aws_subnet.database[*].id
  allowed_security_group_ids = [aws_security_group.pods.id]
}

resource "aws_cloudwatch_metric_alarm" "database_storage" {
  alarm_name          = "${local.name}-db-free-storage"
  alarm_description   = "Database of tenant ${var.tenant} has less than 2 GiB free storage."
  namespace           = "AWS/RDS"
  metric_name         = "FreeStorageSpace"
  dimensions          = { DBInstanceIdentifier = local.name }
  statistic           = "Minimum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "LessThanThreshold"
  threshold           = 2147483648
  alarm_actions       = [data.aws_sns_topic.alerts.arn]

  depends_on = [module.database]
}

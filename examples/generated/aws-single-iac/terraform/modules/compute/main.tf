# Compute layer: an EC2 Auto Scaling group in the private subnets, reached through SSM
# Session Manager (no SSH, no inbound rules), IMDSv2 only, encrypted root volumes, target
# tracking on CPU; the instances may read the database's credentials.

locals {
  # AWS Graviton (arm64) instance types: a1, and families whose processor letter right after the generation is g
  # (m7g, c6gn, t4g, r8g.large); they boot arm64 images only, every other type x86_64 ones.
  arm64             = can(regex("^(a1|[a-z]+[0-9]+g[a-z0-9]*(-flex)?)\\.", var.instance_type))
  ami_ssm_parameter = coalesce(var.ami_ssm_parameter, "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${local.arm64 ? "arm64" : "x86_64"}")
}

data "aws_ssm_parameter" "ami" {
  name = local.ami_ssm_parameter
}

resource "aws_security_group" "this" {
  name_prefix = "${var.name}-compute-"
  description = "Instances of ${var.name}: no inbound rules, HTTPS egress (SSM, package mirrors) and the database port."
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-compute" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.this.id
  description       = "HTTPS egress"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

# The application's own database: its port, to the database's security group only (which in turn
# admits this group).
resource "aws_vpc_security_group_egress_rule" "database" {
  count = var.database == null ? 0 : 1

  security_group_id            = aws_security_group.this.id
  description                  = "Database port to the security group of the database"
  ip_protocol                  = "tcp"
  from_port                    = var.database.port
  to_port                      = var.database.port
  referenced_security_group_id = var.database.security_group_id
}

resource "aws_iam_role" "this" {
  name_prefix = substr("${var.name}-compute-", 0, 38)
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

# The instances read the database's credentials: its secret, and the key encrypting it through Secrets Manager.
resource "aws_iam_role_policy" "database_credentials" {
  count = var.database == null ? 0 : 1

  name_prefix = "${var.name}-db-credentials-"
  role        = aws_iam_role.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat([{
      Effect   = "Allow"
      Action   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
      Resource = var.database.secret_arn
      }], var.kms_key_arn == null ? [] : [{
      Effect    = "Allow"
      Action    = "kms:Decrypt"
      Resource  = var.kms_key_arn
      Condition = { StringLike = { "kms:ViaService" = "secretsmanager.*.amazonaws.com" } }
    }])
  })
}

resource "aws_iam_role_policy_attachment" "ssm" {
  role       = aws_iam_role.this.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

data "aws_partition" "current" {}

# Provider default_tags do not reach instances and volumes launched by the group.
data "aws_default_tags" "current" {}

locals {
  launch_tags = merge(data.aws_default_tags.current.tags, var.tags, { Name = var.name })
}

resource "aws_iam_instance_profile" "this" {
  name_prefix = "${var.name}-compute-"
  role        = aws_iam_role.this.name

  tags = var.tags
}

resource "aws_launch_template" "this" {
  name_prefix   = "${var.name}-"
  image_id      = data.aws_ssm_parameter.ami.value
  instance_type = var.instance_type

  vpc_security_group_ids = [aws_security_group.this.id]

  iam_instance_profile {
    name = aws_iam_instance_profile.this.name
  }

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  monitoring {
    enabled = true
  }

  block_device_mappings {
    device_name = "/dev/xvda"

    ebs {
      volume_size           = var.root_volume_size
      volume_type           = "gp3"
      encrypted             = true
      kms_key_id            = var.kms_key_arn
      delete_on_termination = true
    }
  }

  tag_specifications {
    resource_type = "instance"
    tags          = local.launch_tags
  }

  tag_specifications {
    resource_type = "volume"
    tags          = local.launch_tags
  }

  tags = var.tags
}

resource "aws_autoscaling_group" "this" {
  name_prefix         = "${var.name}-"
  vpc_zone_identifier = var.subnet_ids
  min_size            = var.min_size
  max_size            = var.max_size
  desired_capacity    = var.min_size
  health_check_type   = "EC2"

  launch_template {
    id      = aws_launch_template.this.id
    version = aws_launch_template.this.latest_version
  }

  instance_refresh {
    strategy = "Rolling"

    preferences {
      min_healthy_percentage = 50
    }
  }

  tag {
    key                 = "Name"
    value               = var.name
    propagate_at_launch = true
  }

  lifecycle {
    # Scaling policies and operators move the desired capacity; Terraform owns the bounds.
    ignore_changes = [desired_capacity]

    precondition {
      condition     = var.min_size <= var.max_size
      error_message = "min_size must not exceed max_size."
    }
  }
}

# The group grows from min_size towards max_size with the instances' load.
resource "aws_autoscaling_policy" "cpu" {
  name                   = "${var.name}-cpu"
  autoscaling_group_name = aws_autoscaling_group.this.name
  policy_type            = "TargetTrackingScaling"

  target_tracking_configuration {
    predefined_metric_specification {
      predefined_metric_type = "ASGAverageCPUUtilization"
    }
    target_value = var.cpu_target_percent
  }
}

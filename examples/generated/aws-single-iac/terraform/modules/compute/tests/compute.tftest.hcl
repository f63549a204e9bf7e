# Offline: `terraform init -backend=false && terraform test` (mocked AWS provider).

mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_default_tags" {
    defaults = {
      tags = { project = "demo", environment = "prod", tenant = "shared" }
    }
  }

  mock_resource "aws_launch_template" {
    defaults = {
      id = "lt-0123456789abcdef0"
    }
  }
}

variables {
  name          = "test"
  vpc_id        = "vpc-12345678"
  subnet_ids    = ["subnet-a", "subnet-b"]
  instance_type = "m6i.xlarge"
  kms_key_arn   = "arn:aws:kms:eu-west-1:111122223333:key/test"
}

run "planned_size_imdsv2_encrypted_volumes_no_inbound" {
  command = apply

  assert {
    condition     = aws_launch_template.this.instance_type == "m6i.xlarge"
    error_message = "Launch template must use the instance type from the plan."
  }

  assert {
    condition     = aws_launch_template.this.metadata_options[0].http_tokens == "required"
    error_message = "IMDSv2 must be required."
  }

  assert {
    condition     = aws_launch_template.this.block_device_mappings[0].ebs[0].encrypted == "true"
    error_message = "Root volume must be encrypted."
  }

  assert {
    condition     = aws_launch_template.this.block_device_mappings[0].ebs[0].kms_key_id == "arn:aws:kms:eu-west-1:111122223333:key/test"
    error_message = "Root volume must use the customer-managed key."
  }

  assert {
    condition     = aws_launch_template.this.tag_specifications[0].tags["tenant"] == "shared"
    error_message = "Instances must carry the provider's default tags (project, environment, tenant)."
  }

  assert {
    condition     = length(aws_security_group.this.ingress) == 0
    error_message = "Instances must not accept inbound traffic (SSM Session Manager only)."
  }
}

run "an_x86_instance_type_boots_the_x86_64_image" {
  command = plan

  assert {
    condition     = data.aws_ssm_parameter.ami.name == "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
    error_message = "An x86_64 instance type must boot the x86_64 Amazon Linux 2023 image."
  }
}

run "a_graviton_instance_type_boots_the_arm64_image" {
  command = plan

  variables {
    instance_type = "m7g.xlarge"
  }

  assert {
    condition     = data.aws_ssm_parameter.ami.name == "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"
    error_message = "A Graviton instance type must boot the arm64 Amazon Linux 2023 image (EC2 boots no other)."
  }
}

run "a_long_name_keeps_the_role_prefix_within_the_iam_limit" {
  command = plan

  variables {
    name = "customer-analytics-platform-staging"
  }

  assert {
    condition     = length(aws_iam_role.this.name_prefix) <= 38
    error_message = "IAM refuses a role name_prefix over 38 characters."
  }
}

run "instances_reach_their_database_port_only_through_its_security_group" {
  command = plan

  variables {
    database = {
      security_group_id = "sg-0database"
      port              = 5432
      secret_arn        = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds-db-test"
    }
  }

  assert {
    condition     = aws_vpc_security_group_egress_rule.database[0].referenced_security_group_id == "sg-0database" && aws_vpc_security_group_egress_rule.database[0].from_port == 5432 && aws_vpc_security_group_egress_rule.database[0].to_port == 5432
    error_message = "The instances must be allowed out to the database's port, towards its security group."
  }

  assert {
    condition     = jsondecode(aws_iam_role_policy.database_credentials[0].policy).Statement[0].Resource == "arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds-db-test"
    error_message = "The instances must be able to read the database's credentials."
  }

  assert {
    condition     = jsondecode(aws_iam_role_policy.database_credentials[0].policy).Statement[1].Resource == "arn:aws:kms:eu-west-1:111122223333:key/test"
    error_message = "The instances must be able to decrypt the credentials through Secrets Manager with the customer-managed key."
  }
}

run "the_group_scales_on_cpu_between_its_bounds" {
  command = plan

  assert {
    condition     = aws_autoscaling_policy.cpu.policy_type == "TargetTrackingScaling" && aws_autoscaling_policy.cpu.target_tracking_configuration[0].target_value == 60
    error_message = "The group must track average CPU (60 %) between min_size and max_size."
  }
}

run "without_a_database_only_https_egress" {
  command = plan

  assert {
    condition     = length(aws_vpc_security_group_egress_rule.database) == 0 && length(aws_iam_role_policy.database_credentials) == 0
    error_message = "No database egress nor credentials without a database."
  }
}

run "min_size_above_max_size_is_refused" {
  command = plan

  variables {
    min_size = 5
    max_size = 2
  }

  expect_failures = [aws_autoscaling_group.this]
}

# Offline: `terraform init -backend=false && terraform test` (mocked AWS provider).

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "111122223333"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_region" {
    defaults = {
      name = "eu-west-1"
    }
  }
}

variables {
  alias       = "demo-prod"
  description = "test key"
}

run "rotating_key_with_alias_usable_by_this_accounts_log_groups" {
  command = plan

  assert {
    condition     = aws_kms_key.this.enable_key_rotation == true
    error_message = "Key rotation must be enabled."
  }

  assert {
    condition     = aws_kms_alias.this.name == "alias/demo-prod"
    error_message = "Alias must be alias/<alias>."
  }

  assert {
    condition = anytrue([
      for s in jsondecode(aws_kms_key.this.policy).Statement :
      try(s.Principal.Service, "") == "logs.eu-west-1.amazonaws.com"
      && try(s.Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"], "") == "arn:aws:logs:eu-west-1:111122223333:*"
    ])
    error_message = "CloudWatch Logs must be allowed to use the key for this account's log groups only."
  }
}

run "auto_scaling_grant_does_not_name_the_service_linked_role_as_principal" {
  command = plan

  # AWS creates AWSServiceRoleForAutoScaling with the account's first Auto Scaling group, and KMS refuses a
  # key policy whose principal does not exist: the role is matched by condition, never named as principal.
  assert {
    condition = alltrue([
      for s in jsondecode(aws_kms_key.this.policy).Statement :
      !strcontains(jsonencode(try(s.Principal, "")), "AWSServiceRoleForAutoScaling")
    ])
    error_message = "No statement may name the Auto Scaling service-linked role as principal (it may not exist yet)."
  }

  assert {
    condition = length([
      for s in jsondecode(aws_kms_key.this.policy).Statement : s
      if startswith(s.Sid, "AutoScaling")
      && try(s.Condition.StringEquals["aws:PrincipalAccount"], "") == "111122223333"
      && try(s.Condition.ArnEquals["aws:PrincipalArn"], "") == "arn:aws:iam::111122223333:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
    ]) == 2
    error_message = "The Auto Scaling statements must be limited to this account's Auto Scaling service-linked role by condition."
  }

  assert {
    condition = anytrue([
      for s in jsondecode(aws_kms_key.this.policy).Statement :
      s.Action == "kms:CreateGrant" && try(s.Condition.Bool["kms:GrantIsForAWSResource"], "") == "true"
    ])
    error_message = "Auto Scaling may create grants only for AWS resources (the volumes it attaches)."
  }
}

run "aws_reserved_alias_is_refused" {
  command = plan

  variables {
    alias = "aws/ebs"
  }

  expect_failures = [var.alias]
}

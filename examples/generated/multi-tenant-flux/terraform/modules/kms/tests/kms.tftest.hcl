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

run "aws_reserved_alias_is_refused" {
  command = plan

  variables {
    alias = "aws/ebs"
  }

  expect_failures = [var.alias]
}

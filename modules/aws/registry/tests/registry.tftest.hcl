# Offline: `terraform init -backend=false && terraform test` (mocked AWS provider).

mock_provider "aws" {}

override_data {
  target = data.aws_caller_identity.current
  values = { account_id = "111122223333" }
}

override_data {
  target = data.aws_partition.current
  values = { partition = "aws", dns_suffix = "amazonaws.com" }
}

override_data {
  target = data.aws_region.current
  values = { name = "eu-west-1" }
}

variables {
  name         = "shop"
  repositories = ["web", "api"]
}

run "immutable_scanned_repositories_under_the_prefix" {
  command = plan

  assert {
    condition     = toset([for r in aws_ecr_repository.this : r.name]) == toset(["shop/web", "shop/api"])
    error_message = "Each repository must be created under <name>/."
  }

  assert {
    condition     = alltrue([for r in aws_ecr_repository.this : r.image_tag_mutability == "IMMUTABLE" && r.image_scanning_configuration[0].scan_on_push])
    error_message = "Tags must be immutable and every push scanned."
  }

  assert {
    condition     = alltrue([for r in aws_ecr_repository.this : r.encryption_configuration[0].encryption_type == "AES256"])
    error_message = "Without kms_key_arn images are encrypted with ECR's AES-256."
  }

  assert {
    condition     = output.registry_url == "111122223333.dkr.ecr.eu-west-1.amazonaws.com"
    error_message = "registry_url must be <account>.dkr.ecr.<region>.amazonaws.com."
  }

  assert {
    condition     = output.repository_urls == { web = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop/web", api = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop/api" }
    error_message = "repository_urls must map each given name to <registry_url>/<name>/<repository>."
  }
}

run "lifecycle_keeps_the_newest_images_and_expires_untagged_ones" {
  command = plan

  variables {
    keep_images          = 20
    untagged_expiry_days = 3
  }

  assert {
    condition = alltrue([for p in aws_ecr_lifecycle_policy.this :
      one([for rule in jsondecode(p.policy).rules : rule if rule.selection.tagStatus == "untagged"]).selection == { tagStatus = "untagged", countType = "sinceImagePushed", countUnit = "days", countNumber = 3 }
    ])
    error_message = "Untagged images must expire untagged_expiry_days after their push."
  }

  assert {
    condition = alltrue([for p in aws_ecr_lifecycle_policy.this :
      one([for rule in jsondecode(p.policy).rules : rule if rule.selection.tagStatus == "any"]).selection == { tagStatus = "any", countType = "imageCountMoreThan", countNumber = 20 }
    ])
    error_message = "Each repository must keep the newest keep_images images."
  }

  assert {
    condition = alltrue([for p in aws_ecr_lifecycle_policy.this :
      one([for rule in jsondecode(p.policy).rules : rule.rulePriority if rule.selection.tagStatus == "any"]) == max([for rule in jsondecode(p.policy).rules : rule.rulePriority]...)
    ])
    error_message = "ECR requires the rule for any tag status to have the highest priority number."
  }
}

run "customer_managed_key_encrypts_the_images" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:111122223333:key/shop"
  }

  assert {
    condition     = alltrue([for r in aws_ecr_repository.this : r.encryption_configuration[0].encryption_type == "KMS" && r.encryption_configuration[0].kms_key == "arn:aws:kms:eu-west-1:111122223333:key/shop"])
    error_message = "With kms_key_arn images must be encrypted with that key."
  }
}

run "a_repository_name_ecr_refuses_is_refused" {
  command = plan

  variables {
    repositories = ["Web"]
  }

  expect_failures = [var.repositories]
}

run "keeping_no_image_is_refused" {
  command = plan

  variables {
    keep_images = 0
  }

  expect_failures = [var.keep_images]
}

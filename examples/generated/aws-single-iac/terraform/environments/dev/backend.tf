# Remote state created by ../../bootstrap; one state file per environment.
terraform {
  backend "s3" {
    bucket         = "core-data-platform-tfstate-eu-west-1"
    key            = "environments/dev/terraform.tfstate"
    region         = "eu-west-1"
    encrypt        = true
    kms_key_id     = "alias/core-data-platform-tfstate"
    dynamodb_table = "core-data-platform-tflock"
  }
}

# Remote state created by ../../bootstrap; one state file per environment.
terraform {
  backend "s3" {
    bucket         = "storefront-eks-tfstate-us-east-1"
    key            = "environments/dev/terraform.tfstate"
    region         = "us-east-1"
    encrypt        = true
    kms_key_id     = "alias/storefront-eks-tfstate"
    dynamodb_table = "storefront-eks-tflock"
  }
}

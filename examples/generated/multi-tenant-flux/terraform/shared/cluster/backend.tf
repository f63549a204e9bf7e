# Partial backend configuration: one state per environment, selected at init with
#   terraform init -backend-config=backend-<environment>.hcl
terraform {
  backend "s3" {}
}

# shared/monitoring in staging: terraform plan -var-file=staging.tfvars
environment = "staging"
region      = "eu-central-1"

customer_managed_kms = true

# shared/networking in staging: terraform plan -var-file=staging.tfvars
environment = "staging"
region      = "eu-central-1"

nat_gateway_per_az   = false
access_logging       = true
customer_managed_kms = true

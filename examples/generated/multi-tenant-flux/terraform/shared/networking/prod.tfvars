# shared/networking in prod: terraform plan -var-file=prod.tfvars
environment = "prod"
region      = "eu-central-1"

nat_gateway_per_az   = true
access_logging       = true
customer_managed_kms = true

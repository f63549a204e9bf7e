# shared/monitoring in prod: terraform plan -var-file=prod.tfvars
environment = "prod"
region      = "eu-central-1"

customer_managed_kms = true

# shared/security in prod: terraform plan -var-file=prod.tfvars
environment = "prod"
region      = "eu-central-1"

access_logging = true

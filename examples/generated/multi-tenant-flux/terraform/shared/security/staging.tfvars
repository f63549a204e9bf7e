# shared/security in staging: terraform plan -var-file=staging.tfvars
environment = "staging"
region      = "eu-central-1"

access_logging = true

# shared/security in staging: terraform plan -var-file=staging.tfvars
environment = "staging"
region      = "eu-central-1"

access_logging   = true
account_analyzer = false # one account analyzer per account and region: prod's states create it

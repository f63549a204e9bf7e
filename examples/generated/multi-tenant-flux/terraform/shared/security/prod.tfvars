# shared/security in prod: terraform plan -var-file=prod.tfvars
environment = "prod"
region      = "eu-central-1"

access_logging   = true
account_analyzer = true # one account analyzer per account and region: prod's states create it

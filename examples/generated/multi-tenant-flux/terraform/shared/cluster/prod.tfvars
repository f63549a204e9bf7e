# shared/cluster in prod: terraform plan -var-file=prod.tfvars
environment = "prod"
region      = "eu-central-1"

customer_managed_kms = true

instance_type = "m6i.large"
min_size      = 30
max_size      = 30

# shared/cluster in staging: terraform plan -var-file=staging.tfvars
environment = "staging"
region      = "eu-central-1"

customer_managed_kms = true

instance_type = "m5.large"
min_size      = 1
max_size      = 3

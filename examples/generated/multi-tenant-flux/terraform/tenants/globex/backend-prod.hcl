# State of tenant globex in prod: terraform init -backend-config=backend-prod.hcl
bucket         = "tenant-isolation-tfstate-eu-central-1"
key            = "tenants/globex/prod/terraform.tfstate"
region         = "eu-central-1"
encrypt        = true
kms_key_id     = "alias/tenant-isolation-tfstate"
dynamodb_table = "tenant-isolation-tflock"

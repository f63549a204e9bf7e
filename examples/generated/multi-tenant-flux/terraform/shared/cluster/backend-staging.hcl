# State of shared/cluster in staging: terraform init -backend-config=backend-staging.hcl
bucket         = "tenant-isolation-tfstate-eu-central-1"
key            = "shared/cluster/staging/terraform.tfstate"
region         = "eu-central-1"
encrypt        = true
kms_key_id     = "alias/tenant-isolation-tfstate"
dynamodb_table = "tenant-isolation-tflock"

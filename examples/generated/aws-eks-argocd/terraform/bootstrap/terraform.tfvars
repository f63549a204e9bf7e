# Values from the plan (see the README's Decisions section). No secrets belong here.
project           = "storefront-eks"
region            = "us-east-1"
state_bucket_name = "storefront-eks-tfstate-us-east-1"
lock_table_name   = "storefront-eks-tflock"
access_logging    = true

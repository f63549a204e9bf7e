# Values from the plan (see the README's Decisions section). No secrets belong here.
project           = "tenant-isolation"
region            = "eu-central-1"
state_bucket_name = "tenant-isolation-tfstate-eu-central-1"
lock_table_name   = "tenant-isolation-tflock"
access_logging    = true

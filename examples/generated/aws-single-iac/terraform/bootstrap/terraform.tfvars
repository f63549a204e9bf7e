# Values from the plan (see the README's Decisions section). No secrets belong here.
project           = "core-data-platform"
region            = "eu-west-1"
state_bucket_name = "core-data-platform-tfstate-eu-west-1"
lock_table_name   = "core-data-platform-tflock"
access_logging    = true

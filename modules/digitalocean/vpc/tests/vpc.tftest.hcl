# Needs the digitalocean provider: `terraform init -backend=false && terraform test` (mocked provider).

mock_provider "digitalocean" {}

variables {
  name   = "shop-prod"
  region = "fra1"
}

run "the_vpc_takes_the_default_private_range" {
  command = plan

  assert {
    condition     = digitalocean_vpc.this.ip_range == "10.10.0.0/16" && output.cidr_block == "10.10.0.0/16"
    error_message = "Without cidr_block the VPC must take 10.10.0.0/16."
  }

  assert {
    condition     = digitalocean_vpc.this.region == "fra1" && digitalocean_vpc.this.name == "shop-prod"
    error_message = "The VPC must be named after the environment and lie in the given region."
  }
}

run "the_vpc_follows_cidr_block" {
  command = plan

  variables {
    cidr_block  = "172.20.8.0/22"
    description = "shop production"
  }

  assert {
    condition     = digitalocean_vpc.this.ip_range == "172.20.8.0/22"
    error_message = "The VPC's ip_range must follow cidr_block."
  }

  assert {
    condition     = digitalocean_vpc.this.description == "shop production"
    error_message = "The VPC must carry the given description."
  }
}

run "a_public_range_is_refused" {
  command = plan

  variables {
    cidr_block = "8.8.0.0/16"
  }

  expect_failures = [var.cidr_block]
}

run "a_range_beside_rfc1918_is_refused" {
  command = plan

  variables {
    cidr_block = "172.32.0.0/16"
  }

  expect_failures = [var.cidr_block]
}

run "a_range_larger_than_a_16_is_refused" {
  command = plan

  variables {
    cidr_block = "10.0.0.0/8"
  }

  expect_failures = [var.cidr_block]
}

run "a_range_smaller_than_a_24_is_refused" {
  command = plan

  variables {
    cidr_block = "10.10.0.0/28"
  }

  expect_failures = [var.cidr_block]
}

run "a_range_with_host_bits_is_refused" {
  command = plan

  variables {
    cidr_block = "10.10.1.0/16"
  }

  expect_failures = [var.cidr_block]
}

run "a_region_that_is_no_slug_is_refused" {
  command = plan

  variables {
    region = "Frankfurt"
  }

  expect_failures = [var.region]
}

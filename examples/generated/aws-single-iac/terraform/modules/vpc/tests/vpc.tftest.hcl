# Offline: `terraform init -backend=false && terraform test` (mocked AWS provider).

mock_provider "aws" {
  mock_data "aws_availability_zones" {
    defaults = {
      names = ["zone-a", "zone-b", "zone-c"]
    }
  }
}

variables {
  name = "test"
}

run "production_one_nat_gateway_per_az_and_encrypted_flow_logs" {
  command = plan

  variables {
    nat_gateway_per_az = true
    kms_key_arn        = "arn:aws:kms:eu-west-1:111122223333:key/test"
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 3 && length(aws_route_table.private) == 3
    error_message = "Expected one NAT gateway and one private route table per AZ."
  }

  assert {
    condition     = alltrue([for s in aws_subnet.public : s.map_public_ip_on_launch == false])
    error_message = "Public subnets must not auto-assign public IPs."
  }

  assert {
    condition = alltrue([for s in aws_subnet.public : s.tags["kubernetes.io/role/elb"] == "1"]) && alltrue(
    [for s in aws_subnet.private : s.tags["kubernetes.io/role/internal-elb"] == "1"])
    error_message = "Load balancers of Kubernetes Services find the public (internet-facing) and private (internal) subnets by their role tags."
  }

  assert {
    condition     = aws_cloudwatch_log_group.flow_logs[0].kms_key_id == "arn:aws:kms:eu-west-1:111122223333:key/test"
    error_message = "Flow logs must be encrypted with the given KMS key."
  }

  assert {
    condition     = aws_flow_log.this[0].traffic_type == "ALL"
    error_message = "Flow logs must capture all traffic."
  }
}

run "non_production_shares_one_nat_gateway" {
  command = plan

  variables {
    nat_gateway_per_az = false
    enable_flow_logs   = false
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 1 && length(aws_route_table.private) == 1
    error_message = "Expected a single shared NAT gateway."
  }

  assert {
    condition     = length(aws_subnet.private) == 3 && length(aws_subnet.public) == 3
    error_message = "Expected public and private subnets in every AZ."
  }

  assert {
    condition     = length(aws_flow_log.this) == 0
    error_message = "No flow log expected when disabled."
  }
}

run "rejects_too_many_azs" {
  command = plan

  variables {
    az_count = 7
  }

  expect_failures = [var.az_count]
}

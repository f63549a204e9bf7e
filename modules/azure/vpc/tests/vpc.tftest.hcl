# Needs the azurerm provider: `terraform init -backend=false && terraform test` (mocked provider).

mock_provider "azurerm" {}

variables {
  name                = "test"
  location            = "westeurope"
  resource_group_name = "rg-test"
}

run "private_subnets_have_no_default_outbound_and_deny_internet" {
  command = plan

  assert {
    condition     = azurerm_subnet.private.default_outbound_access_enabled == false
    error_message = "Outbound traffic must go through the NAT gateway."
  }

  assert {
    condition     = anytrue([for r in azurerm_network_security_group.private.security_rule : r.access == "Deny" && r.source_address_prefix == "Internet"])
    error_message = "Inbound internet traffic must be denied."
  }
}

run "a_public_ingress_is_admitted_before_the_deny" {
  command = plan

  variables {
    internet_inbound_ports = [80, 443]
  }

  assert {
    condition = anytrue([for r in azurerm_network_security_group.private.security_rule :
    r.access == "Allow" && r.source_address_prefix == "Internet" && r.priority < 4000 && toset(r.destination_port_ranges) == toset(["80", "443"])])
    error_message = "The ingress ports must be allowed from the internet ahead of the deny rule."
  }
}

run "no_port_is_admitted_by_default" {
  command = plan

  assert {
    condition     = alltrue([for r in azurerm_network_security_group.private.security_rule : r.access == "Deny"])
    error_message = "Without internet_inbound_ports every inbound internet connection is denied."
  }
}

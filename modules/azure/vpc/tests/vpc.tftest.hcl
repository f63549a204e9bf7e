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

# Needs the azurerm provider: `terraform init -backend=false && terraform test` (mocked provider).

mock_provider "azurerm" {}

variables {
  name                 = "test"
  location             = "westeurope"
  resource_group_name  = "rg-test"
  subnet_id            = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s"
  instance_type        = "Standard_D4s_v5"
  admin_ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIH4RXtxKoDuIpb31Z9knouBQMGxLIF3ffdPScREx8qpj test" # the provider parses it
}

run "ssh_keys_only_and_encryption_at_host" {
  command = plan

  assert {
    condition     = azurerm_linux_virtual_machine_scale_set.this.disable_password_authentication == true
    error_message = "Password login must be disabled."
  }

  assert {
    condition     = azurerm_linux_virtual_machine_scale_set.this.encryption_at_host_enabled == true
    error_message = "Encryption at host must be on."
  }
}

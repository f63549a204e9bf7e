# Compute layer (Azure): a Linux VM scale set in the private subnet, SSH keys only,
# encryption at host (customer-managed key through a disk encryption set when given),
# system-assigned identity, spread across availability zones.

resource "azurerm_disk_encryption_set" "this" {
  count = var.key_id == null ? 0 : 1

  name                      = "des-${var.name}"
  location                  = var.location
  resource_group_name       = var.resource_group_name
  key_vault_key_id          = var.key_id
  auto_key_rotation_enabled = true

  identity {
    type = "SystemAssigned"
  }

  tags = var.tags
}

resource "azurerm_role_assignment" "disk_encryption" {
  count = var.key_id == null ? 0 : 1

  scope                = var.key_vault_id
  role_definition_name = "Key Vault Crypto Service Encryption User"
  principal_id         = azurerm_disk_encryption_set.this[0].identity[0].principal_id
}

resource "azurerm_linux_virtual_machine_scale_set" "this" {
  name                = "vmss-${var.name}"
  location            = var.location
  resource_group_name = var.resource_group_name
  sku                 = var.instance_type
  instances           = var.min_size
  zones               = var.zones
  admin_username      = "azureuser"

  disable_password_authentication = true
  encryption_at_host_enabled      = true

  admin_ssh_key {
    username   = "azureuser"
    public_key = var.admin_ssh_public_key
  }

  source_image_reference {
    publisher = "Canonical"
    offer     = "ubuntu-24_04-lts"
    sku       = "server"
    version   = "latest"
  }

  os_disk {
    caching                = "ReadWrite"
    storage_account_type   = "Premium_LRS"
    disk_encryption_set_id = var.key_id == null ? null : azurerm_disk_encryption_set.this[0].id
  }

  network_interface {
    name    = "nic"
    primary = true

    ip_configuration {
      name      = "internal"
      primary   = true
      subnet_id = var.subnet_id
    }
  }

  identity {
    type = "SystemAssigned"
  }

  tags = var.tags

  depends_on = [azurerm_role_assignment.disk_encryption]
}

resource "azurerm_monitor_autoscale_setting" "this" {
  name                = "autoscale-${var.name}"
  location            = var.location
  resource_group_name = var.resource_group_name
  target_resource_id  = azurerm_linux_virtual_machine_scale_set.this.id

  profile {
    name = "default"

    capacity {
      default = var.min_size
      minimum = var.min_size
      maximum = var.max_size
    }
  }

  tags = var.tags
}

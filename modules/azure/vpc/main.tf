# Network layer (Azure): one virtual network with an application subnet, a subnet
# delegated to PostgreSQL flexible servers when a managed database is built (and one to Container Apps when asked) and a NAT gateway for outbound
# traffic.
# Inbound traffic from the internet is denied by the subnets' network security group, but for the ports
# internet_inbound_ports names (a public ingress controller's load balancer).

resource "azurerm_virtual_network" "this" {
  name                = "vnet-${var.name}"
  location            = var.location
  resource_group_name = var.resource_group_name
  address_space       = [var.cidr_block]

  tags = var.tags
}

resource "azurerm_subnet" "private" {
  name                 = "snet-${var.name}-private"
  resource_group_name  = var.resource_group_name
  virtual_network_name = azurerm_virtual_network.this.name
  address_prefixes     = [cidrsubnet(var.cidr_block, 4, 0)]

  default_outbound_access_enabled = false
}

resource "azurerm_subnet" "database" {
  count = var.database_network ? 1 : 0

  name                 = "snet-${var.name}-database"
  resource_group_name  = var.resource_group_name
  virtual_network_name = azurerm_virtual_network.this.name
  address_prefixes     = [cidrsubnet(var.cidr_block, 8, 255)]

  default_outbound_access_enabled = false

  delegation {
    name = "postgresql"

    service_delegation {
      name    = "Microsoft.DBforPostgreSQL/flexibleServers"
      actions = ["Microsoft.Network/virtualNetworks/subnets/join/action"]
    }
  }
}

# Serverless compute: a subnet delegated to Container Apps environments or to App Service's virtual network
# integration, behind the workload subnet's security group and NAT gateway.
locals {
  apps_delegations = {
    container-apps = { service = "Microsoft.App/environments", actions = ["Microsoft.Network/virtualNetworks/subnets/join/action"], endpoints = [] }
    app-service    = { service = "Microsoft.Web/serverFarms", actions = ["Microsoft.Network/virtualNetworks/subnets/action"], endpoints = ["Microsoft.Web"] }
  }
}

resource "azurerm_subnet" "apps" {
  count = var.apps_subnet != null ? 1 : 0

  name                 = "snet-${var.name}-apps"
  resource_group_name  = var.resource_group_name
  virtual_network_name = azurerm_virtual_network.this.name
  address_prefixes     = [cidrsubnet(var.cidr_block, 4, 1)]
  service_endpoints    = local.apps_delegations[var.apps_subnet].endpoints

  default_outbound_access_enabled = false

  delegation {
    name = var.apps_subnet

    service_delegation {
      name    = local.apps_delegations[var.apps_subnet].service
      actions = local.apps_delegations[var.apps_subnet].actions
    }
  }
}

resource "azurerm_network_security_group" "private" {
  name                = "nsg-${var.name}-private"
  location            = var.location
  resource_group_name = var.resource_group_name

  # A public load balancer keeps the client's address: its backends on this subnet see internet sources, so the
  # ports it serves (a public ingress controller's) are admitted before the deny below.
  dynamic "security_rule" {
    for_each = length(var.internet_inbound_ports) > 0 ? [var.internet_inbound_ports] : []
    content {
      name                       = "allow-internet-ingress"
      priority                   = 3900
      direction                  = "Inbound"
      access                     = "Allow"
      protocol                   = "Tcp"
      source_port_range          = "*"
      destination_port_ranges    = [for port in security_rule.value : tostring(port)]
      source_address_prefix      = "Internet"
      destination_address_prefix = "*"
    }
  }

  security_rule {
    name                       = "deny-internet-inbound"
    priority                   = 4000
    direction                  = "Inbound"
    access                     = "Deny"
    protocol                   = "*"
    source_port_range          = "*"
    destination_port_range     = "*"
    source_address_prefix      = "Internet"
    destination_address_prefix = "*"
  }

  tags = var.tags
}

resource "azurerm_subnet_network_security_group_association" "private" {
  subnet_id                 = azurerm_subnet.private.id
  network_security_group_id = azurerm_network_security_group.private.id
}

# The database subnet denies inbound internet traffic too (the flexible server has no public access either).
resource "azurerm_subnet_network_security_group_association" "database" {
  count = var.database_network ? 1 : 0

  subnet_id                 = azurerm_subnet.database[0].id
  network_security_group_id = azurerm_network_security_group.private.id
}

resource "azurerm_subnet_network_security_group_association" "apps" {
  count = var.apps_subnet != null ? 1 : 0

  subnet_id                 = azurerm_subnet.apps[0].id
  network_security_group_id = azurerm_network_security_group.private.id
}

resource "azurerm_public_ip" "nat" {
  name                = "pip-${var.name}-nat"
  location            = var.location
  resource_group_name = var.resource_group_name
  allocation_method   = "Static"
  sku                 = "Standard"
  zones               = var.zone_redundant ? ["1", "2", "3"] : null

  tags = var.tags
}

resource "azurerm_nat_gateway" "this" {
  name                = "ng-${var.name}"
  location            = var.location
  resource_group_name = var.resource_group_name
  sku_name            = "Standard"

  tags = var.tags
}

resource "azurerm_nat_gateway_public_ip_association" "this" {
  nat_gateway_id       = azurerm_nat_gateway.this.id
  public_ip_address_id = azurerm_public_ip.nat.id
}

resource "azurerm_subnet_nat_gateway_association" "private" {
  subnet_id      = azurerm_subnet.private.id
  nat_gateway_id = azurerm_nat_gateway.this.id
}

resource "azurerm_subnet_nat_gateway_association" "apps" {
  count = var.apps_subnet != null ? 1 : 0

  subnet_id      = azurerm_subnet.apps[0].id
  nat_gateway_id = azurerm_nat_gateway.this.id
}

resource "azurerm_private_dns_zone" "postgres" {
  count = var.database_network ? 1 : 0

  name                = "${var.name}.private.postgres.database.azure.com"
  resource_group_name = var.resource_group_name

  tags = var.tags
}

resource "azurerm_private_dns_zone_virtual_network_link" "postgres" {
  count = var.database_network ? 1 : 0

  name                  = "postgres-${var.name}"
  resource_group_name   = var.resource_group_name
  private_dns_zone_name = azurerm_private_dns_zone.postgres[0].name
  virtual_network_id    = azurerm_virtual_network.this.id

  tags = var.tags
}

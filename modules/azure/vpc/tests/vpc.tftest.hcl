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

run "a_container_apps_subnet_is_delegated_and_behind_the_nat_and_the_deny" {
  command = plan

  variables {
    apps_subnet = "container-apps"
  }

  assert {
    condition     = azurerm_subnet.apps[0].delegation[0].service_delegation[0].name == "Microsoft.App/environments" && one(azurerm_subnet.apps[0].address_prefixes) == "10.0.16.0/20"
    error_message = "The apps subnet must be delegated to Container Apps and not overlap the workload subnet."
  }

  assert {
    condition     = length(azurerm_subnet_network_security_group_association.apps) == 1 && length(azurerm_subnet_nat_gateway_association.apps) == 1
    error_message = "The apps subnet must deny inbound internet traffic and leave through the NAT gateway."
  }
}

run "an_app_service_subnet_is_delegated_to_server_farms_with_the_web_endpoint" {
  command = plan

  variables {
    apps_subnet = "app-service"
  }

  assert {
    condition     = azurerm_subnet.apps[0].delegation[0].service_delegation[0].name == "Microsoft.Web/serverFarms" && azurerm_subnet.apps[0].service_endpoints == toset(["Microsoft.Web"])
    error_message = "App Service's integration subnet must be delegated to server farms and carry the Microsoft.Web endpoint internal web apps admit."
  }
}

run "no_apps_subnet_by_default" {
  command = plan

  assert {
    condition     = length(azurerm_subnet.apps) == 0
    error_message = "Only serverless compute gets the apps subnet."
  }
}

run "no_database_network_by_default" {
  command = plan

  assert {
    condition     = length(azurerm_subnet.database) == 0 && length(azurerm_private_dns_zone.postgres) == 0 && output.database_subnet_id == null
    error_message = "Without a managed database the network has no PostgreSQL subnet nor private DNS zone."
  }
}

run "a_database_network_is_delegated_to_postgres_and_linked" {
  command = plan

  variables {
    database_network = true
  }

  assert {
    condition     = azurerm_subnet.database[0].delegation[0].service_delegation[0].name == "Microsoft.DBforPostgreSQL/flexibleServers" && length(azurerm_private_dns_zone_virtual_network_link.postgres) == 1
    error_message = "The database subnet must be delegated to PostgreSQL flexible servers and its DNS zone linked to the network."
  }

  assert {
    condition     = length(azurerm_subnet_network_security_group_association.database) == 1
    error_message = "The database subnet must deny inbound internet traffic too."
  }
}

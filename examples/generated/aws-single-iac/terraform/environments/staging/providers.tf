provider "aws" {
  region = var.region

  default_tags {
    tags = {
      project     = var.project
      environment = var.environment
      tenant      = var.tenant
      managed-by  = "terraform"
    }
  }
}

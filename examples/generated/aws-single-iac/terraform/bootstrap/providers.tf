provider "aws" {
  region = var.region

  default_tags {
    tags = {
      project     = var.project
      environment = "global"
      tenant      = "shared"
      managed-by  = "terraform"
    }
  }
}

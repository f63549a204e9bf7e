terraform {
  # Bootstrap keeps its own (small) state locally: it creates the backend every other root uses.
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

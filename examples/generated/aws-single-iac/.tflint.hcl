# TFLint (https://github.com/terraform-linters/tflint), named by the plan: CI (`lint` job of
# .github/workflows/validate.yml) and pre-commit (terraform_tflint) run
#   tflint --init && tflint --recursive --config "$PWD/.tflint.hcl"
# Plugins are pinned; Renovate (renovate.json) proposes new versions.
config {
  call_module_type = "local"
}

plugin "terraform" {
  enabled = true
  preset  = "recommended"
  version = "0.10.0"
  source  = "github.com/terraform-linters/tflint-ruleset-terraform"
}

plugin "aws" {
  enabled = true
  version = "0.37.0"
  source  = "github.com/terraform-linters/tflint-ruleset-aws"
}

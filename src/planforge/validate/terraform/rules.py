"""The Terraform validator's name, target kinds and rules."""
from __future__ import annotations

NAME = "terraform"
ROOT = "terraform-root"
MODULE = "terraform-module"

RULES = {
    "terraform/fmt": "The file is not formatted as `terraform fmt` would write it (diff in the detail).",
    "terraform/syntax": "The file cannot be parsed (HCL or JSON syntax error).",
    "terraform/undeclared-reference": "A var./local./module. reference names nothing declared in its module.",
    "terraform/module-source-missing": "A local module `source` points at a directory that does not exist or has no .tf files.",
    "terraform/tfvars-undeclared": "A tfvars key that no variable declares: Terraform would silently ignore it.",
    "terraform/tfvars-missing-required": "A required variable (no default) is not set in the root's terraform.tfvars / "
                                         "*.auto.tfvars, or in an environment's -var-file tfvars.",
    "terraform/static-incomplete": "python-hcl2 cannot parse a file Terraform accepts: its directory's static checks did not run.",
    "terraform/shared-state": "Two roots keep their state in the same place (HCP Terraform organization + workspace name or "
                              "tags, S3 bucket + key, ...): each would overwrite the other's state.",
    "terraform/validate": "A diagnostic from `terraform init -backend=false` + `terraform validate`.",
}

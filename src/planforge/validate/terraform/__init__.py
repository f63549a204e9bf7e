"""The Terraform validator: discovery, `terraform fmt`, static checks, `terraform validate`.

Public API (used by the runner):
  - `TerraformValidator()`: the `Validator` (name "terraform"); `discover(ctx)` then `run(target, ctx)`
    per target, safe to call from several threads at once. Each target gets the checks `static`
    (python-hcl2) and `fmt`; roots, and modules no root uses, also `validate`.
    `TerraformValidator.validation_runs` lists each terraform validate that ran: a root's display, or
    "aggregate of a, b, ..." for the roots validated together.
  - `RULES`: rule id -> description (SARIF / reports).
  - `VALIDATION_SLOTS` / `MAX_CONCURRENT_VALIDATIONS` / `set_max_concurrent_validations(n)`: the bound
    on concurrent `terraform init` + `terraform validate` runs (`concurrency`). Read here, the two
    values are always the current ones.

The repository is never modified: `terraform fmt` only checks (one call for every file, `fmt`), and
`init`/`validate` run on a temporary copy of the root and its local module tree under `ctx.workdir`
(`validation`), once for all the roots that share a provider set (`aggregate`).
Discovery rules are documented in docs/discovery.md ("Terraform").

Modules: `rules` (names, rule ids), `hcltext` (masked HCL text, positions), `hclconfig` (one
directory as python-hcl2 sees it), `tfvars`, `configs` (scanned directories within the input bounds),
`repository` (the git repository module sources may read),
`discovery` (roots and modules), `fingerprint` (identical roots), `cli` (running terraform), `mirrors`
(the provider mirrors),
`concurrency`, `static`, `fmt`, `diagnostics`, `aggregate` (many roots in one validate), `validation`
(init + validate), `validator`.
"""
from __future__ import annotations

from typing import Any

from planforge.validate.terraform import concurrency
from planforge.validate.terraform.cli import cli_config, terraform_binary
from planforge.validate.terraform.concurrency import VALIDATE_PEAK_MIB, set_max_concurrent_validations
from planforge.validate.terraform.rules import NAME, RULES
from planforge.validate.terraform.validator import TerraformValidator

__all__ = [
    "MAX_CONCURRENT_VALIDATIONS", "NAME", "RULES", "TerraformValidator", "VALIDATE_PEAK_MIB", "VALIDATION_SLOTS",
    "cli_config", "set_max_concurrent_validations", "terraform_binary",
]

_CURRENT = ("MAX_CONCURRENT_VALIDATIONS", "VALIDATION_SLOTS")


def __getattr__(name: str) -> Any:
    """`MAX_CONCURRENT_VALIDATIONS` and `VALIDATION_SLOTS` as `set_max_concurrent_validations` last set them."""
    if name in _CURRENT:
        return getattr(concurrency, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

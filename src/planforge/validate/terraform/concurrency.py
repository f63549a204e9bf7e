"""The bound on concurrent `terraform init` + `terraform validate` runs.

The memory budget setting divided by `VALIDATE_PEAK_MIB` (each validation loads the ~600 MB
hashicorp/aws schema). Discovery applies the budget of its context's settings, and a validation
holds one of `VALIDATION_SLOTS` while it runs, so a runner with `-j 16` never has more than
`MAX_CONCURRENT_VALIDATIONS` validations alive at once. The runner also reads
`MAX_CONCURRENT_VALIDATIONS` (through `planforge.validate.terraform`) to bound terraform targets.
"""
from __future__ import annotations

import threading

from planforge.validate.base import Settings
from planforge.validate.settings import memory_budget_mib

# Estimated peak memory of one `terraform init` + `terraform validate` of a root using the
# hashicorp/aws 5.x provider: Terraform core plus the provider processes, which load the
# provider's ~600 MB schema (measured: 800-850 MiB of proportional set size with Go's default GOGC,
# 870-960 MiB with the `cli.GOGC` terraform runs get). The memory budget is divided by it.
VALIDATE_PEAK_MIB = 1000


def validations_within(budget_mib: int) -> int:
    """How many validations fit in a memory budget (always at least one)."""
    return max(1, budget_mib // VALIDATE_PEAK_MIB)


MAX_CONCURRENT_VALIDATIONS = validations_within(memory_budget_mib(Settings()))
VALIDATION_SLOTS = threading.BoundedSemaphore(MAX_CONCURRENT_VALIDATIONS)


def set_max_concurrent_validations(n: int) -> None:
    """Replace the validation bound (call before running validators)."""
    global VALIDATION_SLOTS, MAX_CONCURRENT_VALIDATIONS
    MAX_CONCURRENT_VALIDATIONS = max(1, n)
    VALIDATION_SLOTS = threading.BoundedSemaphore(MAX_CONCURRENT_VALIDATIONS)


def apply_memory_budget(settings: Settings) -> None:
    """Bound concurrent validations by the settings' memory budget (a no-op when the bound is unchanged)."""
    bound = validations_within(memory_budget_mib(settings))
    if bound != MAX_CONCURRENT_VALIDATIONS:
        set_max_concurrent_validations(bound)


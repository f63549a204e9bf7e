"""The bound on concurrent `terraform init` + `terraform validate` runs.

The memory budget setting divided by `VALIDATE_PEAK_MIB` (each validation loads the ~600 MB
hashicorp/aws schema). Discovery applies the budget of its context's settings, and a validation
holds one of `VALIDATION_SLOTS` while it runs, so a runner with `-j 16` never has more than
`MAX_CONCURRENT_VALIDATIONS` validations alive at once. The runner also reads
`MAX_CONCURRENT_VALIDATIONS` (through `planforge.validate.terraform`) to bound terraform targets.
"""
from __future__ import annotations

import os
import threading

from planforge.validate.base import Settings
from planforge.validate.settings import memory_budget_mib

# Estimated peak memory of one `terraform init` + `terraform validate` of a root using the
# hashicorp/aws 5.x provider: Terraform core plus the provider process, which loads the
# provider's ~600 MB schema. The memory budget is divided by it.
VALIDATE_PEAK_MIB = 900


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


def idle_cpus() -> int:
    """CPUs no other process is using, from the 1-minute load average (this process counts as one), at least 1.
    Like `make --load-average`: parallel work only pays on CPUs that are idle."""
    cpus = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except OSError:  # no load average on this platform
        return cpus
    return max(1, min(cpus, round(cpus + 1 - load)))


def parallel_aggregates(settings: Settings) -> int:
    """Into how many aggregate configurations validated at once a provider set's roots are split: one per job,
    within the validation bound and the idle CPUs (each `terraform validate` loads the schema on one CPU, so two
    halves on two idle CPUs finish sooner than the whole on one; on a busy machine one aggregate costs least)."""
    jobs = settings.jobs or os.cpu_count() or 1
    return max(1, min(jobs, MAX_CONCURRENT_VALIDATIONS, idle_cpus()))

"""What runs a Terraform-only plan's applications: the VMs of the compute module, or the serverless or PaaS compute
the plan names for its cloud (data/keywords.yaml `serverless_runtimes`, built by layout.yml `serverless_compute`)."""
from __future__ import annotations

from typing import Any

from planforge.decide.context import Context
from planforge.decide.data import keywords
from planforge.decide.rules.tools import named_tools


def decide_compute(c: Context, structure: str) -> None:
    """`compute`: the first runtime the plan chooses that planforge builds on the plan's cloud, else VMs. Only a
    single-iac plan (no Kubernetes) runs its apps on it; the runtime rule (rules/tools) reports the others."""
    runtimes = keywords().serverless_runtimes
    if structure == "single-iac":
        for named in named_tools(c.plan):
            runtime = runtimes.get(named.tool)
            if named.kind == "runtime" and named.chosen and runtime and runtime["cloud"] == c.values.get("cloud"):
                c.from_line("compute", runtime["compute"], named.line)
                return
    c.default("compute", "vms", "the plan names no serverless compute planforge builds on its cloud"
              if structure == "single-iac" else "Kubernetes runs the plan's applications")


def serverless_runtime(compute: str) -> dict[str, Any] | None:
    """The serverless runtime (data/keywords.yaml `serverless_runtimes`) of a `compute` answer; None for VMs."""
    return next((r for r in keywords().serverless_runtimes.values() if r["compute"] == compute), None)

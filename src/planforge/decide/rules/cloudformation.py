"""CloudFormation as the plan's IaC tool: where it renders, and what it keeps instead of a Terraform state.

The CloudFormation renderer (docs/cloudformation.md) writes the single-IaC layout of one AWS region: a root
template per environment's stack with nested stacks for the key, network, compute and database. Everything else a
plan may pair with it (clusters, serverless services, several regions or clouds) is rendered by Terraform only, so
such a plan is refused at its IaC line with what to change.
"""
from __future__ import annotations

import re

from planforge.decide.context import Context
from planforge.decide.data import keywords

# what the renderer cannot express: the test on the answers and structure, the message and the fix
_LIMITS = (
    (lambda v, s: s != "single-iac",
     "CloudFormation renders the single-IaC layout (network, compute, database): the plan's clusters are rendered "
     "by Terraform only", "use Terraform or OpenTofu for a plan with Kubernetes"),
    (lambda v, s: v.get("compute", "vms") != "vms",
     "CloudFormation renders EC2 Auto Scaling compute: the plan's serverless services are rendered by Terraform only",
     "use Terraform or OpenTofu, or run the applications on EC2 instances"),
    (lambda v, s: len(v.get("regions") or []) > 1,
     "CloudFormation renders one region: the plan's standby regions are rendered by Terraform only",
     "use Terraform or OpenTofu for a multi-region plan, or deploy the stacks per region yourself"),
)


_NO_BACKEND = r"(?:n/?a|none|-)(?!\w)"  # `N/A`, `none (stacks)`: nothing to report


def names_cloudformation(text: str) -> bool:
    return re.search(keywords().named_tools["iac"]["CloudFormation"], text, re.I) is not None


def decide_cloudformation(c: Context, structure: str) -> None:
    """Refuse a CloudFormation plan the renderer cannot express, at the line choosing CloudFormation."""
    v = c.values
    if v.get("iac_tool") != "cloudformation":
        return
    f = c.plan.field("iac_tools")  # the field choosing CloudFormation (platform._iac_tool)
    if v.get("cloud") != "aws" or len(v.get("clouds") or []) > 1:
        c.problem(f, "iac_tool", f"CloudFormation creates AWS resources only; the plan's cloud is "
                  f"{', '.join(v.get('clouds') or [v.get('cloud', 'none')])}",
                  "use Terraform or OpenTofu for another cloud")
        return
    for fails, message, hint in _LIMITS:
        if fails(v, structure):
            c.problem(f, "iac_tool", message, hint)


def decide_state(c: Context) -> bool:
    """CloudFormation keeps each stack's state in the service: no state backend, none to lock. A backend the plan
    names anyway is reported. False when the IaC tool is not CloudFormation."""
    if c.values.get("iac_tool") != "cloudformation":
        return False
    c.default("state_backend", "none", "CloudFormation keeps each stack's state in the service")
    c.default("state_locking", "none", "CloudFormation keeps each stack's state in the service")
    f = c.plan.field("state_backend")
    stated = f is not None and not f.unresolved and not re.match(_NO_BACKEND, f.plain, re.I)
    if stated and not names_cloudformation(f.plain):
        c.unapplied(f.line, f"{f.label}: {f.plain}", "CloudFormation keeps each stack's state in the service: no state storage "
                    "is created")
    return True

"""CloudFormation and Pulumi as the plan's IaC tool: where they render, and where each keeps its state.

Both renderers (docs/cloudformation.md, docs/pulumi.md) write the single-IaC layout of one AWS region from the same
decisions the Terraform roots read: each environment's key, network, compute and database. Everything else a plan
may pair with them (clusters, serverless services, several regions or clouds) is rendered by Terraform only, so such
a plan is refused at its IaC line with what to change.
"""
from __future__ import annotations

import re

from planforge.decide.context import Context
from planforge.decide.data import keywords

# the iac_tool answer of each renderer and its name in keywords.yaml (named_tools.iac)
RENDERERS = {"cloudformation": "CloudFormation", "pulumi": "Pulumi"}

# what the renderers cannot express: the test on the answers and structure, the message and the fix
_LIMITS = (
    (lambda v, s: s != "single-iac",
     "{tool} renders the single-IaC layout (network, compute, database): the plan's clusters are rendered "
     "by Terraform only", "use Terraform or OpenTofu for a plan with Kubernetes"),
    (lambda v, s: v.get("compute", "vms") != "vms",
     "{tool} renders EC2 Auto Scaling compute: the plan's serverless services are rendered by Terraform only",
     "use Terraform or OpenTofu, or run the applications on EC2 instances"),
    (lambda v, s: len(v.get("regions") or []) > 1,
     "{tool} renders one region: the plan's standby regions are rendered by Terraform only",
     "use Terraform or OpenTofu for a multi-region plan, or deploy the {tool} stacks per region yourself"),
)

# Pulumi languages other than the program's Python
_OTHER_PULUMI_LANGUAGE = r"\b(typescript|javascript|node(?:\.?js)?|golang|go|c#|\.net|dotnet|java|yaml)\b"
_PULUMI_VERSION = r"\bpulumi\s*v?\d+(?:\.\d+){0,2}\b"
_NO_BACKEND = r"(?:n/?a|none|-)(?!\w)"  # `N/A`, `none (stacks)`: nothing to report
_PULUMI_CLOUD = r"\bpulumi\s*(?:cloud|service)\b|app\.pulumi\.com"
_S3 = r"\bs3\b"


def named_renderer(text: str) -> str | None:
    """The renderer (iac_tool answer) the text names, or None."""
    for answer, tool in RENDERERS.items():
        if re.search(keywords().named_tools["iac"][tool], text, re.I):
            return answer
    return None


def decide_renderer(c: Context, structure: str) -> None:
    """Refuse a CloudFormation or Pulumi plan the renderer cannot express, at the line choosing the tool."""
    v = c.values
    tool = RENDERERS.get(v.get("iac_tool", ""))
    if tool is None:
        return
    f = c.plan.field("iac_tools")  # the field choosing the tool (platform._iac_tool)
    if v.get("cloud") != "aws" or len(v.get("clouds") or []) > 1:
        c.problem(f, "iac_tool", f"planforge's {tool} renderer creates AWS resources only; the plan's cloud is "
                  f"{', '.join(v.get('clouds') or [v.get('cloud', 'none')])}",
                  "use Terraform or OpenTofu for another cloud")
        return
    for fails, message, hint in _LIMITS:
        if fails(v, structure):
            c.problem(f, "iac_tool", message.format(tool=tool), hint.format(tool=tool))
    language = re.search(_OTHER_PULUMI_LANGUAGE, f.plain, re.I) if tool == "Pulumi" else None
    if language:
        c.problem(f, "iac_tool", f"planforge writes Pulumi programs in Python; the plan's is {language.group(1)}",
                  "use Pulumi with Python, or Terraform or OpenTofu")
    version = re.search(_PULUMI_VERSION, f.plain, re.I) if tool == "Pulumi" else None
    if version:
        c.unapplied(f.line, version.group(0), "the program pins the Pulumi SDK together with the pulumi-aws release "
                    "it is written against (pulumi/requirements.txt, which CI and pre-commit install too): set the "
                    "pins there to run another version")


def decide_state(c: Context) -> bool:
    """The state of a renderer's stacks: CloudFormation keeps it in the service (no backend, none to lock); Pulumi in
    a versioned S3 bucket of the account (its self-managed backend, which locks every update itself), or in Pulumi
    Cloud when the plan says so. A backend the plan names that the tool does not use is reported. False when the IaC
    tool is not a renderer."""
    tool = c.values.get("iac_tool")
    if tool not in RENDERERS:
        return False
    f = c.plan.field("state_backend")
    stated = f is not None and not f.unresolved and not re.match(_NO_BACKEND, f.plain, re.I)
    if tool == "cloudformation":
        c.default("state_backend", "none", "CloudFormation keeps each stack's state in the service")
        c.default("state_locking", "none", "CloudFormation keeps each stack's state in the service")
        if stated and not named_renderer(f.plain):
            c.unapplied(f.line, f"{f.label}: {f.plain}", "CloudFormation keeps each stack's state in the service: no "
                        "state storage is created")
        return True
    if stated and re.search(_PULUMI_CLOUD, f.plain, re.I):
        c.from_field("state_backend", "pulumi-cloud", f)
    elif stated and re.search(_S3, f.plain, re.I):
        c.from_field("state_backend", "s3", f)
    else:
        c.default("state_backend", "s3", "Pulumi's self-managed backend: a versioned, encrypted S3 bucket of the "
                  "account (deploy.sh creates it)")
        if stated:
            c.unapplied(f.line, f"{f.label}: {f.plain}", "the Pulumi stacks keep their state in S3 (or Pulumi Cloud "
                        "when the plan names it): no other state storage is created")
    c.default("state_locking", "native", "Pulumi locks a stack for the length of every update")
    return True

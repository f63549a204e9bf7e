"""The state key a plan gives each environment's root (`one state key per environment (`berth/<env>/terraform.tfstate`)`,
`one state key per env (`dev.tfstate`, `staging.tfstate`, `prod.tfstate`)`, `key `reporting/prod.tfstate``).

A `.tfstate` path on any line naming an environment placeholder (`<env>`, `${env}`, `{environment}`) or one of the
plan's environments as a part of it (`dev.tfstate`, `reporting/prod.tfstate`) gives `state_key`, that environment
written `{environment}`: each environment root's backend stores its state under it. Other roots (tenants, standby
regions, a second cloud, bootstrap) keep their path under terraform/, so no two states share a key. Two different
keys, or a repository whose environment roots keep no state in a bucket or storage account planforge configures, are
reported."""
from __future__ import annotations

import re

from planforge.decide.context import Context
from planforge.decide.environments import environment_named
from planforge.decide.rules.statements import passages

_PLACEHOLDER = r"<env(?:ironment)?>|\$?\{env(?:ironment)?\}"
_PART = rf"(?:[\w.-]|{_PLACEHOLDER})"
# a relative .tfstate path (`berth/<env>/terraform.tfstate`, `dev.tfstate`), not inside a longer word or URL
_STATE_FILE = re.compile(rf"(?<![\w./<>{{}}$:-])((?:{_PART}+/){{0,7}}{_PART}+\.tfstate)(?![\w/-])", re.I)
_BACKENDS = ("s3", "azurerm", "gcs")


def decide_state_key(c: Context, structure: str) -> None:
    """`state_key` from the first state path naming an environment; another path is reported at its line."""
    c.default("state_key", "", "the plan gives no state key per environment: each root's path under terraform/")
    envs = c.values.get("environments", [])
    found: list[tuple[int, str, str]] = []  # (line, path as written, key)
    for p in passages(c.plan, every_section=True):
        for m in _STATE_FILE.finditer(p.text):
            key = _generalized(m.group(1), envs)
            if key:
                found.append((p.line_at(m.start(1)), m.group(1), key))
    if not found:
        return
    line, _, key = found[0]
    why = _why_not(c, structure)
    for at, path, other in found:
        if why:
            c.unapplied(at, path, why)
        elif other != key:
            c.unapplied(at, path, f"each environment's state is stored under {key} (line {line}); one key per "
                        "environment root")
        else:
            c.applied(at, path, "state_key")
    if not why:
        c.from_line("state_key", key, line)


def _generalized(path: str, envs: list[str]) -> str:
    """The path with its environment written `{environment}`: its placeholders, else the one part (or file name
    before .tfstate) naming an environment of the plan; "" when it names none, or more than one."""
    if re.search(_PLACEHOLDER, path, re.I):
        return re.sub(_PLACEHOLDER, "{environment}", path, flags=re.I)
    parts = re.split(r"(/|\.tfstate$)", path)
    named = [k for k, part in enumerate(parts) if environment_named(part, envs)]
    if len(named) != 1:
        return ""
    parts[named[0]] = "{environment}"
    return "".join(parts)


def _why_not(c: Context, structure: str) -> str:
    """Why the environment roots cannot take the key ("" when they can)."""
    if c.values.get("iac_tool") not in ("terraform", "opentofu"):
        return "the repository has no Terraform roots whose state a key names"
    if c.values.get("state_backend") not in _BACKENDS:
        return (f"the {c.values.get('state_backend')} state takes no key: HCP Terraform names a workspace per root"
                if c.values.get("state_backend") == "terraform-cloud" else
                "the plan names no remote state backend: each root keeps its state locally")
    if c.values.get("terraform_roots") != "per-environment" or structure == "multi-tenant":
        return ("each state is keyed by its root's path under terraform/: the environments share roots (workspaces, "
                "tenants' stacks) whose partial backend files name each state")
    return ""

"""An API endpoint of one environment's own (`Staging EKS API endpoint is public but restricted to the office CIDR`,
`No public EKS API endpoint in production`, an environments table's `Public API endpoint` column saying `Yes,
restricted to 203.0.113.0/24` and `No (private endpoint only)`): `environment_sizing[].api_endpoint`, which that
environment's Terraform root builds in place of the repository's `api_endpoint` (a public one admitting
`api_authorized_cidrs` only). Before, a sentence about staging made every environment's endpoint public, production's
included, or the column was dropped."""
from __future__ import annotations

import re

from planforge.decide.answers import EnvironmentSizing
from planforge.decide.context import Context
from planforge.decide.environments import environment_rows
from planforge.decide.rules.network import cidrs_in

# an environments table's row or column of API endpoints (`Public API endpoint`, `API endpoint`, `Control plane`)
_LABEL = re.compile(r"^\W*(?P<public>public\s+)?(?:(?:kubernetes|k8s|eks|aks|gke|oke)\s+)?(?:api(?:\s+server)?|control[- ]plane)"
                    r"(?:\s+endpoint)?(?:\s+access)?\W*$", re.I)
_PUBLIC_CELL = re.compile(r"^\W*(?:yes|public)\b", re.I)
_PRIVATE_CELL = re.compile(r"^\W*(?:no|private)\b", re.I)
_MANAGED = ("eks", "aks", "gke", "doks", "oke")


def set_environment_api_endpoint(c: Context, env: str, endpoint: str, line: int, words: str, text: str) -> None:
    """Give environment `env` its own API endpoint (`public` or `private`), unless another line gave it the other; the
    CIDRs `text` names for a public one are the repository's `api_authorized_cidrs` when no line named them."""
    if endpoint == "private" and c.values.get("kubernetes_distribution") == "doks":
        c.unapplied(line, words, "DOKS has no private API endpoint: its control plane firewall admits "
                    "api_authorized_cidrs only")
        return
    sizing: list[EnvironmentSizing] = c.values["environment_sizing"]
    own = next(s for s in sizing if s.name == env)
    if own.api_endpoint and own.api_endpoint != endpoint:
        c.unapplied(line, words, f"{env}'s API endpoint is {own.api_endpoint}, as the plan states first")
        return
    c.values["environment_sizing"] = [s.model_copy(update={"api_endpoint": endpoint}) if s.name == env else s
                                      for s in sizing]
    c.applied(line, words, f"environment_sizing.{env}.api_endpoint")
    cidrs = cidrs_in(text) if endpoint == "public" else []
    if cidrs and not c.values.get("api_authorized_cidrs"):
        c.stated("api_authorized_cidrs", cidrs, line, words)


def decide_environment_api_table(c: Context, structure: str) -> None:
    """Each environment's API endpoint from an environments table's row or column of them, where Terraform builds the
    clusters."""
    if structure not in ("multi-tool", "multi-tenant") or c.values.get("iac_tool", "none") == "none" \
            or c.values.get("kubernetes_distribution") not in _MANAGED:
        return
    for row in environment_rows(c.plan, c.values.get("environments", [])):
        label = _LABEL.match(row.label.replace("`", ""))
        if label is None:
            continue
        for cell in row.cells:
            public = _PUBLIC_CELL.match(cell.text) if label.group("public") else re.search(r"\bpublic\b", cell.text, re.I)
            private = _PRIVATE_CELL.match(cell.text) if label.group("public") else re.search(r"\bprivate\b", cell.text, re.I)
            if bool(public) == bool(private):
                continue
            set_environment_api_endpoint(c, cell.env, "public" if public else "private", cell.line, cell.text,
                                         cell.text)

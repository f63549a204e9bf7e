"""Clusters that exist already: `IaC Tools: none` (or N/A, with a reason or not) when another repository runs the
plan's clusters and this one holds only what GitOps or Kubernetes manifests deliver onto them. Such a plan has no
Terraform (layout.yml `blueprints_left_out`) and its clusters are existing units of the system model; a Flux that
the plan says is bootstrapped already is not bootstrapped again. Data: data/existing.yaml."""
from __future__ import annotations

import re
from typing import Any

from planforge.decide import text as tx
from planforge.decide.context import Context
from planforge.decide.data import accepted_values, load
from planforge.plan.model import Field


def _data() -> dict[str, Any]:
    return load("existing.yaml")  # load caches each data file


def _pattern(name: str) -> str:
    return str(_data()["patterns"][name])


def names_no_tool(f: Field) -> bool:
    """Whether the IaC Tools field names no tool (`none`, `N/A (the clusters are run elsewhere)`)."""
    return re.fullmatch(_pattern("no_iac_tool"), f.plain.strip(), re.I) is not None


def decide_no_iac_tool(c: Context, f: Field, structure: str) -> None:
    """`IaC Tools: none`: accepted (iac_tool none, existing_clusters) when a field says the clusters exist already
    and the structure delivers onto them; else refused with what to write."""
    said = tx.first_hit(_pattern("existing_clusters"), [c.plan.field(k) for k in _data()["fields"]])
    if said is None:
        c.problem(f, "iac_tool", f"{f.plain!r}: no IaC tool, but the plan's clusters are not said to exist already",
                  "name the IaC tool (Terraform or OpenTofu for cloud resources, Ansible for on-premise hosts), or, "
                  "when another repository runs the clusters, say so (e.g. **Kubernetes**: EKS 1.30 (existing)) "
                  "and name the GitOps tool (Argo CD or Flux)")
        c.values["iac_tool"] = "none"
        return
    if structure not in _data()["structures"]:
        c.problem(f, "iac_tool", f"{f.plain!r} onto existing clusters is generated for the "
                  f"{', '.join(_data()['structures'])} structure, not {structure}",
                  "describe a multi-tool repository (Kubernetes manifests delivered by Argo CD or Flux), or name "
                  f"an IaC tool ({accepted_values('iac_tools')})")
    c.from_field("iac_tool", "none", f)
    why = f"no Terraform: the clusters exist already (plan.md:{said.field.line}); this repository delivers onto them"
    c.provenance["iac_tool"] = c.provenance["iac_tool"].model_copy(update={"note": why})
    c.from_field("existing_clusters", True, said.field)


def check_existing_clusters(c: Context) -> None:
    """With existing clusters nothing creates cloud resources: a secret store whose identity or a database that
    Terraform would create is refused, naming what to use instead."""
    if not c.values.get("existing_clusters"):
        return
    for answer, created in _data()["created_by_terraform"].items():
        value = c.values.get(answer)
        if value in created:
            prov = c.provenance.get(answer)
            c.problem(None, answer, f"{value} needs cloud resources Terraform creates (an identity, a database), and "
                      "the clusters exist already: this repository has no Terraform",
                      "use Kubernetes Secrets or Sealed Secrets, and an external database whose connection string "
                      "is a Secret; or name Terraform in IaC Tools", line=prov.line if prov else None)


def decide_flux_bootstrapped(c: Context) -> None:
    """`flux_bootstrapped`: Flux runs on the existing clusters already (a clause of a context field says so), so
    the repository is reconciled by it and no step bootstraps it a second time."""
    found = None
    if c.values.get("existing_clusters") and c.values.get("gitops") == "flux":
        found = tx.first_hit(_pattern("flux_bootstrapped"), [*c.plan.fields, *c.plan.other_fields])
    if found is None:
        c.default("flux_bootstrapped", False, "the plan says Flux is not bootstrapped on its clusters yet")
        return
    c.from_field("flux_bootstrapped", True, found.field)
    c.applied(found.field.line, found.match, "flux_bootstrapped")

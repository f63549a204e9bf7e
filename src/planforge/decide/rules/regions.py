"""Deployment Type: the regions of a multi-region deployment (primary first) and the environments that span them
(a multi-cloud deployment: rules/clouds.py)."""
from __future__ import annotations

import re

from planforge.decide import text as tx
from planforge.decide.context import Context
from planforge.decide.data import basic_cloud, load, region_name, region_pattern
from planforge.decide.environments import is_production
from planforge.decide.rules.tools import line_choosing
from planforge.plan.model import Field

# Layouts with regional Terraform state: a root per environment and region (dirs.tf_environments), a root per
# standby region beside the workspaces root (dirs.tf_live), or the shared stacks' state per environment and region
# (multi-tenant dirs.tf_shared).
_REGIONAL_STRUCTURES = ("single-iac", "multi-tool", "multi-tenant")


def decide_regions(c: Context, structure: str) -> None:
    """`regions` and `regional_environments` from the Deployment Type field (after the environments are known), then
    every region the plan names checked against its data residency (decided before)."""
    _deployment_regions(c, structure)
    _check_residency(c)


def _deployment_regions(c: Context, structure: str) -> None:
    f = c.plan.field("deployment_type")
    words = load("regions.yaml")["deployment_type"]
    if f is None or f.unresolved or not re.search(words["multi_region"], f.plain, re.I):
        single = None if f is None or f.unresolved else re.search(words["single_region"], f.plain, re.I)
        if single is not None:  # the plan says so: its line is the source, and the words are applied
            c.from_field("regions", [], f)
            c.applied(f.line, single.group(0), "regions")
        else:
            c.default("regions", [], "single-region deployment")
        c.default("regional_environments", [], "single-region deployment")
        c.default("dns_failover", False, "single-region deployment")
        return
    regions = _named_regions(c, f, words["primary"])
    if len(regions) < 2:
        cloud = c.values.get("cloud", "none")
        named = f"only {regions[0]}" if regions else "no region" + (f" of {cloud.upper()}" if cloud != "none" else "")
        c.problem(f, "regions", f"a multi-region deployment names {named}",
                  "name every region with its role, e.g. multi-region (us-east-1 primary, eu-west-1 standby)")
        c.default("regions", [], "refused")
        c.default("regional_environments", [], "refused")
        c.default("dns_failover", False, "refused")
        return
    basic = basic_cloud(c.values.get("cloud", "none"))
    if basic is not None:
        c.problem(f, "regions", "multi-region roots (a standby region's cluster and replica) are generated on AWS, "
                  f"Azure and GCP, not {basic['name']}", f"deploy one region (single-region ({regions[0]})), or name "
                  "another cloud")
        c.default("regions", [], "refused")
        c.default("regional_environments", [], "refused")
        c.default("dns_failover", False, "refused")
        return
    c.from_field("regions", regions, f)
    c.applied(f.line, f.plain, "regions")
    if c.values.get("region") != regions[0]:
        c.from_field("region", regions[0], f)
    _regional_environments(c, f, words["all_environments"], structure)
    _dns_failover(c, words["dns_failover"])


def _named_regions(c: Context, f: Field, primary_words: str) -> list[str]:
    """The distinct regions of the cloud the field names, the primary first (the one a primary word follows or
    precedes within its clause, else the first named)."""
    rx = region_pattern(c.values.get("cloud", "none"))
    if rx is None:
        return []
    found: list[str] = []
    primary = None
    for clause in re.split(r"[,;()]", f.plain):
        for m in re.finditer(rx, clause, re.I):
            name = region_name(m.group(0))
            if name not in found:
                found.append(name)
            if primary is None and re.search(primary_words, clause, re.I):
                primary = name
    if primary is not None:
        found.remove(primary)
        found.insert(0, primary)
    return found


def _regional_environments(c: Context, f: Field, all_words: str, structure: str) -> None:
    """Every environment when a context field says so, else the production ones (every one when none is)."""
    envs = list(c.values.get("environments") or [])
    said = tx.first_hit(all_words, [f, *c.plan.fields], negatable=False)
    if structure not in _REGIONAL_STRUCTURES:
        c.unapplied(f.line, f.plain, "regional Terraform roots exist in the single-iac, multi-tool and multi-tenant "
                                     "layouts only: this layout covers the primary region")
        c.default("regional_environments", [], "no regional roots in this layout")
        return
    if said:
        c.from_field("regional_environments", envs, said.field)
        return
    prod = [e for e in envs if is_production(e)] or envs
    c.from_field("regional_environments", prod, f)


def _dns_failover(c: Context, pattern: str) -> None:
    """Route 53 failover between the regions' roots (the environments' roots, the workspaces roots or the multi-tenant
    networking stack's states) when the plan names a DNS component: an external-dns row Required = Yes, Route 53 or
    DNS failover (a context field, else a line choosing it)."""
    row = c.component_rows.get("external-dns")
    hit = tx.first_hit(pattern, [*c.plan.fields, c.plan.structure_decision])
    line = row.line if row else hit.field.line if hit else line_choosing(c.plan, pattern)
    if line is None or not c.values.get("regional_environments"):
        c.default("dns_failover", False, "the plan names no DNS component" if line is None else "no regional roots")
        return
    if c.values.get("cloud") != "aws":
        c.unapplied(line, c.line_text(line), "DNS failover records are generated for Route 53 (AWS) only")
        c.default("dns_failover", False, "Route 53 failover is generated on AWS only")
        return
    c.stated("dns_failover", True, line, c.line_text(line))



def _residency_fits(rule: dict, region: str) -> bool:
    """Whether region keeps the data in the residency: a name prefix (AWS, GCP) or a listed name (Azure)."""
    return region.startswith(rule["prefix"]) if "prefix" in rule else region in rule["names"]


def _check_residency(c: Context) -> None:
    """A region the plan names outside its data residency is a problem at its line, the fix naming a region that
    fits (data/regions.yaml `residency`). With no region named, the default region is the residency's first."""
    residency = c.values.get("data_residency", "")
    rule = load("regions.yaml")["residency"].get(residency, {}).get(c.values.get("cloud", "none"))
    region = c.values.get("region", "")
    if rule is None or not region:
        return
    where = f"the plan's data residency ({residency.upper()})"
    regions = c.values.get("regions") or [region]
    prov = c.provenance.get("region")
    if prov is None or prov.source == "default":
        if not _residency_fits(rule, region):
            c.default("region", rule["suggest"][0], f"no region in the plan; the first region of {where}")
        return
    for i, name in enumerate(regions):
        if _residency_fits(rule, name):
            continue
        fits = [r for r in rule["suggest"] if r not in regions]
        role = "primary" if i == 0 else "standby"
        fix = (f"name a {role} region in {residency.upper()}, e.g. {fits[0]}, or change the data residency" if fits
               else f"no other region of this cloud is in {residency.upper()}: drop the standby region or change "
                    "the data residency")
        line = prov.line if i == 0 else c.provenance["regions"].line
        field = next((f for f in c.plan.fields if f.line == line), None)
        c.problem(field, "region", f"region {name} ({role}) is outside {where}", fix, line=line)

"""Deployment Type multi-cloud: the clouds of the deployment (primary first). The primary is `cloud` (its root set is
the repository's own); each other cloud gets a root set of its own and one GitOps cluster per environment."""
from __future__ import annotations

import re

from planforge.decide.context import Context
from planforge.decide.data import basic_cloud, keywords, load, region_name, region_pattern
from planforge.plan.model import Field, Plan

# Layouts with Terraform roots (layout.yml nested tf_cloud_roots, tf_live_cloud, tf_cloud_shared, tf_cloud_tenants):
# every other cloud gets its own root set in each of them.
_CLOUD_ROOT_STRUCTURES = ("single-iac", "multi-tool", "multi-tenant")


def multi_cloud_field(plan: Plan) -> Field | None:
    """The field saying `multi-cloud`: Deployment Type, else Cloud Provider (`multi-cloud (AWS primary, GCP)`)."""
    rx = load("regions.yaml")["deployment_type"]["multi_cloud"]
    for key in ("deployment_type", "cloud_provider"):
        f = plan.field(key)
        if f is not None and not f.unresolved and re.search(rx, f.plain, re.I):
            return f
    return None


def clouds_named(text: str) -> list[str]:
    """The distinct clouds text names, in order (the primary first when a primary word goes with one)."""
    found = sorted((m.start(), cloud) for cloud, rx in keywords().cloud_patterns.items()
                   if (m := re.search(rx, text, re.I)))
    ordered = [cloud for _, cloud in found]
    primary = primary_named(text)
    return ordered if primary is None else [primary] + [cl for cl in ordered if cl != primary]


def primary_named(text: str) -> str | None:
    """The cloud a primary word (`primary`, `active`, `main`) goes with in its clause (split at `,;()+/`)."""
    primary_words = load("regions.yaml")["deployment_type"]["primary"]
    for clause in re.split(r"[,;()+/]", text):
        if not re.search(primary_words, clause, re.I):
            continue
        for cloud, rx in keywords().cloud_patterns.items():
            if re.search(rx, clause, re.I):
                return cloud
    return None


def primary_first(clouds: list[str], plan: Plan, provider: Field) -> list[str]:
    """The clouds of the Cloud Provider field with the primary first: the one a primary word goes with there, else
    in the multi-cloud field, else the first named."""
    mc = multi_cloud_field(plan)
    for text in [provider.plain] + ([mc.plain] if mc is not None and mc is not provider else []):
        primary = primary_named(text)
        if primary in clouds:
            return [primary] + [cl for cl in clouds if cl != primary]
    return clouds


def decide_clouds(c: Context, structure: str) -> None:
    """`clouds` from a multi-cloud field and the Cloud Provider: the primary (`cloud`, decided by the platform rules)
    first, then the other clouds in the order named. Naming fewer than two clouds is a plan problem."""
    f = multi_cloud_field(c.plan)
    if f is None:
        c.default("clouds", [], "single-cloud deployment")
        c.default("cloud_regions", {}, "single-cloud deployment")
        return
    provider = c.plan.field("cloud_provider")
    named = clouds_named(f.plain)
    if provider is not None and provider is not f and not provider.unresolved:
        named += [cl for cl in clouds_named(provider.plain) if cl not in named]
    primary = c.values.get("cloud", "none")
    clouds = ([primary] if primary in named else []) + [cl for cl in named if cl != primary]
    if len(clouds) < 2:
        c.problem(f, "clouds", f"a multi-cloud deployment names {'only ' + clouds[0] if clouds else 'no cloud'}",
                  "name every cloud with the primary first, e.g. multi-cloud (AWS primary, Azure), "
                  "or use single-region or multi-region")
        c.default("clouds", [], "refused")
        c.default("cloud_regions", {}, "refused")
        return
    basic = next((b for cl in clouds if (b := basic_cloud(cl)) is not None), None)
    if basic is not None:
        c.problem(f, "clouds", f"multi-cloud root sets are generated for AWS, Azure and GCP; {basic['name']} is built "
                  "as a single cloud", f"deploy {basic['name']} alone, or name AWS, Azure and GCP only")
        c.default("clouds", [], "refused")
        c.default("cloud_regions", {}, "refused")
        return
    if structure not in _CLOUD_ROOT_STRUCTURES:
        c.unapplied(f.line, f.plain, "per-cloud Terraform roots exist in the layouts with Terraform roots only: "
                                     f"this {structure} layout has none")
        c.default("clouds", [], "no per-cloud roots in this layout")
        c.default("cloud_regions", {}, "no per-cloud roots in this layout")
        return
    c.from_field("clouds", clouds, f)
    c.applied(f.line, f.plain, "clouds")
    decide_cloud_regions(c, clouds[1:], [f] + ([provider] if provider is not None and provider is not f else []))


def decide_cloud_regions(c: Context, others: list[str], fields: list[Field]) -> None:
    """`cloud_regions`: the region of each other cloud the multi-cloud or Cloud Provider line names
    (`Azure westeurope`), from the first line naming one; the other clouds keep their default for the residency."""
    found: dict[str, tuple[str, Field]] = {}
    for cloud in others:
        rx = region_pattern(cloud)
        hit = next(((region_name(m.group(0)), f) for f in fields if not f.unresolved and rx is not None
                    and (m := re.search(rx, f.plain, re.I))), None)
        if hit is not None:
            found[cloud] = hit
    if not found:
        c.default("cloud_regions", {}, "no region of another cloud named: each takes its default for the data residency")
        return
    c.from_field("cloud_regions", {cloud: region for cloud, (region, _) in found.items()}, next(iter(found.values()))[1])
    for cloud, (region, f) in found.items():
        c.applied(f.line, region, f"cloud_regions.{cloud}")

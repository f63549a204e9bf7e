"""Platform rules: cloud, region, IaC tool and Terraform version, Kubernetes distribution and version."""
from __future__ import annotations

import re
from typing import Any

from planforge.decide import text as tx
from planforge.decide.context import Context
from planforge.decide.data import accepted_values, basic_cloud, keywords, load, region_name, region_pattern, region_shape
from planforge.decide.rules import existing, onprem, renderers
from planforge.decide.rules.clouds import multi_cloud_field, primary_first
from planforge.decide.rules.structure import INFRA_STRUCTURES
from planforge.decide.rules.tools import first_named, line_choosing
from planforge.plan.model import Field, Plan

_NONE = r"(n/?a|none)\.?"
_NONE_OR_NO = r"(n/?a|none|no|-)\.?"
_OTHER_IAC_TOOLS = ("Pulumi", "CloudFormation", "CDK", "Crossplane")
_TERRAFORM_VERSION = (r"terraform\s*+(?:v|version\s*+)?(?:>=|≥|~>|>|=)?\s*+(\d+\.\d+)(?:\.\d+)?"
                      r"|hcl\s*+\(terraform\s*+(?:>=|≥|~>)?\s*+(\d+\.\d+)")
_OPENTOFU_VERSION = r"\b(?:open ?tofu|tofu)\s*+(?:v|version\s*+)?(?:>=|≥|~>|>|=)?\s*+(\d+\.\d+)(?:\.\d+)?"
_OPENTOFU_FIRST = (1, 6)  # OpenTofu's first stable release
# The distributions a Kubernetes field names (data/blocking.yaml `accepted` lists them for users).
_KUBERNETES_VERSION = r"(?:kubernetes|k8s|eks|aks|gke|doks|oke|k3s|rke2|kubeadm)\)?\s*+v?(1\.\d{1,2})"  # `(DOKS) 1.30`
_MANAGED_HOME_CLOUD = {"eks": "aws", "aks": "azure", "gke": "gcp"}


def decide_platform(c: Context, structure: str, d: dict[str, Any]) -> None:
    onprem.defaults(c)
    _cloud(c, structure)
    _basic_cloud_scope(c, structure)
    _region(c, d)
    _iac(c, structure, d)
    c.default("kubernetes_extended_support", False, "the Kubernetes version is in standard support, or on no provider's "
              "support calendar")
    _kubernetes(c, structure, d)
    onprem.check_on_premise(c)


def platform_hits(c: Context) -> list[str]:
    """Platforms in order of appearance: Target Platform first, then the other context fields.
    Records the field they were read from in c.platform_field."""
    p = c.plan
    tp = p.field("target_platform")
    ordered = ([tp] if tp else []) + [f for f in p.fields if f is not tp] + [p.structure_decision]
    for f in ordered:
        if f is None or f.unresolved:
            continue
        found = []
        for name, rx in keywords().platform_patterns.items():
            hit = tx.find(rx, f.plain)
            if hit:
                found.append((hit[0], name))
        if found:
            c.platform_field = f
            return [n for _, n in sorted(found)]
    return []


# --------------------------------------------------------------------------- cloud
def _cloud(c: Context, structure: str) -> None:
    f = c.plan.field("cloud_provider")
    if f is not None and not f.unresolved:
        _cloud_from_field(c, f, structure)
    elif f is not None:
        c.left_unresolved("cloud", "none", f)
    else:
        _cloud_from_context(c, structure)


def _cloud_from_field(c: Context, f: Field, structure: str) -> None:
    text = f.plain.lower()
    found = [(hit[0], cloud) for cloud, rx in keywords().cloud_patterns.items() if (hit := tx.find(rx, text))]
    if onprem.names_on_premise(text) and structure in INFRA_STRUCTURES:
        c.from_field("on_premise", True, f)
        if not found:  # on-premise alone: no cloud resources
            c.from_field("cloud", "none", f)
            return
    elif tx.find(onprem.pattern("hybrid"), text) is not None and structure in INFRA_STRUCTURES:
        c.problem(f, "cloud", f"{f.plain!r}: a hybrid plan names its cloud and its on-premise half",
                  "write e.g. hybrid (AWS + on-premise)")
    if not found or re.fullmatch(_NONE, text):
        if structure == "helm-chart":
            if not re.fullmatch(_NONE, text):
                c.warn(f, "cloud", f"{f.plain!r} is not AWS, Azure, GCP, DigitalOcean or Oracle Cloud; the chart targets its platforms only")
            c.from_field("cloud", "none", f)
            return
        c.problem(f, "cloud", f"unsupported cloud {f.plain!r}; supported: {accepted_values('cloud_provider')}",
                  "name one of AWS, Azure, GCP, DigitalOcean, Oracle Cloud or on-premise (or hybrid (AWS + on-premise))")
        c.values["cloud"] = "none"
        return
    clouds = [cl for _, cl in sorted(found)]
    if len(clouds) > 1 and structure in INFRA_STRUCTURES:
        if multi_cloud_field(c.plan) is None:
            c.problem(f, "cloud", f"several clouds ({', '.join(clouds)}) without a multi-cloud Deployment Type",
                      "write **Deployment Type**: multi-cloud (AWS primary, Azure), or name one cloud")
        clouds = primary_first(clouds, c.plan, f)  # the primary first: the repository's own root set
    c.from_field("cloud", clouds[0], f)


def _basic_cloud_scope(c: Context, structure: str) -> None:
    """DigitalOcean and Oracle Cloud are built as managed clusters in the multi-tool layout (Terraform + Kubernetes);
    their other layouts (VMs, shared tenant stacks) are not, which refuses the plan at its cloud line rather than
    building another."""
    basic = basic_cloud(c.values.get("cloud", "none"))
    if basic is None or structure in ("multi-tool", "helm-chart"):
        return
    f = c.plan.field("cloud_provider")
    c.problem(f, "cloud", f"{basic['name']} is generated as managed Kubernetes clusters in the multi-tool layout "
              f"only, not {structure}",
              "use Structure Decision: multi-tool (Terraform + Kubernetes), or AWS, Azure or GCP for this layout",
              line=None if f is not None else _context_line(c.plan))


def _cloud_from_context(c: Context, structure: str) -> None:
    """No Cloud Provider field: the clouds the other context fields name."""
    p = c.plan
    hits: list[tuple[str, tx.Hit]] = []
    for cloud, rx in keywords().cloud_patterns.items():
        h = tx.first_hit(rx, [*p.fields, p.structure_decision])
        if h:
            hits.append((cloud, h))
    if structure == "helm-chart":
        managed = [pl for pl in platform_hits(c) if pl != "minikube"]
        if len(hits) == 1 and len(managed) <= 1 and (not managed or managed[0] in _MANAGED_HOME_CLOUD):
            c.from_field("cloud", hits[0][0], hits[0][1].field)
        else:
            c.default("cloud", "none", "a helm-chart plan targets platforms, not one cloud")
        return
    if not hits and first_named(p, "cloud") is not None:
        c.values["cloud"] = "none"  # refused by the tools rule, naming the cloud and its line
        return
    if not hits:
        c.problem(None, "Cloud Provider", "no cloud named; a Terraform repository needs AWS, Azure, GCP, DigitalOcean or Oracle Cloud",
                  "add **Cloud Provider**: AWS (or Azure, GCP) to Technical Context", line=_context_line(p))
        c.values["cloud"] = "none"
        return
    hits.sort(key=lambda ch: (ch[1].field.line, ch[1].pos))
    if len({ch[0] for ch in hits}) > 1:
        c.warn(hits[0][1].field, "cloud", f"several clouds named ({', '.join(ch[0] for ch in hits)}); using the first")
    c.from_field("cloud", hits[0][0], hits[0][1].field)


def _context_line(p: Plan) -> int:
    s = next((s for s in p.sections if re.search(r"technical\s+(context|stack)", s.title, re.I)), None)
    return s.line if s else 1


# --------------------------------------------------------------------------- region
def _region(c: Context, d: dict[str, Any]) -> None:
    """The first region of the cloud in Deployment Type, Constraints, Target Platform, then any field."""
    p = c.plan
    cloud = c.values.get("cloud", "none")
    order = [p.field("deployment_type"), p.field("constraints"), p.field("target_platform"), p.field("cloud_provider")]
    fields = [f for f in order if f] + [f for f in p.fields if f not in order]
    rx = region_pattern(cloud)
    if rx and _unknown_regions(c, cloud, rx, fields):
        c.values["region"] = ""
        return
    if rx:
        hit = _deployment_region(rx, fields)
        if hit:
            c.from_field("region", region_name(hit.match), hit.field)
            return
        region = d["regions"][cloud]
        c.default("region", region, f"no {cloud} region in the plan; documented default for {cloud} (data/defaults.yaml)")
        return
    c.default("region", "", "no single cloud, so no region")


# a line about the Terraform state's storage: a region it names is that storage's (rules/state_names)
_STATE_STORAGE = re.compile(r"\b(?:tfstate|state\s++(?:bucket|backend|storage)|dynamodb|lock(?:ing)?\s++table)\b", re.I)


def _deployment_region(rx: str, fields: list[Field]) -> tx.Hit | None:
    """The first region named in the fields outside a line about the Terraform state's storage."""
    for f in fields:
        if f.unresolved:
            continue
        for m in re.finditer(rx, f.plain, re.I):
            start = f.plain.rfind("\n", 0, m.start()) + 1
            end = f.plain.find("\n", m.end())
            if not _STATE_STORAGE.search(f.plain[start:end if end >= 0 else len(f.plain)]):
                return tx.Hit(f, m.group(0), m.start())
    return None


def _unknown_regions(c: Context, cloud: str, rx: str, fields: list[Field]) -> bool:
    """Refuse a region-shaped word that is no region of the cloud (`us-east-99`) and a Region field naming no
    region: never replaced by the default region. Whether any was refused."""
    refused = False
    shape = region_shape(cloud)
    for f in fields:
        if f.unresolved:
            continue
        shaped = re.finditer(shape, f.plain, re.I) if shape else iter(())
        bad = [m.group(0) for m in shaped if not re.fullmatch(rx, m.group(0), re.I)]
        other = _other_clouds_region(cloud, f) if not re.search(rx, f.plain, re.I) else None
        if bad:
            c.problem(f, "region", f"{bad[0]!r} is not a region of {cloud.upper()}", f"name a region of {cloud.upper()}")
            refused = True
        elif other:
            c.problem(f, "region", f"{other[1]!r} is a region of {other[0].upper()}, not of {cloud.upper()}, the plan's "
                                   "cloud", f"name a region of {cloud.upper()}, or state a multi-cloud Deployment Type "
                                            f"naming {other[0].upper()}")
            refused = True
        elif f.key == "region" and not re.search(rx, f.plain, re.I):
            c.problem(f, "region", f"{f.plain!r} names no region of {cloud.upper()}", f"name a region of {cloud.upper()}")
            refused = True
    return refused


def _other_clouds_region(cloud: str, f: Field) -> tuple[str, str] | None:
    """(cloud, region) for a Region or single-cloud Deployment Type field that names another cloud's region and none
    of its own cloud's: `single-region (westeurope)` on AWS is refused, never read as AWS's default region."""
    if f.key not in ("region", "deployment_type") or re.search(load("regions.yaml")["deployment_type"]["multi_cloud"],
                                                               f.plain, re.I):
        return None
    for other in ("aws", "azure", "gcp", "digitalocean", "oci"):
        found = re.search(region_pattern(other) or r"(?!)", f.plain, re.I) if other != cloud else None
        if found:
            return other, found.group(0)
    return None


# --------------------------------------------------------------------------- iac
def _iac(c: Context, structure: str, d: dict[str, Any]) -> None:
    c.default("existing_clusters", False, "the plan's repository creates its clusters (or has none)")
    if structure not in INFRA_STRUCTURES:
        c.default("iac_tool", "none", "helm-chart structure: no infrastructure code")
        c.default("terraform_version", d["terraform_version"], "no Terraform in this plan")
        return
    f = c.plan.field("iac_tools")
    _iac_tool(c, f, structure)
    if c.values.get("iac_tool") == "none" or c.values.get("iac_tool") in renderers.RENDERERS:
        c.default("terraform_version", d["terraform_version"], "no Terraform in this plan")
        return
    _terraform_version(c, f, d)


# a tool the IaC field rules out (`no Terraform`, `without OpenTofu`, `not Terraform`)
_NEGATED_TOOL = re.compile(r"\b(?:no|not|without|never)\s+(?:terraform|opentofu|tofu)\b", re.I)


def _iac_tool(c: Context, f: Field | None, structure: str) -> None:
    """Terraform or OpenTofu (the same HCL, run by `terraform` or `tofu`): the only IaC tools planforge generates;
    another named alone is refused; none at all when the clusters exist already (rules.existing). OpenTofu when
    the IaC field chooses it, or (no field) any line does."""
    if f is not None and not f.unresolved:
        chosen = _NEGATED_TOOL.sub(" ", f.plain)  # `Ansible 2.16 (ansible-core), no Terraform`: Ansible alone
        terraform = any(re.search(rx, chosen, re.I) for rx in keywords().terraform_family.values())
        onprem.decide_ansible(c, f)
        if not terraform and c.values["ansible"]:
            c.from_field("iac_tool", "none", f)  # Ansible alone: on-premise hosts, no Terraform
            return
        if existing.names_no_tool(f):
            existing.decide_no_iac_tool(c, f, structure)
            return
        renderer = None if terraform else renderers.named_renderer(f.plain)
        if renderer is not None:
            c.from_field("iac_tool", renderer, f)  # where it can render: rules.renderers
            return
        if not terraform:
            c.problem(f, "iac_tool", f"unsupported IaC tool {f.plain!r}; supported: {accepted_values('iac_tools')}",
                      "use Terraform or OpenTofu for cloud resources, CloudFormation or Pulumi for AWS, Ansible for "
                      "on-premise hosts")
        others = [t for t in _OTHER_IAC_TOOLS if re.search(rf"\b{t}\b", f.plain, re.I)]
        if others and terraform:
            c.warn(f, "iac_tool", f"{', '.join(others)} named beside Terraform: only Terraform code is generated")
        c.from_field("iac_tool", chosen_iac_tool(f.plain), f)
        return
    line = line_choosing(c.plan, keywords().terraform_family["OpenTofu"])
    if line is not None and chosen_iac_tool(c.line_text(line)) == "opentofu":
        c.from_line("iac_tool", "opentofu", line)
        return
    c.from_context("iac_tool", r"\bterraform\b", "terraform", "terraform", "the structure needs Terraform")


def chosen_iac_tool(text: str) -> str:
    """"opentofu" when a clause of text names OpenTofu as the choice: before any Terraform ("OpenTofu 1.8
    (Terraform-compatible)"), with no words making it optional or an alternative, or before words preferring it
    ("OpenTofu rather than Terraform"); else "terraform" ("Terraform 1.7, OpenTofu later", "Terraform/OpenTofu")."""
    kw = keywords()
    for clause in re.split(r"[,;]", text):
        tofu = tx.find(kw.terraform_family["OpenTofu"], clause)
        terraform = tx.find(kw.terraform_family["Terraform"], clause)
        if tofu is None or terraform is not None and terraform[1].start() < tofu[1].start():
            continue
        marker = re.search(kw.tool_not_chosen, clause, re.I)
        if marker is None or marker.start() > tofu[1].end() and re.match(kw.tool_preferred_over, marker.group(0), re.I):
            return "opentofu"
    return "terraform"


def _terraform_version(c: Context, f: Field | None, d: dict[str, Any]) -> None:
    if c.values.get("iac_tool") == "opentofu":
        _opentofu_version(c, f, d)
        return
    p = c.plan
    found = tx.first_match(_TERRAFORM_VERSION, [f, *p.fields, p.structure_decision])
    if found:
        m, fld = found
        c.from_field("terraform_version", m.group(1) or m.group(2), fld)
        return
    c.default("terraform_version", d["terraform_version"], "no Terraform version in the plan; lower bound for required_version")


def _opentofu_version(c: Context, f: Field | None, d: dict[str, Any]) -> None:
    """The OpenTofu version (`OpenTofu 1.8`) from the context fields, else from the line choosing OpenTofu: the lower
    bound of required_version, which OpenTofu checks against its own version. One before OpenTofu 1.6 is refused."""
    p = c.plan
    found = tx.first_match(_OPENTOFU_VERSION, [f, *p.fields, p.structure_decision])
    chose = c.provenance["iac_tool"].line
    m = found[0] if found else re.search(_OPENTOFU_VERSION, c.line_text(chose), re.I) if chose else None
    if m is None:
        c.default("terraform_version", d["terraform_version"],
                  "no OpenTofu version in the plan; lower bound for required_version (OpenTofu 1.6 is its first release)")
        return
    line = found[1].line if found else chose
    version = m.group(1)
    if tuple(int(x) for x in version.split(".")) < _OPENTOFU_FIRST:
        c.problem(None, "terraform_version", f"OpenTofu {version} does not exist: OpenTofu releases start at 1.6",
                  "state an OpenTofu version of 1.6 or later", line=line)
    c.from_line("terraform_version", version, line)


# --------------------------------------------------------------------------- kubernetes
def _kubernetes(c: Context, structure: str, d: dict[str, Any]) -> None:
    if structure == "helm-chart":  # no cluster is created: the version is the oldest the charts support
        d = {**d, "kubernetes_version": d["chart_kubernetes_version"]}
    f = c.plan.field("kubernetes")
    if f is not None and not f.unresolved:
        _kubernetes_from_field(c, f, d)
        return
    _kubernetes_distribution_from_context(c, structure, d)
    _kubernetes_version_from_context(c, d)


def _kubernetes_from_field(c: Context, f: Field, d: dict[str, Any]) -> None:
    """The Kubernetes field: `EKS 1.29`, `Kubernetes 1.28+` or `1.31` (the cloud's managed Kubernetes), or N/A."""
    text = f.plain.lower()
    if re.fullmatch(_NONE_OR_NO, text):
        c.from_field("kubernetes_distribution", "none", f)
        c.default("kubernetes_version", d["kubernetes_version"], "no Kubernetes in this plan")
        return
    named = sorted((m.start(), s) for s in keywords().kubernetes_distributions if (m := re.search(rf"\b{s}\b", text)))
    dist = named[0][1] if named else None
    if dist is None and re.search(r"\bkubernetes\b|\bk8s\b|^v?1\.\d{1,2}\b", text):
        dist = d["kubernetes_distribution"].get(c.values.get("cloud", "none"))
        if dist is None and c.values.get("on_premise"):
            dist = "k3s"  # on-premise alone: the distribution Ansible installs
    if dist is None:
        c.problem(f, "kubernetes_distribution",
                  f"unsupported Kubernetes {f.plain!r}; supported: {accepted_values('kubernetes')}",
                  "name one of the supported distributions or N/A")
        dist = "none"
    cloud = c.values.get("cloud", "none")
    home = _MANAGED_HOME_CLOUD.get(dist)
    if home and cloud in keywords().cloud_patterns and home != cloud:
        c.problem(f, "kubernetes_distribution", f"{dist.upper()} does not run on cloud {cloud}",
                  f"use the managed Kubernetes of {cloud} or change Cloud Provider")
    c.from_field("kubernetes_distribution", dist, f)
    m = re.search(_KUBERNETES_VERSION, text) or re.search(r"\b(1\.\d{1,2})\b", text)
    if m:
        c.from_field("kubernetes_version", m.group(1), f)
        _warn_out_of_support(c, f, dist, m.group(1))
    else:
        c.default("kubernetes_version", d["kubernetes_version"], "no Kubernetes version in the plan")


def _warn_out_of_support(c: Context, f: Field, distribution: str, version: str) -> None:
    """The plan's version is kept; a version past (or near) the end of its provider's support is said at its line,
    as `planforge validate` will report it (wiring/kubernetes-end-of-life, the same calendar)."""
    from planforge.validate.wiring.lifecycle import calendars, extended_support, support_date, version_support

    judged = version_support(distribution, version, support_date())
    if judged is not None:
        c.warn(f, "kubernetes_version", f"{judged[1]} (planforge validate reports it as wiring/kubernetes-end-of-life where Terraform pins the version)")
    if support := extended_support(distribution, version, support_date()):
        c.from_field("kubernetes_extended_support", True, f)
        c.add_note("kubernetes_extended_support", f"standard support of {version} ended on {support.standard}: the "
                   f"cluster runs on {calendars()[1][distribution].extended} until {support.extended}")


def _kubernetes_distribution_from_context(c: Context, structure: str, d: dict[str, Any]) -> None:
    """No Kubernetes field: the first managed platform named, else the managed Kubernetes of the cloud."""
    if structure == "single-iac":
        c.default("kubernetes_distribution", "none", "single-iac structure: no Kubernetes")
        return
    platforms = [pl for pl in platform_hits(c) if pl not in keywords().chart_only_platforms]
    managed = [pl for pl in platforms if pl != "minikube"]
    if managed or platforms:
        c.from_field("kubernetes_distribution", (managed or platforms)[0], c.platform_field)
    elif structure in ("multi-tool", "multi-tenant") and c.values.get("cloud") in d["kubernetes_distribution"]:
        c.default("kubernetes_distribution", d["kubernetes_distribution"][c.values["cloud"]],
                  f"managed Kubernetes of {c.values['cloud']}")
    else:
        c.default("kubernetes_distribution", "none", "no Kubernetes distribution named")


def _kubernetes_version_from_context(c: Context, d: dict[str, Any]) -> None:
    p = c.plan
    found = tx.first_match(_KUBERNETES_VERSION, [*p.fields, p.structure_decision])
    if found:
        m, fld = found
        c.from_field("kubernetes_version", m.group(1), fld)
        return
    c.default("kubernetes_version", d["kubernetes_version"], "no Kubernetes version in the plan")

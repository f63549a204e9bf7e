"""Structure rules: which repository a plan gets, which unresolved fields block it, and the blueprints."""
from __future__ import annotations

import re

from planforge.decide import text as tx
from planforge.decide.context import Context, default_prov
from planforge import layout
from planforge.decide.data import accepted_values, blocking_action, keywords
from planforge.plan.model import Field, Plan

# The structures with Terraform code (all but helm-chart).
INFRA_STRUCTURES = ("single-iac", "multi-tool", "multi-tenant")


def decide_structure(c: Context) -> str:
    """Decide the structure and report the unresolved fields it needs; the structure for the later rules."""
    structure = _structure(c)
    _unresolved(c, structure)
    return structure


def _structure(c: Context) -> str:
    p = c.plan
    sd = p.structure_decision
    sd_text = sd.plain if sd and not sd.unresolved else ""
    tenants_in_tree = any(re.search(r"(^|/)tenants/[^/]+/$", t.path) for t in p.source_paths)
    if p.is_infra_template:
        structure, source = _infra_template_structure(c, sd, sd_text, tenants_in_tree)
        c.from_field("structure", structure, source)
        return structure
    return _app_template_structure(c, sd, sd_text, tenants_in_tree)


def _infra_template_structure(c: Context, sd: Field | None, sd_text: str, tenants_in_tree: bool) -> tuple[str, Field | None]:
    """specops template: Structure Decision `Option 1/2/3`, else its words, else the plan's content."""
    p = c.plan
    option = re.search(r"\boption\s*+(\d)\b", sd_text, re.I)
    if option and option.group(1) in "123":
        return {"1": "single-iac", "2": "multi-tool", "3": "multi-tenant"}[option.group(1)], sd
    if re.search(r"multi-?tenant|\btenants?\b", sd_text, re.I):
        return "multi-tenant", sd
    if re.search(r"multi-?tool|\bgitops[- ]only\b", sd_text, re.I):  # GitOps only: the Kubernetes side of multi-tool
        return "multi-tool", sd
    if re.search(r"single[- ]iac|terraform only", sd_text, re.I):
        return "single-iac", sd
    if tenants_in_tree:
        return "multi-tenant", sd
    k8s = p.field("kubernetes")
    if k8s and not k8s.unresolved and not re.fullmatch(r"(n/?a|none|no|-)\.?", k8s.plain.lower()):
        return "multi-tool", k8s
    return "single-iac", p.field("iac_tools") or p.field("cloud_provider")


def _kubernetes_version_field(p: Plan) -> Field | None:
    """The Kubernetes field when its value is a version (`**Kubernetes**: 1.31`): the cloud's cluster."""
    k8s = p.field("kubernetes")
    return k8s if k8s and not k8s.unresolved and re.match(r"v?1\.\d{1,2}\b", k8s.plain) else None


def _app_template_structure(c: Context, sd: Field | None, sd_text: str, tenants_in_tree: bool) -> str:
    """/speckit, /sp and /plan templates, where "Option 2" is a web application, not multi-tool."""
    p = c.plan
    platform_patterns = keywords().platform_patterns
    ctx_fields = [*p.fields, sd]
    tf = tx.first_hit(r"\bterraform\b|\bopentofu\b", ctx_fields)
    tf_tree = next((t for t in p.source_paths if re.search(r"(^|/)terraform/|\.tf$", t.path)), None)
    kube = tx.first_hit(r"\bkubernetes\b|\bk8s\b|\bhelm\b|" + "|".join(platform_patterns.values()), ctx_fields)
    if tf or tf_tree:
        managed = "|".join(v for k, v in platform_patterns.items() if k != "minikube")
        cluster = tx.first_hit(managed + r"|kubernetes manifests|\bk8s workloads\b", ctx_fields) or \
            _kubernetes_version_field(p)
        if tenants_in_tree:
            s = "multi-tenant"
        else:
            s = "multi-tool" if cluster else "single-iac"
        if tf:
            c.from_field("structure", s, tf.field)
        else:
            c.from_line("structure", s, tf_tree.line)
        return s
    if kube:
        _kustomize_without_terraform(c, sd)
        c.from_field("structure", "helm-chart", sd if sd_text and re.search(r"helm|chart", sd_text, re.I) else kube.field)
        return "helm-chart"
    c.problem(sd, "Structure Decision", "the plan names neither Terraform nor Kubernetes/Helm: nothing to generate",
              "state the IaC tool or the Kubernetes target in Technical Context", line=sd.line if sd else 1)
    c.values["structure"] = "helm-chart"
    return "helm-chart"


def _kustomize_without_terraform(c: Context, sd: Field | None) -> None:
    """A Structure Decision that asks for Kustomize manifests and no Helm chart, in a plan without Terraform:
    planforge renders Kustomize only beside Terraform (multi-tool), so it says so instead of generating a chart."""
    kustomize = tx.first_hit(r"\bkustomize\b|\boverlays?\b|\bplain manifests\b", [sd])
    if kustomize is None or tx.first_hit(r"\bhelm\b|\bcharts?\b", [sd]) is not None:
        return
    c.problem(sd, "Structure Decision",
              f"the Structure Decision asks for {kustomize.match} manifests without Terraform; planforge generates "
              "Kustomize manifests only beside Terraform (multi-tool) and otherwise a Helm chart",
              "name the Terraform that provisions the cluster (multi-tool), or decide on a Helm chart")


def _unresolved(c: Context, structure: str) -> None:
    """Unresolved fields block the plan or warn, per structure (data/blocking.yaml)."""
    p = c.plan
    fields = list(p.fields)
    for extra in (p.structure_decision, p.custom_applications):
        if extra is not None:
            fields.append(extra)
    for f in fields:
        if not f.unresolved:
            continue
        why = "NEEDS CLARIFICATION" if "needs clarification" in f.value.lower() else (
            "still the template placeholder" if f.value.strip() else "empty")
        if blocking_action(f.key, structure) == "block":
            c.problem(f, f.key, f"unresolved ({why}); a {structure} repository needs it", _fill(f))
        else:
            c.warn(f, f.key, f"unresolved ({why}); generating without it")


def _fill(f: Field) -> str:
    """The fix of an unresolved field: the values planforge reads in it, where it reads a fixed set."""
    accepted = accepted_values(f.key)
    return f"replace it with one of: {accepted}" if accepted else f"replace it with a concrete value for {f.label}"


def blueprints(c: Context, structure: str) -> None:
    """The blueprints a structure renders with the decided GitOps tool, from the layout table the
    template reads too (layout.yml). Runs after the delivery rules."""
    v = c.values
    bp = layout.blueprints(structure, v.get("gitops", "none"), v.get("iac_tool", "none"), bool(v.get("ansible")),
                           existing_clusters=bool(v.get("existing_clusters")))
    c.set("blueprints", bp, c.provenance.get("structure", default_prov("from the structure")))

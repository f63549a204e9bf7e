"""Plan -> Decided: the structure decision and every answer, each with its provenance.

Rules of the road:
- Only Technical Context fields, the Deployment Components table, Custom Applications,
  Constitution Check items (`[x]` and `Principle N:` ones), Project Structure trees and the Structure
  Decision feed answers. Summary and Complexity Tracking never do.
- A value the plan states but planforge cannot honour (Flux, Pulumi, Terraform Cloud, ...)
  is refused with the supported values; it is never silently replaced.
- Every refusal is a Problem with file, line and field; RefusedError carries all of them.
"""
from __future__ import annotations

import re
from typing import Any

from planforge.decide import text as tx
from planforge.decide.answers import Answers, Component, Decided, Decision, EnvironmentSizing, Provenance, Service
from planforge.decide.context import Context, default_prov
from planforge.decide.data import decision_order, defaults, keywords, not_used_by
from planforge.decide.rules.delivery import decide_delivery
from planforge.decide.rules.platform import decide_platform
from planforge.decide.rules.project import decide_project
from planforge.decide.rules.scope import decide_scope, env_name, is_env_name
from planforge.decide.rules.structure import blueprints, decide_structure
from planforge.decide.rules.workloads import decide_workloads
from planforge.decide.safety import check_safety
from planforge.errors import RefusedError
from planforge.plan.model import Plan


def decide(plan: Plan) -> Decided:
    """Decide every answer from a parsed plan; RefusedError lists every blocking problem."""
    c = Context(plan)
    d = defaults()
    decide_project(c)
    structure = decide_structure(c)
    decide_platform(c, structure, d)
    decide_delivery(c, structure, d)
    decide_scope(c, structure, d)
    decide_workloads(c, structure, d)
    _goals(c)
    _sizing(c)
    blueprints(c, structure)
    c.default("repo_url", "", "no Git URL in the plan; ArgoCD manifests carry a marked placeholder")
    if c.problems:
        err = RefusedError(f"{plan.source}: plan refused: {len(c.problems)} blocking problem(s)", c.problems)
        err.warnings = c.warnings  # type: ignore[attr-defined]
        raise err
    answers = Answers(**c.values)
    answers.decisions = _decisions(answers, c.provenance)
    problems = check_safety(answers, c.provenance, plan.source)
    if problems:
        err = RefusedError(f"{plan.source}: plan refused: unsafe answer(s)", problems)
        err.warnings = c.warnings  # type: ignore[attr-defined]
        raise err
    return Decided(answers=answers, provenance=c.provenance, warnings=c.warnings)


# --------------------------------------------------------------------------- goals
def _goals(c: Context) -> None:
    p = c.plan
    perf, cons = p.field("performance_goals"), p.field("constraints")
    fields = [f for f in (perf, cons) if f is not None and not f.unresolved]
    uptime = None
    for f in fields:
        m = re.search(r"(\d{2,3}(?:\.\d+)?)\s*%\s*(?:uptime|availability|sla)|(?:uptime|availability|sla)\D{0,20}(\d{2,3}(?:\.\d+)?)\s*%", f.plain, re.I)
        if m:
            uptime = (float(m.group(1) or m.group(2)), f)
            break
    if uptime:
        c.from_field("high_availability", uptime[0] >= 99.9, uptime[1])
    else:
        c.default("high_availability", False, "no uptime target of 99.9% or more")
    rpo = None
    for f in fields:
        m = re.search(r"\brpo\s*(?:<|≤|<=|=|:|of|under)?\s*(\d+(?:\.\d+)?)\s*(minutes?|mins?|m|hours?|hrs?|h|days?|d)\b", f.plain, re.I)
        if m:
            unit = m.group(2).lower()
            factor = 1 if unit.startswith("m") else 60 if unit.startswith("h") else 1440
            rpo = (int(float(m.group(1)) * factor), f)
            break
    if rpo:
        c.from_field("rpo_minutes", rpo[0], rpo[1])
    else:
        c.default("rpo_minutes", 0, "no RPO stated")
    retention = None
    for f in [f for f in p.fields if not f.unresolved]:
        m = re.search(r"(\d+)[- ]days?\s+(?:backup\s+)?retention|retention\s*(?:of|:)?\s*(\d+)\s*days?", f.plain, re.I)
        if m:
            retention = (min(35, int(m.group(1) or m.group(2))), f)
            break
    if retention:
        c.from_field("backup_retention_days", retention[0], retention[1])
    else:
        c.default("backup_retention_days", 7, "7 days (provider default) when the plan states none")
    compliance: list[str] = []
    comp_field = None
    for f in fields:
        for name, rx in keywords().compliance.items():
            if re.search(rx, f.plain, re.I) and name not in compliance:
                compliance.append(name)
                comp_field = comp_field or f
    if compliance:
        c.from_field("compliance", compliance, comp_field)
    else:
        c.default("compliance", [], "no compliance regime named")
    residency = None
    for f in fields:
        m = re.search(r"data residency\s*(?:in|:|=)?\s*(?:the\s+)?([A-Za-z]{2,20})", f.plain, re.I)
        if m:
            residency = (m.group(1).lower(), f)
            break
    if residency:
        c.from_field("data_residency", residency[0], residency[1])
    else:
        c.default("data_residency", "", "no data residency stated")
    kms = next((f for f in fields if re.search(r"\bkms\b|customer[- ]managed key|\bcmk\b", f.plain, re.I)), None)
    if kms:
        c.from_field("customer_managed_kms", True, kms)
    elif compliance:
        c.from_field("customer_managed_kms", True, comp_field)
        c.provenance["customer_managed_kms"] = c.provenance["customer_managed_kms"].model_copy(
            update={"note": f"required by {', '.join(compliance)}"})
    else:
        c.default("customer_managed_kms", False, "no compliance regime requires customer-managed keys")


# --------------------------------------------------------------------------- sizing
def _envs_in(text: str) -> list[str]:
    return [n for n in (env_name(w) for w in re.split(r"\s*(?:/|,|\band\b)\s*", text)) if is_env_name(n)]


def _sizing(c: Context) -> None:
    envs: list[str] = c.values["environments"]
    sizing = {e: EnvironmentSizing(name=e) for e in envs}
    line = None
    engine = version = ""
    eng_line = None
    for module, row in c.modules:
        notes = tx.safe_text(row.notes)
        for m in re.finditer(r"\b((?:db\.)?[a-z][a-z0-9-]*\d[a-z0-9-]*\.[a-z0-9]+)\s+in\s+([a-z/ ,-]+?)(?=,|;|\.|$| only)", notes, re.I):
            kind = "db_instance_class" if m.group(1).startswith("db.") or module == "database" else "instance_type"
            for e in _envs_in(m.group(2)):
                if e in sizing:
                    setattr(sizing[e], kind, m.group(1))
                    line = line or row.line
        m = re.search(r"multi-az\s+in\s+([a-z/ ,-]+?)(?=,|;|\.|$| only)", notes, re.I)
        if m:
            for e in _envs_in(m.group(1)):
                if e in sizing:
                    sizing[e].multi_az = True
                    line = line or row.line
        m = re.search(r"nat gateway per az in ([a-z/ ,-]+?)(?=,|;|\.|$| only)|per az in ([a-z/ ,-]+?)(?=,|;|\.|$| only)", notes, re.I)
        if m and "nat" in notes.lower():
            for e in _envs_in(m.group(1) or m.group(2)):
                if e in sizing:
                    sizing[e].nat_gateway_per_az = True
                    line = line or row.line
        if module == "database":
            for text in (notes, row.name):
                for em in re.finditer(r"(postgres(?:ql)?|mysql|mariadb|aurora)\s*(\d+(?:\.\d+)?)?", text, re.I):
                    engine = engine or {"postgresql": "postgres"}.get(em.group(1).lower(), em.group(1).lower())
                    version = version or (em.group(2) or "")
                    eng_line = row.line
    for e, s in sizing.items():
        if e == "prod" and c.values.get("high_availability"):
            s.min_size = max(s.min_size, 2)
    if line:
        c.set("environment_sizing", list(sizing.values()), Provenance(source="plan", line=line, text=tx.quote(c.line_text(line))))
    else:
        c.default("environment_sizing", list(sizing.values()), "one entry per environment; no sizing in the plan")
    if not engine:
        for f in [f for f in c.plan.fields if f.key in ("storage", "database") and not f.unresolved]:
            em = re.search(r"(postgres(?:ql)?|mysql|mariadb)\s*(\d+(?:\.\d+)?)?", f.plain, re.I)
            if em:
                engine = {"postgresql": "postgres"}.get(em.group(1).lower(), em.group(1).lower())
                version = em.group(2) or ""
                eng_line = f.line
                break
    if engine:
        c.set("database_engine", engine, Provenance(source="plan", line=eng_line, text=tx.quote(c.line_text(eng_line))))
        if version:
            c.set("database_version", version, Provenance(source="plan", line=eng_line, text=tx.quote(c.line_text(eng_line))))
        else:
            c.default("database_version", "", "no database version in the plan")
    else:
        c.default("database_engine", "", "no database in the plan")
        c.default("database_version", "", "no database in the plan")


# --------------------------------------------------------------------------- decisions
def render_value(value: Any) -> str:
    """An answer as one line of text for the Decisions section."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        if not value:
            return "none"
        items = []
        for v in value:
            if isinstance(v, Component):
                items.append(f"{v.name} {v.version}")
            elif isinstance(v, Service):
                items.append(f"{v.name} ({v.image}, port {v.port}, {v.replicas} replica{'s' if v.replicas != 1 else ''})")
            elif isinstance(v, EnvironmentSizing):
                extra = [x for x in (v.instance_type, v.db_instance_class) if x]
                extra += ["multi-AZ"] if v.multi_az else []
                extra += ["NAT per AZ"] if v.nat_gateway_per_az else []
                items.append(f"{v.name}" + (f" ({', '.join(extra)})" if extra else ""))
            else:
                items.append(str(v))
        return ", ".join(items)
    if value in ("", None):
        return "none"
    return str(value)


def _decisions(a: Answers, provenance: dict[str, Provenance]) -> list[Decision]:
    out = []
    for name in decision_order():
        if name in not_used_by(a.structure):
            continue
        prov = provenance.get(name) or default_prov("model default")
        out.append(Decision(name=name, value=tx.safe_text(render_value(getattr(a, name))), source=prov.describe()))
    return out

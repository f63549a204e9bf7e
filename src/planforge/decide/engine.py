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
    _apps(c, d)
    _chart(c, structure, d)
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


def _service(name: str, project: str, d: dict, **kw: Any) -> Service:
    sd = d["service_defaults"]
    base = next((k for k in sd if k != "service" and (name == k or name.startswith(k + "-") or name.endswith("-" + k))), "service")
    values = {"port": sd[base]["port"], "health_path": sd[base]["health_path"],
              "image": f"{d['image_registry']}/{project}/{name}"}
    values.update({k: v for k, v in kw.items() if v is not None})
    return Service(name=name, **values)


def _apps(c: Context, d: dict) -> None:
    f = c.plan.custom_applications
    if c.unsafe_source(f, "apps"):
        c.values["apps"] = []
        return
    if f is None or f.unresolved or re.fullmatch(r"(none|n/?a|-)\.?", f.plain.lower()):
        if f is not None and not f.unresolved:
            c.from_field("apps", [], f)
        else:
            c.default("apps", [], "no Custom Applications in the plan")
        return
    names = [re.sub(r"\s*\(.*$", "", w).strip().lower() for w in tx.split_list(f.value)]
    apps = []
    for n in names:
        if not re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", n) or len(n) > 63:
            c.problem(f, "apps", f"application name {n!r} is not a DNS-1123 label", "use lowercase letters, digits and '-'")
            continue
        apps.append(_service(n, c.values["project_name"], d, replicas=1, prod_replicas=2))
    c.from_field("apps", apps, f)


def _chart(c: Context, structure: str, d: dict) -> None:
    p = c.plan
    if structure != "helm-chart":
        for name, note in (("chart_name", ""), ("chart_layout", "single"), ("services", [])):
            c.default(name, note, "not a helm-chart plan")
        _storage(c, "")
        return
    project = c.values["project_name"]
    sd = p.structure_decision
    sd_text = sd.plain if sd and not sd.unresolved else ""
    # chart directories: charts/<x>/, helm/<x>/ ... or a chart at charts/ itself (Chart.yaml directly below)
    chart_dirs: list[tuple[str, int]] = []
    root_chart_line = None
    for t in p.source_paths:
        m = re.search(r"(?:^|/)(?:charts|helm|helm-charts|chart|deploy/helm)/([a-z0-9][a-z0-9-]*)/$", t.path)
        if m and m.group(1) not in ("templates", "platforms", "charts", "crds") and m.group(1) not in [x for x, _ in chart_dirs]:
            chart_dirs.append((m.group(1), t.line))
        if re.search(r"(?:^|/)(?:charts|helm|chart)/Chart\.yaml$", t.path):
            root_chart_line = root_chart_line or t.line
    m = re.search(r"charts?/([a-z0-9][a-z0-9-]*)/?", sd_text)
    per_service = bool(re.search(r"per[- ]service|each service|one (?:helm )?chart per|separate (?:helm )?charts", sd_text, re.I))
    single = bool(re.search(r"umbrella|single (?:helm )?chart|one (?:helm )?chart\b(?! per)", sd_text, re.I))
    if m and (m.group(1) not in ("templates",)):
        chart_name, chart_src = m.group(1), sd
    elif chart_dirs and not root_chart_line:
        chart_name, chart_src = chart_dirs[0][0], None
    else:
        chart_name, chart_src = project[:53].strip("-"), None
    layout = "single" if single else "per-service" if per_service or len(chart_dirs) > 1 else "single"
    if per_service or single:
        c.from_field("chart_layout", layout, sd)
    elif chart_dirs:
        c.set("chart_layout", layout, Provenance(source="plan", line=chart_dirs[0][1], text=tx.quote(c.line_text(chart_dirs[0][1]))))
    else:
        c.default("chart_layout", layout, "one chart for all services")
    if layout == "per-service" and not m:
        chart_name, chart_src = project[:53].strip("-"), None
    if chart_src is not None:
        c.from_field("chart_name", chart_name, chart_src)
    elif chart_dirs and chart_name == chart_dirs[0][0]:
        c.set("chart_name", chart_name, Provenance(source="plan", line=chart_dirs[0][1], text=tx.quote(c.line_text(chart_dirs[0][1]))))
    else:
        c.default("chart_name", chart_name, "named after the project")
    # image / port / health path stated for the chart
    fields = [sd, *p.fields]
    img = tx.first_hit(r"\b(?:ghcr\.io|docker\.io|quay\.io|gcr\.io|[a-z0-9-]+\.azurecr\.io|[a-z0-9-]+\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com|registry\.[a-z0-9.-]+)/[a-z0-9._/-]*[a-z0-9]", fields, negatable=False)
    port = tx.first_hit(r"\bport\s*:?\s*(\d{2,5})\b", fields, negatable=False)
    health = tx.first_hit(r"health(?:\s*(?:check|endpoint|path|probe))?\s*:?\s*(/[A-Za-z0-9._~/-]*)", fields, negatable=False)
    services = _service_names(c)
    replicas, replicas_line = _replicas(c)
    if img or (not services and chart_src is not None):
        name = chart_name
        svc = _service(name, project, d,
                       image=img.match.lower() if img else None,
                       port=int(re.search(r"\d+", port.match).group(0)) if port else None,
                       health_path=re.search(r"/[A-Za-z0-9._~/-]*", health.match).group(0).rstrip(".") if health else None)
        c.from_field("services", [svc], img.field if img else chart_src)
    else:
        if not services:
            services = [(chart_name, None)]
        out = []
        for name, _ in services:
            r = replicas.get(name) or next((v for k, v in replicas.items() if name.startswith(k) or k.startswith(name)), None)
            out.append(_service(name, project, d, replicas=r, prod_replicas=max(2, r or 1)))
        src = next((s for _, s in services if s is not None), None)
        if src is not None:
            c.set("services", out, src)
        else:
            c.default("services", out, "one service named after the chart")
        if replicas_line:
            c.provenance["services"] = c.provenance["services"].model_copy(
                update={"note": f"replicas from plan line {replicas_line}: {tx.quote(c.line_text(replicas_line))}"})
    _storage(c, chart_name)


def _service_names(c: Context) -> list[tuple[str, Provenance | None]]:
    """Services from the source tree (backend/, frontend/, services/<x>/), else the project type."""
    p = c.plan
    out: list[tuple[str, Provenance | None]] = []
    for t in p.source_paths:
        parts = [x for x in t.path.strip("/").split("/") if x]
        if not t.path.endswith("/") or not parts:
            continue
        name = None
        if len(parts) == 1 and parts[0].lower() not in keywords().non_service_dirs | {"services", "apps", "microservices"}:
            name = parts[0].lower()
        elif len(parts) == 2 and parts[0] in ("services", "apps", "microservices"):
            name = parts[1].lower()
        if name and re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", name) and name not in [n for n, _ in out]:
            if re.search(r"(?i)backend|frontend|api|web|service|worker|app|ui|gateway|server|client|consumer|notification", name):
                out.append((name, Provenance(source="plan", line=t.line, text=tx.quote(c.line_text(t.line)))))
    if out:
        return out
    pt = p.field("project_type")
    if pt is not None and not pt.unresolved and re.search(r"web", pt.plain, re.I):
        prov = Provenance(source="plan", line=pt.line, text=tx.quote(pt.text))
        return [("backend", prov), ("frontend", prov)]
    return []


def _replicas(c: Context) -> tuple[dict[str, int], int | None]:
    """Replica counts per service name (`2 frontend replicas`, `2 frontends @ 2 replicas`) and the first line."""
    p = c.plan
    sources = [(f.line, f.plain) for f in p.fields if not f.unresolved] + [(i.line, i.text) for i in p.constitution]
    found: dict[str, int] = {}
    first: int | None = None
    for line, text in sources:
        for m in re.finditer(r"(\d+)\s+([a-z][\w-]*?)s?\s+replicas?\b|([a-z][\w-]*?)s?\s*@\s*(\d+)\s+replicas?\b", text, re.I):
            name = (m.group(2) or m.group(3)).lower()
            n = int(m.group(1) or m.group(4))
            if name in ("backend", "frontend", "api", "web", "worker") or name.endswith("service"):
                found.setdefault(name, n)
                first = first or line
    return found, first


def _storage(c: Context, chart_name: str) -> None:
    p = c.plan
    fields = [f for f in p.fields if f.key in ("storage", "database") and not f.unresolved]
    for f in fields:
        text = f.plain.lower()
        if not re.search(r"postgres|mysql|database|\bdb\b", text):
            continue
        kinds = [(m.start(), kind) for kind, rx in keywords().storage_kinds.items() if (m := re.search(rx, text))]
        if not kinds:
            continue
        kind = min(kinds)[1]
        c.from_field("storage", kind, f)
        if kind == "external-postgresql":
            c.from_field("database_secret", f"{chart_name or c.values['project_name']}-db", f)
        elif kind == "in-cluster-postgresql":
            c.default("database_secret", "", "in-cluster database: the chart creates its credentials Secret")
        else:
            c.default("database_secret", "", "managed database: credentials from the secrets manager")
        return
    row = next((r for m, r in c.modules if m == "database"), None)
    if row is not None:
        c.set("storage", "managed-postgresql" if re.search(r"postgres", row.name + row.notes, re.I) else "managed-database",
              Provenance(source="plan", line=row.line, text=tx.quote(row.text)))
        c.default("database_secret", "", "managed database: credentials from the secrets manager")
        return
    c.default("storage", "", "no data store in the plan")
    c.default("database_secret", "", "no database")


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

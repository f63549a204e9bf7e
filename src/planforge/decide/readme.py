"""The Decisions section of the generated README: one {name, value, source} row per answer a blueprint reads."""
from __future__ import annotations

from typing import Any

from planforge.decide import text as tx
from planforge.decide.answers import (AppCall, Answers, Build, Component, Decision, EnvironmentSizing, Provenance,
                                      ResourceTag, Service)
from planforge.decide.context import default_prov
from planforge.decide.data import decision_order, named_by, negated_before, not_used_by, only_when_set
from planforge.decide.rules.compute import serverless_runtime
from planforge.plan.model import Plan


def decisions(a: Answers, provenance: dict[str, Provenance]) -> list[Decision]:
    """The rows in data/decisions.yaml order, without the answers no blueprint of the structure reads."""
    out = []
    runtime = serverless_runtime(a.compute)
    counted = runtime["counted"] if runtime else "nodes"  # what an environment's size counts
    for name in decision_order():
        if name in not_used_by(a.structure, a.compute) or (name in only_when_set() and getattr(a, name) in ("none", "", 0, False, [], {}, None)):
            continue
        prov = provenance.get(name) or default_prov("model default")
        value = _serverless_apps(a.apps) if name == "apps" and a.compute != "vms" else \
            render_value(getattr(a, name), counted)
        out.append(Decision(name=name, value=tx.safe_text(value), source=prov.describe()))
    return out


def cite_stating_lines(provenance: dict[str, Provenance], plan: Plan) -> dict[str, Provenance]:
    """Provenance that tells the truth about the plan (`named_by` in data/decisions.yaml):
    - provenance citing the label line of a field whose value goes on below (`**Storage**:` then
      `- PostgreSQL 16`) cites the field's first line that names the answer;
    - a default never claims the plan is silent when a plan line names the answer: its note says which line
      names it and that no rule reads it into the answer."""
    text = "\n".join(plan.lines)
    out = {name: _named_default(name, prov, text) for name, prov in provenance.items()}
    fields = [*plan.fields, *plan.other_fields, plan.structure_decision, plan.custom_applications]
    by_line = {f.line: f for f in fields if f is not None and f.extra_lines}
    for name, prov in provenance.items():
        f = by_line.get(prov.line or 0) if prov.source == "plan" else None
        pattern = named_by().get(name)
        if f is None or pattern is None or pattern.search(plan.lines[f.line - 1]):
            continue
        stating = next((s for s in f.extra_lines if pattern.search(s.text)), None)
        if stating is not None:
            out[name] = prov.model_copy(update={"line": stating.line, "text": tx.quote(stating.text)})
    return out


# Answers made of several things, each read from its own line: answer -> the prefix of its applied phrases.
_COMPOSITES = {"apps": "apps.", "services": "services.", "components": "components"}


def cite_composites(provenance: dict[str, Provenance], applied: dict[tuple[int, str], str],
                    component_rows: dict[str, Provenance]) -> dict[str, Provenance]:
    """A composite answer cites every line that states one of its figures or components, not one line for all."""
    out = dict(provenance)
    for name, prefix in _COMPOSITES.items():
        prov = provenance.get(name)
        if prov is None or prov.source != "plan":
            continue
        cites = [Provenance(source="plan", line=ln, text=tx.quote(text))
                 for (ln, text), answer in sorted(applied.items()) if answer.startswith(prefix)]
        if name == "components":
            cites += sorted(component_rows.values(), key=lambda p: p.line or 0)
        seen = {(prov.line, prov.text)}
        more = []
        for cite in cites:
            if cite.line != prov.line and (cite.line, cite.text) not in seen:  # its own line is quoted whole
                seen.add((cite.line, cite.text))
                more.append(cite)
        out[name] = prov.model_copy(update={"more": tuple(more)})
    return out


def _named_default(name: str, prov: Provenance, text: str) -> Provenance:
    pattern = named_by().get(name)
    if prov.source != "default" or pattern is None or "from plan line" in prov.note or prov.note.startswith("plan.md:"):
        return prov  # not a default, or a default whose note already names the plan line it follows or reads
    for m in pattern.finditer(text):
        start = max(0, m.start() - 40)
        if negated_before().search(text, max(start, text.rfind("\n", start, m.start()) + 1), m.start()):
            continue
        line = text.count("\n", 0, m.start()) + 1
        return prov.model_copy(update={"note": f"plan.md:{line} names {tx.quote(m.group(0))}, which no rule reads "
                                               "into this answer"})
    return prov


def render_value(value: Any, counted: str = "nodes") -> str:
    """An answer as one line of text for the Decisions section; counted: what an environment's size counts."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_render_item(v, counted) for v in value) if value else "none"
    if isinstance(value, dict):
        return ", ".join(f"{k} = {v}" for k, v in value.items()) if value else "none"
    if value in ("", None):
        return "none"
    return str(value)


def _render_item(v: Any, counted: str) -> str:
    if isinstance(v, Component):
        counts = ", ".join(f"{n} in {env}" for env, n in v.replicas.items())
        kept = ", ".join(f"{days} days in {env}" for env, days in v.retention_days.items())
        stored = ", ".join(f"{size} GiB in {env}" for env, size in v.storage_gb.items())
        figures = [text for text in (counts and f"{counts} replicas", kept and f"metrics kept {kept}",
                                     stored and f"a volume of {stored}") if text]
        return f"{v.name} {v.version}" + (f" ({'; '.join(figures)})" if figures else "")
    if isinstance(v, Service):
        return f"{v.name} ({', '.join([v.image, f'port {v.port}' if v.inbound else _portless(v), *_service_figures(v)])})"
    if isinstance(v, Build):
        return f"{v.name} ({v.dockerfile}, context {v.context})"
    if isinstance(v, AppCall):
        return f"{v.caller} -> {v.callee}"
    if isinstance(v, ResourceTag):
        return v.shown()
    if isinstance(v, EnvironmentSizing):
        extra = [x for x in (v.instance_type, v.db_instance_class) if x]
        if v.min_size is not None or v.max_size:
            extra.append(f"{v.min_size}-{v.max_size} {counted}" if v.max_size else f"at least {v.min_size} {counted}")
        extra += ["multi-AZ"] if v.multi_az else []
        extra += ["NAT per AZ"] if v.nat_gateway_per_az else []
        extra += ["spot nodes"] if v.spot_nodes else []
        return f"{v.name} ({', '.join(extra) if extra else 'blueprint defaults'})"
    return str(v)


def _serverless_apps(apps: list[Service]) -> str:
    """The apps on serverless compute: their image (else the environment's own registry), port and health path (or no
    inbound port, or a job's schedule), who reaches them, and the size of a task; the environment's sizing gives the
    instances of each."""
    return ", ".join(f"{v.name} ({', '.join(_serverless_traits(v))})" for v in apps) or "none"


def _serverless_traits(v: Service) -> list[str]:
    reach = [f"port {v.port}", f"health {v.health_path}"] + ([] if v.public else ["internal"]) if v.inbound else \
        [_portless(v)]
    size = [" / ".join(q for q in (v.cpu_request and f"{v.cpu_request} CPU", v.memory_request) if q)]
    return [v.image or "image in the environment registry", *reach, *(s for s in size if s)]


def _portless(v: Service) -> str:
    """An application without an inbound port: a job on its schedule, else a worker."""
    return f"scheduled {v.schedule} (UTC)" if v.schedule else "no inbound port"


def _service_figures(v: Service) -> list[str]:
    """Replicas (the autoscaling range when stated), the container resources and the volume the plan states."""
    if v.max_replicas:
        out = [f"{v.min_replicas or v.replicas}-{v.max_replicas} replicas (autoscaled)"]
    elif v.prod_replicas != v.replicas:
        out = [f"{v.replicas} replica{'s' if v.replicas != 1 else ''} ({v.prod_replicas} in production)"]
    else:
        out = [f"{v.replicas} replica{'s' if v.replicas != 1 else ''}"]
    if v.environment_replicas:  # an environment's own count or range first, the counts above elsewhere
        out = ["; ".join(f"{env}: {low}" + (f"-{high} replicas (autoscaled)" if high > low else
                                             f" replica{'s' if low != 1 else ''}")
                         for env, (low, high) in v.environment_replicas.items()) + f"; else {out[0]}"]
    for kind in ("cpu", "memory"):
        request, limit = getattr(v, f"{kind}_request"), getattr(v, f"{kind}_limit")
        if request or limit:
            out.append(f"{kind} " + " ".join(x for x in (request and f"request {request}", limit and f"limit {limit}") if x))
    if v.volume_size:
        out.append(f"{v.volume_size} volume at {v.volume_path or '/data'}")
    return out

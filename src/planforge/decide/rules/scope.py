"""Scope rules: environments (rules/environments.py), tenants, catalog components, the Dapr/Kafka/monitoring
flags, platforms."""
from __future__ import annotations

import re
from typing import Any

import planforge.model.capabilities as caps
from planforge.decide import text as tx
from planforge.decide.answers import Component, Provenance
from planforge.decide.context import Context
from planforge.decide.coverage import compute_builds, known_reason
from planforge.decide.names import line_of, list_items
from planforge.decide.data import ChartEntry, catalog, defaults, keywords, squash
from planforge.decide.rules.environments import decide_environments
from planforge.decide.rules.platform import platform_hits
from planforge.decide.rules.statements import sentence_matches
from planforge.errors import Problem
from planforge.plan.limits import drop_parenthesized, limits
from planforge.plan.model import ComponentRow, Field, plain

_TENANTS_NAMED = re.compile(r"(?<![\w-])tenants?(?![\w-])\s*+:?\s*+(?=[^\s,;.:])", re.I)
_TENANTS_IN_PARENTHESES = re.compile(r"(?:organizations?|tenants?|customers?)\s*+\(", re.I)
_PARENTHESIS = re.compile(r"[()]")
_BACKUPS = re.compile(r"\b(?:database |db )?backups?\b", re.I)
# `Prometheus metrics`, `Prometheus-compatible metrics endpoint`: the metrics format, not a monitoring stack
_PROMETHEUS_METRICS = r"\bprometheus(?:[\s-]+(?:compatible|format(?:ted)?|style))?[\s-]+(?:metrics?|exporters?|endpoints?)\b"
# the cloud's managed Prometheus (`GKE managed Prometheus`, `Amazon Managed Service for Prometheus`): it runs outside the
# clusters, so it asks for no Prometheus in them
_MANAGED_PROMETHEUS = r"\bmanaged\s+(?:service\s+for\s+)?prometheus\b"
# (not one the plan rules out after naming it: `Grafana is out of scope for this plan`)
# (nor a Prometheus agent, which remote-writes to a managed one: `the Prometheus agent`)
_MONITORING = (rf"(?:(?!{_PROMETHEUS_METRICS})(?<!managed )(?<!managed service for )\bprometheus\b(?!\s++agents?\b)|grafana"
               r"|kube-prometheus-stack|\bloki\b|alertmanager)(?!\s++(?:is|are)\s++(?:out\s++of\s++scope|not)\b)")


def decide_scope(c: Context, structure: str, d: dict[str, Any]) -> None:
    decide_environments(c)
    _tenants(c, structure)
    _components(c, structure)
    _flags(c)
    _implied_components(c, structure)
    _platforms(c, structure, d)


# --------------------------------------------------------------------------- tenants
def _tenants(c: Context, structure: str) -> None:
    p = c.plan
    names = _tenants_in_tree(c) or _tenants_in_text(c)
    if not names:
        if structure == "multi-tenant":
            sd = p.structure_decision
            c.problem(sd, "tenants", "a multi-tenant plan must name its tenants",
                      "list them in Scale/Scope, e.g. 3 organizations (acme, globex, initech)", line=sd.line if sd else 1)
        c.default("tenants", [], "not a multi-tenant plan")
        return
    if structure != "multi-tenant":
        c.default("tenants", [], "not a multi-tenant plan")
        return
    for n in names:
        c.valid_name(None, "tenants", "tenant", n, line=c.tenant_lines.get(n, c.provenance["tenants"].line))
    limit = limits()["max_tenants"]
    if len(names) > limit:
        c.problem(None, "tenants", f"{len(names)} tenants; at most {limit} are supported", "split the plan",
                  line=c.provenance["tenants"].line)


def _tenants_in_tree(c: Context) -> list[str]:
    """The entries directly below a `tenants/` directory of the source tree, each whatever its name (a name that
    is not a tenant name, such as `../../etc/` or `a b/`, is refused at its line, never skipped)."""
    names: list[str] = []
    line = None
    for t in c.plan.source_paths:
        parent = t.path[: len(t.path) - len(t.name)]
        if not t.name.endswith("/") or not re.search(r"(?:^|/)tenants/$", parent):
            continue
        name = t.name[:-1]
        if name not in names:
            names.append(name)
            c.tenant_lines[name] = t.line
            line = line or t.line
    if names:
        c.from_line("tenants", names, line)
    return names


def _tenants_in_text(c: Context) -> list[str]:
    """`tenants a, b and c` in the Structure Decision, else `N organizations (a, b, c)` in Scale/Scope: every item
    as written (decide/names.py), each located at the line holding it."""
    p = c.plan
    sources = [(p.structure_decision, _tenants_named), (p.field("scale_scope"), _tenants_in_parentheses)]
    for fld, read in sources:
        if fld is None or fld.unresolved or c.unsafe_source(fld, "tenants"):
            continue
        listed = read(fld.plain)
        if listed is not None:
            names = list_items(listed)
            for n in names:
                c.tenant_lines[n] = line_of(fld, n)
            c.from_field("tenants", names, fld)
            return names
    return []


# --------------------------------------------------------------------------- components
_FLUX_NAMES = ("flux", "fluxcd", "flux2", "fluxv2")  # a components row naming the plan's GitOps tool (no catalog chart)
def _components(c: Context, structure: str) -> None:
    p = c.plan
    comps: list[Component] = []
    first_line = None
    for row in p.components:
        entry = _required_chart(c, row, structure)
        if entry is None or any(x.name == entry.name for x in comps):
            continue
        comps.append(entry.component(tx.safe_text(row.notes)))
        c.component_rows[entry.name] = Provenance(source="plan", line=row.line, text=tx.quote(row.text))
        _installed_by_terraform(c, row, entry.name)
        first_line = first_line or row.line
    if comps:
        c.from_line("components", comps, first_line)
        return
    if not p.components and _components_from_dependencies(c, structure):
        return
    c.default("components", [], "no catalog component required by the plan")


_BY_TERRAFORM = re.compile(r"\b(?:installed|bootstrapped|deployed)\s+(?:by|with|via|through|from)\s+(?:the\s+)?terraform"
                           r"(?:\s+bootstrap)?\b"
                           r"|\bterraform\b[^.;]{0,30}?\binstalls\s+it\b", re.I)


def _installed_by_terraform(c: Context, row: ComponentRow, name: str) -> None:
    """Report a row saying Terraform installs its chart: no Terraform root here installs a Helm chart."""
    m = _BY_TERRAFORM.search(plain(row.notes))
    if m is None:
        return
    how = ("its first install is the step the argocd README gives, after which it manages itself through its own "
           "Application" if name == "argo-cd" else "the repository's GitOps delivery (or its install script) installs it")
    c.unapplied(row.line, m.group(0), f"no Terraform root of this repository installs a Helm chart: {how}")


def _required_chart(c: Context, row: ComponentRow, structure: str) -> ChartEntry | None:
    """The catalog chart of a Required = Yes row; infrastructure rows go to c.modules, the rest are reported."""
    cat = catalog()
    if tx.is_placeholder(row.name) or row.required is None and tx.is_placeholder(row.required_text or "[]"):
        c.warn(None, "Deployment Components", f"template row {row.name!r} ignored", line=row.line)
        return None
    if row.required is None:
        c.warn(None, "Deployment Components", f"{row.name}: Required is {row.required_text!r}, not Yes or No; ignored",
               line=row.line)
        return None
    if not row.required or cat.feature(row.name) is not None:
        return None  # a cluster feature (node autoscaling) is met by the system model (decide/system.py)
    entry = cat.chart(row.name)
    if entry is None and squash(row.name) in _FLUX_NAMES and c.values.get("gitops") == "flux":
        c.applied(row.line, row.name, "gitops")  # the plan's GitOps tool: bootstrapped from the repository
        return None
    if entry is None:
        module = cat.module(row.name)
        if module is not None:
            c.modules.append((module, row))
            return None
        if structure == "single-iac":
            _terraform_only_row(c, row)
            return None
        if cat.cloud_service(row.name):
            return None  # built from the plan's other fields, or reported at its words (decide/coverage.py)
        hint = cat.suggest(row.name)
        c.problems.append(Problem(
            message=f"unknown component {row.name!r}" + (f"; did you mean {', '.join(hint)}?" if hint else ""),
            file=c.plan.source, line=row.line, field="Deployment Components",
            hint=f"use a catalog name ({', '.join(cat.names())}) or an infrastructure row (VPC, Compute, Database)"))
        return None
    if structure == "single-iac":
        c.warn(None, "Deployment Components", f"{row.name} is a Helm chart; a single-iac repository has no cluster, ignored",
               line=row.line)
        return None
    return entry


def _terraform_only_row(c: Context, row: ComponentRow) -> None:
    """A Terraform-only plan's row that is no module of the catalog (`Queue (SQS)`): no chart can be meant, so it is
    no refusal. What the serverless compute builds (its load balancer, registry, HTTPS) is applied; the rest is
    reported with why."""
    compute = c.values.get("compute", "vms")
    reason = known_reason(row.name, compute)  # a certificate: before the HTTPS the load balancer serves with it
    if reason is None and compute != "vms" and compute_builds(row.name):
        c.applied(row.line, row.name, "compute")
        return
    if _BACKUPS.search(row.name) and _database_row(c):
        c.applied(row.line, row.name, "backup_retention_days")  # the managed database's automated backups
        return
    c.unapplied(row.line, row.name, reason or f"no module of the catalog builds {row.name}: it is not generated; add "
                "it to the infrastructure code yourself")


def _database_row(c: Context) -> bool:
    """Whether a required row of the components table is the managed database (in any order of the rows)."""
    return any(r.required and catalog().module(r.name) == "database" for r in c.plan.components)


# Technical Context fields whose catalog charts the clusters run (`**Ingress**: ingress-nginx ...; certificates from
# cert-manager`), when the plan has no components table
_DEPENDENCY_FIELDS = ("primary_dependencies", "infrastructure", "ingress")


# a sentence saying the clusters install what it names (`Platform components (ingress-nginx, cert-manager,
# external-secrets) are installed as Flux HelmReleases`)
_INSTALLS = re.compile(r"\bplatform\s+components?\b|\b(?:installed|deployed)\s+(?:as|via|with|through|by)\s+(?:flux\s+|argo\s*cd\s+)?"
                       r"(?:helm\s*releases?|helm(?:\s+charts?)?|applications?)\b", re.I)


def _components_from_dependencies(c: Context, structure: str) -> bool:
    """No components table (app templates): the catalog charts the dependency fields name, and those a sentence says
    the clusters install (`Platform components (...) are installed as Flux HelmReleases`)."""
    deps = [f for f in c.plan.fields if f.key in _DEPENDENCY_FIELDS and not f.unresolved] + _install_sentences(c)
    found: list[tuple[Field, str]] = []
    for f in deps:
        for pos, name in catalog().mentioned(f.plain):
            if name not in [n for _, n in found] and tx.not_negated_at(f.plain, pos) and not _managed(c, f, pos, name):
                found.append((f, name))
    if not found or structure == "single-iac":
        return False
    comps = []
    for f, name in found:
        e = catalog().charts[name]
        comps.append(e.component(f"named in {tx.safe_text(f.label)}"))
    c.from_field("components", comps, found[0][0])
    return True


def _install_sentences(c: Context) -> list[Field]:
    """Each sentence of the plan saying the clusters install the charts it names, as a field of its line."""
    found = []
    for p, m in sentence_matches(c.plan, _INSTALLS):
        start, end = next((a, b) for a, b in tx.sentence_bounds(p.text) if a <= m.start() < b)
        line = p.line_at(start)
        found.append(Field(label="Components", key="components", value=p.text[start:end], line=line,
                           text=c.line_text(line)))
    return found


def _managed(c: Context, f: Field, pos: int, name: str) -> bool:
    """Whether the chart `name` the field names at `pos` is the vendor's managed service (capabilities.yaml
    `managed_offerings`): named as it (`Redpanda Cloud`, `managed Kafka/Redpanda`), or while a Technical Context field
    names it (`Constraints: Redpanda Cloud free tier` beside `Redpanda Kafka`). That broker runs outside the clusters:
    nothing installs it."""
    offering = caps.table()["managed_offerings"].get(name)
    if offering is None:
        return False
    rx = re.compile(offering, re.I)
    service = re.compile(caps.table()["managed_broker"], re.I)  # `managed Kafka/Redpanda (cloud)`: one phrase
    stated = rx.match(f.plain, pos) or next((m for m in service.finditer(f.plain) if m.start() <= pos <= m.end() + 1),
                                            None) or next((g for g in c.plan.fields if not g.unresolved
                                                           and rx.search(g.plain)), None)
    if stated is not None:
        c.applied(f.line, f.plain[pos:pos + len(name)], "kafka_managed")
    return stated is not None


# --------------------------------------------------------------------------- flags
def _flags(c: Context) -> None:
    """Dapr, Kafka and monitoring: from their catalog rows, else named in context, Structure Decision or
    a Constitution Check item that is checked (`[x]`) or a `Principle N:` line."""
    p = c.plan
    checked = [Field(label="Constitution Check", key="constitution", value=i.text, line=i.line, text=c.line_text(i.line))
               for i in p.constitution if i.checked is not False]
    fields = [*p.fields, p.structure_decision, *checked]
    _flag(c, "dapr", "dapr", r"\bdapr\b", fields, "the plan does not use Dapr")
    _kafka(c, fields)
    _flag(c, "monitoring", "kube-prometheus-stack", _MONITORING, [*fields, *_summary_lines(c)],
          "the plan names no Prometheus/Grafana monitoring")
    _metrics_only(c, fields)
    _managed_prometheus(c, fields)


def _managed_prometheus(c: Context, fields: list[Field | None]) -> None:
    """The cloud's managed Prometheus is no monitoring stack in the clusters: without another word asking for one, no
    kube-prometheus-stack is added (before, `GKE managed Prometheus` installed a self-hosted one), and the line is
    reported."""
    hit = tx.first_hit(_MANAGED_PROMETHEUS, fields)
    if c.values.get("monitoring") or hit is None:
        return
    agent = tx.first_hit(r"\bprometheus\s++agents?\b", fields)
    if agent is not None:
        c.unapplied(line_of(agent.field, agent.match), agent.match,
                    "a Prometheus agent remote-writing to the managed Prometheus is not generated (its workspace, "
                    "identity and remote-write settings are the cloud's): install one, or use the cloud's managed "
                    "scraper")
    # what the plan says of it in parentheses (`(one workspace per environment)`) is its, not a Terraform workspace
    said = re.compile(r"\s*+\([^()]{0,80}\)").match(hit.field.plain, hit.pos + len(hit.match))
    c.unapplied(line_of(hit.field, hit.match), hit.match + (said.group(0) if said else ""),
                "the cloud's managed Prometheus runs outside the clusters and planforge does not configure it (no "
                "kube-prometheus-stack is installed in its place): turn on its managed collection on the clusters "
                "(GKE: Managed Service for Prometheus; EKS: an Amazon Managed Prometheus scraper) and its data source "
                "in your dashboards")


def _summary_lines(c: Context) -> list[Field]:
    """The Summary's lines, read after every field: `full observability through Prometheus/Grafana` there asks for
    monitoring when the fields only say `Prometheus metrics`."""
    s = c.plan.section("summary")
    lines = range(s.line + 1, s.end_line + 1) if s is not None else range(0)
    return [Field(label="Summary", key="summary", value=c.line_text(ln), line=ln, text=c.line_text(ln))
            for ln in lines if c.line_text(ln)]


def _metrics_only(c: Context, fields: list[Field | None]) -> None:
    """`Prometheus metrics` asks for metrics in Prometheus' format, not for a monitoring stack: without another word
    for one (Prometheus monitoring, Grafana, Alertmanager ...) no kube-prometheus-stack is added, and the line is
    reported."""
    hit = tx.first_hit(_PROMETHEUS_METRICS, fields)
    if c.values.get("monitoring") or hit is None:
        return
    words = hit.match
    line = line_of(hit.field, words)
    c.unapplied(line, words, "metrics in the Prometheus format: planforge installs no Prometheus or Grafana for them "
                             "(kube-prometheus-stack); name Prometheus/Grafana monitoring or a kube-prometheus-stack "
                             "component to have one")
    c.default("monitoring", False, f"plan.md:{line} names {words}, read as metrics in the Prometheus format, not as "
                                   "a Prometheus/Grafana monitoring stack")


def _flag(c: Context, key: str, component: str, pattern: str, fields: list[Field | None], absent: str) -> None:
    """A yes/no answer: on from its catalog component row, else from the first field naming it."""
    hit = tx.first_hit(pattern, fields)
    excluded = _excluded_row(c, component)
    if component in c.component_rows:
        c.set(key, True, c.component_rows[component])
    elif excluded is not None:
        c.set(key, False, Provenance(source="plan", line=excluded.line, text=tx.quote(excluded.text)))
    elif hit:
        c.from_field(key, True, hit.field)
    else:
        c.default(key, False, absent)


def _implied_components(c: Context, structure: str) -> None:
    """Charts the decision implies, so that what is decided is generated: kube-prometheus-stack when the plan asks
    for monitoring without naming a chart, cert-manager when a component needs it (catalog `needs`, e.g.
    Redpanda's TLS). Never for single-iac (no cluster) nor against a Required = No row."""
    if structure == "single-iac":
        return
    cat = catalog()
    comps: list[Component] = list(c.values.get("components") or [])
    wanted: list[tuple[str, str, str]] = []  # (chart, why, the answer that implies it)
    if c.values.get("monitoring"):
        wanted.append(("kube-prometheus-stack", "the plan asks for Prometheus/Grafana monitoring", "monitoring"))
    for comp in comps:
        entry = cat.charts.get(comp.name)
        if entry is not None and "cert-manager" in entry.needs:
            wanted.append(("cert-manager", f"{comp.name} needs it for its TLS certificates", "components"))
    for name, why, source in wanted:
        if any(x.name == name for x in comps) or _excluded_row(c, name) is not None:
            continue
        e = cat.charts[name]
        comps.append(e.component(f"added: {why}"))
        if not c.values.get("components"):
            c.set("components", comps, c.provenance[source])
    c.values["components"] = comps


def _excluded_row(c: Context, component: str) -> ComponentRow | None:
    """The components row that names `component` with Required = No, if any."""
    cat = catalog()
    for row in c.plan.components:
        entry = cat.chart(row.name)
        if row.required is False and entry is not None and entry.name == component:
            return row
    return None


def _kafka(c: Context, fields: list[Field | None]) -> None:
    """strimzi or redpanda from its catalog row or the first field naming Kafka; plain Kafka -> the default broker."""
    rows = c.component_rows
    hit = tx.first_hit(r"\bstrimzi\b|\bredpanda\b|\bkafka\b", fields)
    if "strimzi-kafka-operator" in rows:
        c.set("kafka", "strimzi", rows["strimzi-kafka-operator"])
    elif "redpanda" in rows:
        c.set("kafka", "redpanda", rows["redpanda"])
    elif hit:
        text = hit.field.plain.lower()
        kind = "strimzi" if "strimzi" in text else "redpanda" if "redpanda" in text else None
        if kind:
            c.from_field("kafka", kind, hit.field)
        else:
            c.from_field("kafka", defaults()["kafka_provider"], hit.field)
            c.provenance["kafka"] = c.provenance["kafka"].model_copy(update={"note": "Kafka with no broker named: Redpanda"})
    else:
        c.default("kafka", "none", "the plan uses no Kafka")
    # the system step (decide.system) sets it where the plan runs its broker as a managed service
    c.default("kafka_managed", False, "no managed Kafka service in the plan, or a broker installed in the clusters")


# --------------------------------------------------------------------------- platforms
def _platforms(c: Context, structure: str, d: dict[str, Any]) -> None:
    """helm-chart: the platforms named in order; other structures: the cluster's distribution."""
    if structure == "helm-chart":
        platforms = platform_hits(c)
        if platforms:
            c.from_field("platforms", platforms, c.platform_field)
            return
        tp = c.plan.field("target_platform")
        c.default("platforms", [d["platform"]], "no Kubernetes platform named; minikube for local installs")
        if tp is None or not tp.unresolved:
            c.warn(tp, "target_platform", f"names no known platform ({', '.join(keywords().platform_patterns)}); "
                   "using minikube")
        return
    dist = c.values.get("kubernetes_distribution", "none")
    if dist in keywords().platform_patterns and dist not in keywords().chart_only_platforms:
        c.set("platforms", [dist], c.provenance["kubernetes_distribution"])
    else:
        c.default("platforms", [], "no Kubernetes platform in this structure")


def _tenants_named(text: str) -> str | None:
    """`tenants a, b and c`: the rest of the first sentence where `tenants` is followed by a list, one whose first
    item is one word (`each tenant gets its own namespace` names no tenant)."""
    for start, end in tx.sentence_bounds(text):
        m = _TENANTS_NAMED.search(text, start, end)
        if m is None:
            continue
        items = list_items(text[m.end():end])
        if items and not re.search(r"\s", drop_parenthesized(items[0], "")):
            return text[m.end():end]
    return None


def _tenants_in_parentheses(text: str) -> str | None:
    """`3 organizations (a, b, c)`: up to the parenthesis closing it (an item may hold one: `$(id)`)."""
    m = _TENANTS_IN_PARENTHESES.search(text)
    depth = 1
    for paren in _PARENTHESIS.finditer(text, m.end()) if m else ():
        depth += 1 if paren.group(0) == "(" else -1
        if depth == 0:
            return text[m.end():paren.start()]
    return None

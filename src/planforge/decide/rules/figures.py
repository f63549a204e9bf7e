"""Figure rules: the quantities the plan states (Plan.figures) land in the answers, each with its line.

Node counts and instance types go to environment_sizing (per environment when the plan says so, else every
environment), replica ranges and container resources to the apps and chart services they name (every one when
the plan names none), pods to max_pods, RPO/RTO/uptime/retention to the recovery answers, the database engine,
version and storage to the database answers. A figure read but not applied is recorded with why; figures that
contradict each other are problems with their line."""
from __future__ import annotations

import math
from dataclasses import replace

from planforge.decide.answers import EnvironmentSizing
from planforge.decide.context import Context
from planforge.decide.data import basic_cloud, defaults, keywords
from planforge.decide.environments import environment_named, is_production
from planforge.decide.rules.compute import serverless_runtime
from planforge.decide.rules.node_group_rows import cluster_node_figures
from planforge.decide.rules.component_figures import (decide_component_replicas, decide_component_storage,
                                                      decide_metrics_retention)
from planforge.decide.rules.workload_figures import SUBJECT_SCOPES, decide_workload_figures
from planforge.layout import load_layout
from planforge.plan.figures import Figure, vocabulary
from planforge.plan.machines import DATABASE_CLASS_PREFIXES, real_size


def decide_figures(c: Context) -> None:
    """Apply every figure of the plan; runs after the goal and workload rules."""
    figures = [f for f in c.plan.figures if _consistent(c, f)]
    by_kind: dict[str, list[Figure]] = {}
    for f in figures:
        by_kind.setdefault(f.kind, []).append(f)
    get = lambda kind: by_kind.get(kind, [])  # noqa: E731
    _database(c, get("database"))
    _storage(c, decide_component_storage(c, get("storage")))
    _recovery(c, get("rpo"), get("rto"), get("uptime"), get("retention"))
    _log_retention(c, get("log_retention"))
    # on serverless compute an environment's replicas are its services' instances, as its tasks are
    serverless = c.values.get("compute", "vms") != "vms"
    instances = [f for f in get("replicas") if serverless and f.scope == "environment"]
    _nodes(c, get("nodes") + _tasks(c, get("tasks") + instances) + _instances(c, get("instances")),
           get("instance_type"))
    _zones(c, get("zones"))
    replicas = decide_component_replicas(c, [f for f in get("replicas") if f not in instances])
    decide_metrics_retention(c, get("metrics_retention"))
    decide_workload_figures(c, replicas, get("memory"), get("cpu"))
    _pods(c, get("pods"))
    for f in get("unpaired"):
        c.unapplied(f.line, f.words, f"{f.name}: which count is whose is not clear; give each environment one, in "
                    "the order of the environments (`2/3/5 nodes in dev/staging/prod`)")
    for f in get("trace_retention"):
        c.unapplied(f.line, f.words, "planforge generates no tracing backend: set the retention in yours")
    for f in get("namespaces"):
        c.unapplied(f.line, f.words, "a namespace count is not applied: the namespaces follow the components and "
                    "applications")


def _consistent(c: Context, f: Figure) -> bool:
    """A range whose minimum is above its maximum is a problem, not a figure."""
    if f.low is not None and f.high is not None and f.low > f.high:
        c.problem(c.field_at(f.line), f.kind, f"{f.words!r}: the minimum {_num(f.low)} is above the maximum {_num(f.high)}",
                  f"write the smaller number first, e.g. {_num(f.high)}-{_num(f.low)}", line=f.line)
        return False
    return True


def _num(x: float) -> str:
    return f"{x:g}"


def _stated(f: Figure) -> float:
    """The one number a figure gives an answer that takes one: the value, else its bound."""
    return f.high if f.high is not None else f.low  # type: ignore[return-value]


def _first(c: Context, figures: list[Figure], answer: str) -> Figure | None:
    """The first figure (one value for the whole platform, whatever it names); a later one stating another value
    is not applied."""
    chosen: Figure | None = None
    for f in figures:
        if chosen is None:
            chosen = f
            c.applied(f.line, f.words, answer)
        elif (f.low, f.high) == (chosen.low, chosen.high):
            c.applied(f.line, f.words, answer)
        else:
            c.unapplied(f.line, f.words, f"{answer} is taken from line {chosen.line} ({chosen.words!r})")
    return chosen


def _single(c: Context, figures: list[Figure], answer: str, what: str, other_env: str = "") -> Figure | None:
    """The one figure of an answer that holds one value for the whole platform: a later figure stating another
    value is a contradiction (a problem naming both lines), unless the two name different environments (then
    the later one is not applied, saying other_env, else that one value serves every environment)."""
    chosen: Figure | None = None
    for f in figures:
        if chosen is None or (f.low, f.high) == (chosen.low, chosen.high):
            chosen = chosen or f
            c.applied(f.line, f.words, answer)
        elif f.scope == chosen.scope == "environment" and f.subject != chosen.subject:
            c.unapplied(f.line, f.words, f"{answer} is taken from line {chosen.line} ({chosen.words!r}): "
                        f"{other_env or 'one value for every environment'}")
        else:
            c.problem(c.field_at(f.line), answer, f"{what} {f.words!r} (line {f.line}) contradicts {chosen.words!r} "
                      f"(line {chosen.line})", f"state one {what}, or name the environment each applies to",
                      line=f.line)
    return chosen


# --------------------------------------------------------------------------- database
def _database(c: Context, figures: list[Figure]) -> None:
    """Engine and version: a Database row first, then a Storage/Database field, then any other line."""
    rows = {row.line for module, row in c.modules if module == "database"}
    fields = {ln for f in c.plan.fields if f.key in ("storage", "database") and not f.unresolved for ln in f.lines}
    ranked = sorted((f for f in figures if f.name), key=lambda f: (f.line not in rows, f.line not in fields, f.line))
    if not ranked:
        c.default("database_engine", "", "the plan states no database engine")
        c.default("database_version", "", "the plan states no database engine")
        return
    engine = ranked[0]
    c.from_line("database_engine", engine.name, engine.line)
    basic = basic_cloud(c.values.get("cloud", "none"))
    if basic is not None and engine.name not in basic["engines"] and c.values.get("storage") not in (
            "in-cluster-postgresql", "external-postgresql"):
        c.problem(c.field_at(engine.line), "database_engine", f"{engine.words!r}: the {basic['name']} database "
                  f"module runs {', '.join(basic['engines'])}", f"use {basic['engines'][0]}, or an in-cluster or "
                  "external database", line=engine.line)
    if c.values.get("iac_tool", "none") != "none" and not c.values.get("storage") and (
            c.provenance.get("storage") is None or c.provenance["storage"].source == "default"):
        # the Terraform database module holds the data: the README names it, never "storage: none"
        c.default("storage", "managed-postgresql" if engine.name == "postgres" else "managed-database",
                  f"the Terraform database module, {engine.name} from plan line {engine.line}")
    if engine.words.lower().startswith("aurora"):
        c.unapplied(engine.line, engine.words, f"Aurora: an RDS {engine.name} instance is generated, not an Aurora "
                    "cluster")
    versioned = next((f for f in ranked if f.name == engine.name and f.version), None)
    if versioned is not None and _known_major(c, versioned):
        c.from_line("database_version", versioned.version, versioned.line)
    else:
        c.default("database_version", "", "no database version in the plan")
    for f in figures:
        if f.name == engine.name and f.version in ("", c.values["database_version"]):
            c.applied(f.line, f.words, "database_engine" + (", database_version" if f.version else ""))
        else:
            c.unapplied(f.line, f.words, f"one database engine is generated: {engine.name} "
                        f"{c.values['database_version']} (line {engine.line})".replace("  ", " "))


def _known_major(c: Context, f: Figure) -> bool:
    """A stated version whose major the engine has (data/figures.yaml engine_majors); another is a problem."""
    majors = vocabulary().engine_majors.get(f.name, [])
    parts = f.version.split(".")
    major = parts[0] if f.name == "postgres" else ".".join(parts[:2])
    if not majors or major in majors:
        return True
    c.problem(c.field_at(f.line), "database_version", f"{f.words!r}: {f.name} has no major version {major}",
              f"state a version {f.name} has ({', '.join(majors)})", line=f.line)
    return False


def _storage(c: Context, figures: list[Figure]) -> None:
    database = vocabulary().keywords["database"]
    # said on a line naming the database, or in a table column headed so (`| Postgres storage |`)
    own = [f for f in figures if database.search(f"{c.line_text(f.line)} {_header_of(c, f.line)}")]
    for f in figures:
        if f not in own and (f.line, f.words) not in c.applied_phrases:  # else a chart service's volume (workloads)
            c.unapplied(f.line, f.words, "only the database's storage size is applied")
    basic = basic_cloud(c.values.get("cloud", "none"))
    if basic is None and c.values.get("iac_tool") in ("terraform", "opentofu") and (
            c.values.get("structure") in ("multi-tool", "single-iac")):
        own = _environment_storage(c, own)
    chosen = _first(c, own, "database_storage_gb")
    if chosen is not None and basic is not None:
        c.unapplied(chosen.line, chosen.words, basic["disk"])
        chosen = None
    if chosen is not None:
        c.from_line("database_storage_gb", math.ceil(_stated(chosen)), chosen.line)
    elif c.values.get("structure") == "helm-chart":
        c.default("database_storage_gb", 0, "no database storage size stated: an in-cluster database's volume takes "
                  "10 GiB in every environment")
    else:
        c.default("database_storage_gb", 0, "no database storage size stated: the database module's own size "
                  "applies (20 GiB on AWS, 10 GiB on GCP, the smallest flexible-server size on Azure)")


def _header_of(c: Context, line: int) -> str:
    """The header row of the table holding plan line `line` ("" outside tables)."""
    table = next((t for t in c.plan.tables if any(at == line for at, _ in t.rows[1:])), None)
    return " | ".join(table.rows[0][1]) if table is not None else ""


def _environment_storage(c: Context, figures: list[Figure]) -> list[Figure]:
    """Apply the database sizes stated for an environment (`| PostgreSQL storage | 64 GB | 256 GB |` under
    environment columns) to its own database; the plan-wide ones, for `database_storage_gb`."""
    envs = {s.name: s for s in c.values["environment_sizing"]}
    rest = []
    for f in figures:
        targets = _env_targets(c, f, envs, []) if f.scope == "environment" else []
        for s in targets:
            s.db_storage_gb = math.ceil(_stated(f))
        if targets:
            c.applied(f.line, f.words, "environment_sizing." + ",".join(s.name for s in targets) + ".db_storage_gb")
        elif f.scope != "environment":
            rest.append(f)
    return rest


# --------------------------------------------------------------------------- recovery and availability
_NON_PRODUCTION_RETENTION = "the other environments keep 3 (7 on Azure), the blueprint's non-production retention"


def _recovery(c: Context, rpo: list[Figure], rto: list[Figure], uptime: list[Figure],
              retention: list[Figure]) -> None:
    for name, figures, what in (("rpo_minutes", rpo, "RPO"), ("rto_minutes", rto, "RTO")):
        f = _single(c, figures, name, what)
        if f is not None:
            c.from_line(name, max(1, math.ceil(_stated(f))), f.line)
        else:
            c.default(name, 0, f"no {what} stated")
    up = _single(c, uptime, "uptime", "uptime")
    if up is not None:
        c.from_line("uptime", _num(_stated(up)), up.line)
    else:
        c.default("uptime", "", "no uptime target stated")
    _high_availability(c, up)
    # production's figure first: backup_retention_days is production's retention; another environment's is its own
    environments = c.values.get("environments", [])
    own = [(f, env) for f in retention if f.scope == "environment" and not is_production(f.subject)
           for env in [environment_named(f.subject, environments)] if env is not None]
    # `3 days elsewhere`: each environment no figure names, production too when none names it
    named = {env for _, env in own}
    production_named = any(f.scope == "environment" and is_production(f.subject) for f in retention)
    others = [(f, env) for f in retention if f.scope == "others"
              for env in environments if not is_production(env) and env not in named]
    _environment_retention(c, own + others)
    taken = {id(f) for f, _ in own} | {id(f) for f, _ in others if production_named}
    retention = sorted((f for f in retention if id(f) not in taken),
                       key=lambda f: not (f.scope == "environment" and is_production(f.subject)))
    kept = _single(c, retention, "backup_retention_days", "backup retention", _NON_PRODUCTION_RETENTION)
    if kept is None:
        c.default("backup_retention_days", 7, f"7 days in production (provider default) when the plan states none; "
                  f"{_NON_PRODUCTION_RETENTION}")
        return
    days = math.ceil(_stated(kept))
    if days == 0 and c.values["rpo_minutes"] > 0:
        rpo = c.provenance["rpo_minutes"]
        c.problem(c.field_at(kept.line), "backup_retention_days", f"{kept.words!r}: backups kept 0 days cannot meet "
                  f"the RPO of {c.values['rpo_minutes']} minutes (line {rpo.line})",
                  "keep backups at least 1 day (point-in-time recovery needs them), or state no RPO", line=kept.line)
        return
    basic = basic_cloud(c.values.get("cloud", "none"))
    if basic is not None:
        c.unapplied(kept.line, kept.words, basic["backups"])
        c.default("backup_retention_days", 7, f"{basic['name']}'s backup window")
        return
    if days > 35:
        c.unapplied(kept.line, kept.words, "backups are kept at most 35 days (the managed databases' limit): 35 applied")
    c.from_line("backup_retention_days", min(35, days), kept.line)
    stated = {s.name for s in c.values["environment_sizing"] if s.backup_retention_days}
    unstated = [e for e in c.values.get("environments", []) if not is_production(e) and e not in stated]
    if days <= 3 or not unstated:
        return
    if kept.scope == "environment" and is_production(kept.subject):  # `35 days in prod`: built as stated
        c.add_note("backup_retention_days", f"{', '.join(unstated)}: {_NON_PRODUCTION_RETENTION}")
    else:
        c.unapplied(kept.line, kept.words, f"production keeps {min(35, days)} days; {_NON_PRODUCTION_RETENTION}")


def _environment_retention(c: Context, figures: list[tuple[Figure, str]]) -> None:
    """A non-production environment's own backup retention (`| Backup retention | 7 days | 35 days |`), from
    (figure, environment) pairs: its `environment_sizing[].backup_retention_days`, the first figure for it; 1 to 35
    days, where the cloud's managed database keeps them."""
    basic = basic_cloud(c.values.get("cloud", "none"))
    days: dict[str, int] = {}
    for f, env in figures:
        stated = math.ceil(_stated(f))
        if basic is not None:
            c.unapplied(f.line, f.words, basic["backups"])
        elif env in days:
            c.unapplied(f.line, f.words, f"{env} keeps {days[env]} days, stated first")
        elif not 1 <= stated <= 35:
            c.unapplied(f.line, f.words, "backups are kept 1 to 35 days (the managed databases' limits)")
        else:
            days[env] = stated
            c.applied(f.line, f.words, f"environment_sizing.{env}.backup_retention_days")
    if days:
        sizing: list[EnvironmentSizing] = c.values["environment_sizing"]
        c.values["environment_sizing"] = [s.model_copy(update={"backup_retention_days": days[s.name]})
                                          if s.name in days else s for s in sizing]



def _log_retention(c: Context, figures: list[Figure]) -> None:
    """How long logs are kept (`logs kept 90 days`), production's figure first: applied where the generated Terraform
    keeps logs (data/defaults.yaml `log_retention`) as the nearest retention that cloud allows, else reported."""
    cloud = c.values.get("cloud", "none")
    rule = defaults()["log_retention"].get(cloud)
    where = rule.get("where") if rule else None
    kept_here = rule is not None and c.values.get("iac_tool", "none") != "none" and (where is None or any(
        c.values.get(answer) in values for answer, values in where.items()))
    if figures and not kept_here:
        for f in figures:
            c.unapplied(f.line, f.words, "nothing this repository generates" + (f" on {cloud}" if rule else "") +
                        " keeps logs (no log group or workspace of its own): set the retention where your logs go")
    figures = sorted(figures, key=lambda f: not (f.scope == "environment" and is_production(f.subject)))
    kept = _single(c, figures, "log_retention_days", "log retention") if kept_here else None
    if kept is None:
        c.default("log_retention_days", 0, "each module's own log retention when the plan states none")
        return
    days = max(1, math.ceil(_stated(kept)))
    if "periods" in rule:
        allowed = next((p for p in rule["periods"] if p >= days), rule["periods"][-1])
    else:
        allowed = min(max(days, rule["range"][0]), rule["range"][1])
    if allowed != days:
        c.unapplied(kept.line, kept.words, f"{rule['name']} keeps them {allowed} days, the nearest retention it allows")
    c.from_line("log_retention_days", allowed, kept.line)


def _high_availability(c: Context, up: Figure | None) -> None:
    """Uptime of 99.9% or more, or an RTO under an hour."""
    if up is not None and _stated(up) >= 99.9:
        c.from_line("high_availability", True, up.line)
    elif 0 < c.values["rto_minutes"] < 60:
        c.set("high_availability", True, c.provenance["rto_minutes"])
    elif up is not None:
        c.from_line("high_availability", False, up.line)
    else:
        c.default("high_availability", False, "no uptime target of 99.9% or more, no RTO under an hour")


# --------------------------------------------------------------------------- zones
# The most zones each cloud's roots take (their az_count): AWS's VPC spans 2 to 6; an Azure region has three zones, which
# the AKS node pools or the compute scale set of an environment root span (a shared multi-tenant cluster and
# serverless compute take none).
_ZONE_LIMITS = {"aws": 6, "azure": 3}


def _zone_limit(values: dict) -> int:
    """The most zones the plan's roots take (0: they take no zone count)."""
    cloud = values.get("cloud")
    if cloud == "azure" and (values.get("structure") == "multi-tenant" or values.get("compute", "vms") != "vms"):
        return 0
    return _ZONE_LIMITS.get(cloud, 0)


def _zones(c: Context, zones: list[Figure]) -> None:
    """The availability zones the plan's network spans (`2 AZs`): the first plan-wide count of 2 to the cloud's most
    zones (6 on AWS, 3 on Azure) where the roots take it; any other is reported at its line."""
    for f in zones:
        if c.values.get("availability_zones") == f.high and f.low == f.high:  # the count again (`2 AZs` twice)
            c.applied(f.line, f.words, "availability_zones")
            continue
        why = _zones_not_applied(c, f)
        if why:
            c.unapplied(f.line, f.words, why)
            continue
        c.stated("availability_zones", int(f.high), f.line, f.words)
    if "availability_zones" not in c.values:
        c.default("availability_zones", 0, "the plan states no zone count: the cloud's default (3 on AWS and Azure)")


def _zones_not_applied(c: Context, f: Figure) -> str:
    """Why a zone count is not applied ("" when it is)."""
    if f.scope not in ("plan", "cluster"):
        return "a zone count per environment, region or tenant is not applied: the network spans one count of zones"
    limit = _zone_limit(c.values)
    if not limit:
        return ("the zones of this plan's network are the region's (only AWS roots, and Azure environment roots of a "
                "cluster or VMs, take a zone count)")
    if not 2 <= f.high <= limit or f.low != f.high:
        return f"{f.words!r} is not 2 to {limit} zones (a database subnet group and a cluster need two)"
    if "availability_zones" in c.values:
        return "the plan states another zone count first"
    return ""


# --------------------------------------------------------------------------- nodes
def _tasks(c: Context, tasks: list[Figure]) -> list[Figure]:
    """Task counts size the instances of each service on serverless compute (`compute`), as node counts size a
    cluster; on any other compute they are reported at their line."""
    if c.values.get("compute", "vms") != "vms":
        return [replace(f, kind="nodes") for f in tasks]
    for f in tasks:
        c.unapplied(f.line, f.words, "a task count sizes serverless compute ("
                    + ", ".join(r["title"] for r in keywords().serverless_runtimes.values()) + "), which this plan "
                    "does not run on")
    return []


def _instances(c: Context, instances: list[Figure]) -> list[Figure]:
    """An environment's instances (`1 to 20 instances in production`) count what runs the applications: each
    service's instances on serverless compute, the VMs of a Terraform-only plan; beside a cluster, whose they are
    is not said, and they are reported."""
    if c.values.get("compute", "vms") != "vms" or c.values.get("structure") == "single-iac":
        return [replace(f, kind="nodes") for f in instances]
    for f in instances:
        c.unapplied(f.line, f.words, "an instance count beside a cluster: say whether it counts nodes or each "
                    "application's replicas")
    return []


def _nodes(c: Context, nodes: list[Figure], types: list[Figure]) -> None:
    """Node ranges and instance types per environment; plan-wide figures first, an environment's own after."""
    sizing: list[EnvironmentSizing] = c.values["environment_sizing"]
    envs = {s.name: s for s in sizing}
    db_rows = {row.line for module, row in c.modules if module == "database"}
    nodes, types = cluster_node_figures(c, nodes, types)
    ranges: dict[str, tuple[int, int]] = {}  # the node range each environment was given so far
    typed: dict[str, int] = {}  # the line each environment's instance type was given at
    runtime = serverless_runtime(c.values.get("compute", "vms"))
    scales_to_zero = bool(runtime and runtime["scales_to_zero"])  # a service of the runtime may run no instance
    first_line = None
    notes: list[str] = []  # how a figure stated for no environment was read
    for f in sorted(nodes + types, key=lambda f: f.scope == "environment"):
        if f.kind == "nodes" and f.high == 0 and f.scope in ("plan", "cluster", "environment"):
            c.problem(c.field_at(f.line), "environment_sizing", f"{f.words!r}: a node count of 0 is not a cluster",
                      "state at least 1 node (e.g. 1-3 nodes); leave an environment out of the environments to have "
                      "none", line=f.line)
            continue
        if f.kind == "instance_type" and not real_size(f.name):
            c.problem(c.field_at(f.line), "environment_sizing", f"unknown instance type {f.name!r}: no such size",
                      "name a size the cloud sells (e.g. m6i.xlarge, m6i.2xlarge)", line=f.line)
            continue
        targets = _env_targets(c, f, envs, notes)
        node_type = f.kind == "instance_type" and not (f.name.lower().startswith(DATABASE_CLASS_PREFIXES) or f.line in db_rows)
        if node_type and any(typed.get(s.name) == f.line for s in targets):  # `m6i.xlarge, m6a.xlarge`: the first
            c.unapplied(f.line, f.words, f"a node group runs one instance type: {targets[0].instance_type}, its line's first")
            continue
        if targets and f.kind == "nodes" and f.low == 0 and not scales_to_zero:
            c.unapplied(f.line, f.words, "the minimum 0 is applied as 1: " + (runtime["zero_why"] if runtime else
                        "an environment's node group also runs the cluster's add-ons, it does not scale to zero"))
        elif targets and f.kind == "nodes" and f.low == 0 and (workers := _workers(c)):
            c.unapplied(f.line, f.words, f"{', '.join(workers)} keep{'s' if len(workers) == 1 else ''} one replica: "
                        "a worker has no requests to wake it from zero")
        for s in targets:
            if f.kind == "nodes":
                s.min_size, s.max_size = ranges[s.name] = _merged_range(f, ranges.get(s.name), scales_to_zero)
            elif not node_type:
                s.db_instance_class = f.name
            elif f.scope == "environment" or s.instance_type is None or s.instance_type == f.name:
                s.instance_type = f.name
                typed[s.name] = f.line
        if targets:
            c.applied(f.line, f.words, "environment_sizing." + ",".join(s.name for s in targets) +
                      (".min_size,max_size" if f.kind == "nodes" else ".instance_type"))
            first_line = first_line or f.line
    if first_line is not None:
        c.from_line("environment_sizing", sizing, first_line)
        c.add_note("environment_sizing", *notes)
    _fixed_nodes(c, nodes)


def _workers(c: Context) -> list[str]:
    """The applications without an inbound port that are no scheduled job: on serverless compute nothing scales them
    from zero."""
    return [app.name for app in c.values.get("apps", []) if not app.inbound and not app.schedule]


def _fixed_nodes(c: Context, nodes: list[Figure]) -> None:
    """A node range on a cloud whose node pools keep a fixed size (OKE): its maximum is reported at its line."""
    basic = basic_cloud(c.values.get("cloud", "none"))
    why = basic.get("fixed_nodes") if basic is not None else None
    if why is None:
        return
    for f in nodes:
        if f.low is not None and f.high is not None and f.low < f.high:
            c.unapplied(f.line, f.words, why)


def _env_targets(c: Context, f: Figure, envs: dict[str, EnvironmentSizing],
                 notes: list[str]) -> list[EnvironmentSizing]:
    if f.scope in ("plan", "cluster"):
        return _plan_wide_targets(f, list(envs.values()), notes)
    if f.scope == "environment":  # one environment, or several joined (`in dev and test`: dev+test)
        named = {word: environment_named(word, list(envs)) for word in f.subject.split("+")}
        if all(named.values()):
            return [envs[name] for name in dict.fromkeys(named.values()) if name]
        missing = ", ".join(repr(word) for word, name in named.items() if name is None)
        c.unapplied(f.line, f.words, f"names environment {missing}, which is not among the plan's environments "
                    f"({', '.join(envs)})")
        return []
    what = SUBJECT_SCOPES.get(f.scope, f.scope)
    c.unapplied(f.line, f.words, f"a {what} figure is not applied: node groups are sized per environment")
    return []


def _plan_wide_targets(f: Figure, everyone: list[EnvironmentSizing], notes: list[str]) -> list[EnvironmentSizing]:
    """The environments a figure stated for none sizes: all of them, unless it counts more nodes than the other
    environments get by default (layout.yml `default_node_range`) and is not said of each environment (`per
    environment`). Then it is production's scale (`100 nodes` in a plan's scale is not dev's), and the other
    environments keep their default range, said in the sizing's note."""
    production = [s for s in everyone if is_production(s.name)]
    others = [s.name for s in everyone if not is_production(s.name)]
    low, high = load_layout()["default_node_range"]["other"]
    if (f.kind != "nodes" or f.every_environment or not production or not others
            or max(f.low or 0, f.high or 0) <= high):
        return everyone
    notes.append(
        f"{f.words} (line {f.line}) is production's scale: {', '.join(others)} keep{'s' if len(others) == 1 else ''} "
        f"{low}-{high} nodes, the default outside production; state a node count for an environment to size it "
        f"(e.g. {low}-{high + 2} nodes in {others[0]})")
    return production


def _merged_range(f: Figure, before: tuple[int, int] | None, zero: bool = False) -> tuple[int, int]:
    """The node range of `f`, keeping the bound it leaves open from the range stated before when they agree: `3 and
    10 nodes`, then `up to 10 nodes`, stays 3-10 (not 1-10); zero: a stated minimum of 0 is kept."""
    low, high = _node_range(f, zero)
    if before is None:
        return low, high
    if f.low is None and before[0] <= high:
        low = before[0]
    if f.high is None and before[1] >= low:
        high = before[1]
    return low, high


def _node_range(f: Figure, zero: bool = False) -> tuple[int, int]:
    """(min, max) nodes: one count is both; `at least N` leaves the maximum to the default, `up to N` starts at 1;
    a stated 0 is 1 unless zero (a runtime scaling to zero)."""
    low = int(f.low) if f.low is not None else 1
    high = int(f.high) if f.high is not None else 0
    return (low if zero else max(1, low)), high


# --------------------------------------------------------------------------- pods
def _pods(c: Context, pods: list[Figure]) -> None:
    """The pod ceiling: an environment's own (`| Pods | 60 pods | 200 pods |`, `200 pods in production`), else the
    plan's for every environment; an application whose minimum replicas exceed the plan's is a contradiction."""
    environments = c.values.get("environments", [])
    own: dict[str, int] = {}
    plan_wide = []
    for f in pods:
        word = f.environment_word
        env = environment_named(word, environments) if word else ""
        if env is None:
            c.unapplied(f.line, f.words, f"{word!r} is not an environment of the output")
        elif not env:
            plan_wide.append(f)
        elif env in own and own[env] != int(_stated(f)):
            c.unapplied(f.line, f.words, f"{env} runs at most {own[env]} pods, stated first")
        else:
            own[env] = int(_stated(f))
            c.applied(f.line, f.words, f"environment_sizing.{env}.max_pods")
    if own:
        c.values["environment_sizing"] = [s.model_copy(update={"max_pods": own[s.name]}) if s.name in own else s
                                          for s in c.values["environment_sizing"]]
    chosen = _first(c, plan_wide, "max_pods")
    if chosen is None:
        c.default("max_pods", 0, "pod counts per environment (environment_sizing)" if own else "no pod count stated")
        return
    ceiling = int(_stated(chosen))
    c.from_line("max_pods", ceiling, chosen.line)
    for group in ("apps", "services"):
        for svc in c.values.get(group, []):
            least = max(svc.min_replicas, svc.replicas)
            if least > ceiling:
                c.problem(c.field_at(chosen.line), "max_pods", f"{svc.name} needs at least {least} replicas, more than the {ceiling} "
                          f"pods stated ({chosen.words!r})", "raise the pod count or lower the replicas",
                          line=chosen.line)

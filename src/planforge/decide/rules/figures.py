"""Figure rules: the quantities the plan states (Plan.figures) land in the answers, each with its line.

Node counts and instance types go to environment_sizing (per environment when the plan says so, else every
environment), replica ranges and container resources to the apps and chart services they name (every one when
the plan names none), pods to max_pods, RPO/RTO/uptime/retention to the recovery answers, the database engine,
version and storage to the database answers. A figure read but not applied is recorded with why; figures that
contradict each other are problems with their line.
"""
from __future__ import annotations

import math
import re
from bisect import bisect_left
from dataclasses import dataclass, replace

from planforge.decide import text as tx
from planforge.decide.answers import EnvironmentSizing, Service
from planforge.decide.context import Context
from planforge.decide.data import basic_cloud, keywords
from planforge.decide.environments import environment_named, is_production
from planforge.plan.figures import Figure, real_size, vocabulary
from planforge.plan.model import Field, plain

_SUBJECT_SCOPES = {"tenant": "tenant", "pool": "node pool", "region": "region"}
_SENTENCE_END = re.compile(r"[.;!?](?:\s|$)")
_WORD = re.compile(r"(?<![\w-])([a-z][a-z0-9-]{0,62})(?![\w-])", re.I)


def decide_figures(c: Context) -> None:
    """Apply every figure of the plan; runs after the goal and workload rules."""
    figures = [f for f in c.plan.figures if _consistent(c, f)]
    by_kind: dict[str, list[Figure]] = {}
    for f in figures:
        by_kind.setdefault(f.kind, []).append(f)
    get = lambda kind: by_kind.get(kind, [])  # noqa: E731
    _database(c, get("database"))
    _storage(c, get("storage"))
    _recovery(c, get("rpo"), get("rto"), get("uptime"), get("retention"))
    _nodes(c, get("nodes") + _tasks(c, get("tasks")), get("instance_type"))
    _zones(c, get("zones"))
    _workloads(c, get("replicas"), get("memory"), get("cpu"))
    _pods(c, get("pods"))
    for f in get("namespaces"):
        c.unapplied(f.line, f.words, "a namespace count is not applied: the namespaces follow the components and "
                    "applications")


def _consistent(c: Context, f: Figure) -> bool:
    """A range whose minimum is above its maximum is a problem, not a figure."""
    if f.low is not None and f.high is not None and f.low > f.high:
        c.problem(field_at(c, f.line), f.kind, f"{f.words!r}: the minimum {_num(f.low)} is above the maximum {_num(f.high)}",
                  f"write the smaller number first, e.g. {_num(f.high)}-{_num(f.low)}", line=f.line)
        return False
    return True


def field_at(c: Context, line: int) -> Field | None:
    """The field (or table row read as one) holding a plan line: a problem names it."""
    return next((f for f in [*c.plan.fields, *c.plan.other_fields] if line in f.lines), None)


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
            c.problem(field_at(c, f.line), answer, f"{what} {f.words!r} (line {f.line}) contradicts {chosen.words!r} "
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
        c.problem(field_at(c, engine.line), "database_engine", f"{engine.words!r}: the {basic['name']} database "
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
    c.problem(field_at(c, f.line), "database_version", f"{f.words!r}: {f.name} has no major version {major}",
              f"state a version {f.name} has ({', '.join(majors)})", line=f.line)
    return False


def _storage(c: Context, figures: list[Figure]) -> None:
    database = vocabulary().keywords["database"]
    own = [f for f in figures if database.search(c.line_text(f.line))]
    for f in figures:
        if f not in own and (f.line, f.words) not in c.applied_phrases:  # else a chart service's volume (workloads)
            c.unapplied(f.line, f.words, "only the database's storage size is applied")
    chosen = _first(c, own, "database_storage_gb")
    basic = basic_cloud(c.values.get("cloud", "none"))
    if chosen is not None and basic is not None:
        c.unapplied(chosen.line, chosen.words, basic["disk"])
        chosen = None
    if chosen is not None:
        c.from_line("database_storage_gb", math.ceil(_stated(chosen)), chosen.line)
    else:
        c.default("database_storage_gb", 0, "no database storage size stated: the database module's own size "
                  "applies (20 GiB on AWS, 10 GiB on GCP, the smallest flexible-server size on Azure)")


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
    # production's figure first: backup_retention_days is production's retention
    retention = sorted(retention, key=lambda f: not (f.scope == "environment" and is_production(f.subject)))
    kept = _single(c, retention, "backup_retention_days", "backup retention",
                   f"{_NON_PRODUCTION_RETENTION}; a retention per non-production environment is not generated")
    if kept is None:
        c.default("backup_retention_days", 7, "7 days (provider default) when the plan states none")
        return
    days = math.ceil(_stated(kept))
    if days == 0 and c.values["rpo_minutes"] > 0:
        rpo = c.provenance["rpo_minutes"]
        c.problem(field_at(c, kept.line), "backup_retention_days", f"{kept.words!r}: backups kept 0 days cannot meet "
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
    if days > 3 and any(not is_production(e) for e in c.values.get("environments", [])):
        c.unapplied(kept.line, kept.words, f"production keeps {min(35, days)} days; {_NON_PRODUCTION_RETENTION}")



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
_ZONED_CLOUDS = ("aws",)  # clouds whose roots take the plan's zone count (the VPC's az_count)


def _zones(c: Context, zones: list[Figure]) -> None:
    """The availability zones the plan's network spans (`2 AZs`): the first plan-wide count of 2-6 zones on a cloud
    whose roots take it; any other is reported at its line."""
    for f in zones:
        why = _zones_not_applied(c, f)
        if why:
            c.unapplied(f.line, f.words, why)
            continue
        c.from_line("availability_zones", int(f.high), f.line)
        c.applied(f.line, f.words, "availability_zones")
    if "availability_zones" not in c.values:
        c.default("availability_zones", 0, "the plan states no zone count: the cloud's default (3 on AWS)")


def _zones_not_applied(c: Context, f: Figure) -> str:
    """Why a zone count is not applied ("" when it is)."""
    if f.scope not in ("plan", "cluster"):
        return "a zone count per environment, region or tenant is not applied: the network spans one count of zones"
    if not 2 <= f.high <= 6 or f.low != f.high:
        return f"{f.words!r} is not 2 to 6 zones (a database subnet group and a cluster need two)"
    if c.values.get("cloud") not in _ZONED_CLOUDS:
        return "the zones of this cloud's network are the region's (only AWS roots take a zone count)"
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
        c.unapplied(f.line, f.words, "a task count sizes serverless compute (ECS on Fargate), which this plan does "
                    "not run on")
    return []


def _nodes(c: Context, nodes: list[Figure], types: list[Figure]) -> None:
    """Node ranges and instance types per environment; plan-wide figures first, an environment's own after."""
    sizing: list[EnvironmentSizing] = c.values["environment_sizing"]
    envs = {s.name: s for s in sizing}
    db_rows = {row.line for module, row in c.modules if module == "database"}
    ranges: dict[str, tuple[int, int]] = {}  # the node range each environment was given so far
    first_line = None
    for f in sorted(nodes + types, key=lambda f: f.scope == "environment"):
        if f.kind == "nodes" and f.high == 0 and f.scope in ("plan", "cluster", "environment"):
            c.problem(field_at(c, f.line), "environment_sizing", f"{f.words!r}: a node count of 0 is not a cluster",
                      "state at least 1 node (e.g. 1-3 nodes); leave an environment out of the environments to have "
                      "none", line=f.line)
            continue
        if f.kind == "instance_type" and not real_size(f.name):
            c.problem(field_at(c, f.line), "environment_sizing", f"unknown instance type {f.name!r}: no such size",
                      "name a size the cloud sells (e.g. m6i.xlarge, m6i.2xlarge)", line=f.line)
            continue
        targets = _env_targets(c, f, envs)
        if targets and f.kind == "nodes" and f.low == 0:
            c.unapplied(f.line, f.words, "the minimum 0 is applied as 1: an environment's node group also runs the "
                        "cluster's add-ons, it does not scale to zero")
        for s in targets:
            if f.kind == "nodes":
                s.min_size, s.max_size = ranges[s.name] = _merged_range(f, ranges.get(s.name))
            elif f.name.lower().startswith(("db.", "db-")) or f.line in db_rows:
                s.db_instance_class = f.name
            elif f.scope == "environment" or s.instance_type is None or s.instance_type == f.name:
                s.instance_type = f.name
        if targets:
            c.applied(f.line, f.words, "environment_sizing." + ",".join(s.name for s in targets) +
                      (".min_size,max_size" if f.kind == "nodes" else ".instance_type"))
            first_line = first_line or f.line
    if first_line is not None:
        c.from_line("environment_sizing", sizing, first_line)
    _fixed_nodes(c, nodes)


def _fixed_nodes(c: Context, nodes: list[Figure]) -> None:
    """A node range on a cloud whose node pools keep a fixed size (OKE): its maximum is reported at its line."""
    basic = basic_cloud(c.values.get("cloud", "none"))
    why = basic.get("fixed_nodes") if basic is not None else None
    if why is None:
        return
    for f in nodes:
        if f.low is not None and f.high is not None and f.low < f.high:
            c.unapplied(f.line, f.words, why)


def _env_targets(c: Context, f: Figure, envs: dict[str, EnvironmentSizing]) -> list[EnvironmentSizing]:
    if f.scope in ("plan", "cluster"):
        return list(envs.values())
    if f.scope == "environment":
        name = environment_named(f.subject, list(envs))
        if name is not None:
            return [envs[name]]
        c.unapplied(f.line, f.words, f"names environment {f.subject!r}, which is not among the plan's environments "
                    f"({', '.join(envs)})")
        return []
    what = _SUBJECT_SCOPES.get(f.scope, f.scope)
    c.unapplied(f.line, f.words, f"a {what} figure is not applied: node groups are sized per environment")
    return []


def _merged_range(f: Figure, before: tuple[int, int] | None) -> tuple[int, int]:
    """The node range of `f`, keeping the bound it leaves open from the range stated before when they agree: `3 and
    10 nodes`, then `up to 10 nodes`, stays 3-10 (not 1-10)."""
    low, high = _node_range(f)
    if before is None:
        return low, high
    if f.low is None and before[0] <= high:
        low = before[0]
    if f.high is None and before[1] >= low:
        high = before[1]
    return low, high


def _node_range(f: Figure) -> tuple[int, int]:
    """(min, max) nodes: one count is both; `at least N` leaves the maximum to the default, `up to N` starts at 1."""
    low = int(f.low) if f.low is not None else 1
    high = int(f.high) if f.high is not None else 0
    return max(1, low), high


# --------------------------------------------------------------------------- workloads
def _workloads(c: Context, replicas: list[Figure], memory: list[Figure], cpu: list[Figure]) -> None:
    """Figures naming an app or service first, then plan-wide ones for what they left; the first figure for a
    service's replicas, request or limit wins, a later one stating another value is not applied."""
    groups = {g: [s.model_copy() for s in c.values.get(g, [])] for g in ("apps", "services")}
    services = {s.name: (g, s) for g, items in groups.items() for s in items}
    marks = _Marks(c, list(services))
    lines: dict[str, list[int]] = {g: [] for g in groups}
    taken: dict[tuple[str, str], Figure] = {}  # (service, replicas | memory_request | ...) -> the figure stating it
    resources: dict[tuple[str, str], dict[str, tuple[float, Figure]]] = {}
    for f in sorted(replicas + memory + cpu, key=lambda f: (f.scope != "app", f.line)):
        targets = _service_targets(c, f, services, marks)
        if targets and f.kind != "replicas" and 0 in (f.low, f.high):
            _zero_resource(c, f, [svc.name for _, svc in targets])
            continue
        for group, svc in targets:
            slots = ["replicas"] if f.kind == "replicas" else \
                [f"{f.kind}_{side}" for side, x in (("request", f.low), ("limit", f.high)) if x is not None]
            held = [taken[(svc.name, s)] for s in slots if (svc.name, s) in taken]
            if held:
                if f.kind != "replicas" and _contradicts(c, svc, f, resources.get((svc.name, f.kind), {})):
                    continue
                if any((h.low, h.high) != (f.low, f.high) for h in held):
                    c.unapplied(f.line, f.words, f"{svc.name} takes line {held[0].line} ({held[0].words!r})")
                continue
            taken.update({(svc.name, s): f for s in slots})
            if f.kind == "replicas":
                _replica_range(svc, f)
            else:
                bounds = resources.setdefault((svc.name, f.kind), {})
                for side, x in (("request", f.low), ("limit", f.high)):
                    if x is not None:
                        bounds[side] = (x, f)
            c.applied(f.line, f.words, f"{group}.{svc.name}." + ",".join(
                ["min_replicas", "max_replicas"] if f.kind == "replicas" else slots))
            lines[group].append(f.line)
    for (name, kind), bounds in resources.items():
        _resources(c, services[name][1], kind, bounds)
    for group, items in groups.items():
        if lines[group]:
            c.values[group] = items
            c.add_note(group, *(f"plan line {ln}: {tx.quote(c.line_text(ln))}" for ln in sorted(set(lines[group]))))


def _service_targets(c: Context, f: Figure, services: dict[str, tuple[str, Service]],
                     marks: _Marks) -> list[tuple[str, Service]]:
    if f.scope == "plan":
        if not services:
            c.unapplied(f.line, f.words, "the plan gives no application or chart service to apply it to")
            return []
        named, unknown = marks.named_for(f)
        if named:
            return [services[n] for n in named]
        if unknown:
            c.unapplied(f.line, f.words, f"{unknown!r} is not an application or chart service of the output "
                        f"({', '.join(services)})")
            return []
        return list(services.values())
    if f.scope == "app":
        named = [svc for name, svc in services.items() if name == f.subject or name.startswith(f.subject + "-")
                 or name.endswith("-" + f.subject)]
        if named:
            return named
        c.unapplied(f.line, f.words, f"{f.subject!r} is not an application or chart service of the output")
        return []
    if f.scope == "cluster":
        c.unapplied(f.line, f.words, f"the cluster's or a machine's {f.kind}, not a container's: not applied")
    else:
        c.unapplied(f.line, f.words, f"a {_SUBJECT_SCOPES.get(f.scope, f.scope)} {f.kind} figure is not applied: "
                    "applications and services take one figure for every environment")
    return []


@dataclass
class _LineMarks:
    """Where a plan line's figures, service names and other workload words stand (each line is scanned once)."""

    text: str
    figures: list[int]  # positions of the figures of the line, in order
    at: dict[int, int]  # id(figure) -> its position
    names: list[tuple[int, str]]  # (position, service name)
    others: list[tuple[int, str]]  # (position, workload word that is no service: `worker`)
    ends: list[int]  # sentence ends


class _Marks:
    """The services a plan-wide figure's sentence names for it (`backend scales between 2 and 6 replicas`)."""

    def __init__(self, c: Context, names: list[str]) -> None:
        self.c, self.names = c, set(names)
        self.lines: dict[int, _LineMarks] = {}
        self.figures: dict[int, list[Figure]] = {}
        for g in c.plan.figures:
            self.figures.setdefault(g.line, []).append(g)

    def _line(self, line: int) -> _LineMarks:
        if line not in self.lines:
            text = plain(self.c.line_text(line))
            figures, at, pos = [], {}, 0
            for g in self.figures.get(line, []):  # in plan order: a line's figures in the order they stand
                i = text.find(g.words, pos)
                if i >= 0:
                    figures.append(i)
                    at[id(g)] = i
                    pos = i + len(g.words)
            names, others = [], []
            kw = keywords()
            service_word = re.compile(kw.service_words, re.I)
            generic = kw.non_service_dirs | set(kw.workload_nouns)  # `2-5 replicas per service` names every one
            for m in _WORD.finditer(text):
                w = m.group(1).lower()
                if w in self.names:
                    names.append((m.start(), w))
                elif service_word.search(w) and w not in generic and w.removesuffix("s") not in generic:
                    others.append((m.start(), w))
            self.lines[line] = _LineMarks(text, figures, at, names, others,
                                          [m.start() for m in _SENTENCE_END.finditer(text)])
        return self.lines[line]

    def named_for(self, f: Figure) -> tuple[list[str], str]:
        """Those its own clause names (`backend scales between 2 and 6 replicas`, `512Mi backend`), else the last
        ones named before it in its sentence (`backend memory request 256Mi, limit 512Mi`), else those named right
        after it; with none, a workload word of its clause or sentence that is no service (`worker`), else ""."""
        m = self._line(f.line)
        at = m.at.get(id(f))
        if at is None:
            return [], ""
        ends = m.ends
        i = bisect_left(ends, at)
        begin = ends[i - 1] + 1 if i > 0 else 0
        end = ends[i] if i < len(ends) else len(m.text)
        k = bisect_left(m.figures, at)
        since = m.figures[k - 1] if k > 0 else begin
        following = m.figures[k + 1] if k + 1 < len(m.figures) else end
        clause = tx.clause_at(m.text, at)
        own = (max(clause[0], since, begin), min(clause[1], following, end))
        for start, stop in (own, (begin, at), (at, min(following, end))):
            found = _between(m.names, start, stop)
            if found and start == begin and stop == at:  # before it: the last group, after the figure before it
                last = m.names[bisect_left(m.names, (stop, "")) - 1][0]
                j = bisect_left(m.figures, last)
                found = _between(m.names, max(m.figures[j - 1] if j > 0 else begin, begin), stop)
            if found:
                return list(dict.fromkeys(found)), ""
        for start, stop in (own, (begin, end)):
            other = _between(m.others, start, stop)
            if other:
                return [], other[-1]
        return [], ""


def _between(marks: list[tuple[int, str]], start: int, stop: int) -> list[str]:
    lo = bisect_left(marks, (start, ""))
    hi = bisect_left(marks, (stop, ""))
    return [w for _, w in marks[lo:hi]]


def _zero_resource(c: Context, f: Figure, names: list[str]) -> None:
    """A request or limit of 0 would run the pod with 1m CPU or 1Mi memory: a problem."""
    what = "memory" if f.kind == "memory" else "CPU"
    example = "256Mi memory" if f.kind == "memory" else "250m CPU"
    c.problem(field_at(c, f.line), f.kind, f"{f.words!r}: a {what} request or limit of 0 for {', '.join(names)}",
              f"state what a pod needs (e.g. {example}), or leave the figure out to keep the blueprint's default",
              line=f.line)


def _replica_range(svc: Service, f: Figure) -> None:
    """A range is the HPA's min..max (replicas = min); one count is fixed; an open bound moves the counts."""
    if f.value is not None:
        svc.replicas = svc.prod_replicas = int(f.value)
        svc.min_replicas = svc.max_replicas = 0
        return
    if f.low is not None:
        svc.min_replicas = int(f.low)
        svc.replicas = int(f.low)
        svc.prod_replicas = max(svc.prod_replicas, int(f.low))
    if f.high is not None:
        svc.max_replicas = int(f.high)
        svc.min_replicas = min(svc.min_replicas or svc.replicas, int(f.high))
        svc.replicas = min(svc.replicas, int(f.high))
        svc.prod_replicas = min(svc.prod_replicas, int(f.high))


def _resources(c: Context, svc: Service, kind: str, held: dict[str, tuple[float, Figure]]) -> None:
    """A stated need is the request and the limit; `< X` / `at most X` the limit; limit below request: a problem."""
    request, limit = held.get("request"), held.get("limit")
    if request is not None and limit is not None and limit[0] < request[0]:
        _limit_below_request(c, svc, kind, limit, request)
        return
    fmt = _memory if kind == "memory" else _cpu
    if request is not None:
        setattr(svc, f"{kind}_request", fmt(request[0]))
    if limit is not None:
        setattr(svc, f"{kind}_limit", fmt(limit[0]))


def _contradicts(c: Context, svc: Service, f: Figure, held: dict[str, tuple[float, Figure]]) -> bool:
    """A later bound (`< X`, `at least X`) below the request taken, or above the limit: a problem. Another stated
    need is not a contradiction but a second statement (not applied)."""
    if f.value is not None:
        return False
    request, limit = held.get("request"), held.get("limit")
    if f.high is not None and request is not None and f.high < request[0]:
        _limit_below_request(c, svc, f.kind, (f.high, f), request)
        return True
    if f.low is not None and limit is not None and f.low > limit[0]:
        _limit_below_request(c, svc, f.kind, limit, (f.low, f))
        return True
    return False


def _limit_below_request(c: Context, svc: Service, kind: str, limit: tuple[float, Figure],
                         request: tuple[float, Figure]) -> None:
    fmt = _memory if kind == "memory" else _cpu
    what = "memory" if kind == "memory" else "CPU"
    c.problem(field_at(c, limit[1].line), kind, f"{what} limit {fmt(limit[0])} ({limit[1].words!r}, line "
              f"{limit[1].line}) is below the request {fmt(request[0])} ({request[1].words!r}, line {request[1].line}) "
              f"for {svc.name}", f"raise the {what} limit of {svc.name} to at least {fmt(request[0])} or lower the "
              "request", line=limit[1].line)


def _memory(mi: float) -> str:
    n = max(1, math.ceil(mi))
    return f"{n // 1024}Gi" if n % 1024 == 0 else f"{n}Mi"


def _cpu(millicores: float) -> str:
    n = max(1, math.ceil(millicores))
    return f"{n // 1000}" if n % 1000 == 0 else f"{n}m"


# --------------------------------------------------------------------------- pods
def _pods(c: Context, pods: list[Figure]) -> None:
    """The pod ceiling; an application whose minimum replicas exceed it is a contradiction."""
    chosen = _first(c, pods, "max_pods")
    if chosen is None:
        c.default("max_pods", 0, "no pod count stated")
        return
    ceiling = int(_stated(chosen))
    c.from_line("max_pods", ceiling, chosen.line)
    for group in ("apps", "services"):
        for svc in c.values.get(group, []):
            least = max(svc.min_replicas, svc.replicas)
            if least > ceiling:
                c.problem(field_at(c, chosen.line), "max_pods", f"{svc.name} needs at least {least} replicas, more than the {ceiling} "
                          f"pods stated ({chosen.words!r})", "raise the pod count or lower the replicas",
                          line=chosen.line)

"""Workload figures: replica ranges and container resources land on the apps and chart services they name.

A figure naming an app or service applies to it; a plan-wide one applies to the services its sentence names, or
to every one when it names none. The first figure for a service's replicas, request or limit wins; a later one
stating another value is not applied, with why.
"""
from __future__ import annotations

import math
import re
from bisect import bisect_left
from dataclasses import dataclass

from planforge.decide import text as tx
from planforge.decide.answers import Service
from planforge.decide.context import Context
from planforge.decide.data import keywords
from planforge.decide.environments import environment_named
from planforge.plan.figures import Figure
from planforge.plan.model import plain

SUBJECT_SCOPES = {"tenant": "tenant", "pool": "node pool", "region": "region", "environment": "per-environment"}
_SENTENCE_END = re.compile(r"[.;!?](?:\s|$)")
_WORD = re.compile(r"(?<![\w-])([a-z][a-z0-9-]{0,62})(?![\w-])", re.I)


def decide_workload_figures(c: Context, replicas: list[Figure], memory: list[Figure], cpu: list[Figure]) -> None:
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
        if targets and f.environment:
            for group in _environment_replicas(c, f, targets):
                lines[group].append(f.line)
            continue
        for group, svc in targets:
            slots = ["replicas"] if f.kind == "replicas" else \
                [f"{f.kind}_{side}" for side, x in (("request", f.low), ("limit", f.high)) if x is not None]
            own = [s for s in slots if s != "replicas" and getattr(svc, s) and (svc.name, s) not in taken]
            if own:  # stated with the application itself (`orders-api (1 vCPU / 2 GB)`)
                if not _read_with_the_application(c, f):
                    c.unapplied(f.line, f.words, f"{svc.name} states its own {own[0].replace('_', ' ')}")
                continue
            held = [taken[(svc.name, s)] for s in slots if (svc.name, s) in taken]
            if held and _bounds_a_fixed_count(f, held):  # `2 replicas`, then its HPA's `max 10 replicas`
                _replica_range(svc, f)
                c.applied(f.line, f.words, f"{group}.{svc.name}.min_replicas,max_replicas")
                lines[group].append(f.line)
                continue
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


def _environment_replicas(c: Context, f: Figure, targets: list[tuple[str, Service]]) -> list[str]:
    """An app's replicas in one environment (`| checkout-web replicas | 1 | 3 |` under environment columns): its
    `environment_replicas` there, a count or both bounds of a range; the first figure for an environment wins.
    The groups of the services it applies to."""
    env = environment_named(f.environment, c.values.get("environments", []))
    why = (f"a per-environment {f.kind} figure is not applied: applications and services take one size for every "
           "environment" if f.kind != "replicas" else
           f"{f.environment!r} is not an environment of the output" if env is None else "")
    if why:
        c.unapplied(f.line, f.words, why)
        return []
    applied = []
    for group, svc in targets:
        own = svc.environment_replicas.get(env)
        if own is not None and own[0] == own[1] and f.low is None and f.high is not None and f.high > own[0]:
            bounds = (own[0], int(f.high))  # `3 replicas in prod, scaling to at most 6`: an autoscaled 3-6
        elif own is not None and own[0] == own[1] and f.low is not None and f.high is not None and \
                f.low <= own[0] <= f.high and f.low < f.high:
            bounds = (int(f.low), int(f.high))  # `| 3 |` replicas, then its autoscaler's `| 3-10 |`: 3-10
        elif own == (f.low, f.high):
            c.applied(f.line, f.words, f"{group}.{svc.name}.environment_replicas.{env}")  # the same count again
            continue
        elif own is not None:
            c.unapplied(f.line, f.words, f"{svc.name} runs {own[0]}-{own[1]} replicas in {env}, stated first")
            continue
        elif f.low is None or f.high is None:
            c.unapplied(f.line, f.words, f"an open replica range is not applied to {svc.name} in {env}: state both "
                        "bounds, or its count there first")
            continue
        else:
            bounds = (int(f.low), int(f.high))
        svc.environment_replicas = {**svc.environment_replicas, env: bounds}
        c.applied(f.line, f.words, f"{group}.{svc.name}.environment_replicas.{env}")
        applied.append(group)
    row = c.line_text(f.line).strip()
    if applied and row.startswith("|"):  # the row's label (`payments-api replicas (HPA)`) is what its counts apply to
        c.applied(f.line, row.strip("|").split("|")[0].strip(), f"{applied[0]}.{targets[0][1].name}.environment_replicas")
    return applied


def _read_with_the_application(c: Context, f: Figure) -> bool:
    """Whether the figure's words are the size the application's own statement gave it (`0.5 vCPU / 1 GB` read with
    the application, rules/app_statements), not another statement of it."""
    return any(answer in ("apps", "services") and (f.words in text or text in f.words)
               for (_, text), answer in c.applied_phrases.items())


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
        # `orders` for orders-api, `api` for orders-api, `todo-backend` (the plan's chart) for backend (the output's)
        named = [svc for name, svc in services.items() if name == f.subject or name.startswith(f.subject + "-")
                 or name.endswith("-" + f.subject) or f.subject.endswith("-" + name)]
        if named:
            return named
        c.unapplied(f.line, f.words, f"{f.subject!r} is not an application or chart service of the output")
        return []
    if f.scope == "cluster":
        c.unapplied(f.line, f.words, f"the cluster's or a machine's {f.kind}, not a container's: not applied")
    elif f.scope == "environment" and f.kind == "replicas":
        c.unapplied(f.line, f.words, "an environment's replica count that names no application is not applied: "
                    "name the application or service it sizes (`web: dev 1 / prod 3 replicas`)")
    else:
        c.unapplied(f.line, f.words, f"a {SUBJECT_SCOPES.get(f.scope, f.scope)} {f.kind} figure is not applied: "
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
            manifest = re.compile(kw.named_workload("|".join(re.escape(n) for n in sorted(self.names, key=len, reverse=True))), re.I)
            for m in _WORD.finditer(text):
                w = m.group(1).lower()
                named = manifest.fullmatch(w) if self.names else None
                chart = next((n for n in self.names if w.endswith("-" + n)), None) if not named else None
                if named:  # `backend`, `deployment-backend` (its manifest)
                    names.append((m.start(), named.group(1).lower()))
                elif chart:  # `todo-backend`: the plan's name of the output's backend
                    names.append((m.start(), chart))
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
    c.problem(c.field_at(f.line), f.kind, f"{f.words!r}: a {what} request or limit of 0 for {', '.join(names)}",
              f"state what a pod needs (e.g. {example}), or leave the figure out to keep the blueprint's default",
              line=f.line)


def _bounds_a_fixed_count(f: Figure, held: list[Figure]) -> bool:
    """Whether `f` is an autoscaling range around the one fixed count stated before it (`2 replicas`, then `max 10
    replicas` or `min 2, max 10 replicas`): the two make one range, up to the bound."""
    return (f.kind == "replicas" and f.value is None and f.high is not None and len(held) == 1
            and held[0].value is not None and (f.low is None or f.low <= held[0].value) and held[0].value < f.high)


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
    fmt = memory_quantity if kind == "memory" else cpu_quantity
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
    fmt = memory_quantity if kind == "memory" else cpu_quantity
    what = "memory" if kind == "memory" else "CPU"
    c.problem(c.field_at(limit[1].line), kind, f"{what} limit {fmt(limit[0])} ({limit[1].words!r}, line "
              f"{limit[1].line}) is below the request {fmt(request[0])} ({request[1].words!r}, line {request[1].line}) "
              f"for {svc.name}", f"raise the {what} limit of {svc.name} to at least {fmt(request[0])} or lower the "
              "request", line=limit[1].line)


def memory_quantity(mi: float) -> str:
    """MiB as a Kubernetes quantity, rounded up: 512 -> `512Mi`, 1024 -> `1Gi`."""
    n = max(1, math.ceil(mi))
    return f"{n // 1024}Gi" if n % 1024 == 0 else f"{n}Mi"


def cpu_quantity(millicores: float) -> str:
    """Millicores as a Kubernetes quantity, rounded up: 500 -> `500m`, 1000 -> `1`."""
    n = max(1, math.ceil(millicores))
    return f"{n // 1000}" if n % 1000 == 0 else f"{n}m"

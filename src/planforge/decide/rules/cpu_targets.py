"""The CPU utilization an HPA scales at, as a plan states it for its services (`hpa-backend.yaml: Min 2, max 10
replicas, CPU 70% target`, `auto-scaling triggers at 70% CPU`): `cpu_target` of the services the line names, else
of every autoscaled service (every service when none is). A line about scaling only: `CPU > 80% for 10 minutes` is an
alert. The first statement for a service wins (a values block's `targetCPUUtilizationPercentage` among them); a later
one stating another value is not applied, with why."""
from __future__ import annotations

import re

from planforge.decide import text as tx
from planforge.decide.answers import Service
from planforge.decide.context import Context
from planforge.decide.rules.statements import sentence_matches
from planforge.plan.model import plain

# `70% CPU`, `CPU 70% target`, `CPU utilization target of 70%`, `CPU: 70%`, `HPA on CPU, 70% target`
_TARGET = re.compile(r"(?<![\d.])(\d{1,3})\s*%\s*(?:average\s+)?CPU\b"
                     r"|\bCPU\s*(?:utili[sz]ation\s*)?(?:target\s*)?(?:of|at|:|=)?\s*(\d{1,3})\s*%"
                     r"|\bCPU\b[^%\d]{0,12}?(\d{1,3})\s*%\s*target\b", re.I)
SCALING = re.compile(r"\b(?:hpa|autoscal\w*|auto-scal\w*|scal(?:e|es|ing)|scale-out)\b", re.I)
_ALERT = re.compile(r"\balert|\bfor\s+\d+\s*(?:min|minutes|m)\b", re.I)


def decide_cpu_targets(c: Context) -> None:
    """Set `cpu_target` of the apps and chart services the plan's scaling lines give one."""
    groups = {g: [s.model_copy() for s in c.values.get(g) or []] for g in ("apps", "services")}
    every = [s for items in groups.values() for s in items]
    if not every:
        return
    # service -> (its target, the line stating it; 0: its values block)
    stated: dict[str, tuple[int, int]] = {s.name: (s.cpu_target, 0) for s in every if s.cpu_target}
    changed: set[str] = set()
    scaling_rows = _scaling_rows(c)
    for number, text in [(n, plain(raw) + scaling_rows.get(n, "")) for n, raw in enumerate(c.plan.lines, 1)] + \
            _wrapped_sentences(c):
        m = _TARGET.search(text)
        if not m or not (SCALING.search(text) or number in scaling_rows) or _ALERT.search(text):
            continue
        target = int(m.group(1) or m.group(2) or m.group(3))
        if not 0 < target <= 100:
            continue
        for svc in _services_of(text, every):
            if svc.name in stated:
                held, line = stated[svc.name]
                if held != target:
                    c.unapplied(number, m.group(0), f"{svc.name} scales at {held}% CPU, as "
                                + (f"line {line} states" if line else "its values block states"))
                continue
            svc.cpu_target = target
            stated[svc.name] = (target, number)
            changed.add(svc.name)
            c.applied(number, m.group(0), f"services.{svc.name}.cpu_target")
    for group, items in groups.items():
        mine = [s for s in items if s.name in changed]
        if mine:
            c.values[group] = items
            c.add_note(group, "HPA CPU target " + ", ".join(
                f"{s.name} {s.cpu_target}% (plan line {stated[s.name][1]}"
                + ("" if s.autoscaled() else "; used once its autoscaling is on: the plan states no replica range for it")
                + ")" for s in mine))


def _scaling_rows(c: Context) -> dict[int, str]:
    """The lines of the rows of tables whose header or heading speaks of scaling (`| HPA min-max (prod) |` over `| 3-10,
    CPU 70% |`; `### Autoscaling` over `| Min | Max | Target CPU |`): their CPU percentages are targets. Each line's
    words of a CPU column (` CPU 70%` for `70%` under `Target CPU`; "" without one)."""
    rows: dict[int, str] = {}
    for t in c.plan.tables:
        if not t.rows or not (SCALING.search(" ".join(t.rows[0][1])) or SCALING.search(t.subsection or t.section)):
            continue
        cpu = [k for k, header in enumerate(t.rows[0][1]) if _CPU_HEADER.search(plain(header))]
        for line, cells in t.rows[1:]:
            rows[line] = "".join(f" CPU {cells[k].strip()}" for k in cpu[:1] if k < len(cells)
                                 and _PERCENT.fullmatch(plain(cells[k]).strip()))
    return rows


_CPU_HEADER = re.compile(r"\bcpu\b", re.I)
_PERCENT = re.compile(r"\d{1,3}\s*%")


def _wrapped_sentences(c: Context) -> list[tuple[int, str]]:
    """(line of its target, sentence) of the sentences wrapped over lines that state a CPU target (`dispatch-api gets an
    HPA in prod` over `(min 2, max 6, 70% CPU).`): the line alone names neither the application nor the scaling."""
    found = [(p, m, tx.sentence_at(p.text, m.start(), m.end())) for p, m in sentence_matches(c.plan, _TARGET)]
    return [(p.line_at(m.start()), sentence) for p, m, sentence in found
            if p.line_at(p.text.index(sentence)) != p.line_at(p.text.index(sentence) + len(sentence) - 1)]


def _services_of(text: str, every: list[Service]) -> list[Service]:
    """The services a line names (`hpa-backend.yaml` names backend), else the autoscaled ones, else every one."""
    named, rest = [], text
    for svc in sorted(every, key=lambda s: -len(s.name)):
        m = re.search(rf"(?<![A-Za-z0-9]){re.escape(svc.name)}(?![A-Za-z0-9])", rest, re.I)
        if m:
            named.append(svc)
            rest = rest[:m.start()] + " " + rest[m.end():]
    if named:
        return named
    return [s for s in every if s.autoscaled()] or every

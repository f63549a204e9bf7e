"""The reconcile's table: each unit, what was awaited, and why anything was not (text, or Markdown for a CI job's
summary)."""
from __future__ import annotations

from planforge.validate.reconcile.plan import ReconcilePlan, Unit
from planforge.validate.reconcile.run import Outcome

AWAITED = {"Kustomization": "Ready", "HelmRelease": "Ready", "Application": "Synced and Healthy"}
APPLY_ONLY = {"Kustomization": "applied (health not awaited)", "HelmRelease": "installed (workloads not awaited)",
              "Application": "Synced (health not awaited)"}


def _expectation(unit: Unit) -> str:
    if unit.skipped:
        return "not reconciled"
    if unit.apply_only:
        return APPLY_ONLY[unit.kind]
    return AWAITED[unit.kind]


def _why(unit: Unit) -> list[str]:
    return ([unit.skipped] if unit.skipped else unit.apply_only) + unit.notes


def _result(unit: Unit, outcomes: dict[int, Outcome] | None) -> str:
    if outcomes is None or unit.skipped:
        return ""
    outcome = outcomes.get(id(unit))
    return "" if outcome is None else "ok" if outcome.ok else f"FAILED: {outcome.detail}"


def text(plan: ReconcilePlan, outcomes: list[Outcome] | None = None) -> str:
    by_unit = None if outcomes is None else {id(o.unit): o for o in outcomes}
    lines = [f"{plan.controller} entry point {plan.entry}: {len(plan.awaited)} of {len(plan.units)} units reconciled"]
    for stub in plan.stubs:
        lines.append(f"  stub definition {stub['metadata']['name']}: "
                     f"{stub['metadata']['annotations']['planforge.dev/reconcile-stub']}")
    for unit in plan.units:
        result = _result(unit, by_unit)
        lines.append(f"  {unit.kind} {unit.namespace}/{unit.name}: {_expectation(unit)}" + (f": {result}" if result else ""))
        lines += [f"      - {why}" for why in _why(unit)]
    return "\n".join(lines)


def markdown(plan: ReconcilePlan, outcomes: list[Outcome]) -> str:
    by_unit = {id(o.unit): o for o in outcomes}
    rows = ["| Unit | Awaited | Result | Why not everything |", "|---|---|---|---|"]
    for unit in plan.units:
        why = "<br>".join(_why(unit)).replace("|", "\\|")
        rows.append(f"| {unit.kind} `{unit.name}` | {_expectation(unit)} | {_result(unit, by_unit) or '-'} | {why} |")
    stubs = [f"- stub definition `{s['metadata']['name']}`: {s['metadata']['annotations']['planforge.dev/reconcile-stub']}"
             for s in plan.stubs]
    return "\n".join([f"### Reconcile of `{plan.entry}` ({plan.controller})", "", *rows, "", *stubs]) + "\n"

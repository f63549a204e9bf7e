"""The reconcile's table: each unit, what was awaited, and why anything was not (text, or Markdown rows for a CI
job's summary, written as each result arrives so a cancelled job keeps what it learnt)."""
from __future__ import annotations

from planforge.validate.reconcile.plan import ReconcilePlan, Unit
from planforge.validate.reconcile.run import Outcome

AWAITED = {"Kustomization": "Ready", "HelmRelease": "Ready", "Application": "Synced and Healthy",
           "GitRepository": "the commit under test"}
APPLY_ONLY = {"Kustomization": "applied (health not awaited)", "HelmRelease": "installed (workloads not awaited)",
              "Application": "Synced (health not awaited)"}


def _expectation(unit: Unit) -> str:
    if unit.skipped:
        return "not reconciled"
    return APPLY_ONLY[unit.kind] if unit.apply_only else AWAITED[unit.kind]


def _why(unit: Unit) -> list[str]:
    return ([unit.skipped] if unit.skipped else unit.apply_only) + unit.notes


def _result(outcome: Outcome | None) -> str:
    return "" if outcome is None else "ok" if outcome.ok else f"FAILED: {outcome.detail}"


def text(plan: ReconcilePlan, outcomes: list[Outcome] | None = None) -> str:
    by_unit = {id(o.unit): o for o in outcomes or []}
    lines = [f"{plan.controller} entry point {plan.entry}: {len(plan.awaited)} of {len(plan.units)} units reconciled"]
    lines += [f"  stub {stub.label}: {stub.why}" for stub in plan.stubs]
    for unit in plan.sources + plan.units:
        result = _result(by_unit.get(id(unit)))
        lines.append(f"  {unit.kind} {unit.namespace}/{unit.name}: {_expectation(unit)}" + (f": {result}" if result else ""))
        lines += [f"      - {why}" for why in _why(unit)]
    return "\n".join(lines)


def markdown_head(plan: ReconcilePlan) -> str:
    stubs = [f"- stub {stub.label}: {stub.why}" for stub in plan.stubs]
    return "\n".join([f"### Reconcile of `{plan.entry}` ({plan.controller})", "", *stubs, "",
                      "| Unit | Awaited | Result | Why not everything |", "|---|---|---|---|"]) + "\n"


def markdown_row(unit: Unit, outcome: Outcome | None) -> str:
    why = "<br>".join(_why(unit)).replace("|", "\\|")
    return f"| {unit.kind} `{unit.name}` | {_expectation(unit)} | {_result(outcome) or '-'} | {why} |\n"


def markdown_skipped(plan: ReconcilePlan) -> str:
    return "".join(markdown_row(unit, None) for unit in plan.units if unit.skipped)

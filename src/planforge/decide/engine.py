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

from typing import Any

from planforge.decide import text as tx
from planforge.decide.answers import Answers, Component, Decided, Decision, EnvironmentSizing, Provenance, Service
from planforge.decide.context import Context, default_prov
from planforge.decide.data import decision_order, defaults, not_used_by
from planforge.decide.rules.delivery import decide_delivery
from planforge.decide.rules.goals import decide_goals
from planforge.decide.rules.platform import decide_platform
from planforge.decide.rules.project import decide_project
from planforge.decide.rules.scope import decide_scope
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
    decide_goals(c)
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

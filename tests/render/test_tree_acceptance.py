"""Issue 9's acceptance over the example and real plans: every directory of a plan's infrastructure tree
(its Project Structure trees other than the `specs/` documentation one) either exists in the generated
repository at the same relative path, or `not_applied` reports its line. A refused plan is refused."""
from __future__ import annotations

from pathlib import Path

import pytest
from testlib import PLANS, REAL_PLANS, per_plan, rendered_plan

from planforge.decide import Decided, decide
from planforge.errors import RefusedError
from planforge.plan import parse_plan
from planforge.plan.model import Plan

PLAN_FILES = [*sorted(PLANS.glob("*.plan.md")), *sorted((PLANS / "tools").glob("*.plan.md")),
              *sorted(REAL_PLANS.glob("*.plan.md"))]
# The plans planforge refuses (their snapshots record the refusal too): the test asserts the refusal.
REFUSED = {"needs-clarification.plan.md"}


def tree_directories(plan: Plan) -> dict[str, int]:
    """Every directory of the plan's infrastructure trees -> the line that names it (a directory an
    entry implies, `helm/` of `helm/todo/`, at that entry's line)."""
    out: dict[str, int] = {}
    for entry in plan.source_paths:
        parts = entry.path.rstrip("/").split("/")
        for n in range(1, len(parts) + (1 if entry.path.endswith("/") else 0)):
            out.setdefault("/".join(parts[:n]) + "/", entry.line)
    return out


@pytest.fixture(scope="module", params=per_plan(PLAN_FILES))
def generated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
              ) -> tuple[Plan, Decided | RefusedError, Path]:
    """(plan, its decision or refusal, the repository rendered from it), once per plan."""
    plan = parse_plan(request.param)
    try:
        decided = decide(plan)
    except RefusedError as refusal:
        return plan, refusal, Path()
    dest = rendered_plan(request.param, tmp_path_factory)  # the render of decided.answers
    return plan, decided, dest


def test_every_tree_directory_is_generated_or_reported_with_its_line(generated) -> None:
    plan, decided, dest = generated
    name = Path(plan.source).name
    if name in REFUSED:
        assert isinstance(decided, RefusedError), f"{name} is meant to be refused"
        return
    assert isinstance(decided, Decided), f"{name} was refused: {decided}"
    reported = {item.line for item in decided.not_applied}
    # the services' sources, which the delivery workflow builds from (the application team's, never generated)
    workflow = dest / ".github/workflows/deliver.yml"
    contexts = [b.context for b in decided.answers.builds if workflow.is_file() and f"CONTEXT: {b.context}\n" in workflow.read_text()]
    missing = [f"plan.md:{line}: {path}" for path, line in tree_directories(plan).items()
               if not (dest / path).is_dir() and line not in reported
               and not any(c == path.rstrip("/") or c.startswith(path) or path.startswith(c + "/") for c in contexts)]
    assert not missing, "tree directories neither generated nor reported:\n" + "\n".join(missing)


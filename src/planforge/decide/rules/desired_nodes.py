"""A desired node count the plan states besides the range (`| Nodes (min / desired / max) |` over `| 3 / 4 / 12 |`):
the range is applied (rules/figures); the node group starts at its minimum and planforge sets no desired count, so a
desired count other than the minimum is reported at its cell."""
from __future__ import annotations

from planforge.decide.context import Context
from planforge.decide.environments import environment_rows
from planforge.plan.figure_sources import slashed_counts, slashed_roles


def decide_desired_nodes(c: Context) -> None:
    """Report each environment's stated desired node count that is not its minimum."""
    for row in environment_rows(c.plan, c.values.get("environments", [])):
        roles = slashed_roles(row.label)
        if roles is None or "des" not in roles[1] or "min" not in roles[1]:
            continue
        for cell in row.cells:
            _, counts, _ = slashed_counts(cell.text) or ("", [], "")
            if len(counts) != len(roles[1]):
                continue
            low, desired = (counts[roles[1].index(role)] for role in ("min", "des"))
            if desired != low:
                c.unapplied(cell.line, cell.text, f"{cell.env}'s node group starts at its minimum, {low} node{'' if low == '1' else 's'}: "
                            f"planforge sets no desired count ({desired}); the cluster autoscaler, where it runs, "
                            "scales between the minimum and the maximum, else set the node group's desired size")

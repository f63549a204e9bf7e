"""A table with a row per environment states each environment's node bounds in two columns (`| Nodes (min) | Nodes
(max) |`) and its spot capacity as a yes/no column (`| Spot |`). Before, the two bounds were read as two counts, the
second winning (prod's autoscaler from 3 to 9 became 9 fixed nodes), and the Spot column was dropped silently
(the GKE review's plan)."""
from __future__ import annotations

from testlib import FIXTURES, line_of

from planforge.decide import decide
from planforge.plan import parse_plan, parse_text

PLAN = FIXTURES / "reviewed/gke-orders-flux.plan.md"
TEXT = PLAN.read_text(encoding="utf-8")


def sizing(d) -> dict[str, tuple]:
    return {s.name: (s.min_size, s.max_size, s.instance_type, s.spot_nodes) for s in d.answers.environment_sizing}


def test_min_and_max_columns_are_one_range_and_a_yes_in_the_spot_column_is_spot() -> None:
    d = decide(parse_plan(PLAN))
    assert sizing(d) == {"dev": (2, 2, "e2-standard-4", True), "prod": (3, 9, "n2-standard-8", False)}
    dev_row = line_of(TEXT, "| dev ")
    assert any(a.answer == "environment_sizing.dev.spot_nodes" and a.line == dev_row for a in d.applied)


def test_bound_columns_in_either_order_and_spelling() -> None:
    table = ("| Environment | Max nodes | Machine type | Min nodes | Spot nodes? |\n"
             "|---|---|---|---|---|\n| dev | 4 | e2-standard-4 | 1 | no |\n| prod | 12 | n2-standard-8 | 6 | no |\n")
    d = decide(parse_text(TEXT.replace(TEXT[TEXT.index("| Environment |"):TEXT.index("### Applications")], table + "\n")))
    assert sizing(d) == {"dev": (1, 4, "e2-standard-4", False), "prod": (6, 12, "n2-standard-8", False)}

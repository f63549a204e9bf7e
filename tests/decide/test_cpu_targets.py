"""The CPU utilization a plan's HPAs scale at reaches the services it names (`cpu_target`), from a scaling sentence or
a values block; an alert's threshold is no target, and a second target for a service is reported."""
from __future__ import annotations

from testlib import PLANS, REAL_PLANS

from planforge.decide import decide
from planforge.plan import parse_plan, parse_text

TODO_CHART = (PLANS / "todo-chart.plan.md").read_text(encoding="utf-8")


def _targets(decided) -> dict[str, int]:
    return {s.name: s.cpu_target for s in [*decided.answers.services, *decided.answers.apps]}


def test_the_hpa_manifest_line_names_its_service() -> None:
    # `8. **hpa-backend.yaml**: Min 2, max 10 replicas, CPU 70% target, stabilization`
    d = decide(parse_plan(next(REAL_PLANS.glob("sitarasheikh*.plan.md"))))
    assert _targets(d) == {"backend": 70, "frontend": 0}
    assert "HPA CPU target backend 70% (plan line 65)" in d.provenance["services"].note


def test_a_line_naming_no_service_sets_every_one_when_none_is_autoscaled() -> None:
    # `- Verify auto-scaling triggers at 70% CPU`; `CPU utilization > 80% for 10 minutes` is an alert
    d = decide(parse_plan(next(REAL_PLANS.glob("shazilk-dev*.plan.md"))))
    assert _targets(d) == {"backend": 70, "frontend": 70}
    # no replica range: the chart's autoscaling stays off, and the Decisions say the target waits for it
    assert "backend 70% (plan line 611; used once its autoscaling is on" in d.provenance["services"].note


def test_values_blocks_give_each_service_its_target() -> None:
    # `hpa: {minReplicas: 2, maxReplicas: 6, cpuTargetPercent: 70}` per service, production's block first
    d = decide(parse_plan(next(REAL_PLANS.glob("sharjeeltanoli*.plan.md"))))
    assert _targets(d) == {"backend": 70, "frontend": 80, "sse-gateway": 70, "notification": 70, "mcp": 80}


def test_the_first_target_wins_and_another_is_reported() -> None:
    text = TODO_CHART + ("\n## Scaling\n\n- The backend HPA scales at 60% CPU.\n"
                         "- backend autoscaling targets CPU 80% later on.\n"
                         "- Page on-call when CPU utilization > 90% for 5 minutes (alert).\n")
    d = decide(parse_text(text))
    assert _targets(d) == {"backend": 60, "frontend": 0}
    assert [n.why for n in d.not_applied if n.text == "CPU 80%"] == ["backend scales at 60% CPU, as line "
                                                                     f"{text.splitlines().index('- The backend HPA scales at 60% CPU.') + 1} states"]


def test_no_scaling_word_no_target() -> None:
    d = decide(parse_text(TODO_CHART + "\n## Capacity\n\n- Nodes run at 70% CPU on average.\n"))
    assert set(_targets(d).values()) == {0}


def test_a_target_after_the_cpu_word_and_a_comma() -> None:
    """`3-12 in prod (HPA on CPU, 70% target)` in an applications table row: before, the HPA kept 75%."""
    d = decide(parse_text(TODO_CHART + "\n## Scaling\n\n- backend: 2-6 replicas (HPA on CPU, 70% target).\n"))
    assert _targets(d) == {"backend": 70, "frontend": 0}

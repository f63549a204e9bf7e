"""A count the plan states of what its system is made of is read against the decided system: credited when the
repository holds that many, listed with what it holds when not, and left alone when it counts something else."""
from __future__ import annotations

import pytest

from planforge.decide import decide
from planforge.plan import parse_text
from testlib import PLANS

DAPR = (PLANS / "event-driven-dapr.plan.md").read_text(encoding="utf-8")
SCALE = "**Scale/Scope**: 3 services, 2 environments (dev, prod)"  # three chart services, in dev and prod


def _decided(scale: str):
    assert SCALE in DAPR
    text = DAPR.replace(SCALE, f"**Scale/Scope**: {scale}")
    line = next(n for n, raw in enumerate(text.splitlines(), 1) if raw.startswith("**Scale/Scope**"))
    return decide(parse_text(text, "plan.md")), line


def _on(decided, line: int) -> tuple[dict[str, str], dict[str, str]]:
    """(credited words -> answer, listed words -> why) of one plan line."""
    return ({a.text: a.answer for a in decided.applied if a.line == line},
            {i.text: i.why for i in decided.not_applied if i.line == line})


def test_counts_the_repository_holds_are_credited():
    decided, line = _decided("3 services, 2 environments (dev, prod)")
    assert [u.name for u in decided.model.units if u.kind == "chart"] == ["backend", "frontend", "notification-service"]
    credited, listed = _on(decided, line)
    assert credited == {"3 services": "services", "2 environments": "environments"}
    assert listed == {}


def test_a_count_the_repository_does_not_hold_is_listed_with_what_it_holds():
    decided, line = _decided("5 microservices, 3 environments (dev, prod)")
    credited, listed = _on(decided, line)
    assert credited == {}
    assert listed["5 microservices"].startswith(
        "the repository deploys 3 application(s) of the plan's own (backend, frontend, notification-service)")
    assert listed["3 environments"].startswith("the repository has 2 environment(s) (dev, prod)")


@pytest.mark.parametrize("scale", [
    "12 nodes per environment",  # nodes, counted per environment
    "16 for application data",  # a version before a preposition
    "Phase 3 services rollout",  # a phase number
    "~3 services",  # an estimate
    "3 service",  # a singular noun after a plural count counts something else
])
def test_numbers_that_count_something_else_are_not_read_as_counts(scale: str):
    decided, line = _decided(scale)
    credited, listed = _on(decided, line)
    assert not [words for words, answer in credited.items() if answer in ("apps", "environments")]
    assert not [why for why in listed.values() if why.startswith(("the repository deploys", "the repository has"))]

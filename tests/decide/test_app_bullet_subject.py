"""A bullet about one application (`- **fulfilment-worker** — background consumer (Python). ... No Service, no
ingress.`) states in its later sentences what they say without naming it again. Before, `No Service` was dropped
without a word and the worker got a Service and HTTP probes it cannot answer (the GKE review's plan)."""
from __future__ import annotations

from testlib import FIXTURES

from planforge.decide import decide
from planforge.plan import parse_plan, parse_text

PLAN = FIXTURES / "reviewed/gke-orders-flux.plan.md"
TEXT = PLAN.read_text(encoding="utf-8")


def apps(d) -> dict[str, bool]:
    return {a.name: a.inbound for a in d.answers.apps}


def test_a_later_sentence_of_an_application_bullet_is_about_it() -> None:
    d = decide(parse_plan(PLAN))
    assert apps(d) == {"orders-web": True, "orders-api": True, "fulfilment-worker": False}
    assert any(a.text == "No Service" and a.answer == "apps" for a in d.applied)


def test_a_bullet_whose_first_sentence_names_two_applications_lends_neither() -> None:
    text = TEXT.replace("- **fulfilment-worker** — background consumer (Python).",
                        "- **fulfilment-worker** — background consumer (Python), fed by orders-api.")
    assert text != TEXT
    assert apps(decide(parse_text(text)))["fulfilment-worker"] is True

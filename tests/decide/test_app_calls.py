"""Calls between the plan's applications: before, each Kustomize application's namespace admitted traffic from no other
application's, so the one call path a plan states (`web calls the API`) was blocked once applied."""
from __future__ import annotations

import pytest
from testlib import PLANS, line_of

from planforge.decide import decide
from planforge.plan import parse_text

EKS = (PLANS / "aws-eks-argocd.plan.md").read_text(encoding="utf-8")
FIELD = "**Custom Applications**: orders-api, web-frontend\n"


def calls(sentence: str, plan: str = EKS) -> list[tuple[str, str]]:
    assert FIELD in plan
    d = decide(parse_text(plan.replace(FIELD, f"{FIELD}\n{sentence}\n"), "plan.md"))
    return [(call.caller, call.callee) for call in d.answers.app_calls]


@pytest.mark.parametrize("sentence, expected", [
    ("web-frontend calls orders-api at http://orders-api.orders-api.svc.cluster.local:8080.",
     [("web-frontend", "orders-api")]),
    ("The web-frontend talks to orders-api over HTTP.", [("web-frontend", "orders-api")]),
    # an untuned review's Network rules (before, reported as "a figure no answer reads")
    ("Rules: web-frontend may reach orders-api on 8080.", [("web-frontend", "orders-api")]),
    ("NetworkPolicies: allow ingress-nginx → `web-frontend`:3000 and `web-frontend` → `orders-api`:8080.",
     [("web-frontend", "orders-api")]),
    ("orders-api is internal only: no Ingress route, reachable only from web-frontend.", [("web-frontend", "orders-api")]),
    ("web-frontend never calls orders-api directly.", []),  # a negation states no call
    ("web-frontend and orders-api are deployed by Argo CD.", []),  # no call word
    ("orders-api calls Stripe.", []),  # one application: a call out of the cluster (external_https)
    # a relative clause names the callee first; what follows the clause is no callee (an untuned review's Summary
    # read `web-frontend -> orders-api` the wrong way round)
    ("an internal orders-api that the web-frontend calls over HTTP inside the cluster, and a worker.",
     [("web-frontend", "orders-api")]),
    ("The web-frontend calls over plain HTTP inside the cluster, and orders-api writes orders.", []),
])
def test_a_sentence_naming_one_application_calling_another_opens_that_path(sentence, expected) -> None:
    assert calls(sentence) == expected


def test_the_call_is_applied_at_its_line_and_shown_in_the_decisions() -> None:
    sentence = "web-frontend calls orders-api for every page."
    text = EKS.replace(FIELD, f"{FIELD}\n{sentence}\n")
    d = decide(parse_text(text, "plan.md"))
    assert d.provenance["app_calls"].line == line_of(text, sentence)
    assert ("app_calls", "web-frontend -> orders-api") in {(x.name, x.value) for x in d.answers.decisions}
    assert not [n for n in d.not_applied if n.line == line_of(text, sentence)]


def test_a_chart_plan_opens_nothing() -> None:
    """A chart's services share one namespace: nothing denies their calls."""
    chart = (PLANS / "todo-chart.plan.md").read_text(encoding="utf-8")
    d = decide(parse_text(chart + "\nThe frontend calls the backend at /api.\n", "plan.md"))
    assert d.answers.app_calls == []

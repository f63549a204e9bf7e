"""Upstream charts stay upstream: a chart the plan deploys as published becomes a component with the plan's
repository and exact version, never an invented application (issue: catalog charts stay catalog charts)."""
from __future__ import annotations

import time

import pytest

from testlib import HANG_GUARD, PLANS
from planforge.decide import decide
from planforge.errors import RefusedError
from planforge.plan import parse_text

AUTHENTIK = (PLANS / "authentik-upstream.plan.md").read_text(encoding="utf-8")
SUMMARY = ("official authentik Helm chart (version 2024.8.3 from https://charts.goauthentik.io) with values for")


def decided(text: str):
    return decide(parse_text(text, "plan.md"))


def test_the_upstream_chart_is_a_component_with_the_plans_repository_and_version_and_no_app_is_invented():
    d = decided(AUTHENTIK)
    comps = {x.name: x for x in d.answers.components}
    assert set(comps) == {"argo-cd", "cert-manager", "authentik"}
    a = comps["authentik"]
    assert (a.chart_repo, a.chart, a.version, a.namespace) == ("https://charts.goauthentik.io", "authentik", "2024.8.3",
                                                              "authentik")
    assert d.answers.services == []
    services = next(x for x in d.answers.decisions if x.name == "services")
    assert services.source.startswith("plan.md:7: official authentik Helm chart")
    assert not any("authentik-idp" in (s.image or "") for s in d.answers.services)


@pytest.mark.parametrize("sentence, chart_repo", [
    ("using the upstream authentik chart 2024.8.3 from https://charts.goauthentik.io/ with values for",
     "https://charts.goauthentik.io"),
    ("using the community authentik Helm chart version 2024.8.3 (https://charts.goauthentik.io) with values for",
     "https://charts.goauthentik.io"),
])
def test_other_spellings_of_an_upstream_chart(sentence, chart_repo):
    d = decided(AUTHENTIK.replace(SUMMARY, sentence))
    [a] = [x for x in d.answers.components if x.name == "authentik"]
    assert (a.chart_repo, a.version) == (chart_repo, "2024.8.3") and d.answers.services == []


def test_an_upstream_chart_without_a_repository_is_refused_at_its_line():
    text = AUTHENTIK.replace(SUMMARY, "official authentik Helm chart (version 2024.8.3) with values for")
    with pytest.raises(RefusedError) as exc:
        decided(text)
    [p] = exc.value.problems
    assert p.line == 7 and "upstream authentik chart but names no chart repository" in p.message
    assert "https://" in p.hint


def test_an_upstream_chart_without_an_exact_version_is_refused():
    text = (AUTHENTIK.replace(SUMMARY, "official authentik Helm chart from https://charts.goauthentik.io with values for")
            .replace("authentik Helm chart 2024.8.3", "authentik Helm chart"))
    with pytest.raises(RefusedError) as exc:
        decided(text)
    [p] = exc.value.problems
    assert p.line == 7 and "without an exact chart version" in p.message


def test_a_catalog_chart_takes_the_exact_chart_version_the_plan_states():
    text = AUTHENTIK.replace("authentik Helm chart 2024.8.3, cert-manager",
                             "authentik Helm chart 2024.8.3, the official cert-manager Helm chart v1.15.3")
    d = decided(text)
    [cm] = [x for x in d.answers.components if x.name == "cert-manager"]
    assert (cm.version, cm.chart_repo) == ("v1.15.3", "https://charts.jetstack.io")
    assert cm.notes == "chart version stated in the plan"


def test_words_about_charts_in_general_name_no_chart():
    text = AUTHENTIK.replace("**Constraints**: no custom images; values only",
                             "**Constraints**: upstream Helm charts wherever a maintained chart exists; no chart of our own")
    assert {x.name for x in decided(text).answers.components} == {"argo-cd", "cert-manager", "authentik"}


def test_reading_chart_mentions_is_linear_on_long_lines():
    for line in ("official a chart " * 600, "official " * 1100 + "x chart", "x chart 1.1." * 800):
        start = time.perf_counter()
        try:
            decided(AUTHENTIK.replace("no custom images; values only", line))
        except RefusedError:
            pass
        assert time.perf_counter() - start < HANG_GUARD, line[:20]

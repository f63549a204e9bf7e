"""A version the plan states for a catalog component it installs is credited where the pinned chart lies within it,
installed where it is a later patch of the pinned release line, and otherwise reported at its line with the pin (an
earlier patch lacks the fixes the pin carries)."""
from __future__ import annotations

import pytest

from planforge.decide import decide
from planforge.plan import parse_plan, parse_text
from testlib import PLANS, REAL_PLANS

SHARJEEL = REAL_PLANS / "sharjeeltanoli--todoadvanceapp--006-cloud-deployment.plan.md"  # line 17 names five


def _listed(decided) -> dict[tuple[int, str], str]:
    return {(i.line, i.text): i.why for i in decided.not_applied}


def test_versions_the_pins_lie_within_are_credited_and_the_others_reported_with_the_pin():
    d = decide(parse_plan(SHARJEEL))
    listed = _listed(d)
    pins = {comp.name: comp.version for comp in d.answers.components}
    assert pins["ingress-nginx"].startswith("4.") and pins["loki"].startswith("6.")
    assert not [text for ln, text in listed if ln == 17 and ("ingress-nginx" in text or "Loki" in text)]
    assert {(a.line, a.text) for a in d.applied} >= {(17, "ingress-nginx 4.x"), (17, "Loki 6.x")}
    # cert-manager and Dapr charts carry the application's version: 1.14.x and 1.13.x are chart lines not pinned
    assert listed[(17, "cert-manager 1.14.x")].startswith(f"planforge pins the cert-manager chart {pins['cert-manager']}, "
                                                          "outside 1.14.x")
    assert f"dapr chart {pins['dapr']}, outside 1.13.x" in listed[(17, "Dapr 1.13.x")]
    # another major version than the pin's: the chart's older line or the application's version
    assert "names another major version" in listed[(17, "kube-prometheus-stack 58.x")]
    # one item per stated version: the coverage scan's own clause is known as reported
    assert len([text for ln, text in listed if ln == 17 and "1.14" in text]) == 1


@pytest.mark.parametrize(("words", "credited", "installed"), [
    ("Dapr 1.14", True, "1.14.4"), ("Dapr 1.12+", True, "1.14.4"), ("Dapr >= 1.10", True, "1.14.4"),
    ("Dapr v1.14.4", True, "1.14.4"), ("Dapr 1.x", True, "1.14.4"),
    ("Dapr 1.14.7", True, "1.14.7"),  # a later patch of the pinned line is the one installed
    ("Dapr 1.14.2", False, "1.14.4"),  # an earlier one lacks the pin's fixes
    ("Dapr 1.13.x", False, "1.14.4"), ("Dapr 1.13.2", False, "1.14.4"), ("Dapr 2.x", False, "1.14.4"),
    ("Dapr 1.15+", False, "1.14.4"), ("Dapr 1.14.x", True, "1.14.4"),
])
def test_a_stated_version_admits_the_pin_as_a_tool_version_does(words: str, credited: bool, installed: str):
    text = (PLANS / "event-driven-dapr.plan.md").read_text(encoding="utf-8").replace("Dapr 1.14", words, 1)
    d = decide(parse_text(text, "plan.md"))
    line = next(n for n, raw in enumerate(text.splitlines(), 1) if words in raw)
    stated = words.rstrip("+")
    assert ((line, stated) in {(a.line, a.text) for a in d.applied}) is credited
    assert ((line, stated) in _listed(d)) is not credited
    assert next(comp.version for comp in d.answers.components if comp.name == "dapr") == installed


def test_a_duration_after_a_name_is_no_version():
    text = (PLANS / "event-driven-dapr.plan.md").read_text(encoding="utf-8").replace("Dapr 1.14", "Dapr 30s sidecar", 1)
    d = decide(parse_text(text, "plan.md"))
    assert not [a for a in d.applied if a.text.startswith("Dapr 30")]
    assert not [i for i in d.not_applied if "dapr chart" in i.why]


def test_a_version_in_an_add_ons_table_row_is_credited_or_reported() -> None:
    """The chart version column of an add-ons table outside the statement sections: replaced by the pin silently."""
    text = (PLANS / "aws-eks-argocd.plan.md").read_text(encoding="utf-8") + (
        "\n## Infrastructure Design\n\n### Platform add-ons\n\n| Component | Chart / version | Namespace |\n|---|---|---|\n"
        "| cert-manager | `cert-manager` v1.15.3 | `cert-manager` |\n")
    d = decide(parse_text(text, "plan.md"))
    pin = {comp.name: comp.version for comp in d.answers.components}["cert-manager"]
    line = len(text.splitlines())
    assert _listed(d)[(line, "cert-manager v1.15.3")].startswith(f"planforge pins the cert-manager chart {pin}")


@pytest.mark.parametrize(("said", "installed"), [("4.11.7", "4.11.7"), ("4.11.3", "4.11.5")])
def test_a_chart_version_in_a_components_rows_notes_is_read(said: str, installed: str) -> None:
    """`| ingress-nginx | Yes | chart 4.11.3, Azure Standard Load Balancer |`: the HelmReleases pinned 4.11.5 and
    nothing said so. A later patch is installed; 4.11.3 is reported (it lacks the fix of CVE-2025-1974, which 4.11.5
    carries) and never installed."""
    text = (PLANS / "aws-eks-argocd.plan.md").read_text(encoding="utf-8")
    row = next(raw for raw in text.splitlines() if raw.startswith("| ingress-nginx"))
    cells = row.split("|")
    cells[-2] = f" chart {said}, 2 replicas in prod "
    d = decide(parse_text(text.replace(row, "|".join(cells), 1), "plan.md"))
    assert {comp.name: comp.version for comp in d.answers.components}["ingress-nginx"] == installed
    reported = [i for i in d.not_applied if said in i.text]
    assert bool(reported) is (said != installed)
    assert all("a later patch of the same release line" in i.why for i in reported)

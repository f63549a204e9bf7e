"""How long metrics are kept (`metrics kept 15 days`) is the monitoring stack's retention in the environment it
names, else in every one (it was read as no figure at all: silent, and Prometheus kept planforge's 15d/3d)."""
from __future__ import annotations

import pytest

from testlib import PLANS
from planforge.decide import decide
from planforge.decide.readme import render_value
from planforge.plan import parse_text

EKS = (PLANS / "aws-eks-argocd.plan.md").read_text(encoding="utf-8")
ROW = "| kube-prometheus-stack | Yes | Prometheus + Grafana + Alertmanager |"


def decided(text: str):
    d = decide(parse_text(text, "plan.md"))
    kept = {comp.name: comp.retention_days for comp in d.answers.components if comp.retention_days}
    reported = {n.text: n.why for n in d.not_applied if "days" in n.text}
    return kept, reported, d


@pytest.mark.parametrize(("notes", "expected"), [
    ("Prometheus + Grafana, metrics kept 15 days", {"dev": 15, "staging": 15, "prod": 15}),
    ("Prometheus + Grafana, metrics retained 30 days in production", {"prod": 30}),
    ("Prometheus + Grafana, 7-day metrics retention, 30 days in production", {"dev": 7, "staging": 7, "prod": 30}),
])
def test_a_row_retention_is_the_monitoring_stacks(notes: str, expected: dict[str, int]) -> None:
    assert ROW in EKS
    kept, reported, d = decided(EKS.replace(ROW, f"| kube-prometheus-stack | Yes | {notes} |"))
    assert kept == {"kube-prometheus-stack": expected}
    assert not reported
    assert any(a.answer == "components.kube-prometheus-stack.retention_days" for a in d.applied)
    shown = ", ".join(f"{n} days in {env}" for env, n in expected.items())
    assert f"(metrics kept {shown})" in render_value(d.answers.components)  # the README's line


def test_a_retention_on_another_line_is_every_metrics_stores() -> None:
    text = EKS.replace("**Constraints**:", "**Observability**: Prometheus metrics are retained for 21 days.\n"
                       "**Constraints**:", 1)
    kept, reported, _ = decided(text)
    assert kept == {"kube-prometheus-stack": {"dev": 21, "staging": 21, "prod": 21}}
    assert not reported


def test_a_retention_the_output_cannot_write_is_reported_at_its_line() -> None:
    kept, reported, _ = decided(EKS.replace(ROW, "| kube-prometheus-stack | Yes | metrics kept 15-30 days |"))
    assert not kept and reported == {"kept 15-30 days": "a retention is one number of days: state one"}
    without = EKS.replace(ROW + "\n", "").replace("**Constraints**:", "**Observability**: metrics kept 21 days.\n"
                                                 "**Constraints**:", 1)
    kept, reported, _ = decided(without)
    assert not kept and list(reported.values()) == [
        "no component of the output keeps metrics (kube-prometheus-stack's Prometheus does): set the retention where "
        "your metrics are kept"]


def test_a_traces_retention_is_no_metrics_retention_and_is_reported() -> None:
    text = EKS.replace("**Constraints**:", "**Observability**: traces retained 7 days in Tempo.\n**Constraints**:", 1)
    kept, reported, _ = decided(text)
    assert not kept
    assert reported == {"retained 7 days": "planforge generates no tracing backend: set the retention in yours"}

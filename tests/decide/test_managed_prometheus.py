"""The cloud's managed Prometheus (`GKE managed Prometheus, Cloud Logging`) runs outside the clusters: it asks for no
Prometheus in them. Before, the word Prometheus there installed a self-hosted kube-prometheus-stack in its place (the
GKE review), a default over what the plan chose."""
from __future__ import annotations

from testlib import FIXTURES, line_of

from planforge.decide import decide
from planforge.plan import parse_text

TEXT = (FIXTURES / "reviewed/gke-orders-flux.plan.md").read_text(encoding="utf-8")
MANAGED = "GKE managed Prometheus, Cloud Logging"


def test_a_managed_prometheus_installs_no_stack_and_is_reported() -> None:
    d = decide(parse_text(TEXT, "plan.md"))
    assert d.answers.monitoring is False
    assert "kube-prometheus-stack" not in [c.name for c in d.answers.components]
    [note] = [n for n in d.not_applied if n.text == "managed Prometheus"]
    assert note.line == line_of(TEXT, MANAGED) and "Managed Service for Prometheus" in note.why


def test_prometheus_and_grafana_beside_it_still_install_the_stack() -> None:
    d = decide(parse_text(TEXT.replace(MANAGED, "Prometheus and Grafana in the cluster, Cloud Logging"), "plan.md"))
    assert d.answers.monitoring is True
    assert "kube-prometheus-stack" in [c.name for c in d.answers.components]

"""A catalog component that calls its cloud's API as a workload identity of its own is installed only where the cloud's
cluster module binds one: elsewhere its row is reported, never shipped without credentials."""
from __future__ import annotations

from testlib import FIXTURES, PLANS, line_of

from planforge.decide import decide
from planforge.plan import parse_plan

NORTHWIND = FIXTURES / "reviewed" / "aks-flux-northwind.plan.md"  # AKS: an external-dns row, Required Yes


def test_external_dns_on_aks_is_reported_not_installed() -> None:
    """The aks module binds no identity to external-dns/external-dns: the chart ran with empty values, and the
    repository's own `validate --strict` failed (wiring/identity-missing) in every environment."""
    d = decide(parse_plan(NORTHWIND))
    assert "external-dns" not in {x.name for x in d.answers.components}
    line = line_of(NORTHWIND.read_text(), "| external-dns | Yes")
    assert [n for n in d.not_applied if n.line == line and "workload identity" in n.why]


def test_a_component_the_clouds_module_binds_stays() -> None:
    """cluster-autoscaler on EKS: the eks module's IRSA role binds kube-system/cluster-autoscaler."""
    d = decide(parse_plan(PLANS / "aws-eks-flux.plan.md"))
    assert "cluster-autoscaler" in {x.name for x in d.answers.components}

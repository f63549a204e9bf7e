"""A Deployment Components row naming what a managed cluster does itself (node autoscaling: cluster-autoscaler,
Karpenter) is no unknown chart: applied where the distribution autoscales its node pools (AKS, GKE), reported where
nothing installs an autoscaler, and never a refusal."""
from __future__ import annotations

import pytest
from testlib import PLANS, line_of

from planforge.decide import decide
from planforge.plan import parse_text

ROW = "| cert-manager | Yes | Let's Encrypt ClusterIssuer |"


def decided_with(plan: str, name: str):
    text = (PLANS / f"{plan}.plan.md").read_text(encoding="utf-8")
    assert ROW in text
    text = text.replace(ROW, f"{ROW}\n| {name} | Yes | Scales the node groups within their min/max |")
    return text, decide(parse_text(text, "plan.md"))


@pytest.mark.parametrize("name", ["cluster-autoscaler", "Cluster Autoscaler", "karpenter"])
def test_on_eks_the_row_is_reported_with_what_stays_unscaled(name: str) -> None:
    text, d = decided_with("aws-eks-argocd", name)
    [note] = [n for n in d.not_applied if n.text == name]
    assert note.line == line_of(text, f"| {name} |")
    assert "nothing installs a node autoscaler on eks yet" in note.why and "minimum size" in note.why
    assert name.lower() not in [c.name for c in d.answers.components]


def test_on_aks_the_node_pools_autoscaling_applies_it() -> None:
    text, d = decided_with("aks-argocd-keyvault", "cluster-autoscaler")
    assert not [n for n in d.not_applied if n.text == "cluster-autoscaler"]
    assert (line_of(text, "| cluster-autoscaler |"), "cluster-autoscaler", "environment_sizing") in {
        (a.line, a.text, a.answer) for a in d.applied}

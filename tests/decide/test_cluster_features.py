"""Node autoscaling is a capability every managed cluster Terraform builds needs (its node groups have a minimum and a
maximum size): built into AKS, GKE and DOKS, installed on EKS (Cluster Autoscaler, added by the system model's
closure). A Deployment Components row naming it (cluster-autoscaler, Karpenter) is no unknown chart: applied where
the clusters have it, reported where nothing installs an autoscaler, and never a refusal."""
from __future__ import annotations

import pytest
from testlib import PLANS, line_of

from planforge.decide import decide
from planforge.plan import parse_text

ROW = "| cert-manager | Yes | Let's Encrypt ClusterIssuer |"


def decided_with(plan: str, name: str = ""):
    text = (PLANS / f"{plan}.plan.md").read_text(encoding="utf-8")
    assert ROW in text
    if name:
        text = text.replace(ROW, f"{ROW}\n| {name} | Yes | Scales the node groups within their min/max |")
    return text, decide(parse_text(text, "plan.md"))


def test_eks_clusters_get_cluster_autoscaler_the_plan_did_not_name() -> None:
    _, d = decided_with("aws-eks-argocd")
    [added] = [c for c in d.answers.components if c.name == "cluster-autoscaler"]
    assert added.namespace == "kube-system" and "node-autoscaler" in added.notes
    assert any(u.id == "component:cluster-autoscaler" for u in d.model.added())


@pytest.mark.parametrize("name", ["cluster-autoscaler", "Cluster Autoscaler"])
def test_on_eks_a_row_naming_it_is_the_installed_autoscaler(name: str) -> None:
    text, d = decided_with("aws-eks-argocd", name)
    assert not [n for n in d.not_applied if n.text == name]
    assert (line_of(text, f"| {name} |"), name, "components") in {(a.line, a.text, a.answer) for a in d.applied}
    assert [c.name for c in d.answers.components].count("cluster-autoscaler") == 1


def test_on_eks_karpenter_is_reported_with_the_autoscaler_installed_instead() -> None:
    text, d = decided_with("aws-eks-argocd", "karpenter")
    [note] = [n for n in d.not_applied if n.text == "karpenter"]
    assert note.line == line_of(text, "| karpenter |")
    assert "not in the component catalog" in note.why and "cluster-autoscaler resizes" in note.why


def test_a_standby_regions_cluster_goes_without_and_the_row_says_so() -> None:
    """The primary clusters get the autoscaler; a standby region's would get the primary cluster's values: the row
    names the clusters left without one."""
    text, d = decided_with("aws-eks-multiregion", "cluster-autoscaler")
    [note] = [n for n in d.not_applied if n.text == "cluster-autoscaler"]
    assert note.line == line_of(text, "| cluster-autoscaler |")
    assert "prod-eu-west-1" in note.why and "get no node autoscaler" in note.why and "minimum size" in note.why
    assert "cluster-autoscaler" in [c.name for c in d.answers.components]


def test_on_aks_the_node_pools_autoscaling_applies_it() -> None:
    text, d = decided_with("aks-argocd-keyvault", "cluster-autoscaler")
    assert not [n for n in d.not_applied if n.text == "cluster-autoscaler"]
    assert (line_of(text, "| cluster-autoscaler |"), "cluster-autoscaler", "environment_sizing") in {
        (a.line, a.text, a.answer) for a in d.applied}
    assert "cluster-autoscaler" not in [c.name for c in d.answers.components]


def test_a_plan_declining_the_autoscaler_is_honoured_not_refused() -> None:
    text = (PLANS / "aws-eks-argocd.plan.md").read_text(encoding="utf-8").replace(
        ROW, f"{ROW}\n| Cluster Autoscaler | No | fixed node counts |")
    d = decide(parse_text(text, "plan.md"))
    assert "cluster-autoscaler" not in [c.name for c in d.answers.components]

"""Nodes on spot capacity per environment (`| Capacity type | spot | on-demand |`, `Dev is smaller: spot nodes only`):
the environment's EKS node group or GKE node pool runs on Spot. Before, the statement was dropped silently and every
node group was on-demand (the EKS module hard-coded ON_DEMAND)."""
from __future__ import annotations

from testlib import FIXTURES, PLANS

from planforge.decide import decide
from planforge.plan import parse_plan, parse_text

EKS = (PLANS / "aws-eks-argocd.plan.md").read_text(encoding="utf-8")
AKS = (PLANS / "aks-argocd-keyvault.plan.md").read_text(encoding="utf-8")


def spot(d) -> dict[str, bool]:
    return {s.name: s.spot_nodes for s in d.answers.environment_sizing}


def test_a_capacity_row_and_a_sentence_name_the_spot_environments() -> None:
    d = decide(parse_plan(FIXTURES / "reviewed/aws-eks-payments.plan.md"))
    assert spot(d) == {"dev": True, "staging": False, "prod": False}
    assert {a.text for a in d.applied if a.answer == "environment_sizing.dev.spot_nodes"} == {"spot", "spot nodes"}


def test_a_sentence_naming_no_environment_is_reported() -> None:
    d = decide(parse_text(EKS + "\n## Cost\n\n- Batch work runs on spot instances.\n"))
    assert not any(spot(d).values())
    [note] = [n for n in d.not_applied if n.text == "spot instances"]
    assert "names no environment" in note.why


def test_aks_reports_spot_nodes() -> None:
    d = decide(parse_text(AKS + "\n## Cost\n\n- Dev runs on spot nodes.\n"))
    assert not any(spot(d).values())
    [note] = [n for n in d.not_applied if n.text == "spot nodes"]
    assert "EKS and GKE" in note.why

"""What a plan states of its AKS clusters beyond their size: Azure CNI overlay (`Azure CNI overlay`: the nodes take
the subnet's addresses, the pods a range of their own), the NetworkPolicy engine (`Calico network policy`, `Azure CNI
powered by Cilium`) and Azure Monitor container insights (`Azure Monitor container insights is enough`). Before, every
cluster ran Azure's engine on the nodes' subnet and sent nothing to Azure Monitor whatever the plan said. Other
clusters keep what their modules set up: the statement is reported there."""
from __future__ import annotations

from typing import TYPE_CHECKING

from planforge.decide.context import Context

if TYPE_CHECKING:
    from planforge.decide.rules.statements import Statement


def decide_pod_overlay(c: Context, structure: str, s: Statement) -> None:
    """`aks_pod_overlay` from an Azure CNI overlay statement."""
    if _aks_cluster(c, structure, s):
        _state(c, "aks_pod_overlay", True, s)


def decide_network_policy_engine(c: Context, structure: str, s: Statement) -> None:
    """`aks_network_policy`: Calico, or Cilium (Azure CNI powered by Cilium, which runs on an overlay)."""
    if _aks_cluster(c, structure, s):
        _state(c, "aks_network_policy", "cilium" if "cilium" in s.words.lower() else "calico", s)


def decide_container_insights(c: Context, structure: str, s: Statement) -> None:
    """`aks_container_insights` from a container insights statement (a negated one is no statement)."""
    if _aks_cluster(c, structure, s, "sends its logs and metrics where its module and components say (container "
                    "insights is an AKS add-on)"):
        _state(c, "aks_container_insights", True, s)


def _aks_cluster(c: Context, structure: str, s: Statement,
                 elsewhere: str = "keeps the CNI and NetworkPolicy engine it sets up") -> bool:
    """Whether the repository builds an AKS cluster the statement applies to; else it is reported, with why."""
    distribution = c.values.get("kubernetes_distribution", "")
    if structure not in ("multi-tool", "multi-tenant"):
        c.unapplied(s.line, s.words, f"a {structure} repository has no Terraform-managed Kubernetes cluster")
    elif distribution != "aks":
        c.unapplied(s.line, s.words, f"the {distribution.upper() or 'cluster'} module {elsewhere}: planforge builds "
                    "this for AKS only")
    else:
        return True
    return False


def _state(c: Context, answer: str, value: object, s: Statement) -> None:
    c.from_line(answer, value, s.line)
    c.applied(s.line, s.words, answer)

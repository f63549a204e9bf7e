"""What a plan states of its AKS clusters beyond their size: Azure CNI overlay (`Azure CNI overlay`: the nodes take
the subnet's addresses, the pods a range of their own), the NetworkPolicy engine (`Calico network policy`, `Azure CNI
powered by Cilium`) and Azure Monitor container insights (`Azure Monitor container insights is enough`), and the Services' range
(`service CIDR 172.16.0.0/16`). Before, every
cluster ran Azure's engine on the nodes' subnet and sent nothing to Azure Monitor whatever the plan said. Other
clusters keep what their modules set up: the statement is reported there."""
from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING

from planforge.decide.context import Context
from planforge.decide.environments import environment_rows
from planforge.plan.model import plain

if TYPE_CHECKING:
    from planforge.decide.rules.statements import Statement


# A CIDR the plan gives the pods or the Services (`pod CIDR 192.168.0.0/16`, `service CIDR: 172.20.0.0/16`): never
# the network's address space
# (`Pod CIDR (overlay) 192.168.0.0/16, service CIDR 172.16.0.0/16`: a short parenthesis after the label too)
_LABELLED_CIDR = re.compile(r"\b(?P<what>pods?|service)\s+(?:cidr|(?:address\s+)?range|address\s+space)"
                            r"(?:\s*+\([^()]{0,30}\))?\s*+[:=]?\s*+"
                            r"(?:of\s+|is\s+)?(?P<cidr>(?:[0-9]{1,3}\.){3}[0-9]{1,3}/[0-9]{1,2})\b", re.I)
# `DNS service IP 172.16.0.10`: the cluster DNS address, which the aks module takes as the service range's tenth
_DNS_IP_LABEL = r"\bdns\s+(?:service\s+)?ip(?:\s+address)?"
_DNS_IP = re.compile(_DNS_IP_LABEL + r"\s*+[:=]?\s*+(?P<ip>(?:[0-9]{1,3}\.){3}[0-9]{1,3})\b", re.I)
_POD_CIDR_DEFAULT = "192.168.0.0/16"  # the aks module's pod_cidr default
_POD_CIDR_ASIDE = "172.16.0.0/16"  # the pods' range when the plan's network takes the default's addresses


def labelled_cidrs(text: str) -> dict[str, str]:
    """The CIDRs `text` gives the pods or the Services, by the word naming them (`pod`, `service`)."""
    return {m.group("what").lower().rstrip("s"): m.group("cidr") for m in _LABELLED_CIDR.finditer(text)}


def decide_pod_overlay(c: Context, structure: str, s: Statement) -> None:
    """`aks_pod_overlay` (and the pods' range its sentence gives) from an Azure CNI overlay statement."""
    if _aks_cluster(c, structure, s):
        c.stated("aks_pod_overlay", True, s.line, s.words)
        _pod_cidr(c, s)


def decide_network_policy_engine(c: Context, structure: str, s: Statement) -> None:
    """`aks_network_policy`: Calico, or Cilium (Azure CNI powered by Cilium, which runs on an overlay)."""
    if _aks_cluster(c, structure, s):
        c.stated("aks_network_policy", "cilium" if "cilium" in s.words.lower() else "calico", s.line, s.words)
        _pod_cidr(c, s)


def check_pod_cidr(c: Context) -> None:
    """The overlay's pod range never overlaps the environments' network (AKS refuses such a cluster): a range the plan
    states that does is refused at its line; the module's default gives way to another when the plan's network takes
    its addresses. Runs after every statement."""
    overlay = c.values.get("aks_pod_overlay") or c.values.get("aks_network_policy") == "cilium"
    network = c.values.get("network_cidr") or ""
    if not overlay or not network or ":" in network:
        return
    stated = c.values.get("aks_pod_cidr") or ""
    pods = ipaddress.ip_network(stated or _POD_CIDR_DEFAULT, strict=False)
    if not pods.overlaps(ipaddress.ip_network(network, strict=False)):
        return
    if stated:
        c.problem(None, "aks_pod_cidr", f"the pods' range {stated} overlaps the network's address space {network} "
                  f"(line {c.provenance['network_cidr'].line}): AKS refuses a cluster whose overlay takes the nodes' "
                  "addresses", "state a pod range outside the network, e.g. 172.16.0.0/16",
                  line=c.provenance["aks_pod_cidr"].line)
        return
    c.set("aks_pod_cidr", _POD_CIDR_ASIDE, c.provenance["network_cidr"].model_copy(update={
        "note": f"the overlay's pods take {_POD_CIDR_ASIDE}: the network the plan states holds the module's "
                f"default, {_POD_CIDR_DEFAULT}"}))


def _pod_cidr(c: Context, s: Statement) -> None:
    """`aks_pod_cidr` from the pods' range the statement's sentence gives, else an environments table's column
    giving every environment the same one (`| Pod CIDR (overlay) |`)."""
    cidr = labelled_cidrs(s.sentence).get("pod")
    found = (s.line, cidr, "") if cidr else _table_cidr(c, "pod")
    if found and not c.values.get("aks_pod_cidr"):
        c.stated("aks_pod_cidr", found[1], found[0], found[1])


# an environments table's column (or row) of the pods' or the Services' range (`Pod CIDR (overlay)`, `Service CIDR`)
_RANGE_LABEL = re.compile(r"^\W*(?P<what>pods?|services?)\s+(?:cidr|(?:address\s+)?range)\b", re.I)


def _table_cidr(c: Context, what: str) -> tuple[int, str, str] | None:
    """(line, CIDR, the cells of the table's DNS service IP) of an environments table giving every environment the
    same pods' (`what` pod) or Services' (service) range: one cluster setting of the aks module."""
    rows = environment_rows(c.plan, c.values.get("environments", []))
    for row in rows:
        m = _RANGE_LABEL.match(plain(row.label))
        cidrs = {plain(cell.text).strip("` ") for cell in row.cells}
        if m is None or m.group("what").lower().rstrip("s") != what or len(cidrs) != 1:
            continue
        cidr = cidrs.pop()
        if re.fullmatch(r"(?:[0-9]{1,3}\.){3}[0-9]{1,3}/[0-9]{1,2}", cidr):
            dns = next((f"DNS service IP {plain(cell.text).strip('` ')}" for r in rows
                        if re.match(r"^\W*" + _DNS_IP_LABEL, plain(r.label), re.I) for cell in r.cells[:1]), "")
            return row.cells[0].line, cidr, dns
    return None


def decide_container_insights(c: Context, structure: str, s: Statement) -> None:
    """`aks_container_insights` from a container insights statement (a negated one is no statement)."""
    if _aks_cluster(c, structure, s, "sends its logs and metrics where its module and components say (container "
                    "insights is an AKS add-on)"):
        c.stated("aks_container_insights", True, s.line, s.words)


def decide_service_cidr(c: Context, structure: str) -> None:
    """`aks_service_cidr` from the first line labelling the Services' range (`service CIDR 172.16.0.0/16`) on an AKS
    cluster Terraform builds: outside 10.0.0.0/8 (the aks module's rule: the platform's networks are there), the
    environments' network and the pods' range, else refused at its line; a DNS service IP other than the range's
    tenth address (what the module sets) is reported."""
    c.default("aks_service_cidr", "", "the cluster's Services take the aks module's range, 172.20.0.0/16")
    if structure not in ("multi-tool", "multi-tenant") or c.values.get("kubernetes_distribution") != "aks":
        return
    found = next(((line, m.group("cidr"), plain(c.plan.lines[line - 1])) for line, raw in enumerate(c.plan.lines, 1)
                  for m in _LABELLED_CIDR.finditer(plain(raw)) if m.group("what").lower() == "service"), None)
    found = found or _table_cidr(c, "service")
    if found is None:
        return
    line, stated, dns_text = found
    service = ipaddress.ip_network(stated, strict=False)
    taken = [(what, cidr) for what, cidr in (("10.0.0.0/8", "10.0.0.0/8"),
                                             ("the environments' network", c.values.get("network_cidr") or ""),
                                             ("the pods' range", c.values.get("aks_pod_cidr") or _POD_CIDR_DEFAULT))
             if cidr and ":" not in cidr and service.overlaps(ipaddress.ip_network(cidr, strict=False))]
    if taken:
        c.problem(None, "aks_service_cidr", f"the Services' range {stated} overlaps {taken[0][0]} "
                  f"({taken[0][1]}): the cluster could not reach what those addresses hold",
                  "state a Service range outside 10.0.0.0/8 and the pods' range, e.g. 172.20.0.0/16", line=line)
        return
    c.stated("aks_service_cidr", str(service), line, stated)
    dns = _DNS_IP.search(dns_text)
    if dns and dns.group("ip") != str(service[10]):
        c.unapplied(line, dns.group(0), f"the aks module gives the cluster DNS the range's tenth address, {service[10]}")
    elif dns:
        c.applied(line, dns.group(0), "aks_service_cidr")


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

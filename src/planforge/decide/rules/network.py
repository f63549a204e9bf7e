"""The address space a plan states for its network: built where one network per environment takes it, reported
(never silently replaced) where the layout gives each network a /16 of its own.

Each environment's network is a separate VPC/VNet/VCN of one region, so every environment can take the same stated
/16. Where several networks must not overlap (the standby regions of a multi-region plan, the clouds of a
multi-cloud plan, DigitalOcean's VPCs of one region, which take a range per environment only) or where other ranges are derived from the default 10.0.0.0/16
(the tenants' database subnets), the layout keeps its own and the statement is reported with why.
"""
from __future__ import annotations

import ipaddress
import re

from functools import lru_cache

from planforge.decide.context import Context
from planforge.decide.data import load
from planforge.decide.rules.clouds import multi_cloud_field

DEFAULT = "10.0.0.0/16"
_CLOUDS = ("aws", "azure", "gcp", "oci")
_DOKS_RANGES = ipaddress.ip_network("10.244.0.0/15")  # DOKS's default pods (10.244.0.0/16) and services (10.245.0.0/16)
_STRUCTURES = ("single-iac", "multi-tool")
_AKS_SERVICES = ipaddress.ip_network("172.20.0.0/16")  # modules/azure/aks: the service range outside 10.0.0.0/8


def decide_network_cidr(c: Context, structure: str, line: int, stated: list[str]) -> None:
    """`network_cidr` from the address spaces a statement lists, or the statement reported with why not (a row of
    each environment's, decide_environment_networks, is not stated again)."""
    stated = [cidr for cidr in stated if (line, cidr) not in c.applied_phrases]
    if not stated or stated == [DEFAULT]:
        return
    why = why_not(c, structure, stated)
    if why:
        for cidr in stated:
            c.unapplied(line, cidr, f"each environment's network takes {DEFAULT} ({why}): set the network's CIDR "
                        "variable or parameter to change it")
        return
    earlier = c.values.get("network_cidr")
    if earlier and earlier != stated[0]:
        c.unapplied(line, stated[0], f"the plan states {earlier} for the network at line "
                    f"{c.provenance['network_cidr'].line}: each environment's network takes that one")
        return
    c.stated("network_cidr", stated[0], line, stated[0])


def why_not(c: Context, structure: str, stated: list[str], per_environment: bool = False) -> str:
    """Why the stated address space cannot be each environment's network, or one environment's
    (`per_environment`) ('' when it can)."""
    if len(stated) > 1:
        return f"the plan lists {len(stated)} address spaces, and every environment's network is laid out alike"
    try:
        net = ipaddress.ip_network(stated[0])
    except ValueError:
        return f"{stated[0]} is no network address"
    cloud = c.values.get("cloud", "none")
    if cloud == "digitalocean" and per_environment and structure in _STRUCTURES:
        # a VPC has no subnets: any private range DigitalOcean takes, apart from DOKS's own
        if not net.is_private or not 16 <= net.prefixlen <= 24 or net.overlaps(_DOKS_RANGES):
            return "a DigitalOcean VPC is a private range from /16 to /24, clear of DOKS's 10.244.0.0/15"
        return ""
    if net.prefixlen != 16 or not net.is_private:
        return "the subnets are carved from a private /16 (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16)"
    if cloud not in _CLOUDS:
        return "a /16 of its own per environment, so the environments' VPCs of one region never overlap" \
            if cloud == "digitalocean" else "no cloud network is created"
    if structure not in _STRUCTURES:
        return "the tenants' database subnets are carved from it"
    if per_environment and c.values.get("terraform_roots") == "workspaces":
        return "the environments share one root, whose network is laid out once"
    if multi_cloud_field(c.plan) is not None:
        return "a /16 of its own per cloud, so the clouds' networks can be connected"
    deployment = c.plan.field("deployment_type")
    if deployment is not None and re.search(load("regions.yaml")["deployment_type"]["multi_region"],
                                            deployment.plain, re.I):
        return "a /16 of its own per region, so the regions' networks can be peered"
    if cloud == "azure" and net.overlaps(_AKS_SERVICES):
        return f"AKS's service range is {_AKS_SERVICES}"
    return ""


@lru_cache(maxsize=None)
def _cidr_candidate() -> re.Pattern[str]:
    return re.compile(load("statements.yaml")["cidr_candidate"])


def cidrs_in(text: str) -> list[str]:
    """The CIDRs a sentence lists, in order, each once (checked against the answer rules later)."""
    found = [m.group(0) for m in _cidr_candidate().finditer(text)]
    return list(dict.fromkeys(found))

"""On-premise rules: on-premise hosts (alone or beside one cloud, `hybrid`), Ansible beside or instead of
Terraform, and the k3s, RKE2 or kubeadm cluster Ansible installs (release, server and agent counts).
Data: data/onprem.yaml."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from planforge.decide import text as tx
from planforge.decide.context import Context
from planforge.decide.data import load
from planforge.plan.model import Field


_NAMES = {"k3s": "k3s", "rke2": "RKE2", "kubeadm": "kubeadm"}  # how each distribution is written in messages
_SUFFIXES = {"k3s": "+k3s1", "rke2": "+rke2r1", "kubeadm": ""}  # what follows the patch in a release's name


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    return load("onprem.yaml")


def pattern(name: str) -> str:
    """A pattern of data/onprem.yaml (on_premise, hybrid, ansible, ...)."""
    return str(_data()["patterns"][name])


def names_on_premise(text: str) -> bool:
    """Whether text names on-premise hosts (on-premise, bare metal, self-hosted), not negated."""
    return tx.find(pattern("on_premise"), text) is not None


def names_ansible(text: str) -> bool:
    return tx.find(pattern("ansible"), text) is not None


def defaults(c: Context) -> None:
    """No on-premise hosts and no Ansible until the Cloud Provider and IaC Tools fields name them."""
    c.default("on_premise", False, "the plan names no on-premise hosts")
    c.default("ansible", False, "the IaC Tools field names no Ansible")
    c.default("ansible_version", "", "no Ansible in this plan")


def decide_ansible(c: Context, f: Field) -> None:
    """`ansible` and `ansible_version` from the IaC Tools field (`Ansible 2.17`, `Terraform 1.6, Ansible 2.16`)."""
    if not names_ansible(f.plain):
        return
    c.from_field("ansible", True, f)
    m = re.search(pattern("ansible_version"), f.plain, re.I)
    if m:
        c.from_field("ansible_version", m.group(1), f)
    else:
        c.default("ansible_version", _data()["defaults"]["ansible_version"],
                  "no Ansible version in the plan; documented default (data/onprem.yaml)")


def check_on_premise(c: Context) -> None:
    """What on-premise hosts and Ansible need of each other; runs after the platform rules."""
    v = c.values
    iac = c.plan.field("iac_tools")
    cloud_field = c.plan.field("cloud_provider")
    if v.get("on_premise") and not v.get("ansible"):
        c.problem(cloud_field, "on_premise", "on-premise hosts are named but no Ansible: planforge prepares on-premise "
                  "hosts and installs k3s with Ansible", "add Ansible to IaC Tools (e.g. Ansible 2.17)")
        return
    if not v.get("ansible"):
        return
    if not v.get("on_premise"):
        if iac is not None:
            hit = tx.find(pattern("ansible"), iac.plain)
            c.unapplied(iac.line, hit[1].group(0) if hit else "Ansible",
                        "Ansible named for a cloud-only plan: planforge generates Ansible for on-premise hosts "
                        "(Cloud Provider: on-premise, or hybrid (AWS + on-premise))")
        c.values["ansible"] = False
        return
    if v.get("cloud", "none") != "none" and v.get("iac_tool", "none") == "none":
        c.problem(iac, "iac_tool", f"Ansible alone cannot create the {v['cloud'].upper()} half of a hybrid plan",
                  "add Terraform to IaC Tools (e.g. Terraform 1.6, Ansible 2.16)")
    dist = v.get("kubernetes_distribution", "none")
    if v.get("cloud", "none") == "none" and dist not in _data()["distributions"]:
        c.problem(c.plan.field("kubernetes"), "kubernetes_distribution",
                  f"on-premise hosts get a k3s, RKE2 or kubeadm cluster installed by Ansible; Kubernetes {dist!r} is "
                  "not generated", "name k3s, RKE2 or kubeadm in the Kubernetes field (e.g. k3s v1.29.4+k3s1, "
                  "RKE2 1.30, kubeadm 1.30)")


def _distribution(v: dict[str, Any]) -> str:
    """The distribution Ansible installs: the plan's own on-premise alone, k3s for a hybrid's on-premise half."""
    dist = v.get("kubernetes_distribution", "none")
    return dist if v.get("cloud", "none") == "none" and dist in _data()["distributions"] else "k3s"


def decide_k3s(c: Context) -> None:
    """The k3s, RKE2 or kubeadm release and the server and agent counts of the on-premise cluster (Scale/Scope
    figures)."""
    data = _data()
    installed = _distribution(c.values) if c.values.get("ansible") else None
    for dist in data["distributions"]:
        if dist != installed:
            c.default(f"{dist}_version", "", f"no on-premise {_NAMES[dist]} cluster")
    if installed is None:
        c.default("k3s_servers", 0, "no on-premise cluster")
        c.default("k3s_agents", 0, "no on-premise cluster")
        return
    _release(c, installed, data[f"{installed}_releases"])
    ha = bool(c.values.get("high_availability"))
    servers = data["defaults"]["k3s_servers_ha" if ha else "k3s_servers"]
    name = _NAMES[installed]
    _count(c, "k3s_servers", servers, f"{name} servers" + (" (high availability: embedded etcd survives one loss)"
                                                           if ha else ""))
    _count(c, "k3s_agents", data["defaults"]["k3s_agents"], f"{name} agents")


def _release(c: Context, dist: str, releases: dict[str, str]) -> None:
    """`<dist>_version`: the full release the plan states, else the release of its Kubernetes minor version."""
    answer, name = f"{dist}_version", _NAMES[dist]
    found = tx.first_match(pattern(f"{dist}_release"), [c.plan.field("kubernetes"), *c.plan.fields])
    minor = c.values.get("kubernetes_version", "")
    if found:
        m, f = found
        c.from_field(answer, "v" + m.group(1), f)
        return
    release = releases.get(minor)
    if release is None:
        c.problem(c.plan.field("kubernetes"), answer, f"no {name} release known for Kubernetes {minor}",
                  f"state the {name} release in the Kubernetes field (e.g. v{minor}.0{_SUFFIXES[dist]})")
        c.values[answer] = ""
        return
    c.default(answer, release, f"the {name} release of Kubernetes {minor} (data/onprem.yaml)")


def _count(c: Context, answer: str, default: int, what: str) -> None:
    found = tx.first_match(pattern(answer), [c.plan.field("scale_scope"), *c.plan.fields])
    if found is None:
        c.default(answer, default, f"no {what} count in the plan; documented default (data/onprem.yaml)")
        return
    m, f = found
    count = int(m.group(1))
    if answer == "k3s_servers" and count < 1:
        c.problem(f, answer, f"{m.group(0)!r}: a cluster needs at least one server", "state at least 1")
    elif count > _data()["max_nodes"]:
        c.problem(f, answer, f"{m.group(0)!r}: more than {_data()['max_nodes']} nodes in one inventory group",
                  f"state at most {_data()['max_nodes']}, or split the environment")
    elif answer == "k3s_servers" and count % 2 == 0:
        c.problem(f, answer, f"{m.group(0)!r}: servers with embedded etcd need an odd count to keep quorum",
                  "state 1, 3 or 5 server nodes")
    c.from_field(answer, count, f, text=m.group(0))
    c.applied(f.line, m.group(0), answer)

"""The rules on who may do what: RBAC Roles and bindings, Argo CD AppProjects, NetworkPolicy peers."""
from __future__ import annotations

from typing import Any

from planforge.validate.base import Document
from planforge.validate.policy.core import Collector, data, label_of

RBAC_GROUP = "rbac.authorization.k8s.io/"


def check_role(doc: Document, obj: dict[str, Any], prefix: str, out: Collector) -> None:
    label = label_of(obj)
    exec_resources = set(data()["exec_subresources"])
    exec_verbs = set(data()["exec_verbs"])
    for index, rule in enumerate(obj.get("rules") or []):
        rpath = f"{prefix}rules[{index}]"
        verbs = [str(v) for v in rule.get("verbs") or []]
        resources_ = [str(r) for r in rule.get("resources") or []]
        for field_name, values in (("verbs", verbs), ("resources", resources_)):
            if "*" in values:
                out.add(doc, "policy/rbac-wildcard", f"{label} grants every {field_name[:-1]} ('*')",
                        f"{rpath}.{field_name}", f"list the {field_name} the subject needs")
        granted = sorted(exec_resources.intersection(resources_))
        if granted and exec_verbs.intersection(verbs):
            out.add(doc, "policy/pod-exec", f"{label} grants {', '.join(granted)}, a shell in running pods",
                    f"{rpath}.resources", "remove pods/exec and pods/attach; debug through logs or an audited "
                    "break-glass role")


def check_binding(doc: Document, obj: dict[str, Any], prefix: str, out: Collector) -> None:
    ref = obj.get("roleRef") if isinstance(obj.get("roleRef"), dict) else {}
    if ref.get("kind") == "ClusterRole" and ref.get("name") in data()["cluster_admin_roles"]:
        out.add(doc, "policy/cluster-admin-binding", f"{label_of(obj)} binds the cluster-admin ClusterRole",
                f"{prefix}roleRef.name", "bind a Role (or ClusterRole) that grants only what the subjects need")


def check_appproject(doc: Document, obj: dict[str, Any], prefix: str, out: Collector) -> None:
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    label = label_of(obj)
    for index, repo in enumerate(spec.get("sourceRepos") or []):
        if repo == "*":
            out.add(doc, "policy/appproject-source-repos", f"{label} allows every source repository ('*')",
                    f"{prefix}spec.sourceRepos[{index}]",
                    "list the Git or Helm repository URLs the project deploys from")
    for index, dest in enumerate(spec.get("destinations") or []):
        if not isinstance(dest, dict):
            continue
        cluster = dest.get("server") if "server" in dest else dest.get("name")
        if dest.get("namespace") == "*" and cluster == "*":
            out.add(doc, "policy/appproject-destinations",
                    f"{label} allows every namespace on every cluster (namespace '*', server '*')",
                    f"{prefix}spec.destinations[{index}]", "name the destination cluster and namespaces explicitly")
    for index, entry in enumerate(spec.get("clusterResourceWhitelist") or []):
        if isinstance(entry, dict) and entry.get("group") == "*" and entry.get("kind") == "*":
            out.add(doc, "policy/appproject-cluster-resources",
                    f"{label} whitelists every cluster-scoped resource (group '*', kind '*')",
                    f"{prefix}spec.clusterResourceWhitelist[{index}]",
                    "whitelist only the cluster-scoped kinds the project needs (e.g. Namespace)")


def check_network_policy(doc: Document, obj: dict[str, Any], prefix: str, out: Collector) -> None:
    """A rule whose `from` (`to`) is written but holds no peer (`from:` with nothing under it, `from: []`) admits
    every source (destination), as an omitted one does: nearly always peers that were meant and went missing."""
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    for direction, peers in (("ingress", "from"), ("egress", "to")):
        for index, rule in enumerate(spec.get(direction) or []):
            if isinstance(rule, dict) and peers in rule and not rule[peers]:
                out.add(doc, "policy/network-policy-empty-peers",
                        f"{label_of(obj)}: {direction} rule {index} lists no peer under `{peers}`, so it admits every "
                        f"{'source' if peers == 'from' else 'destination'}", f"{prefix}spec.{direction}[{index}].{peers}",
                        f"list the peers, drop `{peers}` to admit every one on purpose, or drop the rule to admit none")
